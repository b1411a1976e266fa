"""Placements (R-INV-4, R-INV-6), tables of migration 0008: append-only (R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import (
    Recorded,
    bigserial_pk,
    client_fk,
    decision_fk,
    ledger_account_fk,
    transfer_fk,
    uuid_pk,
)
from ca_api.db import Base


class Placement(Base):
    __tablename__ = "placement"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approved_institution.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institution_product.id"))
    amount: Mapped[int]
    start_date: Mapped[date]
    maturity_date: Mapped[date]
    rate_percent: Mapped[Decimal]
    decision_id: Mapped[decision_fk]
    protection_limit: Mapped[int]
    protection_limit_name: Mapped[str]
    protection_limit_from: Mapped[date]
    proposed_by: Mapped[str]
    proposed_at: Mapped[datetime]


class PlacementEvent(Recorded, Base):
    __tablename__ = "placement_event"

    id: Mapped[bigserial_pk]
    placement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("placement.id"))
    event: Mapped[str]
    on_date: Mapped[date]
    account_id: Mapped[ledger_account_fk]
    principal_transfer_id: Mapped[transfer_fk]
    interest_transfer_id: Mapped[transfer_fk | None]
    interest: Mapped[int | None]
    days_held: Mapped[int | None] = mapped_column(Integer)
