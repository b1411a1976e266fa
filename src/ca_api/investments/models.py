"""Existing investments (R-INV-5), a table of migration 0008: append-only (R-AUD-2); a
revaluation is a new row."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Numeric, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class ExistingInvestment(Base):
    __tablename__ = "existing_investment"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    kind: Mapped[str] = mapped_column(Text)
    holder: Mapped[str] = mapped_column(Text)
    units: Mapped[Decimal | None] = mapped_column(Numeric)
    valuation: Mapped[int | None] = mapped_column(BigInteger)
    valued_on: Mapped[date | None] = mapped_column(Date)
    documents_held_at: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    revises_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("existing_investment.id"))
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
