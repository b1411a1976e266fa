"""Placements (R-INV-4, R-INV-6), tables of migration 0008: append-only (R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, Numeric, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class Placement(Base):
    __tablename__ = "placement"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approved_institution.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institution_product.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date] = mapped_column(Date)
    maturity_date: Mapped[date] = mapped_column(Date)
    rate_percent: Mapped[Decimal] = mapped_column(Numeric)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision.id"))
    protection_limit: Mapped[int] = mapped_column(BigInteger)
    protection_limit_name: Mapped[str] = mapped_column(Text)
    protection_limit_from: Mapped[date] = mapped_column(Date)
    proposed_by: Mapped[str] = mapped_column(Text)
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlacementEvent(Base):
    __tablename__ = "placement_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    placement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("placement.id"))
    event: Mapped[str] = mapped_column(Text)
    on_date: Mapped[date] = mapped_column(Date)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_account.id"))
    principal_transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"))
    interest_transfer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transfer.id"))
    interest: Mapped[int | None] = mapped_column(BigInteger)
    days_held: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
