from __future__ import annotations

from datetime import date, datetime

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
