"""All SQL of the integrations: external references, intake batches and their lines."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, and_, exists, func, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.common.keyset import Seek, keyset
from ca_api.integrations.models import ExternalReference, IntakeBatch, IntakeLine

_successor = aliased(ExternalReference)


def _in_force() -> Any:
    """A reference is in force while no row supersedes it (R-AUD-2: corrections are new rows)."""
    return ~exists().where(_successor.supersedes == ExternalReference.id)


async def lock_references(session: AsyncSession) -> None:
    """Every writer of references takes this lock before it reads what is in force, so a check
    followed by an insert sees every committed row (the trigger of migration 0044 takes it too).
    One transaction-level lock for all: references are written by batches, one at a time."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('external_reference'))"))


async def in_force(
    session: AsyncSession, wanted: Mapping[str, Collection[str]]
) -> dict[tuple[str, str], ExternalReference]:
    """The references in force with these values, by (kind, value): one query for every kind."""
    out: dict[tuple[str, str], ExternalReference] = {}
    wanted = {k: sorted(set(v)) for k, v in wanted.items() if v}
    if not wanted:
        return out
    conditions = [
        and_(ExternalReference.kind == kind, ExternalReference.value == func.any(values))
        for kind, values in wanted.items()
    ]
    stmt = select(ExternalReference).where(or_(*conditions), _in_force())
    for row in (await session.execute(stmt)).scalars():
        out[(row.kind, row.value)] = row
    return out


async def all_in_force(session: AsyncSession, kind: str) -> Sequence[ExternalReference]:
    """Every reference of ``kind`` in force, by value."""
    stmt = select(ExternalReference).where(ExternalReference.kind == kind, _in_force())
    return (await session.execute(stmt.order_by(ExternalReference.value))).scalars().all()


async def of_subjects(
    session: AsyncSession, systems: Collection[str], subject_ids: Collection[uuid.UUID]
) -> Sequence[ExternalReference]:
    """The references in force of these systems naming these records, oldest first."""
    if not subject_ids or not systems:
        return []
    stmt = (
        select(ExternalReference)
        .where(
            ExternalReference.subject_id.in_(set(subject_ids)),
            ExternalReference.system.in_(set(systems)),
            _in_force(),
        )
        .order_by(ExternalReference.recorded_at, ExternalReference.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def references_by_id(
    session: AsyncSession, ids: Collection[uuid.UUID]
) -> Sequence[ExternalReference]:
    if not ids:
        return []
    stmt = select(ExternalReference).where(ExternalReference.id.in_(set(ids)))
    return (await session.execute(stmt)).scalars().all()


async def is_superseded(session: AsyncSession, reference_id: uuid.UUID) -> bool:
    stmt = select(exists().where(ExternalReference.supersedes == reference_id))
    return bool((await session.execute(stmt)).scalar())


async def subjects_in_force(
    session: AsyncSession, wanted: Mapping[str, Collection[str]]
) -> dict[tuple[str, str], uuid.UUID]:
    """``in_force`` for a batch: only (kind, value) -> the record it names, read as plain
    columns (no ORM object per reference: a batch of 1,000 lines reads up to 3,000)."""
    wanted = {k: sorted(set(v)) for k, v in wanted.items() if v}
    if not wanted:
        return {}
    r = ExternalReference
    conditions = [
        and_(r.kind == kind, r.value == func.any(values)) for kind, values in wanted.items()
    ]
    stmt = select(r.kind, r.value, r.subject_id).where(or_(*conditions), _in_force())
    return {(k, v): sid for k, v, sid in await session.execute(stmt)}


_REFERENCE_COLUMNS = (
    "id",
    "system",
    "kind",
    "value",
    "subject_type",
    "subject_id",
    "supersedes",
    "reason",
    "recorded_by",
)
_INSERT_REFERENCES = text(
    """
    INSERT INTO external_reference (id, system, kind, value, subject_type, subject_id,
                                    supersedes, reason, recorded_by)
    SELECT * FROM unnest(CAST(:id AS uuid[]), CAST(:system AS text[]), CAST(:kind AS text[]),
                         CAST(:value AS text[]), CAST(:subject_type AS text[]),
                         CAST(:subject_id AS uuid[]), CAST(:supersedes AS uuid[]),
                         CAST(:reason AS text[]), CAST(:recorded_by AS text[]))
    """
)


async def insert_references(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Many references in one statement (the trigger checks each statement once, so one
    statement, not one per row): the columns sent as arrays, which costs no SQL compiling per
    row either."""
    if rows:
        params = {c: [r.get(c) for r in rows] for c in _REFERENCE_COLUMNS}
        await session.execute(_INSERT_REFERENCES, params)


# --- batches ------------------------------------------------------------------------------


async def insert_batch(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(IntakeBatch).values(values))


async def insert_lines(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """A batch's lines: one prepared statement executed for every row (executemany), not a
    multi-row VALUES SQLAlchemy would compile a parameter at a time."""
    if rows:
        table: Table = IntakeLine.__table__  # type: ignore[assignment]
        await session.execute(insert(table), list(rows))


async def batches_by_id(
    session: AsyncSession, systems: Collection[str], ids: Collection[uuid.UUID]
) -> Sequence[IntakeBatch]:
    if not ids or not systems:
        return []
    stmt = select(IntakeBatch).where(
        IntakeBatch.id.in_(set(ids)), IntakeBatch.system.in_(set(systems))
    )
    return (await session.execute(stmt)).scalars().all()


async def list_batches(
    session: AsyncSession,
    systems: Collection[str],
    batch_reference: str | None,
    *,
    seek: Seek[Any],
) -> Sequence[IntakeBatch]:
    """Batches of these systems, oldest first, a page at a time."""
    if not systems:
        return []
    stmt = select(IntakeBatch).where(IntakeBatch.system.in_(set(systems)))
    if batch_reference is not None:
        stmt = stmt.where(IntakeBatch.batch_reference == batch_reference)
    stmt = keyset(stmt, seek, IntakeBatch.recorded_at, IntakeBatch.id)
    return (await session.execute(stmt)).scalars().all()


async def lines_of(
    session: AsyncSession, batch_ids: Collection[uuid.UUID], outcome: str | None = None
) -> Sequence[IntakeLine]:
    if not batch_ids:
        return []
    stmt = select(IntakeLine).where(IntakeLine.batch_id.in_(set(batch_ids)))
    if outcome is not None:
        stmt = stmt.where(IntakeLine.outcome == outcome)
    return (
        (await session.execute(stmt.order_by(IntakeLine.batch_id, IntakeLine.line))).scalars().all()
    )
