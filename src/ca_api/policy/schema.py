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
from ca_api.auth.schema import Role
from ca_api.common import loaders
from ca_api.common.calls import as_caller
from ca_api.common.node import NodeType
from ca_api.common.problems import ValidationProblem
from ca_api.common.scalars import Money, Percent
from ca_api.common.types import describe_enum, from_source
from ca_api.context import Context
from ca_api.policy import rules, service
from ca_api.policy.inputs import AddApprovalLimitVersionInput, ApprovalSubject
from ca_api.policy.models import ApprovalLimit as ApprovalLimitRow
from ca_api.policy.models import ApprovalLimitVersion as ApprovalLimitVersionRow
from ca_api.policy.models import PolicyFigure as PolicyFigureRow


@strawberry.enum(description="What a policy figure measures, and so which field carries it.")
class PolicyFigureKind(enum.Enum):
    MONEY = "MONEY"  # stored as pence (unit PENCE)
    PERCENT = "PERCENT"
    DAYS = "DAYS"
    COUNT = "COUNT"


describe_enum(
    PolicyFigureKind,
    {
        PolicyFigureKind.MONEY: "An amount of money (a fee, a threshold): in the field money.",
        PolicyFigureKind.PERCENT: "A rate or a share: in the field percent.",
        PolicyFigureKind.DAYS: "A number of days: in the field count.",
        PolicyFigureKind.COUNT: "A number of something else (months, clients): in the field count.",
    },
)


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

    name: str = strawberry.field(
        description="The figure's name, e.g. the FSCS deposit protection limit."
    )
    effective_from: date = strawberry.field(
        description="The first day it applies; it applies until the next version's date (R-DATA)."
    )
    kind: PolicyFigureKind = strawberry.field(description="What it measures: which field has it.")

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

    source: str = strawberry.field(
        description="Where the figure comes from, in words: the seed's paragraph, or the public "
        "record that names it (free text, not a fixed set)."
    )
    recorded_by: str = strawberry.field(description="Who recorded this version of the figure.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    def _value(self, *kinds: PolicyFigureKind) -> Decimal | None:
        """The value if the figure is of one of ``kinds`` (and known), else None."""
        return self.row.value if KIND_OF_UNIT[self.row.unit] in kinds else None


@strawberry.type(
    description="One row of the approval limits table (R-DEC): the lowest role that may approve "
    "a subject up to an amount; a role above may also (R-DEC-2)."
)
class ApprovalLimit:
    subject: ApprovalSubject = strawberry.field(
        description="What is approved: PAYMENT, or a decision's kind (GIFT, INVESTMENT_PLAN...)."
    )
    role: Role = strawberry.field(
        description="The lowest role that may approve it: SENIOR_OFFICER (SCAO), "
        "GOVERNANCE_MANAGER (TGM) or HEAD_OF_SERVICE."
    )
    up_to: Money | None = strawberry.field(description="Inclusive; null: any amount.")

    @classmethod
    def of(cls, row: ApprovalLimitRow) -> ApprovalLimit:
        return from_source(cls, row)


@strawberry.type(description="Approval limits from an effective date (R-DEC-4).")
class ApprovalLimitVersion:
    id: int = strawberry.field(
        description="The version's number, which each approval records it was judged under "
        "(R-DEC-4)."
    )
    effective_from: date = strawberry.field(
        description="The first day it is in force; it stays in force until the next version's."
    )
    note: str = strawberry.field(description="The committee decision it records.")
    recorded_by: str = strawberry.field(description="Who recorded it (the governance manager).")
    limits: list[ApprovalLimit] = strawberry.field(description="Its rows, by subject then role.")

    @classmethod
    def of(
        cls, version: ApprovalLimitVersionRow, rows: Sequence[ApprovalLimitRow]
    ) -> ApprovalLimitVersion:
        limits = [ApprovalLimit.of(r) for r in sorted(rows, key=lambda r: (r.subject, r.role))]
        return from_source(cls, version, limits=limits)


async def limit_version_of(ctx: Context, version_id: int) -> ApprovalLimitVersion | None:
    """A version of the approval limits by id, with its rows, loaded with the request's others
    (what an approval was judged under, R-DEC-4)."""
    loader = loaders.one(ctx, "policy.limit_versions", service.limit_versions_by_id)
    found = await loader.load(version_id)
    return ApprovalLimitVersion.of(*found) if found is not None else None


@strawberry.type(description="The new version of the approval limits, as recorded.")
class ApprovalLimitVersionPayload:
    version: ApprovalLimitVersion = strawberry.field(description="The version recorded.")


ApprovalLimitVersionResult = Annotated[
    ApprovalLimitVersionPayload | ValidationProblem,
    strawberry.union(
        "ApprovalLimitVersionResult",
        description="The version recorded, or why it was refused (a date not after every "
        "existing version's, or in the past; a row that is not valid).",
    ),
]


@strawberry.type
class PolicyQuery:
    @strawberry.field(
        extensions=allow(POLICY_READ), description="Every effective-dated figure, or one's history."
    )
    async def policy_figures(
        self,
        info: Info[Context, None],
        name: Annotated[
            str | None,
            strawberry.argument(description="One figure's name: its every version, oldest first."),
        ] = None,
    ) -> list[PolicyFigure]:
        rows = await service.figure_history(info.context.session, name)
        return [PolicyFigure.from_row(r) for r in rows]

    @strawberry.field(
        extensions=allow(POLICY_READ),
        description="Every version of the approval limits, oldest first; `on` picks the one "
        "in force on a date.",
    )
    async def approval_limits(
        self,
        info: Info[Context, None],
        on: Annotated[
            date | None,
            strawberry.argument(description="A date: only the version in force on it."),
        ] = None,
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
        self,
        info: Info[Context, None],
        input: Annotated[
            AddApprovalLimitVersionInput,
            strawberry.argument(description="The whole new table and the date it applies from."),
        ],
    ) -> ApprovalLimitVersionResult:
        ctx = info.context
        rows = [rules.LimitRow(r.subject.strip(), r.role.strip(), r.up_to) for r in input.limits]
        version_id = await as_caller(
            info,
            service.add_limit_version,
            effective_from=input.effective_from,
            note=input.note,
            limits=rows,
        )
        found = await service.limit_version(ctx.session, version_id)
        assert found is not None
        return ApprovalLimitVersionPayload(version=ApprovalLimitVersion.of(*found))


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
