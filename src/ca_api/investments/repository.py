"""Every SQL statement of existing investments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal
from ca_api.clients.models import client_current
from ca_api.clients.repository import readable
from ca_api.db import rows_where_in
from ca_api.investments.models import ExistingInvestment


async def insert_investment(session: AsyncSession, values: dict[str, Any]) -> ExistingInvestment:
    stmt = insert(ExistingInvestment).values(values).returning(ExistingInvestment)
    return (await session.execute(stmt)).scalar_one()


async def get_investment(
    session: AsyncSession, investment_id: uuid.UUID
) -> ExistingInvestment | None:
    stmt = select(ExistingInvestment).where(ExistingInvestment.id == investment_id)
    return (await session.execute(stmt)).scalar_one_or_none()


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
    cc = client_current
    i = ExistingInvestment
    stmt = (
        select(i)
        .join(cc, cc.c.id == i.client_id)
        .where(i.id.in_(set(investment_ids)), readable(principal))
    )
    return (await session.execute(stmt)).scalars().all()
