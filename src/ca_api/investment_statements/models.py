"""Investment statements (R-INV-3), a table of migration 0008: append-only (R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class InvestmentStatement(Base):
    __tablename__ = "investment_statement"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    deputyship_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deputyship.id"))
    summary: Mapped[str] = mapped_column(Text)
    investments_summary: Mapped[str] = mapped_column(Text)
    surplus: Mapped[int] = mapped_column(BigInteger)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision.id"))
    submitted_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
