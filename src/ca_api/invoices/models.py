"""Invoices, their items, checks and events (migration 0002).

Every table here is append-only (the database refuses UPDATE and DELETE, R-AUD-2): an invoice's
status is derived from its checks, its events and its payments' events.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, bigserial_pk, client_fk, counterparty_fk, uuid_pk
from ca_api.db import Base


class Invoice(Recorded, Base):
    __tablename__ = "invoice"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    supplier_id: Mapped[counterparty_fk]
    supplier_invoice_number: Mapped[str]
    invoice_date: Mapped[date]
    amount: Mapped[int]
    kind: Mapped[str]
    category: Mapped[str]
    description: Mapped[str]
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    received_on: Mapped[date]
    due_on: Mapped[date]
    official_invoice: Mapped[bool] = mapped_column(default=False)
    direct_debit: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str]


class InvoiceItem(Base):
    """A line of a reimbursement: what the provider spent, and whether its receipt was seen."""

    __tablename__ = "invoice_item"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    description: Mapped[str]
    amount: Mapped[int]
    evidence_seen: Mapped[bool] = mapped_column(default=False)


class InvoiceCheck(Base):
    """One of the R-PAY-2 checks, recorded by an officer; the latest per check counts."""

    __tablename__ = "invoice_check"

    id: Mapped[bigserial_pk]
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"))
    check_name: Mapped[str]
    passed: Mapped[bool]
    note: Mapped[str | None]
    checked_by: Mapped[str]
    checked_at: Mapped[datetime]


class InvoiceEvent(Recorded, Base):
    """FUNDS_SHORT (R-PAY-3), SENDER_CONTACTED, QUERIED (R-PAY-7), CANCELLED."""

    __tablename__ = "invoice_event"

    id: Mapped[bigserial_pk]
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"))
    event: Mapped[str]
    note: Mapped[str | None]


class InvoiceHold(Recorded, Base):
    """An invoice held (migration 0016; R-REF-7, seed 002 B 4.5): not chased as overdue and not
    paid until released. ON_APPOINTMENT when the council was appointed for the client, OFFICER
    when put by hand."""

    __tablename__ = "invoice_hold"

    id: Mapped[uuid_pk]
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"))
    cause: Mapped[str]
    reason: Mapped[str]


class InvoiceHoldRelease(Recorded, Base):
    """A hold released by an officer, with the reason: at most one per hold."""

    __tablename__ = "invoice_hold_release"

    hold_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice_hold.id"), primary_key=True)
    reason: Mapped[str]


class InvoiceCurrent(Base):
    """The invoice's status now, whether it is on hold (R-REF-7), and its due date (migration
    0048): derived by the database in the same transaction as any event, check, payment or hold
    that changes them (``invoice_status_derived``: the rules of
    ``repository.invoice_status_of``), never written otherwise; those rows stay the record
    (R-AUD-2). What the lists filter on (the overdue list by due date)."""

    __tablename__ = "invoice_current"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), primary_key=True)
    status: Mapped[str]
    on_hold: Mapped[bool]
    due_on: Mapped[date]
