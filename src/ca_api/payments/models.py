"""Payments and their events (migration 0002).

Both tables are append-only (the database refuses UPDATE and DELETE, R-AUD-2): a payment's
state is derived from the events recorded against it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import (
    Recorded,
    bigserial_pk,
    client_fk,
    counterparty_fk,
    ledger_account_fk,
    transfer_fk,
    uuid_pk,
)
from ca_api.db import Base


class Payment(Base):
    __tablename__ = "payment"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoice.id"))
    payee_id: Mapped[counterparty_fk]
    from_account_id: Mapped[ledger_account_fk]
    amount: Mapped[int]
    category: Mapped[str]
    method: Mapped[str]
    description: Mapped[str]
    standing: Mapped[bool] = mapped_column(default=False)
    winding_up_basis: Mapped[str | None]  # after a confirmed death (migration 0020, B 29)
    raised_by: Mapped[str]
    raised_at: Mapped[datetime]


class PaymentEvent(Recorded, Base):
    """APPROVED (with the hold and the limit version), MADE, CANCELLED: once each per payment
    (a unique index); REFUSED_FUNDS_SHORT each time an approval found the client short."""

    __tablename__ = "payment_event"

    id: Mapped[bigserial_pk]
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"))
    event: Mapped[str]
    transfer_id: Mapped[transfer_fk | None]
    limit_version_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("approval_limit_version.id")
    )
    reason: Mapped[str | None]


class PaymentCurrent(Base):
    """The payment's status now (migration 0048): derived from its events by the database in
    the same transaction (the trigger ``payment_current_apply``), never written otherwise; the
    events stay the record (R-AUD-2). What the lists filter on."""

    __tablename__ = "payment_current"

    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"), primary_key=True)
    status: Mapped[str]
    raised_at: Mapped[datetime]
