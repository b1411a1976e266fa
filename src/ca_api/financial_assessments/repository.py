"""Every SQL statement of the financial assessment status."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.financial_assessments.models import FinancialAssessment


async def insert_entry(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(FinancialAssessment).values(values))


async def latest_of(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[FinancialAssessment]:
    """Each client's latest entry (the clients with none have no row)."""
    stmt = (
        select(FinancialAssessment)
        .where(FinancialAssessment.client_id.in_(set(client_ids)))
        .ext(distinct_on(FinancialAssessment.client_id))
        .order_by(
            FinancialAssessment.client_id,
            FinancialAssessment.recorded_at.desc(),
            FinancialAssessment.id.desc(),
        )
    )
    return (await session.execute(stmt)).scalars().all()
