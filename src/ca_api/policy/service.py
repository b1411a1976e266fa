"""Reading policy as it stood on a date. A missing figure is an error, never a guess."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Role
from ca_api.errors import ErrorCode, MoneyProblem
from ca_api.policy import repository
from ca_api.policy.rules import ApprovalSubject, LimitVersion


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


async def limits(session: AsyncSession, on: date) -> LimitVersion:
    version = await repository.limit_version_on(session, on)
    if version is None:
        raise PolicyMissing("approval limits", on)
    rows = await repository.limits_of(session, version.id)
    return LimitVersion(
        id=version.id,
        effective_from=version.effective_from,
        limits={(ApprovalSubject(r.subject), Role(r.role)): r.up_to for r in rows},
    )
