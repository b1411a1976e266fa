from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class Receipt(Base):
    """Money in (R-ACC-4, R-ACC-6): what the ledger transfer does not say itself: how the money
    came, for which benefit and period, and when cash or a cheque was received and banked.
    Amount, value date, category, payer and who recorded it are on the transfer. Never changed."""

    __tablename__ = "receipt"

    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    method: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str | None] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    banked_on: Mapped[date | None] = mapped_column(Date)
    receipt_number: Mapped[str | None] = mapped_column(Text)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)


class InterestRun(Base):
    """Interest credited to every CMS account for one period (R-ACC-1). One per period."""

    __tablename__ = "interest_run"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    run_by: Mapped[str] = mapped_column(Text)
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accounts: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
