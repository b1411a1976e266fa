"""Reading policy as it stood on a date (a missing figure is an error, never a guess), and new
versions of the approval limits (R-DEC-4), each one transaction with its audit rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Role
from ca_api.db import unit_of_work
from ca_api.errors import ErrorCode, MoneyProblem, ValidationFailed
from ca_api.policy import repository, rules
from ca_api.policy.models import ApprovalLimit, ApprovalLimitVersion, PolicyFigure
from ca_api.policy.rules import ApprovalSubject, LimitRow, LimitVersion


class PolicyMissing(MoneyProblem):
    def __init__(self, name: str, on: date) -> None:
        super().__init__(
            ErrorCode.POLICY_MISSING,
            f"no figure for {name!r} is in force on {on.isoformat()}: "
            "the governance manager must enter it first",
            name=name,
            on=on.isoformat(),
        )


async def figure(session: AsyncSession, name: str, on: date) -> Decimal:
    row = await repository.figure_on(session, name, on)
    if row is None or row.value is None:
        raise PolicyMissing(name, on)
    return Decimal(row.value)


async def figure_on(session: AsyncSession, name: str, on: date) -> PolicyFigure | None:
    """The figure's row in force on ``on`` (value and effective date), or None."""
    return await repository.figure_on(session, name, on)


async def figure_history(session: AsyncSession, name: str | None) -> Sequence[PolicyFigure]:
    """Every effective-dated row of the figure, oldest first (a rate's history); None: of every
    figure, by name."""
    return await repository.figures(session, name)


def in_force(history: Sequence[PolicyFigure], on: date) -> PolicyFigure | None:
    """The row of a figure's history (``figure_history``, oldest first) in force on ``on``, as
    ``figure_on`` reads it: the latest whose effective date is not after it, or None."""
    found = None
    for row in history:
        if row.effective_from <= on:
            found = row
    return found


async def limits(session: AsyncSession, on: date) -> LimitVersion:
    rows = await repository.limits_on(session, on)
    if not rows:
        raise PolicyMissing("approval limits", on)
    return LimitVersion(
        id=rows[0].id,
        effective_from=rows[0].effective_from,
        limits={
            (ApprovalSubject(r.subject), Role(r.role)): r.up_to
            for r in rows
            if r.subject is not None
        },
    )


# --- approval limit versions (R-DEC-4) ----------------------------------------------------


async def add_limit_version(
    session: AsyncSession,
    actor: Actor,
    *,
    effective_from: date,
    note: str,
    limits: Sequence[LimitRow],
) -> int:
    """A new version of the whole approval limits table, from a date after every existing
    version's and not in the past; earlier approvals keep the version they were judged under."""
    async with unit_of_work(session):
        await repository.lock_limit_versions(session)
        latest = await repository.latest_limit_date(session)
        problems = rules.validate_limit_table(
            effective_from, note, limits, today=clock.today(), latest=latest
        )
        if problems:
            raise ValidationFailed(problems)
        version_id = await repository.insert_limit_version(
            session,
            {
                "effective_from": effective_from,
                "note": note.strip(),
                "recorded_by": actor.principal.subject,
            },
        )
        rows = [
            {"version_id": version_id, "subject": r.subject, "role": r.role, "up_to": r.up_to}
            for r in limits
        ]
        await repository.insert_limits(session, rows)
        after = {
            "effective_from": effective_from,
            "note": note.strip(),
            "limits": [{k: v for k, v in r.items() if k != "version_id"} for r in rows],
        }
        await audit.record(
            session, actor, "approval_limit_version", str(version_id), "add", after=after
        )
        return version_id


LimitTable = tuple[ApprovalLimitVersion, Sequence[ApprovalLimit]]  # a version and its rows


async def limit_versions(session: AsyncSession, on: date | None) -> list[LimitTable]:
    """Every version of the approval limits with its rows, oldest first; ``on``: only the one
    in force on that date (none before the first)."""
    if on is not None:
        version = await repository.limit_version_on(session, on)
        versions = [version] if version is not None else []
    else:
        versions = list(await repository.limit_versions(session))
    return [(v, await repository.limits_of(session, v.id)) for v in versions]


async def limit_version(session: AsyncSession, version_id: int) -> LimitTable | None:
    """A version of the approval limits and its rows (for the mutation's payload)."""
    versions = [v for v in await repository.limit_versions(session) if v.id == version_id]
    if not versions:
        return None
    return versions[0], await repository.limits_of(session, version_id)


async def limit_versions_by_id(
    session: AsyncSession, version_ids: Sequence[int]
) -> dict[int, LimitTable]:
    """Versions of the approval limits by id, with their rows, in two queries (a decision's
    approval names the version it was judged under, R-DEC-4)."""
    versions = await repository.limit_versions_by_id(session, version_ids)
    rows: dict[int, list[ApprovalLimit]] = {v.id: [] for v in versions}
    for row in await repository.limits_of_versions(session, list(rows)):
        rows[row.version_id].append(row)
    return {v.id: (v, rows[v.id]) for v in versions}
