from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, MetaData, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import (
    client_fk,
    counterparty_fk,
    ledger_account_fk,
    transfer_fk,
    uuid_pk,
)
from ca_api.db import Base


class Counterparty(Base):
    """Someone outside the client's own accounts that money comes from or goes to."""

    __tablename__ = "counterparty"

    id: Mapped[uuid_pk]
    kind: Mapped[str]
    name: Mapped[str]
    reference: Mapped[str | None]
    is_council_employee: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    created_by: Mapped[str]


class LedgerAccount(Base):
    __tablename__ = "ledger_account"

    id: Mapped[uuid_pk]
    kind: Mapped[str]
    client_id: Mapped[client_fk | None]
    counterparty_id: Mapped[counterparty_fk | None]
    name: Mapped[str]
    posted: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class Transfer(Base):
    """A movement of ``amount`` pence from one account to another. Never changed."""

    __tablename__ = "transfer"

    id: Mapped[uuid_pk]
    seq: Mapped[int]
    kind: Mapped[str]
    from_account_id: Mapped[ledger_account_fk]
    to_account_id: Mapped[ledger_account_fk]
    amount: Mapped[int]
    pending_id: Mapped[transfer_fk | None]
    reverses_id: Mapped[transfer_fk | None]
    value_date: Mapped[date]
    posted_at: Mapped[datetime]
    category: Mapped[str]
    description: Mapped[str]
    reference: Mapped[str | None]
    client_id: Mapped[client_fk | None]
    recorded_by: Mapped[str]
    reason: Mapped[str | None]
    from_balance_after: Mapped[int | None]
    to_balance_after: Mapped[int | None]


class TransferReclassification(Base):
    """The OPG category a transfer is reported under from now on, and why (R-OPG-1): the
    transfer itself is never changed (R-AUD-2). Append-only."""

    __tablename__ = "transfer_reclassification"

    id: Mapped[uuid_pk]
    transfer_id: Mapped[transfer_fk]
    category: Mapped[str]
    reason: Mapped[str]
    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]


# Each transfer's reported OPG category (a view of migration 0038): the latest
# reclassification of the transfer, else of the transfer it reverses, else its own category.
transfer_reported_category = Table(
    "transfer_reported_category",
    MetaData(),  # a view: kept off Base.metadata
    Column("transfer_id", Uuid, primary_key=True),
    Column("reported_category", Text, nullable=False),
)
