"""Tables of temporary financial assistance (migration 0018). Append-only (R-AUD-2): its status
is derived from its events, what is outstanding from its repayments."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, bigserial_pk, client_fk, counterparty_fk, uuid_pk
from ca_api.db import Base


class TemporaryAssistance(Base):
    """A request for the council's money for a client whose own funds are not yet available
    (seed 002 B 4.6): how much, what it pays for, to whom, and why."""

    __tablename__ = "temporary_assistance"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    amount: Mapped[int]
    purpose: Mapped[str]
    payee_id: Mapped[counterparty_fk]
    category: Mapped[str]
    why_funds_unavailable: Mapped[str]
    raised_by: Mapped[str]
    raised_at: Mapped[datetime]


class TemporaryAssistanceEvent(Recorded, Base):
    """APPROVED or REJECTED (with the limit version judged under, R-DEC-4), PAID (the date and
    the council's payment reference), REPAID: once each per assistance (a unique index)."""

    __tablename__ = "temporary_assistance_event"

    id: Mapped[bigserial_pk]
    assistance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("temporary_assistance.id"))
    event: Mapped[str]
    limit_version_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("approval_limit_version.id")
    )
    paid_on: Mapped[date | None]
    payment_reference: Mapped[str | None]
    reason: Mapped[str | None]


class TemporaryAssistanceRepayment(Recorded, Base):
    """A repayment from the client's account to the council: one ledger transfer each."""

    __tablename__ = "temporary_assistance_repayment"

    id: Mapped[uuid_pk]
    assistance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("temporary_assistance.id"))
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"))
    amount: Mapped[int]


class TemporaryAssistanceCurrent(Base):
    """The assistance's status now (migration 0048): derived from its events by the database in
    the same transaction, never written otherwise; the events stay the record (R-AUD-2)."""

    __tablename__ = "temporary_assistance_current"

    assistance_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("temporary_assistance.id"), primary_key=True
    )
    status: Mapped[str]
    raised_at: Mapped[datetime]
