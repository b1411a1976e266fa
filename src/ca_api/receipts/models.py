from __future__ import annotations

from datetime import date

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import PeriodRun, client_fk, transfer_fk
from ca_api.db import Base


class Receipt(Base):
    """Money in (R-ACC-4, R-ACC-6): what the ledger transfer does not say itself: how the money
    came, for which benefit and period, and when cash or a cheque was received and banked.
    Amount, value date, category, payer and who recorded it are on the transfer. Never changed."""

    __tablename__ = "receipt"

    transfer_id: Mapped[transfer_fk] = mapped_column(primary_key=True)
    client_id: Mapped[client_fk]
    method: Mapped[str]
    benefit: Mapped[str | None]
    received_on: Mapped[date]
    banked_on: Mapped[date | None]
    receipt_number: Mapped[str | None]
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]


class InterestRun(PeriodRun, Base):
    """Interest credited to every CMS account for one period (R-ACC-1). One per period."""

    __tablename__ = "interest_run"

    accounts: Mapped[int] = mapped_column(Integer)
    total: Mapped[int]
