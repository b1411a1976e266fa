"""GraphQL for policy: the figures and approval limits in force, their history, and new
versions of the approval limits (R-DEC-4)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import POLICY_READ, POLICY_WRITE, allow
from ca_api.common.node import NodeType
from ca_api.common.problems import ValidationProblem
from ca_api.common.scalars import Money, Percent
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.policy import rules, service
from ca_api.policy.models import ApprovalLimit as ApprovalLimitRow
from ca_api.policy.models import ApprovalLimitVersion as ApprovalLimitVersionRow
from ca_api.policy.models import PolicyFigure as PolicyFigureRow


@strawberry.enum(description="What a policy figure measures, and so which field carries it.")
class PolicyFigureKind(enum.Enum):
    MONEY = "MONEY"  # stored as pence (unit PENCE)
    PERCENT = "PERCENT"
    DAYS = "DAYS"
    COUNT = "COUNT"


# The database's unit (migration 0002) -> the kind the API shows.
KIND_OF_UNIT = {
    "PENCE": PolicyFigureKind.MONEY,
    "PERCENT": PolicyFigureKind.PERCENT,
    "DAYS": PolicyFigureKind.DAYS,
    "COUNT": PolicyFigureKind.COUNT,
}


@strawberry.type(
    description="A policy figure from its effective date (R-DATA). Its value is in the one "
    "field its kind names: money (MONEY), percent (PERCENT), count (DAYS, COUNT); the others are "
    "null, and all three are null when the figure is known to be unknown (known: false)."
)
class PolicyFigure:
    row: strawberry.Private[PolicyFigureRow]

    @classmethod
    def from_row(cls, row: PolicyFigureRow) -> PolicyFigure:
        kind = KIND_OF_UNIT[row.unit]
        return from_source(cls, row, row=row, kind=kind, known=row.value is not None)

    name: str
    effective_from: date
    kind: PolicyFigureKind

    known: bool = strawberry.field(
        description="False: the figure is recorded as unknown from this date, and anything "
        "that needs it is refused rather than guessed (POLICY_MISSING)."
    )

    def _money(self) -> Money | None:
        value = self._value(PolicyFigureKind.MONEY)
        return Money(int(value)) if value is not None else None

    money: Money | None = strawberry.field(
        resolver=_money, description="A MONEY figure (a fee, a threshold, a limit)."
    )

    def _percent(self) -> Percent | None:
        value = self._value(PolicyFigureKind.PERCENT)
        return Percent(value) if value is not None else None

    percent: Percent | None = strawberry.field(
        resolver=_percent, description="A PERCENT figure (a rate a year, a price rise, a share)."
    )

    def _count(self) -> int | None:
        value = self._value(PolicyFigureKind.DAYS, PolicyFigureKind.COUNT)
        return int(value) if value is not None else None

    count: int | None = strawberry.field(
        resolver=_count, description="A DAYS or COUNT figure (working days, months)."
    )

    source: str
    recorded_by: str
    recorded_at: datetime

    def _value(self, *kinds: PolicyFigureKind) -> Decimal | None:
        """The value if the figure is of one of ``kinds`` (and known), else None."""
        return self.row.value if KIND_OF_UNIT[self.row.unit] in kinds else None


@strawberry.type
class ApprovalLimit:
    subject: str
    role: str
    up_to: Money | None = strawberry.field(description="Inclusive; null: any amount.")

    @classmethod
    def of(cls, row: ApprovalLimitRow) -> ApprovalLimit:
        return from_source(cls, row)


@strawberry.type(description="Approval limits from an effective date (R-DEC-4).")
class ApprovalLimitVersion:
    id: int
    effective_from: date
    note: str
    recorded_by: str
    limits: list[ApprovalLimit]

    @classmethod
    def of(
        cls, version: ApprovalLimitVersionRow, rows: Sequence[ApprovalLimitRow]
    ) -> ApprovalLimitVersion:
        limits = [ApprovalLimit.of(r) for r in sorted(rows, key=lambda r: (r.subject, r.role))]
        return from_source(cls, version, limits=limits)


@strawberry.input(description="One row of the approval limits table.")
class ApprovalLimitInput:
    subject: str = strawberry.field(
        description="PAYMENT, GIFT, CONFLICT_OF_INTEREST, DEBT_STATEMENT, INVESTMENT_PLAN, "
        "BEST_INTEREST or FINANCIAL_PLAN."
    )
    role: str = strawberry.field(
        description="senior_officer, governance_manager or head_of_service; a role above may "
        "also approve (R-DEC-2)."
    )
    up_to: Money | None = strawberry.field(description="Inclusive; null: any amount.")


@strawberry.input(description="The whole approval limits table from a date (R-DEC-4).")
class ApprovalLimitVersionInput:
    effective_from: date = strawberry.field(
        description="After every existing version's date, and not in the past."
    )
    note: str = strawberry.field(description="The committee decision it records.")
    limits: list[ApprovalLimitInput]


@strawberry.type
class ApprovalLimitVersionPayload:
    version: ApprovalLimitVersion


ApprovalLimitVersionResult = Annotated[
    ApprovalLimitVersionPayload | ValidationProblem,
    strawberry.union("ApprovalLimitVersionResult"),
]


@strawberry.type
class PolicyQuery:
    @strawberry.field(
        extensions=allow(POLICY_READ), description="Every effective-dated figure, or one's history."
    )
    async def policy_figures(
        self, info: Info[Context, None], name: str | None = None
    ) -> list[PolicyFigure]:
        rows = await service.figure_history(info.context.session, name)
        return [PolicyFigure.from_row(r) for r in rows]

    @strawberry.field(
        extensions=allow(POLICY_READ),
        description="Every version of the approval limits, oldest first; `on` picks the one "
        "in force on a date.",
    )
    async def approval_limits(
        self, info: Info[Context, None], on: date | None = None
    ) -> list[ApprovalLimitVersion]:
        versions = await service.limit_versions(info.context.session, on)
        return [ApprovalLimitVersion.of(*v) for v in versions]


@strawberry.type
class PolicyMutation:
    @strawberry.mutation(
        extensions=allow(POLICY_WRITE),
        description="A new version of the whole approval limits table from a date after every "
        "existing version's and not in the past (R-DEC-4); earlier approvals keep theirs.",
    )
    async def add_approval_limit_version(
        self, info: Info[Context, None], input: ApprovalLimitVersionInput
    ) -> ApprovalLimitVersionResult:
        ctx = info.context
        rows = [rules.LimitRow(r.subject.strip(), r.role.strip(), r.up_to) for r in input.limits]
        version_id = await service.add_limit_version(
            ctx.session,
            ctx.actor,
            effective_from=input.effective_from,
            note=input.note,
            limits=rows,
        )
        found = await service.limit_version(ctx.session, version_id)
        assert found is not None
        return ApprovalLimitVersionPayload(version=ApprovalLimitVersion.of(*found))


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
