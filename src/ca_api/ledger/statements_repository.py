"""Every SQL statement of an account's statement: its lines a page at a time (filtered or not), and
a page from either end for many accounts at once, a client's accounts with it (issue 18)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Row, Uuid, func, literal, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.common.keyset import Seek, keyset
from ca_api.db import any_of
from ca_api.ledger.models import LedgerAccount, Transfer
from ca_api.ledger.rules import MONEY_MOVED


@dataclass(frozen=True)
class StatementFilter:
    value_from: date | None = None
    value_to: date | None = None  # inclusive
    categories: frozenset[str] | None = None


async def statement(
    session: AsyncSession,
    account_id: uuid.UUID,
    flt: StatementFilter,
    *,
    seek: Seek[int],
) -> Sequence[Row[Any]]:
    """Transfers that changed the account's posted balance, in posting order, each with the
    signed amount and the balance after it (kept on the transfer by the trigger).

    Read as two pages, the transfers from the account and those to it (a transfer never has
    one account on both sides, ck_transfer_two_accounts), each by its own index in posting
    order (ix_transfer_from, ix_transfer_to), merged: "from OR to" in one WHERE defeats both
    indexes and reads every transfer of a big account (1.1 s at 2M transfers)."""
    t = Transfer
    moved = t.kind.in_(MONEY_MOVED)
    filters: list[ColumnElement[bool]] = [moved]
    if flt.value_from is not None:
        filters.append(t.value_date >= flt.value_from)
    if flt.value_to is not None:
        filters.append(t.value_date <= flt.value_to)
    if flt.categories:
        filters.append(t.category.in_(sorted(flt.categories)))
    sides = [
        keyset(select(t).where(side == account_id, *filters), seek, t.seq).subquery().select()
        for side in (t.from_account_id, t.to_account_id)
    ]
    both = aliased(Transfer, union_all(*sides).subquery())
    return (await session.execute(keyset(select(both), seek, both.seq))).all()


def _nearest_lines(account_id: Any, limit: int, newest: bool) -> Any:
    """A LATERAL of the ids of the first ``limit`` lines of the statement of the account
    ``account_id`` (a column of the FROM before it), from its newest when ``newest``: read from
    its two indexes (ix_transfer_from, ix_transfer_to, by seq) and merged, not by "from or to",
    which neither index serves."""
    t = Transfer
    moved = t.kind.in_(MONEY_MOVED)
    order = t.seq.desc() if newest else t.seq.asc()
    sides = [
        select(t.id, t.seq)
        .where(moved, side == account_id)
        .order_by(order)
        .limit(limit)
        .correlate_except(t)
        for side in (t.from_account_id, t.to_account_id)
    ]
    merged = union_all(*sides).subquery("merged")
    return (
        select(merged.c.id)
        .order_by(merged.c.seq.desc() if newest else merged.c.seq.asc())
        .limit(limit)
        .lateral("nearest")
    )


async def statement_ends(
    session: AsyncSession, account_ids: Sequence[uuid.UUID], limit: int, *, newest: bool
) -> Sequence[Row[uuid.UUID, Transfer]]:
    """The first ``limit`` lines of each account's statement (its newest, nearest first, when
    ``newest``): ``statement``'s lines from either end with no cursor or filter, for many
    accounts in one statement (a client page's accounts, issue 18). Rows of (account id,
    transfer), each account's nearest first."""
    if not account_ids:
        return []
    t = Transfer
    acc = (
        select(func.unnest(literal(sorted(set(account_ids)), ARRAY(Uuid))).label("id"))
        .subquery("acc")
        .c.id
    )
    nearest = _nearest_lines(acc, limit, newest)
    stmt = (
        select(acc, t)
        .select_from(acc.table.join(nearest, true()).join(t, t.id == nearest.c.id))
        .order_by(acc, t.seq.desc() if newest else t.seq.asc())
    )
    return (await session.execute(stmt)).all()


async def accounts_with_statement_ends(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], limit: int, *, newest: bool
) -> Sequence[Row[LedgerAccount, Transfer | None]]:
    """The accounts of these clients (every kind, in ``accounts_of_clients``' order), each with
    the first ``limit`` lines of its statement as ``statement_ends`` reads them, in one
    statement: a client page's accounts and their latest lines (issue 18). Rows of (account,
    transfer), an account with no lines once with None."""
    if not client_ids:
        return []
    stmt = _accounts_with_ends_statement(limit, newest)
    rows: Sequence[Row[LedgerAccount, Transfer | None]] = (
        await session.execute(stmt, {"client_ids": sorted(set(client_ids))})
    ).all()
    return rows


@functools.cache
def _accounts_with_ends_statement(limit: int, newest: bool) -> Any:
    """``accounts_with_statement_ends``' statement, built once for each page size and end
    (issue 18 item 3), the clients' ids bound when it runs."""
    a, t = LedgerAccount, Transfer
    nearest = _nearest_lines(a.id, limit, newest)
    return (
        select(a, t)
        .select_from(a)
        .outerjoin(nearest, true())
        .outerjoin(t, t.id == nearest.c.id)
        .where(a.client_id == any_of("client_ids"))
        .order_by(a.client_id, a.kind, a.created_at, a.id, t.seq.desc() if newest else t.seq.asc())
    )
