"""Every SQL statement of the reclassifications (issue 15, R-OPG-1): each transfer's reported
category, through the view ``transfer_reported_category``, and the records that changed it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import insert_recorded
from ca_api.ledger.models import TransferReclassification, transfer_reported_category


async def lock_reclassifications(session: AsyncSession, transfer_id: uuid.UUID) -> None:
    """Reclassifications of one transfer one at a time (until commit)."""
    lock = text("SELECT pg_advisory_xact_lock(hashtext(:name))")
    await session.execute(lock, {"name": f"ca_api.reclassify.{transfer_id}"})


async def reported_categories(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Each transfer's reported category, through the view ``transfer_reported_category``."""
    if not transfer_ids:
        return {}
    v = transfer_reported_category
    stmt = select(v.c.transfer_id, v.c.reported_category).where(
        v.c.transfer_id.in_(set(transfer_ids))
    )
    return {r.transfer_id: r.reported_category for r in await session.execute(stmt)}


async def insert_reclassification(
    session: AsyncSession, values: dict[str, Any]
) -> TransferReclassification:
    return await insert_recorded(session, TransferReclassification, values)


async def reclassifications_of(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> Sequence[TransferReclassification]:
    """The reclassifications of these transfers, oldest first."""
    if not transfer_ids:
        return []
    r = TransferReclassification
    stmt = (
        select(r)
        .where(r.transfer_id.in_(set(transfer_ids)))
        .order_by(r.transfer_id, r.recorded_at, r.id)
    )
    return (await session.execute(stmt)).scalars().all()
