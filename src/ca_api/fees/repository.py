"""Every SQL statement of fee runs.

Like the benefits and interest runs, a fee run writes its ledger rows in a few set-based
statements (``ledger.transfers.post_many``): the CMS accounts it charges are locked FOR UPDATE in
id order first (``ledger.accounts.lock_cms_accounts``, as ``apply_transfer`` locks them), and the
database's trigger and CHECK still apply every balance (R-PAY-3: never below zero).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    and_,
    case,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.common.keyset import Seek, keyset
from ca_api.db import any_id, get_by_id, insert_returning, rows_where_in
from ca_api.fees.models import FeeCharge, FeeRun, FeeRunException
from ca_api.ledger.models import LedgerAccount, Transfer
from ca_api.ledger.rules import MONEY_MOVED, AccountKind
from ca_api.orders.models import deputyship_current
from ca_api.policy.models import PolicyFigure

CMS = AccountKind.CLIENT_CMS.value
COUNTERPARTY = AccountKind.COUNTERPARTY.value


async def lock_fee_runs(session: AsyncSession) -> None:
    """Fee runs one at a time (until commit): each sees every charge made before it."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('ca_api.fee_run'))"))


async def fee_run_for(session: AsyncSession, start: date, end: date) -> FeeRun | None:
    stmt = select(FeeRun).where(FeeRun.period_start == start, FeeRun.period_end == end)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_fee_run(session: AsyncSession, run_id: uuid.UUID) -> FeeRun | None:
    return await get_by_id(session, FeeRun, run_id)


async def fee_figures(session: AsyncSession, names: Sequence[str]) -> Sequence[PolicyFigure]:
    stmt = (
        select(PolicyFigure)
        .where(PolicyFigure.name.in_(list(names)))
        .order_by(PolicyFigure.name, PolicyFigure.effective_from)
    )
    return (await session.execute(stmt)).scalars().all()


async def deputyships_with_anniversaries(
    session: AsyncSession, start: date, end: date
) -> Sequence[Any]:
    """Current deputyships that may have an anniversary in the period: made at least a year
    before its end (a year before is at most 366 days), not ended before it starts. Newest order
    first within a client."""
    d = deputyship_current
    stmt = (
        select(d.c.id, d.c.client_id, d.c.order_date, d.c.end_date, d.c.supervision_type)
        .where(
            d.c.order_date < end,
            (d.c.end_date.is_(None)) | (d.c.end_date >= start),
        )
        .order_by(d.c.client_id, d.c.order_date.desc(), d.c.id)
    )
    return (await session.execute(stmt)).all()


async def charged_already(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], start: date, end: date
) -> set[tuple[uuid.UUID, str, date]]:
    """(client, kind, due date) of the fees an earlier run charged in the period."""
    if not client_ids:
        return set()
    stmt = select(FeeCharge.client_id, FeeCharge.kind, FeeCharge.due_date).where(
        FeeCharge.client_id == any_id(client_ids),
        FeeCharge.due_date >= start,
        FeeCharge.due_date <= end,
    )
    return {(r.client_id, r.kind, r.due_date) for r in await session.execute(stmt)}


async def client_movements(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], until: date
) -> Sequence[Any]:
    """Net money into each client's accounts (every kind: CMS, Court Funds, placements, cash) per
    value date up to ``until``: (client_id, value_date, net). Money moved only (holds are not);
    a move between a client's own accounts nets to nothing."""
    if not client_ids:
        return []
    t = Transfer
    to_acc = aliased(LedgerAccount)
    from_acc = aliased(LedgerAccount)
    signed = case((to_acc.kind != COUNTERPARTY, t.amount), else_=0) - case(
        (from_acc.kind != COUNTERPARTY, t.amount), else_=0
    )
    stmt = (
        select(t.client_id, t.value_date, func.sum(signed).label("net"))
        .join(to_acc, to_acc.id == t.to_account_id)
        .join(from_acc, from_acc.id == t.from_account_id)
        .where(
            and_(t.kind.in_(MONEY_MOVED), t.value_date <= until, t.client_id == any_id(client_ids))
        )
        .group_by(t.client_id, t.value_date)
    )
    rows: Sequence[Any] = (await session.execute(stmt)).all()
    return rows


async def insert_fee_run(session: AsyncSession, values: dict[str, Any]) -> FeeRun:
    return await insert_returning(session, FeeRun, values)


async def insert_charges(session: AsyncSession, values: Sequence[dict[str, Any]]) -> None:
    if values:
        await session.execute(insert(FeeCharge), list(values))


async def insert_exceptions(session: AsyncSession, values: Sequence[dict[str, Any]]) -> None:
    if values:
        await session.execute(insert(FeeRunException), list(values))


async def charges_of_runs(
    session: AsyncSession, run_ids: Sequence[uuid.UUID]
) -> Sequence[FeeCharge]:
    c = FeeCharge
    return await rows_where_in(session, c, c.run_id, run_ids, c.client_id, c.due_date, c.kind)


async def exceptions_of_runs(
    session: AsyncSession, run_ids: Sequence[uuid.UUID]
) -> Sequence[FeeRunException]:
    e = FeeRunException
    return await rows_where_in(session, e, e.run_id, run_ids, e.client_id)


async def fee_runs_by_id(session: AsyncSession, run_ids: Sequence[uuid.UUID]) -> Sequence[FeeRun]:
    """The fee runs with these ids, in one query (node(id:) and a charge's run)."""
    return await rows_where_in(session, FeeRun, FeeRun.id, run_ids, FeeRun.id)


async def charges_by_id(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> Sequence[FeeCharge]:
    """The fee charges with these ids (their ledger transfers'), in one query (node(id:))."""
    c = FeeCharge
    return await rows_where_in(session, c, c.transfer_id, transfer_ids, c.transfer_id)


async def list_fee_runs(
    session: AsyncSession, *, seek: Seek[tuple[date, uuid.UUID]]
) -> Sequence[FeeRun]:
    """A page of fee runs, newest period first."""
    stmt = keyset(select(FeeRun), seek, FeeRun.period_start.desc(), FeeRun.id.desc())
    return (await session.execute(stmt)).scalars().all()


class ChargeKey(NamedTuple):
    """Where a client's fee stands in their list: its due date and kind."""

    due_date: date
    kind: str


async def charges_of_client(
    session: AsyncSession, client_id: uuid.UUID, *, seek: Seek[ChargeKey]
) -> Sequence[FeeCharge]:
    """A page of the client's fees, newest due date first; one of each kind a day (the unique
    key)."""
    stmt = select(FeeCharge).where(FeeCharge.client_id == client_id)
    stmt = keyset(stmt, seek, FeeCharge.due_date.desc(), FeeCharge.kind.desc())
    return (await session.execute(stmt)).scalars().all()
