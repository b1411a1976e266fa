"""Every SQL statement of existing investments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal
from ca_api.clients.repository import readable_by_id
from ca_api.db import get_by_id, insert_returning, rows_where_in
from ca_api.investments.models import ExistingInvestment


async def insert_investment(session: AsyncSession, values: dict[str, Any]) -> ExistingInvestment:
    return await insert_returning(session, ExistingInvestment, values)


async def get_investment(
    session: AsyncSession, investment_id: uuid.UUID
) -> ExistingInvestment | None:
    return await get_by_id(session, ExistingInvestment, investment_id)


async def investments_of(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[ExistingInvestment]:
    i = ExistingInvestment
    return await rows_where_in(session, i, i.client_id, [client_id], i.recorded_at, i.id)


async def investments_by_id(
    session: AsyncSession, principal: Principal, investment_ids: Sequence[uuid.UUID]
) -> Sequence[ExistingInvestment]:
    """The records with these ids whose client the principal may read (row scoping,
    ``clients.repository.readable``), in one query."""
    return await readable_by_id(session, principal, ExistingInvestment, investment_ids)


async def insert_investments(session: AsyncSession, values: Sequence[dict[str, Any]]) -> None:
    """Many records in one statement (a caseload import)."""
    if values:
        await session.execute(insert(ExistingInvestment), list(values))


async def investments_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[ExistingInvestment]:
    i = ExistingInvestment
    return await rows_where_in(session, i, i.client_id, client_ids, i.recorded_at, i.id)
