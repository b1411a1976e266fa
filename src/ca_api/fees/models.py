from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from ca_api.common.columns import PeriodRun, client_fk, deputyship_fk, transfer_fk
from ca_api.db import Base
from ca_api.ledger.models import Transfer


class FeeRun(PeriodRun, Base):
    """Fees charged to deputy clients for one period (R-FEE). One per period; never changed."""

    __tablename__ = "fee_run"

    charges: Mapped[int] = mapped_column(Integer)
    clients_charged: Mapped[int] = mapped_column(Integer)
    total: Mapped[int]
    clients_refused: Mapped[int] = mapped_column(Integer)
    clients_short: Mapped[int] = mapped_column(Integer)


class FeeCharge(Base):
    """One fee taken from a client's CMS account, with the figures it was priced under."""

    __tablename__ = "fee_charge"

    transfer_id: Mapped[transfer_fk] = mapped_column(primary_key=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fee_run.id"))
    client_id: Mapped[client_fk]
    deputyship_id: Mapped[deputyship_fk]
    kind: Mapped[str]
    basis: Mapped[str]
    due_date: Mapped[date]
    anniversary: Mapped[int] = mapped_column(Integer)
    # The deputyship year the fee pays for, both ends inclusive (migration 0012).
    year_start: Mapped[date]
    year_end: Mapped[date]
    amount: Mapped[int]
    net_assets: Mapped[int | None]
    figure_name: Mapped[str]
    figure_effective_from: Mapped[date]
    figure_value: Mapped[Decimal]
    threshold_name: Mapped[str | None]
    threshold_effective_from: Mapped[date | None]
    threshold_value: Mapped[Decimal | None]
    # The day the money moved: its ledger transfer's value date (read, never stored twice).
    value_date: Mapped[date] = column_property(
        select(Transfer.value_date).where(Transfer.id == transfer_id).scalar_subquery()
    )


class FeeRunException(Base):
    """A deputy client a run did not charge, and why: a figure missing (R-DATA) or funds short
    (R-PAY-3). Never changed."""

    __tablename__ = "fee_run_exception"

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fee_run.id"), primary_key=True)
    client_id: Mapped[client_fk] = mapped_column(primary_key=True)
    outcome: Mapped[str]
    reason: Mapped[str]
    figure_name: Mapped[str | None]
    figure_date: Mapped[date | None]
    wanted: Mapped[int | None]
    available: Mapped[int | None]
