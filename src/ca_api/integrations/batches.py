"""The integrations' batches read back (issue 17 item 5): a batch as recorded, with its lines and
their outcomes, as its own system or an officer may read it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal
from ca_api.common.keyset import Seek
from ca_api.integrations import repository, rules
from ca_api.integrations.models import IntakeBatch, IntakeLine
from ca_api.integrations.rules import ExternalSystem, LineOutcome


@dataclass(frozen=True)
class BatchView:
    batch: IntakeBatch
    lines: list[IntakeLine] = field(default_factory=list)
    replayed: bool = False


async def batch_view(session: AsyncSession, batch_id: uuid.UUID) -> BatchView:
    batch = (
        await repository.batches_by_id(session, [s.value for s in ExternalSystem], [batch_id])
    )[0]
    return BatchView(batch, list(await repository.lines_of(session, [batch_id])))


async def batches_by_id(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, IntakeBatch]:
    """The batches with these ids the caller may read: officers and audit all, an integration
    its own system's."""
    systems = [s.value for s in rules.own_systems(principal.roles)]
    return {b.id: b for b in await repository.batches_by_id(session, systems, ids)}


async def list_batches(
    session: AsyncSession,
    principal: Principal,
    system: ExternalSystem | None,
    batch_reference: str | None,
    *,
    seek: Seek[Any],
) -> Sequence[IntakeBatch]:
    systems = {s.value for s in rules.own_systems(principal.roles)}
    if system is not None:
        systems &= {system.value}
    return await repository.list_batches(session, systems, batch_reference, seek=seek)


async def lines_by_batch(
    session: AsyncSession, batch_ids: Sequence[uuid.UUID], outcome: LineOutcome | None = None
) -> dict[uuid.UUID, list[IntakeLine]]:
    out: dict[uuid.UUID, list[IntakeLine]] = {i: [] for i in batch_ids}
    for row in await repository.lines_of(
        session, batch_ids, outcome.value if outcome is not None else None
    ):
        out[row.batch_id].append(row)
    return out


async def refused_lines_by_batch(
    session: AsyncSession, batch_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[IntakeLine]]:
    """The refused lines of these batches (what a sender reads back after each batch)."""
    return await lines_by_batch(session, batch_ids, LineOutcome.REFUSED)
