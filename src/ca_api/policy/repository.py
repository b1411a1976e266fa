from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.policy.models import ApprovalLimit, ApprovalLimitVersion, PolicyFigure

# A constant key for pg_advisory_xact_lock: new approval limit versions one at a time.
LIMIT_VERSION_LOCK = 0x0CA_0003


async def figure_on(session: AsyncSession, name: str, on: date) -> PolicyFigure | None:
    """The row in force on ``on``: the latest whose effective date is not after it."""
    params = {"name": name, "on": on}
    return (await session.execute(_figure_on(), params)).scalar_one_or_none()


@functools.cache
def _figure_on() -> Any:
    """Built once (a figure is read by most mutations' checks), name and date parameters."""
    return (
        select(PolicyFigure)
        .where(
            PolicyFigure.name == bindparam("name"),
            PolicyFigure.effective_from <= bindparam("on"),
        )
        .order_by(PolicyFigure.effective_from.desc())
        .limit(1)
    )


async def figures(session: AsyncSession, name: str | None) -> Sequence[PolicyFigure]:
    stmt = select(PolicyFigure).order_by(PolicyFigure.name, PolicyFigure.effective_from)
    if name is not None:
        stmt = stmt.where(PolicyFigure.name == name)
    return (await session.execute(stmt)).scalars().all()


async def limit_version_on(session: AsyncSession, on: date) -> ApprovalLimitVersion | None:
    stmt = (
        select(ApprovalLimitVersion)
        .where(ApprovalLimitVersion.effective_from <= on)
        .order_by(ApprovalLimitVersion.effective_from.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def limit_versions(session: AsyncSession) -> Sequence[ApprovalLimitVersion]:
    stmt = select(ApprovalLimitVersion).order_by(ApprovalLimitVersion.effective_from)
    return (await session.execute(stmt)).scalars().all()


async def limits_of(session: AsyncSession, version_id: int) -> Sequence[ApprovalLimit]:
    stmt = select(ApprovalLimit).where(ApprovalLimit.version_id == version_id)
    return (await session.execute(stmt)).scalars().all()


async def limit_versions_by_id(
    session: AsyncSession, version_ids: Sequence[int]
) -> Sequence[ApprovalLimitVersion]:
    stmt = select(ApprovalLimitVersion).where(ApprovalLimitVersion.id.in_(set(version_ids)))
    return (await session.execute(stmt)).scalars().all()


async def limits_of_versions(
    session: AsyncSession, version_ids: Sequence[int]
) -> Sequence[ApprovalLimit]:
    stmt = select(ApprovalLimit).where(ApprovalLimit.version_id.in_(set(version_ids)))
    return (await session.execute(stmt)).scalars().all()


# --- new approval limit versions (R-DEC-4) ------------------------------------------------


async def lock_limit_versions(session: AsyncSession) -> None:
    """One new version at a time, so "after every existing version" holds under concurrency."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LIMIT_VERSION_LOCK})


async def latest_limit_date(session: AsyncSession) -> date | None:
    stmt = select(func.max(ApprovalLimitVersion.effective_from))
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_limit_version(session: AsyncSession, values: dict[str, Any]) -> int:
    stmt = insert(ApprovalLimitVersion).values(values).returning(ApprovalLimitVersion.id)
    return int((await session.execute(stmt)).scalar_one())


async def insert_limits(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await session.execute(insert(ApprovalLimit), rows)


async def limits_on(session: AsyncSession, on: date) -> Sequence[Any]:
    """The version of the approval limits in force on ``on`` with its limits, in one statement
    (``limit_version_on`` then ``limits_of`` were two): a row per limit, (version_id,
    effective_from, subject, role, up_to); a version with no limits is one row whose subject
    is None; no version, no rows."""
    v, limit = ApprovalLimitVersion, ApprovalLimit
    in_force = (
        select(v.id)
        .where(v.effective_from <= on)
        .order_by(v.effective_from.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(v.id, v.effective_from, limit.subject, limit.role, limit.up_to)
        .outerjoin(limit, limit.version_id == v.id)
        .where(v.id == in_force)
    )
    return (await session.execute(stmt)).all()
