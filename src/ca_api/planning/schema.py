"""GraphQL for planning: thin. Parse, call the service, map the result.

Budget plans (R-BUD-1 to R-BUD-4, R-CARE-2), clients' asset declarations and the threshold flags
(R-INV-1, R-INV-2) read from effective-dated policy figures (R-DATA).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import PLAN_READ, PLAN_WRITE, THRESHOLD_FLAGS_READ, allow
from ca_api.clients.schema import LegalRole, readable_client
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.pagination import Connection, connection_from_rows, page_request
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    Problem,
    ValidationProblem,
    problem_for,
)
from ca_api.common.scalars import Money, Percent
from ca_api.context import Context
from ca_api.decisions import service as decisions_service
from ca_api.errors import ApiError, ErrorCode, NotFound
from ca_api.planning import rules, service
from ca_api.planning.models import ClientAssetDeclaration as DeclarationRow
from ca_api.planning.service import PlanAlreadySuperseded, PlanView

PlanFrequency = rules.Frequency
PlanFigure = rules.Figure
ThresholdFlagKind = rules.FlagKind
ThresholdFlagReason = rules.FlagReason
strawberry.enum(
    PlanFrequency,
    name="PlanFrequency",
    description="How often a plan line is paid or received: WEEKLY 52 times a year, FORTNIGHTLY "
    "26, FOUR_WEEKLY 13, MONTHLY 12, QUARTERLY 4, TWICE_A_YEAR 2, ANNUALLY 1, AD_HOC 1 (R-BUD-1).",
)
strawberry.enum(PlanFigure, name="PlanFigure")
strawberry.enum(
    ThresholdFlagKind,
    name="ThresholdFlagKind",
    description="DEPUTYSHIP_APPLICATION (R-INV-1) or LODGEMENT with the Court Funds Office "
    "(R-INV-2).",
)
strawberry.enum(ThresholdFlagReason, name="ThresholdFlagReason")


# --- types ---


@strawberry.type(description="One income or expenditure line of a budget plan (R-BUD-1).")
class BudgetLine:
    line_no: int
    line: strawberry.Private[rules.PlanLine]

    @strawberry.field
    def item(self) -> str:
        return self.line.item

    @strawberry.field
    def amount(self) -> Money | None:
        return Money(self.line.amount) if self.line.amount is not None else None

    @strawberry.field
    def frequency(self) -> PlanFrequency | None:
        return self.line.frequency

    @strawberry.field
    def times_per_year(self) -> int | None:
        return self.line.times_a_year

    @strawberry.field(
        description="The annual figure counted in the totals: the one entered directly, else "
        "amount x times a year; null for a note of past spending, which is not counted."
    )
    def annual_amount(self) -> Money | None:
        return Money(self.line.annual) if self.line.annual is not None else None

    @strawberry.field
    def annual_entered_directly(self) -> bool:
        return self.line.annual_entered is not None

    @strawberry.field(description="amount x times a year, exact in pence (null without both).")
    def computed_annual(self) -> Money | None:
        c = self.line.computed_annual
        return Money(c) if c is not None else None

    @strawberry.field(
        description="Where the annual figure was entered directly: it minus amount x times."
    )
    def entered_minus_computed(self) -> Money | None:
        d = self.line.entered_minus_computed
        return Money(d) if d is not None else None

    @strawberry.field
    def in_totals(self) -> bool:
        return self.line.in_totals

    @strawberry.field
    def note(self) -> str | None:
        return self.line.note


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


def _m(value: int | None) -> Money | None:
    return Money(value) if value is not None else None


@strawberry.type(
    description="A client's yearly financial plan (R-CARE-2). Never edited: a revision is a new "
    "plan that supersedes it."
)
class BudgetPlan:
    view: strawberry.Private[PlanView]

    @classmethod
    def from_view(cls, view: PlanView) -> BudgetPlan:
        return cls(
            view=view,
            id=strawberry.ID(encode_id("BudgetPlan", view.plan.id)),
            client_id=strawberry.ID(encode_id("Client", view.plan.client_id)),
            plan_year_start=view.plan.plan_year_start,
            opening_balance=Money(view.plan.opening_balance),
            notes=view.plan.notes,
            annual_income=Money(view.totals.income),
            annual_expenditure=Money(view.totals.expenditure),
            available_income=Money(view.totals.available),
            shortfall=view.totals.shortfall,
            surplus=Money(view.totals.surplus),
            differs_from_printed=bool(view.differences),
            recorded_by=view.plan.recorded_by,
            recorded_at=view.plan.recorded_at,
        )

    id: strawberry.ID
    client_id: strawberry.ID
    plan_year_start: date
    opening_balance: Money = strawberry.field(
        description="The account balance at the plan's start (R-BUD-3)."
    )
    notes: str | None

    def _income_lines(self) -> list[BudgetLine]:
        return [
            BudgetLine(line_no=n, line=ln)
            for n, ln in self.view.lines
            if ln.side is rules.Side.INCOME
        ]

    income_lines: list[BudgetLine] = strawberry.field(resolver=_income_lines)

    def _expenditure_lines(self) -> list[BudgetLine]:
        return [
            BudgetLine(line_no=n, line=ln)
            for n, ln in self.view.lines
            if ln.side is rules.Side.EXPENDITURE
        ]

    expenditure_lines: list[BudgetLine] = strawberry.field(resolver=_expenditure_lines)
    annual_income: Money
    annual_expenditure: Money = strawberry.field(description="Twelve months' needs (R-INV-1).")
    available_income: Money = strawberry.field(
        description="Income - expenditure; negative is a shortfall (R-BUD-2)."
    )
    shortfall: bool
    surplus: Money = strawberry.field(description="Opening balance + available income (R-BUD-3).")

    def _personal_allowance(self) -> PersonalAllowanceCalculation | None:
        pa = self.view.personal_allowance
        if pa is None:
            return None
        return PersonalAllowanceCalculation(
            last_year_actual=Money(pa.last_year_actual),
            price_rise_percent=Percent(pa.price_rise_percent),
            uplift=Money(pa.uplift),
            year_total=Money(pa.year_total),
            weekly=Money(pa.weekly),
        )

    personal_allowance: PersonalAllowanceCalculation | None = strawberry.field(
        resolver=_personal_allowance
    )

    def _printed(self) -> PrintedPlanTotals:
        p = self.view.printed
        return PrintedPlanTotals(
            income=_m(p.income),
            expenditure=_m(p.expenditure),
            available_income=_m(p.available),
            surplus=_m(p.surplus),
        )

    printed: PrintedPlanTotals = strawberry.field(resolver=_printed)

    def _differences_from_printed(self) -> list[PlanFigureDifference]:
        return [
            PlanFigureDifference(
                figure=d.figure,
                computed=Money(d.computed),
                printed=Money(d.printed),
                difference=Money(d.difference),
            )
            for d in self.view.differences
        ]

    differences_from_printed: list[PlanFigureDifference] = strawberry.field(
        resolver=_differences_from_printed,
        description="Printed totals that differ from the lines' own sums.",
    )

    differs_from_printed: bool

    def _supersedes_id(self) -> strawberry.ID | None:
        s = self.view.plan.supersedes_id
        return strawberry.ID(encode_id("BudgetPlan", s)) if s else None

    supersedes_id: strawberry.ID | None = strawberry.field(resolver=_supersedes_id)

    def _superseded_by_id(self) -> strawberry.ID | None:
        s = self.view.superseded_by
        return strawberry.ID(encode_id("BudgetPlan", s)) if s else None

    superseded_by_id: strawberry.ID | None = strawberry.field(resolver=_superseded_by_id)

    def _decision_id(self) -> strawberry.ID | None:
        d = self.view.plan.decision_id
        return strawberry.ID(encode_id("Decision", d)) if d else None

    decision_id: strawberry.ID | None = strawberry.field(
        resolver=_decision_id,
        description='The approving "financial plans and budgets" decision (R-DEC); null until '
        "it is linked.",
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


@strawberry.type(description="What a client was found to hold (R-INV-1).")
class ClientAssetDeclaration:
    row: strawberry.Private[DeclarationRow]

    @classmethod
    def from_row(cls, row: DeclarationRow) -> ClientAssetDeclaration:
        return cls(
            row=row,
            id=strawberry.ID(encode_id("ClientAssetDeclaration", row.id)),
            client_id=strawberry.ID(encode_id("Client", row.client_id)),
            declared_on=row.declared_on,
            capital=row.capital,
            property=row.property,
            private_pension=row.private_pension,
            note=row.note,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )

    id: strawberry.ID
    client_id: strawberry.ID
    declared_on: date
    capital: bool
    property: bool
    private_pension: bool
    note: str
    recorded_by: str
    recorded_at: datetime


@strawberry.type(description="A client flagged by a threshold on a date (R-INV-1, R-INV-2).")
class ThresholdFlag:
    flag: strawberry.Private[service.ThresholdFlag]

    @classmethod
    def from_flag(cls, flag: service.ThresholdFlag) -> ThresholdFlag:
        return cls(
            flag=flag,
            client_id=strawberry.ID(encode_id("Client", flag.client_id)),
            client_reference=flag.reference,
            client_name=f"{flag.given_name} {flag.family_name}",
            legal_role=flag.legal_role,
            kind=flag.kind,
            reasons=list(flag.reasons),
            threshold_name=flag.threshold.name,
            threshold=Money(flag.threshold.amount),
            threshold_effective_from=flag.threshold.effective_from,
            plan_review_due_on=flag.plan_review_due_on,
            plan_stale=flag.plan_stale,
        )

    client_id: strawberry.ID
    client_reference: str
    client_name: str
    legal_role: LegalRole = strawberry.field(description="The council's legal role on the date.")
    kind: ThresholdFlagKind
    reasons: list[ThresholdFlagReason]
    threshold_name: str = strawberry.field(description="The policy figure applied.")
    threshold: Money = strawberry.field(description="The threshold in force on the date.")
    threshold_effective_from: date

    def _assets(self) -> Money | None:
        return _m(self.flag.assets)

    assets: Money | None = strawberry.field(
        resolver=_assets, description="Appointee: the posted balances of all the client's accounts."
    )

    def _twelve_months_needs(self) -> Money | None:
        return _m(self.flag.twelve_months_needs)

    twelve_months_needs: Money | None = strawberry.field(
        resolver=_twelve_months_needs, description="Appointee: the plan's annual expenditure."
    )

    def _assets_above_needs(self) -> Money | None:
        return _m(self.flag.assets_above_needs)

    assets_above_needs: Money | None = strawberry.field(resolver=_assets_above_needs)

    def _surplus(self) -> Money | None:
        return _m(self.flag.surplus)

    surplus: Money | None = strawberry.field(
        resolver=_surplus, description="The plan's surplus (R-BUD-3)."
    )

    def _plan_id(self) -> strawberry.ID | None:
        p = self.flag.plan
        return strawberry.ID(encode_id("BudgetPlan", p.id)) if p is not None else None

    plan_id: strawberry.ID | None = strawberry.field(
        resolver=_plan_id, description="The plan in force on the date, if any."
    )

    def _plan_year_start(self) -> date | None:
        p = self.flag.plan
        return p.plan_year_start if p is not None else None

    plan_year_start: date | None = strawberry.field(resolver=_plan_year_start)
    plan_review_due_on: date | None = strawberry.field(
        description="When the plan is due for its yearly review (R-CARE-2)."
    )

    plan_stale: bool = strawberry.field(
        description="The flag rests on a stale plan: on the date, the plan is past its yearly "
        "review (R-CARE-2). Nothing is lodged or placed on a stale plan's surplus until it is "
        "reviewed. False when there is no plan."
    )

    @strawberry.field(description="Appointee: the declaration in force on the date, if any.")
    def declaration(self) -> ClientAssetDeclaration | None:
        d = self.flag.declaration
        return ClientAssetDeclaration.from_row(d) if d is not None else None


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
    plan: BudgetPlan
    replayed: bool = strawberry.field(description="True when this repeats an earlier request.")


@strawberry.type
class ClientAssetDeclarationPayload:
    declaration: ClientAssetDeclaration


RecordBudgetPlanResult = Annotated[
    BudgetPlanPayload
    | ValidationProblem
    | NotFoundProblem
    | PolicyMissingProblem
    | IdempotencyKeyReusedProblem
    | PlanAlreadySupersededProblem,
    strawberry.union("RecordBudgetPlanResult"),
]
DeclareClientAssetsResult = Annotated[
    ClientAssetDeclarationPayload | ValidationProblem | NotFoundProblem,
    strawberry.union("DeclareClientAssetsResult"),
]


@problem_for(PlanAlreadySuperseded)
def _already_superseded(exc: PlanAlreadySuperseded) -> PlanAlreadySupersededProblem:
    return PlanAlreadySupersededProblem(
        code=exc.code,
        message=exc.message,
        superseded_by_id=strawberry.ID(encode_id("BudgetPlan", exc.superseded_by)),
    )


# --- root fields ---


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
        page = page_request(first, after, default=25, maximum=ctx.settings.max_page_size)
        cid = decode_uuid("Client", client_id)
        await readable_client(ctx, cid, client_id)
        key = page.after_key(str, str, str)
        after_key = None
        if key is not None:
            try:
                after_key = (
                    date.fromisoformat(key[0]),
                    datetime.fromisoformat(key[1]),
                    uuid.UUID(key[2]),
                )
            except ValueError as exc:
                raise ApiError(
                    ErrorCode.BAD_USER_INPUT, "the cursor is not one this list issued"
                ) from exc
        views = await service.plans_of_client(
            ctx.session, cid, after=after_key, limit=page.first + 1
        )
        return connection_from_rows(
            views,
            page,
            key=lambda v: [
                v.plan.plan_year_start.isoformat(),
                v.plan.recorded_at.isoformat(),
                str(v.plan.id),
            ],
            node=lambda v: BudgetPlan.from_view(v),
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
        ctx = info.context
        page = page_request(first, after, default=50, maximum=ctx.settings.max_page_size)
        # A figure missing is a POLICY_MISSING error (ca_api.graphql.ErrorPolicy).
        flags = await service.threshold_flags(
            ctx.session,
            ctx.principal,
            on or clock.today(),
            after_reference=page.after_one(str),
            limit=page.first + 1,
        )
        return connection_from_rows(
            flags, page, key=lambda f: [f.reference], node=lambda f: ThresholdFlag.from_flag(f)
        )


ReviewStatus = rules.ReviewStatus
strawberry.enum(ReviewStatus, description="Where a client's yearly plan review stands (R-CARE-2).")


@strawberry.type(description="A client whose budget plan needs making or reviewing (R-CARE-2).")
class PlanReview:
    review: strawberry.Private[service.PlanReview]

    @classmethod
    def from_review(cls, review: service.PlanReview) -> PlanReview:
        return cls(
            review=review,
            client_id=strawberry.ID(encode_id("Client", review.client_id)),
            client_reference=review.reference,
            plan_year_start=review.plan_year_start,
            due_on=review.due_on,
            status=review.status,
        )

    client_id: strawberry.ID
    client_reference: str

    def _plan_id(self) -> strawberry.ID | None:
        p = self.review.plan_id
        return strawberry.ID(encode_id("BudgetPlan", p)) if p else None

    plan_id: strawberry.ID | None = strawberry.field(resolver=_plan_id)
    plan_year_start: date | None
    due_on: date | None
    status: ReviewStatus


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
        ctx = info.context
        page = page_request(first, after, default=50, maximum=ctx.settings.max_page_size)
        reviews = await service.plan_reviews(
            ctx.session,
            ctx.principal,
            on or clock.today(),
            after_reference=page.after_one(str),
            limit=page.first + 1,
        )
        return connection_from_rows(
            reviews, page, key=lambda r: [r.reference], node=lambda r: PlanReview.from_review(r)
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
        new = input.to_new()
        done = await service.record_plan(
            ctx.session, ctx.actor, new, idempotency_key=idempotency_key
        )
        return BudgetPlanPayload(plan=BudgetPlan.from_view(done.view), replayed=done.replayed)

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
        cid = decode_uuid("Client", client_id)
        row = await service.declare_assets(
            ctx.session,
            ctx.actor,
            cid,
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
        pid = decode_uuid("BudgetPlan", plan_id)
        done = await service.submit_plan(
            ctx.session,
            ctx.actor,
            pid,
            consulted=consulted,
            client_involved=client_involved,
            why_client_not_involved=why_client_not_involved,
            idempotency_key=idempotency_key,
        )
        return BudgetPlanPayload(plan=BudgetPlan.from_view(done.view), replayed=done.replayed)
