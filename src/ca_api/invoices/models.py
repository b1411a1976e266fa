"""Invoices, their items, checks and events (migration 0002).

Every table here is append-only (the database refuses UPDATE and DELETE, R-AUD-2): an invoice's
status is derived from its checks, its events and its payments' events.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class Invoice(Base):
    __tablename__ = "invoice"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("counterparty.id"))
    supplier_invoice_number: Mapped[str] = mapped_column(Text)
    invoice_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    official_invoice: Mapped[bool] = mapped_column(Boolean, default=False)
    direct_debit: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvoiceItem(Base):
    """A line of a reimbursement: what the provider spent, and whether its receipt was seen."""

    __tablename__ = "invoice_item"

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    evidence_seen: Mapped[bool] = mapped_column(Boolean, default=False)


class InvoiceCheck(Base):
    """One of the R-PAY-2 checks, recorded by an officer; the latest per check counts."""

    __tablename__ = "invoice_check"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"))
    check_name: Mapped[str] = mapped_column(Text)
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvoiceEvent(Base):
    """FUNDS_SHORT (R-PAY-3), SENDER_CONTACTED, QUERIED (R-PAY-7), CANCELLED."""

    __tablename__ = "invoice_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"))
    event: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
