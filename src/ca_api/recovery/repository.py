"""Every SQL statement of recovery of capacity."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import insert_returning, rows_where_in
from ca_api.payments.models import Payment
from ca_api.payments.repository import payment_status_of
from ca_api.recovery.models import RecoveryHandover, RecoveryOrder


async def orders_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[RecoveryOrder]:
    return await rows_where_in(
        session,
        RecoveryOrder,
        RecoveryOrder.client_id,
        client_ids,
        RecoveryOrder.recorded_at,
        RecoveryOrder.id,
    )


async def handovers_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[RecoveryHandover, int, str]]:
    """The clients' handover payments with their payment's amount and status, oldest first."""
    if not client_ids:
        return []
    stmt = (
        select(
            RecoveryHandover,
            Payment.amount.label("amount"),
            payment_status_of(RecoveryHandover.payment_id).label("status"),
        )
        .join(Payment, Payment.id == RecoveryHandover.payment_id)
        .where(RecoveryHandover.client_id.in_(set(client_ids)))
        .order_by(RecoveryHandover.recorded_at, RecoveryHandover.id)
    )
    return (await session.execute(stmt)).all()


async def handover_of_payment(
    session: AsyncSession, payment_id: uuid.UUID
) -> RecoveryHandover | None:
    stmt = select(RecoveryHandover).where(RecoveryHandover.payment_id == payment_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_order(session: AsyncSession, values: dict[str, Any]) -> RecoveryOrder:
    return await insert_returning(session, RecoveryOrder, values)


async def insert_handover(session: AsyncSession, values: dict[str, Any]) -> RecoveryHandover:
    return await insert_returning(session, RecoveryHandover, values)
