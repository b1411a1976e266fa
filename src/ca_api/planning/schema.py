"""GraphQL for planning: thin. Parse, call the service, map the result.

Budget plans (R-BUD-1 to R-BUD-4, R-CARE-2) and their yearly review here; clients' asset
declarations and the threshold flags (R-INV-1, R-INV-2) read from effective-dated policy figures
(R-DATA) have their types in ``planning.threshold_schema`` and their root fields here.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import PLAN_READ, PLAN_WRITE, THRESHOLD_FLAGS_READ, allow
from ca_api.clients.schema import readable_client
from ca_api.common.ids import decode_uuid, node_id, node_id_or_none
from ca_api.common.node import NodeType
from ca_api.common.pagination import Connection, PageRequest, bad_cursor, paginate
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    Problem,
    ValidationProblem,
    problem_for,
)
from ca_api.common.scalars import Money, Percent
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.decisions import service as decisions_service
from ca_api.errors import NotFound
from ca_api.planning import rules, service, thresholds
from ca_api.planning.service import PlanAlreadySuperseded, PlanView, RecordedPlan
from ca_api.planning.threshold_schema import (
    ClientAssetDeclaration,
    ClientAssetDeclarationPayload,
    DeclareClientAssetsResult,
    ThresholdFlag,
    clients_page,
)

PlanFrequency = rules.Frequency
PlanFigure = rules.Figure
strawberry.enum(
    PlanFrequency,
    name="PlanFrequency",
    description="How often a plan line is paid or received: WEEKLY 52 times a year, FORTNIGHTLY "
    "26, FOUR_WEEKLY 13, MONTHLY 12, QUARTERLY 4, TWICE_A_YEAR 2, ANNUALLY 1, AD_HOC 1 (R-BUD-1).",
)
strawberry.enum(PlanFigure, name="PlanFigure")

R = TypeVar("R")
T = TypeVar("T")


# --- types ---


@strawberry.type(description="One income or expenditure line of a budget plan (R-BUD-1).")
class BudgetLine:
    @classmethod
    def from_line(cls, line_no: int, line: rules.PlanLine) -> BudgetLine:
        return from_source(
            cls,
            line,
            line_no=line_no,
            times_per_year=line.times_a_year,
            annual_amount=line.annual,
            annual_entered_directly=line.annual_entered is not None,
        )

    line_no: int
    item: str
    amount: Money | None
    frequency: PlanFrequency | None
    times_per_year: int | None
    annual_amount: Money | None = strawberry.field(
        description="The annual figure counted in the totals: the one entered directly, else "
        "amount x times a year; null for a note of past spending, which is not counted."
    )
    annual_entered_directly: bool
    computed_annual: Money | None = strawberry.field(
        description="amount x times a year, exact in pence (null without both)."
    )
    entered_minus_computed: Money | None = strawberry.field(
        description="Where the annual figure was entered directly: it minus amount x times."
    )
    in_totals: bool
    note: str | None


@strawberry.type(description="A total the paper plan printed that its lines do not add up to.")
class PlanFigureDifference:
    figure: PlanFigure
    computed: Money
    printed: Money
    difference: Money = strawberry.field(description="computed - printed")


@strawberry.type(description="The totals as the paper plan printed them, where given.")
class PrintedPlanTotals:
    income: Money | None
    expenditure: Money | None
    available_income: Money | None
    surplus: Money | None


@strawberry.type(
    description="R-BUD-4: last year's actual + the price rise in force at the plan's start "
    "(rounded half-up to the penny); the weekly figure is the year's / 52, half-up."
)
class PersonalAllowanceCalculation:
    last_year_actual: Money
    price_rise_percent: Percent
    uplift: Money
    year_total: Money
    weekly: Money


def _lines(view: PlanView, side: rules.Side) -> list[BudgetLine]:
    return [BudgetLine.from_line(n, ln) for n, ln in view.lines if ln.side is side]


@strawberry.type(
    description="A client's yearly financial plan (R-CARE-2). Never edited: a revision is a new "
    "plan that supersedes it."
)
class BudgetPlan:
    view: strawberry.Private[PlanView]

    @classmethod
    def from_view(cls, view: PlanView) -> BudgetPlan:
        plan, pa, printed = view.plan, view.personal_allowance, view.printed
        return from_source(
            cls,
            plan,
            view=view,
            income_lines=_lines(view, rules.Side.INCOME),
            expenditure_lines=_lines(view, rules.Side.EXPENDITURE),
            shortfall=view.totals.shortfall,
            personal_allowance=from_source(PersonalAllowanceCalculation, pa) if pa else None,
            printed=from_source(PrintedPlanTotals, printed, available_income=printed.available),
            differences_from_printed=[
                from_source(PlanFigureDifference, d) for d in view.differences
            ],
            differs_from_printed=bool(view.differences),
            supersedes_id=node_id_or_none("BudgetPlan", plan.supersedes_id),
            superseded_by_id=node_id_or_none("BudgetPlan", view.superseded_by),
            decision_id=node_id_or_none("Decision", plan.decision_id),
        )

    id: strawberry.ID
    client_id: strawberry.ID
    plan_year_start: date
    opening_balance: Money = strawberry.field(
        description="The account balance at the plan's start (R-BUD-3)."
    )
    notes: str | None
    income_lines: list[BudgetLine]
    expenditure_lines: list[BudgetLine]
    annual_income: Money
    annual_expenditure: Money = strawberry.field(description="Twelve months' needs (R-INV-1).")
    available_income: Money = strawberry.field(
        description="Income - expenditure; negative is a shortfall (R-BUD-2)."
    )
    shortfall: bool
    surplus: Money = strawberry.field(description="Opening balance + available income (R-BUD-3).")
    personal_allowance: PersonalAllowanceCalculation | None
    printed: PrintedPlanTotals
    differences_from_printed: list[PlanFigureDifference] = strawberry.field(
        description="Printed totals that differ from the lines' own sums."
    )
    differs_from_printed: bool
    supersedes_id: strawberry.ID | None
    superseded_by_id: strawberry.ID | None
    decision_id: strawberry.ID | None = strawberry.field(
        description='The approving "financial plans and budgets" decision (R-DEC); null until '
        "it is linked."
    )

    async def _approval_status(self, info: Info[Context, None]) -> str:
        d = self.view.plan.decision_id
        if d is None:
            return "NOT_SUBMITTED"
        found = await decisions_service.decisions_by_id(info.context.session, [d])
        return found[d].status.value if d in found else "NOT_SUBMITTED"

    approval_status: str = strawberry.field(
        resolver=_approval_status,
        description="NOT_SUBMITTED, or the approving decision's status (RAISED, APPROVED, "
        "REFUSED, SUPERSEDED).",
    )

    recorded_by: str
    recorded_at: datetime


ReviewStatus = rules.ReviewStatus
strawberry.enum(ReviewStatus, description="Where a client's yearly plan review stands (R-CARE-2).")


@strawberry.type(description="A client whose budget plan needs making or reviewing (R-CARE-2).")
class PlanReview:
    @classmethod
    def from_review(cls, review: service.PlanReview) -> PlanReview:
        return from_source(
            cls,
            review,
            client_reference=review.reference,
            plan_id=node_id_or_none("BudgetPlan", review.plan_id),
        )

    client_id: strawberry.ID
    client_reference: str
    plan_id: strawberry.ID | None
    plan_year_start: date | None
    due_on: date | None
    status: ReviewStatus


# --- inputs ---


@strawberry.input(
    description="A line counts in the totals with an annualAmount entered directly, or an amount "
    "and a frequency (amount x times a year); with neither it is a note of past spending."
)
class BudgetLineInput:
    item: str
    amount: Money | None = None
    frequency: PlanFrequency | None = None
    annual_amount: Money | None = strawberry.field(
        default=None,
        description="An annual figure entered directly; it is counted instead of amount x times.",
    )
    note: str | None = None

    def to_line(self, side: rules.Side) -> rules.PlanLine:
        return rules.PlanLine(
            side=side,
            item=self.item,
            amount=self.amount,
            frequency=self.frequency,
            annual_entered=self.annual_amount,
            note=self.note,
        )


@strawberry.input
class BudgetPlanInput:
    client_id: strawberry.ID
    plan_year_start: date
    opening_balance: Money = strawberry.field(
        description="The client's account balance at the plan's start (R-BUD-3)."
    )
    income: list[BudgetLineInput]
    expenditure: list[BudgetLineInput]
    notes: str | None = None
    personal_allowance_last_year: Money | None = strawberry.field(
        default=None,
        description="Last year's actual personal allowance: the plan shows this year's with the "
        "price rise in force at its start (R-BUD-4).",
    )
    printed_income: Money | None = None
    printed_expenditure: Money | None = None
    printed_available_income: Money | None = None
    printed_surplus: Money | None = None
    supersedes: strawberry.ID | None = strawberry.field(
        default=None, description="The plan this one revises; it stays as it was."
    )

    def to_new(self) -> service.NewPlan:
        lines = [ln.to_line(rules.Side.INCOME) for ln in self.income] + [
            ln.to_line(rules.Side.EXPENDITURE) for ln in self.expenditure
        ]
        return service.NewPlan(
            client_id=decode_uuid("Client", self.client_id),
            plan_year_start=self.plan_year_start,
            opening_balance=self.opening_balance,
            lines=lines,
            notes=self.notes,
            personal_allowance_last_year=self.personal_allowance_last_year,
            printed=rules.PrintedTotals(
                income=self.printed_income,
                expenditure=self.printed_expenditure,
                available=self.printed_available_income,
                surplus=self.printed_surplus,
            ),
            supersedes_id=(
                decode_uuid("BudgetPlan", self.supersedes) if self.supersedes is not None else None
            ),
        )


# --- results ---


@strawberry.type(description="The plan revised has already been superseded by another.")
class PlanAlreadySupersededProblem(Problem):
    superseded_by_id: strawberry.ID


@strawberry.type
class BudgetPlanPayload:
    @classmethod
    def of(cls, done: RecordedPlan) -> BudgetPlanPayload:
        return cls(plan=BudgetPlan.from_view(done.view), replayed=done.replayed)

    plan: BudgetPlan
    replayed: bool = strawberry.field(description="True when this repeats an earlier request.")


RecordBudgetPlanResult = Annotated[
    BudgetPlanPayload
    | ValidationProblem
    | NotFoundProblem
    | PolicyMissingProblem
    | IdempotencyKeyReusedProblem
    | PlanAlreadySupersededProblem,
    strawberry.union("RecordBudgetPlanResult"),
]


@problem_for(PlanAlreadySuperseded)
def _already_superseded(exc: PlanAlreadySuperseded) -> PlanAlreadySupersededProblem:
    return PlanAlreadySupersededProblem(
        code=exc.code,
        message=exc.message,
        superseded_by_id=node_id("BudgetPlan", exc.superseded_by),
    )


# --- root fields ---


def _after_plan(page: PageRequest) -> tuple[date, datetime, uuid.UUID] | None:
    """The cursor of a client's plans: (plan year start, recorded at, id)."""
    key = page.after_key(str, str, str)
    if key is None:
        return None
    try:
        return date.fromisoformat(key[0]), datetime.fromisoformat(key[1]), uuid.UUID(key[2])
    except ValueError as exc:
        raise bad_cursor() from exc


@strawberry.type
class PlanningQuery:
    @strawberry.field(extensions=allow(PLAN_READ), description="One budget plan, by id.")
    async def budget_plan(self, info: Info[Context, None], id: strawberry.ID) -> BudgetPlan:
        view = await service.get_plan(info.context.session, decode_uuid("BudgetPlan", id))
        if view is None:
            raise NotFound("budget plan", id)
        return BudgetPlan.from_view(view)

    @strawberry.field(
        extensions=allow(PLAN_READ),
        description="A client's budget plans, newest plan year first, superseded ones included.",
    )
    async def budget_plans(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[BudgetPlan]:
        ctx = info.context

        async def plans(
            after_plan: tuple[date, datetime, uuid.UUID] | None, limit: int
        ) -> list[PlanView]:
            cid = decode_uuid("Client", client_id)
            await readable_client(ctx, cid, client_id)
            return await service.plans_of_client(ctx.session, cid, after=after_plan, limit=limit)

        return await paginate(
            first,
            after,
            default=25,
            maximum=ctx.settings.max_page_size,
            cursor=_after_plan,
            fetch=plans,
            key=lambda v: [
                v.plan.plan_year_start.isoformat(),
                v.plan.recorded_at.isoformat(),
                str(v.plan.id),
            ],
            node=BudgetPlan.from_view,
        )

    @strawberry.field(
        extensions=allow(THRESHOLD_FLAGS_READ),
        description="Clients flagged on a date (default today), in reference order: appointee-"
        "only clients for a deputyship application (R-INV-1), deputy clients for lodgement "
        "(R-INV-2), by the thresholds in force on that date (R-DATA).",
    )
    async def threshold_flags(
        self,
        info: Info[Context, None],
        on: date | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ThresholdFlag]:
        # A figure missing is a POLICY_MISSING error (ca_api.graphql.ErrorPolicy).
        return await clients_page(
            info, on, first, after, thresholds.threshold_flags, ThresholdFlag.from_flag
        )


@strawberry.type
class PlanReviewQuery:
    @strawberry.field(
        extensions=allow(PLAN_READ),
        description="Clients taken on whose plan is missing, a year old, or nearly (R-CARE-2, "
        "R-REP-4), in reference order.",
    )
    async def budget_plan_reviews(
        self,
        info: Info[Context, None],
        on: date | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PlanReview]:
        return await clients_page(
            info, on, first, after, service.plan_reviews, PlanReview.from_review
        )


@strawberry.type
class PlanningMutation:
    @strawberry.mutation(
        extensions=allow(PLAN_WRITE),
        description="Record a client's yearly budget plan, line by line (R-BUD, R-CARE-2). A "
        "revision names the plan it supersedes; plans are never edited. Approval as a "
        '"financial plans and budgets" decision (R-DEC) is linked by the decisions module.',
    )
    async def record_budget_plan(
        self, info: Info[Context, None], input: BudgetPlanInput, idempotency_key: str
    ) -> RecordBudgetPlanResult:
        ctx = info.context
        done = await service.record_plan(
            ctx.session, ctx.actor, input.to_new(), idempotency_key=idempotency_key
        )
        return BudgetPlanPayload.of(done)

    @strawberry.mutation(
        extensions=allow(PLAN_WRITE),
        description="Record that a client holds (or no longer holds) capital, property or a "
        "private pension (R-INV-1); the latest declaration on or before a date stands.",
    )
    async def declare_client_assets(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        capital: bool,
        property: bool,
        private_pension: bool,
        note: str,
        declared_on: date | None = None,
    ) -> DeclareClientAssetsResult:
        ctx = info.context
        row = await thresholds.declare_assets(
            ctx.session,
            ctx.actor,
            decode_uuid("Client", client_id),
            rules.AssetDeclaration(capital, property, private_pension),
            note=note,
            declared_on=declared_on,
        )
        return ClientAssetDeclarationPayload(declaration=ClientAssetDeclaration.from_row(row))

    @strawberry.mutation(
        extensions=allow(PLAN_WRITE),
        description='Submit a plan for approval as a "financial plans and budgets" decision for '
        "its annual expenditure (R-CARE-2, R-DEC): a senior officer approves within the limit in "
        "force, the governance manager above it, never whoever submitted it (R-ROLE-2).",
    )
    async def submit_budget_plan(
        self,
        info: Info[Context, None],
        plan_id: strawberry.ID,
        consulted: str,
        client_involved: bool,
        idempotency_key: str,
        why_client_not_involved: str | None = None,
    ) -> RecordBudgetPlanResult:
        ctx = info.context
        done = await service.submit_plan(
            ctx.session,
            ctx.actor,
            decode_uuid("BudgetPlan", plan_id),
            consulted=consulted,
            client_involved=client_involved,
            why_client_not_involved=why_client_not_involved,
            idempotency_key=idempotency_key,
        )
        return BudgetPlanPayload.of(done)


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
