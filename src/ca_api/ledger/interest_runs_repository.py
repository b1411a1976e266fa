"""Every SQL statement of the interest runs (CMS R-ACC-1, Court Funds Office R-DATA): the accounts
of a kind locked and their daily net movements, and a scheme's table of runs, one per period."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, ClassVar, Protocol, TypeVar

from sqlalchemy import and_, func, insert, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped

from ca_api.common.keyset import Seek, keyset
from ca_api.ledger.models import LedgerAccount, Transfer
from ca_api.ledger.rules import MONEY_MOVED, AccountKind


async def lock_accounts_of_kind(
    session: AsyncSession, kind: AccountKind
) -> dict[uuid.UUID, uuid.UUID]:
    """Every account of the kind locked FOR UPDATE in id order (an interest run: no back-dated
    posting may slip in between reading the balances and crediting the interest). Account id:
    client id."""
    stmt = (
        select(LedgerAccount.id, LedgerAccount.client_id)
        .where(LedgerAccount.kind == kind.value)
        .order_by(LedgerAccount.id)
        .with_for_update()
    )
    return {r.id: r.client_id for r in await session.execute(stmt)}


async def daily_net_movements(
    session: AsyncSession, kind: AccountKind, start: date, end: date
) -> Sequence[Any]:
    """Net posted money per account of the kind: (account_id, day, net), ``day`` the value date
    within the period, or ``start - 1`` for everything value-dated before it (the opening
    balance). Holds are not money moved and do not count."""
    t = Transfer
    accounts = select(LedgerAccount.id).where(LedgerAccount.kind == kind.value)
    moved = and_(t.kind.in_(MONEY_MOVED), t.value_date <= end)
    legs = union_all(
        select(t.to_account_id.label("account_id"), t.value_date, t.amount.label("signed")).where(
            moved, t.to_account_id.in_(accounts)
        ),
        select(
            t.from_account_id.label("account_id"), t.value_date, (-t.amount).label("signed")
        ).where(moved, t.from_account_id.in_(accounts)),
    ).subquery()
    day = func.greatest(legs.c.value_date, literal(start - timedelta(days=1))).label("day")
    stmt = (
        select(legs.c.account_id, day, func.sum(legs.c.signed).label("net"))
        .group_by(legs.c.account_id, day)
        .order_by(legs.c.account_id, day)
    )
    return (await session.execute(stmt)).all()


class InterestRunTable(Protocol):
    """A table of interest runs, one row per period (``receipts.models.InterestRun``,
    ``lodgements.models.CourtFundsInterestRun``): what the functions below read of it."""

    id: ClassVar[Mapped[uuid.UUID]]
    period_start: ClassVar[Mapped[date]]
    period_end: ClassVar[Mapped[date]]


RunT = TypeVar("RunT", bound=InterestRunTable)


async def lock_interest_runs(session: AsyncSession, name: str) -> None:
    """The runs named ``name`` one at a time (until commit): overlap checks then see every run."""
    lock = text("SELECT pg_advisory_xact_lock(hashtext(:name))")
    await session.execute(lock, {"name": f"ca_api.{name}"})


async def interest_run_for(
    session: AsyncSession, table: type[RunT], start: date, end: date
) -> RunT | None:
    stmt = select(table).where(table.period_start == start, table.period_end == end)
    return (await session.execute(stmt)).scalar_one_or_none()


async def overlapping_period(
    session: AsyncSession, table: type[RunT], start: date, end: date
) -> tuple[date, date] | None:
    """The period (start, end) of the earliest run that shares a day with this one."""
    stmt = (
        select(table.period_start, table.period_end)
        .where(table.period_start <= end, table.period_end >= start)
        .order_by(table.period_start)
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])


async def get_interest_run(
    session: AsyncSession, table: type[RunT], run_id: uuid.UUID
) -> RunT | None:
    stmt = select(table).where(table.id == run_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_interest_run(
    session: AsyncSession, table: type[RunT], values: dict[str, Any]
) -> RunT:
    stmt = insert(table).values(values).returning(table)
    return (await session.execute(stmt)).scalar_one()


async def list_interest_runs(
    session: AsyncSession,
    table: type[RunT],
    seek: Seek[tuple[date, uuid.UUID]],
) -> Sequence[RunT]:
    """A page of the runs, newest period first."""
    stmt = keyset(select(table), seek, table.period_start.desc(), table.id.desc())
    return (await session.execute(stmt)).scalars().all()


async def interest_runs_by_id(
    session: AsyncSession, table: type[RunT], run_ids: Sequence[uuid.UUID]
) -> Sequence[RunT]:
    stmt = select(table).where(table.id.in_(set(run_ids)))
    return (await session.execute(stmt)).scalars().all()
