"""GraphQL for policy: the figures and approval limits in force, and their history."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import POLICY_READ, allow
from ca_api.context import Context
from ca_api.policy import repository


@strawberry.type(description="A policy figure from its effective date (R-DATA).")
class PolicyFigure:
    name: str
    effective_from: date
    value: str | None = strawberry.field(
        description="A decimal string (a percentage, pence, days); null: known to be unknown."
    )
    unit: str
    source: str
    recorded_by: str
    recorded_at: datetime


@strawberry.type
class ApprovalLimit:
    subject: str
    role: str
    up_to_pence: int | None = strawberry.field(description="Inclusive; null: any amount.")


@strawberry.type(description="Approval limits from an effective date (R-DEC-4).")
class ApprovalLimitVersion:
    id: int
    effective_from: date
    note: str
    recorded_by: str
    limits: list[ApprovalLimit]


@strawberry.type
class PolicyQuery:
    @strawberry.field(
        extensions=allow(POLICY_READ), description="Every effective-dated figure, or one's history."
    )
    async def policy_figures(
        self, info: Info[Context, None], name: str | None = None
    ) -> list[PolicyFigure]:
        rows = await repository.figures(info.context.session, name)
        return [
            PolicyFigure(
                name=r.name,
                effective_from=r.effective_from,
                value=str(r.value) if r.value is not None else None,
                unit=r.unit,
                source=r.source,
                recorded_by=r.recorded_by,
                recorded_at=r.recorded_at,
            )
            for r in rows
        ]

    @strawberry.field(
        extensions=allow(POLICY_READ),
        description="Every version of the approval limits, oldest first; `on` picks the one "
        "in force on a date.",
    )
    async def approval_limits(
        self, info: Info[Context, None], on: date | None = None
    ) -> list[ApprovalLimitVersion]:
        session = info.context.session
        if on is not None:
            version = await repository.limit_version_on(session, on or clock.today())
            versions = [version] if version is not None else []
        else:
            versions = list(await repository.limit_versions(session))
        out = []
        for v in versions:
            rows = await repository.limits_of(session, v.id)
            out.append(
                ApprovalLimitVersion(
                    id=v.id,
                    effective_from=v.effective_from,
                    note=v.note,
                    recorded_by=v.recorded_by,
                    limits=[
                        ApprovalLimit(subject=r.subject, role=r.role, up_to_pence=r.up_to)
                        for r in sorted(rows, key=lambda r: (r.subject, r.role))
                    ],
                )
            )
        return out
