"""Every SQL statement of existing investments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

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
    stmt = (
        select(ExistingInvestment)
        .where(ExistingInvestment.client_id == client_id)
        .order_by(ExistingInvestment.recorded_at, ExistingInvestment.id)
    )
    return (await session.execute(stmt)).scalars().all()
