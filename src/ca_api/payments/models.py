"""Payments and their events (migration 0002).

Both tables are append-only (the database refuses UPDATE and DELETE, R-AUD-2): a payment's
state is derived from the events recorded against it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class Payment(Base):
    __tablename__ = "payment"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoice.id"))
    payee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("counterparty.id"))
    from_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_account.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    standing: Mapped[bool] = mapped_column(Boolean, default=False)
    raised_by: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PaymentEvent(Base):
    """APPROVED (with the hold and the limit version), MADE, CANCELLED: once each per payment
    (a unique index); REFUSED_FUNDS_SHORT each time an approval found the client short."""

    __tablename__ = "payment_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"))
    event: Mapped[str] = mapped_column(Text)
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transfer.id"))
    limit_version_id: Mapped[int | None] = mapped_column(ForeignKey("approval_limit_version.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
