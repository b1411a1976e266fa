"""GraphQL types of budget plans (R-BUD-1 to R-BUD-4, R-CARE-2) and their yearly review: what
``planning.schema``'s root fields and ``planning.threshold_schema``'s flags return. Resolvers
are plain functions given to ``strawberry.field(resolver=...)``; the root fields stay in
``planning.schema``."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from ca_api.common import loaders
from ca_api.common.ids import node_id_or_none
from ca_api.common.node import Node
from ca_api.common.scalars import Money, Percent
from ca_api.common.types import from_source, graphql_enum
from ca_api.context import Context
from ca_api.decisions import service as decisions_service
from ca_api.decisions.rules import DecisionStatus
from ca_api.planning import plan_reviews, rules, service
from ca_api.planning.service import PlanView

if TYPE_CHECKING:
    from ca_api.decisions.reads import DecisionView  # what decisions.service gives
    from ca_api.decisions.schema import Decision

# A plan's approving decision is a Decision of the decisions module, named lazily: that module
# reaches planning's service (the surplus rule), so its schema is imported where it is built.
LazyDecision = Annotated["Decision", strawberry.lazy("ca_api.decisions.schema")]


PlanFrequency = rules.Frequency
PlanFigure = rules.Figure
ReviewStatus = rules.ReviewStatus
graphql_enum(
    PlanFrequency,
    "How often a plan line is paid or received: WEEKLY 52 times a year, FORTNIGHTLY 26, "
    "FOUR_WEEKLY 13, MONTHLY 12, QUARTERLY 4, TWICE_A_YEAR 2, ANNUALLY 1, AD_HOC 1 (R-BUD-1).",
    {
        "WEEKLY": "Every week: 52 times a year (R-BUD-1).",
        "FORTNIGHTLY": "Every two weeks: 26 times a year (R-BUD-1).",
        "FOUR_WEEKLY": "Every four weeks: 13 times a year (R-BUD-1).",
        "MONTHLY": "Every calendar month: 12 times a year (R-BUD-1).",
        "QUARTERLY": "Every quarter: 4 times a year (R-BUD-1).",
        "TWICE_A_YEAR": "Twice a year (R-BUD-1).",
        "ANNUALLY": "Once a year (R-BUD-1).",
        "AD_HOC": "Now and then: counted once a year (R-BUD-1).",
    },
    name="PlanFrequency",
)
graphql_enum(
    PlanFigure,
    "A total of a budget plan, as the plan's lines make it and as the paper plan printed it.",
    {
        "INCOME": "The annual income: the sum of the income lines counted (R-BUD-1).",
        "EXPENDITURE": "The annual expenditure, twelve months' needs (R-BUD-1, R-INV-1).",
        "AVAILABLE_INCOME": "Income less expenditure; negative is a shortfall (R-BUD-2).",
        "SURPLUS": "The opening balance plus the available income (R-BUD-3).",
    },
    name="PlanFigure",
)
graphql_enum(
    ReviewStatus,
    "Where a client's yearly plan review stands (R-CARE-2).",
    {
        "NO_PLAN": "The council acts for the client but no plan is in force: one is made on "
        "acceptance (R-CARE-2).",
        "OVERDUE": "The plan in force is a year old or more: its yearly review is overdue.",
        "DUE_SOON": "The plan in force is a year old within the notice period (28 days).",
        "CURRENT": "The plan in force is reviewed within the year: nothing to do.",
    },
)


class BudgetPlanApproval(enum.StrEnum):
    """A plan's approval: not submitted, or its approving decision's status (issue 11 item 4:
    an enum, not a string)."""

    NOT_SUBMITTED = "NOT_SUBMITTED"
    RAISED = "RAISED"
    APPROVED = "APPROVED"
    REFUSED = "REFUSED"
    SUPERSEDED = "SUPERSEDED"


graphql_enum(
    BudgetPlanApproval,
    "Where a budget plan's approval stands: not submitted, or the status of its approving "
    '"financial plans and budgets" decision (R-DEC, R-CARE-2).',
    {
        "NOT_SUBMITTED": "Not submitted for approval yet: no decision approves it.",
        "RAISED": "Submitted: its decision awaits approval.",
        "APPROVED": "Its decision was approved.",
        "REFUSED": "Its decision was refused.",
        "SUPERSEDED": "Its decision was replaced by a newer one (R-AUD-2).",
    },
    name="BudgetPlanApprovalStatus",
)
# Every status a decision may have is one of these, or the field could fail to answer.
_UNSHOWN = {s.value for s in DecisionStatus} - {s.value for s in BudgetPlanApproval}
if _UNSHOWN:  # pragma: no cover
    raise RuntimeError(f"BudgetPlanApprovalStatus lacks {sorted(_UNSHOWN)}")

# --- per-request loaders (N+1 is a bug) ---------------------------------------------------


async def plan_of(ctx: Context, plan_id: uuid.UUID | None) -> BudgetPlan | None:
    """A plan, through the request's one loader of plans (null for no id)."""
    if plan_id is None:
        return None
    view = await loaders.one(ctx, "planning.plans", service.plans_by_id).load(plan_id)
    return BudgetPlan.from_view(view) if view is not None else None


# --- types --------------------------------------------------------------------------------


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

    line_no: int = strawberry.field(
        description="The line's place on the plan, from 1, income and expenditure numbered "
        "together in the order entered."
    )
    item: str = strawberry.field(description='What is paid or received, e.g. "Pension credit".')
    amount: Money | None = strawberry.field(
        description="The amount each time it is paid or received; null where only an annual "
        "figure was entered."
    )
    frequency: PlanFrequency | None = strawberry.field(
        description="How often the amount is paid or received (R-BUD-1)."
    )
    times_per_year: int | None = strawberry.field(
        description="The frequency's times a year (R-BUD-1); null without a frequency."
    )
    annual_amount: Money | None = strawberry.field(
        description="The annual figure counted in the totals: the one entered directly, else "
        "amount x times a year; null for a note of past spending, which is not counted."
    )
    annual_entered_directly: bool = strawberry.field(
        description="The annual figure was entered directly rather than worked out (the paper "
        "plans did this where amount x times differs by pennies)."
    )
    computed_annual: Money | None = strawberry.field(
        description="amount x times a year, exact in pence (null without both)."
    )
    entered_minus_computed: Money | None = strawberry.field(
        description="Where the annual figure was entered directly: it minus amount x times."
    )
    in_totals: bool = strawberry.field(
        description="The line counts in the plan's totals; false for a note of past spending."
    )
    note: str | None = strawberry.field(description="The officer's note on the line.")


@strawberry.type(description="A total the paper plan printed that its lines do not add up to.")
class PlanFigureDifference:
    figure: PlanFigure = strawberry.field(description="Which total differs.")
    computed: Money = strawberry.field(description="The total as the plan's lines make it.")
    printed: Money = strawberry.field(description="The total as the paper plan printed it.")
    difference: Money = strawberry.field(description="computed - printed")


@strawberry.type(description="The totals as the paper plan printed them, where given.")
class PrintedPlanTotals:
    income: Money | None = strawberry.field(description="The annual income printed.")
    expenditure: Money | None = strawberry.field(description="The annual expenditure printed.")
    available_income: Money | None = strawberry.field(
        description="The available income printed (R-BUD-2)."
    )
    surplus: Money | None = strawberry.field(description="The surplus printed (R-BUD-3).")


@strawberry.type(
    description="R-BUD-4: last year's actual + the price rise in force at the plan's start "
    "(rounded half-up to the penny); the weekly figure is the year's / 52, half-up."
)
class PersonalAllowanceCalculation:
    last_year_actual: Money = strawberry.field(
        description="The personal allowance the client actually had last year."
    )
    price_rise_percent: Percent = strawberry.field(
        description="The price rise in force at the plan's start (a policy figure, R-DATA)."
    )
    uplift: Money = strawberry.field(
        description="Last year's actual x the price rise, half-up to the penny."
    )
    year_total: Money = strawberry.field(
        description="This year's personal allowance: last year's actual + the uplift."
    )
    weekly: Money = strawberry.field(description="The year's total / 52, half-up to the penny.")


def _lines(view: PlanView, side: rules.Side) -> list[BudgetLine]:
    return [BudgetLine.from_line(n, ln) for n, ln in view.lines if ln.side is side]


def _decisions(ctx: Context) -> DataLoader[uuid.UUID, DecisionView | None]:
    """The request's one loader of decisions (shared with decisions.schema.load_decision)."""
    return loaders.one(ctx, "decisions.by_id", decisions_service.decisions_by_id)


async def _approval_status(self: BudgetPlan, info: Info[Context, None]) -> BudgetPlanApproval:
    d = self.view.plan.decision_id
    found = await _decisions(info.context).load(d) if d is not None else None
    return BudgetPlanApproval(found.status.value if found is not None else "NOT_SUBMITTED")


async def _supersedes(self: BudgetPlan, info: Info[Context, None]) -> BudgetPlan | None:
    return await plan_of(info.context, self.view.plan.supersedes_id)


async def _superseded_by(self: BudgetPlan, info: Info[Context, None]) -> BudgetPlan | None:
    return await plan_of(info.context, self.view.superseded_by)


async def _decision(self: BudgetPlan, info: Info[Context, None]) -> LazyDecision | None:
    from ca_api.decisions.schema import load_decision  # decisions' types import planning's

    d = self.view.plan.decision_id
    return await load_decision(info.context, d) if d is not None else None


@strawberry.type(
    description="A client's yearly financial plan (R-CARE-2). Never edited: a revision is a new "
    "plan that supersedes it."
)
class BudgetPlan(Node):
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

    id: strawberry.ID = strawberry.field(description="The plan's global id.")
    client_id: strawberry.ID = strawberry.field(description="The id of the client it is for.")
    plan_year_start: date = strawberry.field(
        description="The first day of the year the plan is for (plans run from 1 April)."
    )
    opening_balance: Money = strawberry.field(
        description="The account balance at the plan's start (R-BUD-3)."
    )
    notes: str | None = strawberry.field(description="The officer's notes on the plan.")
    income_lines: list[BudgetLine] = strawberry.field(
        description="What the client receives, in the order entered (R-BUD-1)."
    )
    expenditure_lines: list[BudgetLine] = strawberry.field(
        description="What the client pays out, in the order entered (R-BUD-1)."
    )
    annual_income: Money = strawberry.field(
        description="The sum of the income lines counted, annualised (R-BUD-1)."
    )
    annual_expenditure: Money = strawberry.field(description="Twelve months' needs (R-INV-1).")
    available_income: Money = strawberry.field(
        description="Income - expenditure; negative is a shortfall (R-BUD-2)."
    )
    shortfall: bool = strawberry.field(
        description="The available income is negative: the client spends more than comes in "
        "(R-BUD-2)."
    )
    surplus: Money = strawberry.field(description="Opening balance + available income (R-BUD-3).")
    personal_allowance: PersonalAllowanceCalculation | None = strawberry.field(
        description="This year's personal allowance worked out from last year's (R-BUD-4); "
        "null where last year's was not given."
    )
    printed: PrintedPlanTotals = strawberry.field(
        description="The totals as the paper plan printed them, where given."
    )
    differences_from_printed: list[PlanFigureDifference] = strawberry.field(
        description="Printed totals that differ from the lines' own sums."
    )
    differs_from_printed: bool = strawberry.field(
        description="A printed total differs from the lines' own sum (differencesFromPrinted)."
    )
    supersedes_id: strawberry.ID | None = strawberry.field(
        description="The id of the plan this one revises; null for a first plan."
    )
    supersedes: BudgetPlan | None = strawberry.field(
        resolver=_supersedes,
        description="The plan this one revises, as it was; null for a first plan.",
    )
    superseded_by_id: strawberry.ID | None = strawberry.field(
        description="The id of the revision that replaced this plan; null while it stands."
    )
    superseded_by: BudgetPlan | None = strawberry.field(
        resolver=_superseded_by,
        description="The revision that replaced this plan; null while it stands.",
    )
    decision_id: strawberry.ID | None = strawberry.field(
        description='The approving "financial plans and budgets" decision (R-DEC); null until '
        "it is linked."
    )
    decision: LazyDecision | None = strawberry.field(
        resolver=_decision,
        description='The approving "financial plans and budgets" decision (R-DEC, R-CARE-2); '
        "null until the plan is submitted.",
    )

    approval_status: BudgetPlanApproval = strawberry.field(
        resolver=_approval_status,
        description="NOT_SUBMITTED, or the approving decision's status (RAISED, APPROVED, "
        "REFUSED, SUPERSEDED).",
    )

    recorded_by: str = strawberry.field(description="Who recorded the plan.")
    recorded_at: datetime = strawberry.field(description="When the plan was recorded.")


async def _review_plan(self: PlanReview, info: Info[Context, None]) -> BudgetPlan | None:
    return await plan_of(info.context, self.review.plan_id)


@strawberry.type(description="A client whose budget plan needs making or reviewing (R-CARE-2).")
class PlanReview:
    review: strawberry.Private[plan_reviews.PlanReview]

    @classmethod
    def from_review(cls, review: plan_reviews.PlanReview) -> PlanReview:
        return from_source(
            cls,
            review,
            review=review,
            client_reference=review.reference,
            plan_id=node_id_or_none("BudgetPlan", review.plan_id),
        )

    client_id: strawberry.ID = strawberry.field(description="The client's id.")
    client_reference: str = strawberry.field(description="The client's case reference.")
    plan_id: strawberry.ID | None = strawberry.field(
        description="The id of the plan in force; null when there is none (NO_PLAN)."
    )
    plan: BudgetPlan | None = strawberry.field(
        resolver=_review_plan,
        description="The plan in force, to be reviewed; null when there is none (NO_PLAN).",
    )
    plan_year_start: date | None = strawberry.field(
        description="The first day of the plan in force's year; null without a plan."
    )
    due_on: date | None = strawberry.field(
        description="When the plan in force is due for its yearly review (R-CARE-2): a year "
        "after its year starts; null without a plan."
    )
    status: ReviewStatus = strawberry.field(description="Why the client is listed.")
