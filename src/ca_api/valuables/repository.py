"""Every SQL statement of valuables in the safe."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import insert_returning, rows_where_in
from ca_api.valuables.models import Valuable, ValuableMovement, ValuableRecord


async def valuables_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Valuable]:
    return await rows_where_in(
        session, Valuable, Valuable.client_id, client_ids, Valuable.recorded_at, Valuable.id
    )


async def records_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[ValuableRecord]:
    return await rows_where_in(
        session, ValuableRecord, ValuableRecord.client_id, client_ids, ValuableRecord.recorded_at
    )


async def movements_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[ValuableMovement]:
    return await rows_where_in(
        session,
        ValuableMovement,
        ValuableMovement.client_id,
        client_ids,
        ValuableMovement.valuable_id,
        ValuableMovement.number,
    )


async def client_of_valuable(session: AsyncSession, valuable_id: uuid.UUID) -> uuid.UUID | None:
    stmt = select(Valuable.client_id).where(Valuable.id == valuable_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_valuable(session: AsyncSession, values: dict[str, Any]) -> Valuable:
    return await insert_returning(session, Valuable, values)


async def insert_record(session: AsyncSession, values: dict[str, Any]) -> ValuableRecord:
    return await insert_returning(session, ValuableRecord, values)


async def insert_movement(session: AsyncSession, values: dict[str, Any]) -> ValuableMovement:
    return await insert_returning(session, ValuableMovement, values)
