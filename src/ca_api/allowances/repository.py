"""Every SQL statement of allowance schedules and the weekly run. The run reads what is due in
one statement and writes its rows a statement a table (the money through
``ledger.transfers.post_many``, its CMS accounts locked by
``ledger.accounts.lock_cms_accounts``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, exists, func, insert, or_, select, text
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.allowances.models import (
    AllowancePayment,
    AllowanceRun,
    AllowanceSchedule,
    AllowanceScheduleEvent,
)
from ca_api.allowances.rules import ScheduleEvent
from ca_api.clients.models import client_current as cc
from ca_api.common.keyset import Seek, keyset
from ca_api.db import insert_returning
from ca_api.ledger.models import Counterparty, LedgerAccount

# --- schedules ------------------------------------------------------------------------------


async def insert_schedule(session: AsyncSession, values: dict[str, Any]) -> AllowanceSchedule:
    return await insert_returning(session, AllowanceSchedule, values)


async def lock_chain(session: AsyncSession, client_id: uuid.UUID, kind: str) -> None:
    """One change to a client's schedule of a kind at a time (until commit)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('ca_api.allowance_schedule:' || :k))"),
        {"k": f"{client_id}:{kind}"},
    )


async def latest(
    session: AsyncSession, client_id: uuid.UUID, kind: str
) -> AllowanceSchedule | None:
    """The last version of the client's schedule of this kind (the chain's tail)."""
    later = aliased(AllowanceSchedule)
    stmt = select(AllowanceSchedule).where(
        AllowanceSchedule.client_id == client_id,
        AllowanceSchedule.kind == kind,
        ~exists().where(later.supersedes_id == AllowanceSchedule.id),
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_schedule(session: AsyncSession, schedule_id: uuid.UUID) -> AllowanceSchedule | None:
    stmt = (
        select(AllowanceSchedule)
        .where(AllowanceSchedule.id == schedule_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def superseded(session: AsyncSession, schedule_id: uuid.UUID) -> bool:
    stmt = select(exists().where(AllowanceSchedule.supersedes_id == schedule_id))
    return bool((await session.execute(stmt)).scalar())


async def schedules(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[AllowanceSchedule]:
    stmt = select(AllowanceSchedule).where(AllowanceSchedule.id.in_(set(ids)))
    return (await session.execute(stmt)).scalars().all()


async def events_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> Sequence[AllowanceScheduleEvent]:
    stmt = (
        select(AllowanceScheduleEvent)
        .where(AllowanceScheduleEvent.schedule_id.in_(set(ids)))
        .order_by(AllowanceScheduleEvent.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> int:
    stmt = insert(AllowanceScheduleEvent).values(values).returning(AllowanceScheduleEvent.id)
    return int((await session.execute(stmt)).scalar_one())


async def list_schedules(
    session: AsyncSession, client_id: uuid.UUID | None, seek: Seek[Any]
) -> Sequence[AllowanceSchedule]:
    """Every version, oldest recorded first; of one client's when given."""
    stmt = select(AllowanceSchedule)
    if client_id is not None:
        stmt = stmt.where(AllowanceSchedule.client_id == client_id)
    stmt = keyset(stmt, seek, AllowanceSchedule.recorded_at, AllowanceSchedule.id)
    return (await session.execute(stmt)).scalars().all()


async def payments_of(
    session: AsyncSession, client_id: uuid.UUID | None, seek: Seek[Any]
) -> Sequence[AllowancePayment]:
    """Allowances paid, the latest week first; of one client's when given."""
    stmt = select(AllowancePayment)
    if client_id is not None:
        stmt = stmt.where(AllowancePayment.client_id == client_id)
    stmt = keyset(stmt, seek, AllowancePayment.week_starting.desc(), AllowancePayment.id.desc())
    return (await session.execute(stmt)).scalars().all()


# --- the weekly run ---------------------------------------------------------------------------


async def lock_runs(session: AsyncSession) -> None:
    """Weekly runs one at a time (until commit): each sees every payment made before it."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('ca_api.allowance_run'))"))


async def due(session: AsyncSession, week: date) -> Sequence[Row[Any]]:
    """One statement: each schedule in force for the week (per client and kind, the last version
    started by then that is approved or a stop) that pays and is not paid for the week yet, with
    its client's status and situation, the payee's kind and account."""
    s = AllowanceSchedule
    approved = exists().where(
        AllowanceScheduleEvent.schedule_id == s.id,
        AllowanceScheduleEvent.event == ScheduleEvent.APPROVED.value,
    )
    in_force = (
        select(s.id, s.client_id, s.kind, s.weekly_amount, s.payee_id, s.stops)
        .where(s.starts_on <= week, or_(s.stops, approved))
        .ext(distinct_on(s.client_id, s.kind))
        .order_by(s.client_id, s.kind, s.recorded_at.desc(), s.id.desc())
        .subquery()
    )
    paid = exists().where(
        AllowancePayment.client_id == in_force.c.client_id,
        AllowancePayment.kind == in_force.c.kind,
        AllowancePayment.week_starting == week,
    )
    payee_account = aliased(LedgerAccount)
    stmt = (
        select(
            in_force.c.id.label("schedule_id"),
            in_force.c.client_id,
            in_force.c.kind,
            in_force.c.weekly_amount.label("amount"),
            cc.c.status,
            cc.c.situation,
            in_force.c.payee_id,
            Counterparty.kind.label("payee_kind"),
            payee_account.id.label("payee_account_id"),
        )
        .join(cc, cc.c.id == in_force.c.client_id)
        .join(Counterparty, Counterparty.id == in_force.c.payee_id)
        .outerjoin(payee_account, payee_account.counterparty_id == in_force.c.payee_id)
        .where(~in_force.c.stops, ~paid)
        .order_by(in_force.c.client_id, in_force.c.kind)
    )
    return (await session.execute(stmt)).all()


async def insert_run(session: AsyncSession, values: dict[str, Any]) -> AllowanceRun:
    return await insert_returning(session, AllowanceRun, values)


async def insert_payments(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(AllowancePayment), list(rows))


async def paid_count(session: AsyncSession, week: date) -> int:
    stmt = select(func.count()).where(AllowancePayment.week_starting == week)
    return int((await session.execute(stmt)).scalar_one())


async def superseding(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> Sequence[AllowanceSchedule]:
    """The versions that supersede any of these."""
    stmt = select(AllowanceSchedule).where(AllowanceSchedule.supersedes_id.in_(set(ids)))
    return (await session.execute(stmt)).scalars().all()


async def payments_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> Sequence[AllowancePayment]:
    stmt = select(AllowancePayment).where(AllowancePayment.id.in_(set(ids)))
    return (await session.execute(stmt)).scalars().all()
