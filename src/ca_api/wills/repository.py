"""Every SQL statement of a client's wills and funeral: the will records and their notices to
the Court of Protection, funeral wishes, funeral plans and their payments (with the payment's
status, from its events)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import get_by_id, insert_recorded, rows_where_in
from ca_api.payments.repository import payment_status_of
from ca_api.wills.models import (
    FuneralPlan,
    FuneralPlanPayment,
    FuneralWishes,
    WillCourtNotice,
    WillRecord,
)


async def wills_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[WillRecord]:
    return await rows_where_in(
        session, WillRecord, WillRecord.client_id, client_ids, WillRecord.recorded_at, WillRecord.id
    )


async def will(session: AsyncSession, will_id: uuid.UUID) -> WillRecord | None:
    return await get_by_id(session, WillRecord, will_id)


async def insert_will(session: AsyncSession, values: dict[str, Any]) -> WillRecord:
    return await insert_recorded(session, WillRecord, values)


async def notices_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[WillCourtNotice]:
    return await rows_where_in(
        session, WillCourtNotice, WillCourtNotice.client_id, client_ids, WillCourtNotice.id
    )


async def insert_notice(session: AsyncSession, values: dict[str, Any]) -> WillCourtNotice:
    return await insert_recorded(session, WillCourtNotice, values)


async def all_wills(session: AsyncSession) -> Sequence[WillRecord]:
    """Every will record of the caseload (the notices' clock is worked out in memory)."""
    stmt = select(WillRecord).order_by(WillRecord.recorded_at, WillRecord.id)
    return (await session.execute(stmt)).scalars().all()


async def all_notices(session: AsyncSession) -> Sequence[WillCourtNotice]:
    return (await session.execute(select(WillCourtNotice))).scalars().all()


async def wishes_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[FuneralWishes]:
    return await rows_where_in(
        session,
        FuneralWishes,
        FuneralWishes.client_id,
        client_ids,
        FuneralWishes.recorded_at,
        FuneralWishes.id,
    )


async def insert_wishes(session: AsyncSession, values: dict[str, Any]) -> FuneralWishes:
    return await insert_recorded(session, FuneralWishes, values)


async def plans_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[FuneralPlan]:
    return await rows_where_in(
        session,
        FuneralPlan,
        FuneralPlan.client_id,
        client_ids,
        FuneralPlan.recorded_at,
        FuneralPlan.id,
    )


async def plan(
    session: AsyncSession, plan_id: uuid.UUID, *, lock: bool = False
) -> FuneralPlan | None:
    return await get_by_id(session, FuneralPlan, plan_id, lock=lock)


async def insert_plan(session: AsyncSession, values: dict[str, Any]) -> FuneralPlan:
    return await insert_recorded(session, FuneralPlan, values)


async def insert_plan_payment(session: AsyncSession, values: dict[str, Any]) -> FuneralPlanPayment:
    return await insert_recorded(session, FuneralPlanPayment, values)


async def plan_payments_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[FuneralPlanPayment, str]]:
    """The clients' funeral plan payments with their payment's status, oldest first."""
    if not client_ids:
        return []
    stmt = (
        select(FuneralPlanPayment, payment_status_of(FuneralPlanPayment.payment_id).label("status"))
        .where(FuneralPlanPayment.client_id.in_(set(client_ids)))
        .order_by(FuneralPlanPayment.recorded_at, FuneralPlanPayment.id)
    )
    return (await session.execute(stmt)).all()


async def plan_payment_of(
    session: AsyncSession, payment_id: uuid.UUID
) -> FuneralPlanPayment | None:
    stmt = select(FuneralPlanPayment).where(FuneralPlanPayment.payment_id == payment_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def plan_provided_by(
    session: AsyncSession, client_id: uuid.UUID, counterparty_id: uuid.UUID
) -> bool:
    """Whether a funeral plan of the client's is from this provider: one indexed EXISTS,
    asked before the client's wills view is worked out (most payments pay no such provider)."""
    stmt = select(
        exists().where(
            FuneralPlan.client_id == client_id, FuneralPlan.counterparty_id == counterparty_id
        )
    )
    return bool((await session.execute(stmt)).scalar_one())
