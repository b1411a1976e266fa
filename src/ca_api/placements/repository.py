"""Every SQL statement of placements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal
from ca_api.clients.repository import readable_by_id
from ca_api.db import get_by_id, insert_returning, rows_where_in
from ca_api.placements.models import Placement, PlacementEvent


async def insert_placement(session: AsyncSession, values: dict[str, Any]) -> Placement:
    return await insert_returning(session, Placement, values)


async def get_placement(
    session: AsyncSession, placement_id: uuid.UUID, *, lock: bool = False
) -> Placement | None:
    return await get_by_id(session, Placement, placement_id, lock=lock)


async def placements_by_id(
    session: AsyncSession, principal: Principal, placement_ids: Sequence[uuid.UUID]
) -> Sequence[Placement]:
    """The placements with these ids whose client the principal may read (row scoping,
    ``clients.repository.readable``), in one query."""
    return await readable_by_id(session, principal, Placement, placement_ids)


async def placements_of_client(
    session: AsyncSession, client_id: uuid.UUID, institution_id: uuid.UUID | None = None
) -> Sequence[Placement]:
    stmt = select(Placement).where(Placement.client_id == client_id)
    if institution_id is not None:
        stmt = stmt.where(Placement.institution_id == institution_id)
    stmt = stmt.order_by(Placement.start_date.desc(), Placement.id.desc())
    return (await session.execute(stmt)).scalars().all()


async def placement_of_decision(session: AsyncSession, decision_id: uuid.UUID) -> Placement | None:
    """The placement its INVESTMENT_PLAN decision approves, if the decision is a placement's."""
    stmt = select(Placement).where(Placement.decision_id == decision_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def events_of(
    session: AsyncSession, placement_ids: Sequence[uuid.UUID]
) -> Sequence[PlacementEvent]:
    e = PlacementEvent
    return await rows_where_in(session, e, e.placement_id, placement_ids, e.id)


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> PlacementEvent:
    return await insert_returning(session, PlacementEvent, values)
