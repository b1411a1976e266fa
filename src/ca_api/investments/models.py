"""Existing investments (R-INV-5), a table of migration 0008: append-only (R-AUD-2); a
revaluation is a new row."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, uuid_pk
from ca_api.db import Base


class ExistingInvestment(Recorded, Base):
    __tablename__ = "existing_investment"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    kind: Mapped[str]
    holder: Mapped[str]
    units: Mapped[Decimal | None]
    valuation: Mapped[int | None]
    valued_on: Mapped[date | None]
    documents_held_at: Mapped[str]
    note: Mapped[str | None]
    revises_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("existing_investment.id"))
