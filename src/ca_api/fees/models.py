from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, Numeric, Text, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, column_property, mapped_column

from ca_api.db import Base
from ca_api.ledger.models import Transfer


class FeeRun(Base):
    """Fees charged to deputy clients for one period (R-FEE). One per period; never changed."""

    __tablename__ = "fee_run"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    run_by: Mapped[str] = mapped_column(Text)
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    charges: Mapped[int] = mapped_column(Integer)
    clients_charged: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    clients_refused: Mapped[int] = mapped_column(Integer)
    clients_short: Mapped[int] = mapped_column(Integer)


class FeeCharge(Base):
    """One fee taken from a client's CMS account, with the figures it was priced under."""

    __tablename__ = "fee_charge"

    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"), primary_key=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fee_run.id"))
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    deputyship_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deputyship.id"))
    kind: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    anniversary: Mapped[int] = mapped_column(Integer)
    # The deputyship year the fee pays for, both ends inclusive (migration 0012).
    year_start: Mapped[date] = mapped_column(Date)
    year_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    net_assets: Mapped[int | None] = mapped_column(BigInteger)
    figure_name: Mapped[str] = mapped_column(Text)
    figure_effective_from: Mapped[date] = mapped_column(Date)
    figure_value: Mapped[Decimal] = mapped_column(Numeric)
    threshold_name: Mapped[str | None] = mapped_column(Text)
    threshold_effective_from: Mapped[date | None] = mapped_column(Date)
    threshold_value: Mapped[Decimal | None] = mapped_column(Numeric)
    # The day the money moved: its ledger transfer's value date (read, never stored twice).
    value_date: Mapped[date] = column_property(
        select(Transfer.value_date).where(Transfer.id == transfer_id).scalar_subquery()
    )


class FeeRunException(Base):
    """A deputy client a run did not charge, and why: a figure missing (R-DATA) or funds short
    (R-PAY-3). Never changed."""

    __tablename__ = "fee_run_exception"

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fee_run.id"), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    figure_name: Mapped[str | None] = mapped_column(Text)
    figure_date: Mapped[date | None] = mapped_column(Date)
    wanted: Mapped[int | None] = mapped_column(BigInteger)
    available: Mapped[int | None] = mapped_column(BigInteger)
