"""GraphQL for placements: thin. Parse, call the service, map the result.

R-INV-3 (investment statements), R-INV-4 (approved institutions, placements), R-INV-5 (existing
investments), R-INV-6 (money back from a placement).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import (
    INSTITUTION_WRITE,
    INVESTMENT_EXECUTE,
    INVESTMENT_PROPOSE,
    INVESTMENT_READ,
    allow,
)
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.pagination import Connection, connection_from_rows, page_request
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InsufficientFundsProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    SurplusRuleProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money, Percent
from ca_api.context import Context
from ca_api.decisions.schema import DecisionStatus
from ca_api.ledger.schema import readable_client
from ca_api.placements import models, rules, service
from ca_api.placements.rules import PlacementEventKind

PlacementStatus = rules.PlacementStatus
strawberry.enum(
    PlacementStatus,
    description="PROPOSED (its INVESTMENT_PLAN decision awaits approval) -> APPROVED -> PLACED "
    "-> MATURED | WITHDRAWN; REFUSED when its decision was refused or superseded.",
)
InvestmentKind = rules.InvestmentKind
strawberry.enum(InvestmentKind, description="An existing investment's kind (R-INV-5).")
StatementStatus = rules.StatementStatus
strawberry.enum(
    StatementStatus,
    description="DUE (not submitted, on or before the due date), OVERDUE (not submitted after "
    "it), SUBMITTED (awaiting the governance manager's approval), APPROVED (R-INV-3).",
)


def _id(type_name: str, value: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(encode_id(type_name, value))


def _opt_id(type_name: str, value: uuid.UUID | None) -> strawberry.ID | None:
    return _id(type_name, value) if value is not None else None


def _money(value: int | None) -> Money | None:
    return Money(value) if value is not None else None


# --- institutions -------------------------------------------------------------------------


@strawberry.type(description="A product (account type) of an approved institution (R-INV-4).")
class InstitutionProduct:
    row: strawberry.Private[models.InstitutionProduct]

    @classmethod
    def from_row(cls, row: models.InstitutionProduct) -> InstitutionProduct:
        return cls(
            row=row,
            id=_id("InstitutionProduct", row.id),
            institution_id=_id("ApprovedInstitution", row.institution_id),
            name=row.name,
            rate=Percent(row.rate_percent),
            notice=row.notice,
            effective_from=row.effective_from,
        )

    id: strawberry.ID
    institution_id: strawberry.ID
    name: str = strawberry.field(description="The account type, e.g. Cash ISA.")
    rate: Percent = strawberry.field(description="A year's interest, in percent.")
    notice: str = strawberry.field(description="Notice to withdraw, e.g. Instant.")

    def _minimum(self) -> Money | None:
        return _money(self.row.minimum)

    minimum: Money | None = strawberry.field(resolver=_minimum, description="Null: no minimum.")

    def _maximum(self) -> Money | None:
        return _money(self.row.maximum)

    maximum: Money | None = strawberry.field(resolver=_maximum, description="Null: no limit.")
    effective_from: date = strawberry.field(
        description="Placements may start on or after this date."
    )


@strawberry.type(description="A review of an institution's standing (seed 002 7.11).")
class InstitutionReview:
    row: strawberry.Private[models.InstitutionReview]

    @classmethod
    def from_row(cls, row: models.InstitutionReview) -> InstitutionReview:
        return cls(
            row=row,
            reviewed_on=row.reviewed_on,
            still_approved=row.still_approved,
            note=row.note,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )

    reviewed_on: date
    still_approved: bool = strawberry.field(
        description="False: no new placements from the review date (R-INV-4)."
    )
    note: str
    recorded_by: str
    recorded_at: datetime


@strawberry.type(description="An institution on the register of approved institutions (R-INV-4).")
class ApprovedInstitution:
    view: strawberry.Private[service.InstitutionView]

    @classmethod
    def from_view(cls, view: service.InstitutionView) -> ApprovedInstitution:
        return cls(
            view=view,
            id=_id("ApprovedInstitution", view.institution.id),
            name=view.institution.name,
            approved_on=view.institution.approved_on,
            note=view.institution.note,
            counterparty_id=_id("Counterparty", view.institution.counterparty_id),
        )

    id: strawberry.ID
    name: str
    approved_on: date
    note: str | None
    counterparty_id: strawberry.ID = strawberry.field(
        description="Its ledger counterparty (kind INSTITUTION): interest comes from it."
    )

    @strawberry.field(description="Whether it is approved on a date (default today).")
    def approved(self, on: date | None = None) -> bool:
        return self.view.approved_on(on or clock.today())

    @strawberry.field
    def products(self) -> list[InstitutionProduct]:
        return [InstitutionProduct.from_row(p) for p in self.view.products]

    @strawberry.field
    def latest_review(self) -> InstitutionReview | None:
        r = self.view.latest_review
        return InstitutionReview.from_row(r) if r is not None else None

    @strawberry.field(description="Every review, oldest first.")
    def reviews(self) -> list[InstitutionReview]:
        return [InstitutionReview.from_row(r) for r in self.view.reviews]


# --- placements ---------------------------------------------------------------------------


@strawberry.type(description="Money placed with an approved institution (R-INV-4, R-INV-6).")
class Placement:
    view: strawberry.Private[service.PlacementView]

    @property
    def _p(self) -> models.Placement:
        return self.view.placement

    @classmethod
    def from_view(cls, view: service.PlacementView) -> Placement:
        p = view.placement
        return cls(
            view=view,
            id=_id("Placement", p.id),
            client_id=_id("Client", p.client_id),
            institution_id=_id("ApprovedInstitution", p.institution_id),
            product_id=_id("InstitutionProduct", p.product_id),
            amount=Money(p.amount),
            start_date=p.start_date,
            maturity_date=p.maturity_date,
            rate=Percent(p.rate_percent),
            status=view.status,
            decision_id=_id("Decision", p.decision_id),
            decision_status=view.decision_status,
            protection_limit=Money(p.protection_limit),
            protection_limit_effective_from=p.protection_limit_from,
            proposed_by=p.proposed_by,
        )

    id: strawberry.ID
    client_id: strawberry.ID
    institution_id: strawberry.ID
    product_id: strawberry.ID
    amount: Money
    start_date: date
    maturity_date: date
    rate: Percent = strawberry.field(
        description="The product's rate when proposed, percent a year."
    )
    status: PlacementStatus
    decision_id: strawberry.ID = strawberry.field(
        description="Its INVESTMENT_PLAN decision (approveDecision approves it)."
    )
    decision_status: DecisionStatus
    protection_limit: Money = strawberry.field(
        description="The deposit protection limit in force on the start date."
    )
    protection_limit_effective_from: date
    proposed_by: str

    @strawberry.field(description="Its own CLIENT_PLACEMENT ledger account, once placed.")
    def account_id(self) -> strawberry.ID | None:
        e = self.view.event(PlacementEventKind.PLACED)
        return _id("LedgerAccount", e.account_id) if e else None

    @strawberry.field(description="The transfer from CMS, once placed.")
    def placed_transfer_id(self) -> strawberry.ID | None:
        e = self.view.event(PlacementEventKind.PLACED)
        return _id("Transfer", e.principal_transfer_id) if e else None

    @strawberry.field(description="When the money came back (matured or withdrawn).")
    def returned_on(self) -> date | None:
        e = self.view.event(PlacementEventKind.MATURED, PlacementEventKind.WITHDRAWN)
        return e.on_date if e else None

    @strawberry.field(description="Interest credited on return.")
    def interest(self) -> Money | None:
        e = self.view.event(PlacementEventKind.MATURED, PlacementEventKind.WITHDRAWN)
        return _money(e.interest) if e else None

    @strawberry.field
    def days_held(self) -> int | None:
        e = self.view.event(PlacementEventKind.MATURED, PlacementEventKind.WITHDRAWN)
        return e.days_held if e else None

    @strawberry.field
    def returned_transfer_id(self) -> strawberry.ID | None:
        e = self.view.event(PlacementEventKind.MATURED, PlacementEventKind.WITHDRAWN)
        return _id("Transfer", e.principal_transfer_id) if e else None

    @strawberry.field
    def interest_transfer_id(self) -> strawberry.ID | None:
        e = self.view.event(PlacementEventKind.MATURED, PlacementEventKind.WITHDRAWN)
        return _opt_id("Transfer", e.interest_transfer_id) if e else None


# --- existing investments and statements --------------------------------------------------


@strawberry.type(
    description="An investment the client already holds, kept where prudent (R-INV-5)."
)
class ExistingInvestment:
    row: strawberry.Private[models.ExistingInvestment]

    @classmethod
    def from_row(cls, row: models.ExistingInvestment) -> ExistingInvestment:
        return cls(
            row=row,
            id=_id("ExistingInvestment", row.id),
            client_id=_id("Client", row.client_id),
            kind=InvestmentKind(row.kind),
            holder=row.holder,
            valued_on=row.valued_on,
            documents_held_at=row.documents_held_at,
            note=row.note,
            revises_id=_opt_id("ExistingInvestment", row.revises_id),
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )

    id: strawberry.ID
    client_id: strawberry.ID
    kind: InvestmentKind
    holder: str = strawberry.field(description="Who holds it, or where.")

    def _units(self) -> str | None:
        u = self.row.units
        return rules.rate_text(u) if u is not None else None

    units: str | None = strawberry.field(
        resolver=_units, description="Units held, as a decimal string."
    )

    def _valuation(self) -> Money | None:
        return _money(self.row.valuation)

    valuation: Money | None = strawberry.field(resolver=_valuation)
    valued_on: date | None
    documents_held_at: str = strawberry.field(
        description="Where its documents are kept in safe keeping (R-INV-5)."
    )
    note: str | None
    revises_id: strawberry.ID | None = strawberry.field(
        description="The record this one revalues or revises."
    )
    recorded_by: str
    recorded_at: datetime


@strawberry.type(description="An investment statement on a deputy order (R-INV-3).")
class InvestmentStatement:
    view: strawberry.Private[service.StatementView]

    @classmethod
    def from_view(cls, view: service.StatementView) -> InvestmentStatement:
        return cls(
            view=view,
            id=_id("InvestmentStatement", view.statement.id),
            client_id=_id("Client", view.statement.client_id),
            deputyship_id=_id("Deputyship", view.statement.deputyship_id),
            summary=view.statement.summary,
            investments_summary=view.statement.investments_summary,
            surplus=Money(view.statement.surplus),
            submitted_on=view.statement.submitted_on,
            decision_id=_id("Decision", view.statement.decision_id),
            decision_status=view.decision_status,
            approved_on=view.approved_on,
            recorded_by=view.statement.recorded_by,
        )

    id: strawberry.ID
    client_id: strawberry.ID
    deputyship_id: strawberry.ID
    summary: str
    investments_summary: str
    surplus: Money
    submitted_on: date
    decision_id: strawberry.ID = strawberry.field(
        description="Its INVESTMENT_PLAN decision (the governance manager approves)."
    )
    decision_status: DecisionStatus
    approved_on: date | None
    recorded_by: str


@strawberry.type(description="A deputy order's investment statement: when due and where it stands.")
class InvestmentStatementDue:
    row: strawberry.Private[service.StatementDue]

    @classmethod
    def from_row(cls, row: service.StatementDue) -> InvestmentStatementDue:
        return cls(
            row=row,
            deputyship_id=_id("Deputyship", row.deputyship_id),
            client_id=_id("Client", row.client_id),
            client_reference=row.client_reference,
            case_number=row.case_number,
            order_date=row.order_date,
            due_date=row.due_date,
            status=row.status,
            days_overdue=row.days_overdue,
        )

    deputyship_id: strawberry.ID
    client_id: strawberry.ID
    client_reference: str
    case_number: str
    order_date: date

    due_date: date = strawberry.field(
        description="The order date plus three calendar months; a day the month lacks falls on "
        "its last day (30 November -> 28/29 February)."
    )

    status: StatementStatus
    days_overdue: int = strawberry.field(
        description="Days past the due date (OVERDUE), or by which it was late."
    )

    @strawberry.field(description="The statement submitted or approved by the date, if any.")
    def statement(self) -> InvestmentStatement | None:
        s = self.row.statement
        return InvestmentStatement.from_view(s) if s is not None else None

    @strawberry.field
    def submitted_on(self) -> date | None:
        s = self.row.statement
        return s.statement.submitted_on if s is not None else None

    @strawberry.field
    def approved_on(self) -> date | None:
        s = self.row.statement
        return (
            s.approved_on
            if s is not None and s.approved_on and s.approved_on <= self.row.on
            else None
        )


# --- inputs, payloads, unions -------------------------------------------------------------


@strawberry.input(description="A placement to propose (R-INV-4). Give termMonths or maturityDate.")
class PlacementInput:
    client_id: strawberry.ID
    product_id: strawberry.ID
    amount: Money
    start_date: date = strawberry.field(
        description="The day the money is placed: past (recording one made then) or future."
    )
    term_months: int | None = strawberry.field(default=None, description="At most 12 (policy).")
    maturity_date: date | None = strawberry.field(
        default=None, description="At most 12 calendar months after the start date (policy)."
    )
    best_interests_reason: str = strawberry.field(
        description="Why it is in the client's best interests (R-DEC-1)."
    )
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None
    notes: str | None = None


@strawberry.input(description="A product of an approved institution (R-INV-4).")
class InstitutionProductInput:
    institution_id: strawberry.ID
    name: str = strawberry.field(description="The account type, e.g. Cash ISA.")
    rate: Percent = strawberry.field(
        description="A year's interest, in percent, from 0 to under 100."
    )
    notice: str
    minimum: Money | None = None
    maximum: Money | None = None
    effective_from: date = strawberry.field(description="Placements may start from this date.")


@strawberry.input(description="An investment the client holds (R-INV-5).")
class ExistingInvestmentInput:
    client_id: strawberry.ID
    kind: InvestmentKind
    holder: str = strawberry.field(description="Who holds it, or where.")
    documents_held_at: str = strawberry.field(description="Where its documents are kept safe.")
    units: str | None = strawberry.field(default=None, description="A decimal string.")
    valuation: Money | None = None
    valued_on: date | None = None
    note: str | None = None
    revises_id: strawberry.ID | None = strawberry.field(
        default=None, description="The record this revalues (a new row; the old is kept)."
    )


@strawberry.input(description="An investment statement on a deputy order (R-INV-3).")
class InvestmentStatementInput:
    client_id: strawberry.ID
    deputyship_id: strawberry.ID
    summary: str
    investments_summary: str
    surplus: Money = strawberry.field(description="Available for investment over 12 months' needs.")
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None


@strawberry.type
class ApprovedInstitutionPayload:
    institution: ApprovedInstitution


@strawberry.type
class InstitutionProductPayload:
    product: InstitutionProduct


@strawberry.type
class PlacementPayload:
    placement: Placement
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")


@strawberry.type
class ExistingInvestmentPayload:
    investment: ExistingInvestment


@strawberry.type
class InvestmentStatementPayload:
    statement: InvestmentStatement
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")


InstitutionResult = Annotated[
    ApprovedInstitutionPayload | ValidationProblem | NotFoundProblem,
    strawberry.union("ApprovedInstitutionResult"),
]
InstitutionProductResult = Annotated[
    InstitutionProductPayload | ValidationProblem | NotFoundProblem,
    strawberry.union("InstitutionProductResult"),
]
PlacementResult = Annotated[
    PlacementPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | InsufficientFundsProblem
    | IdempotencyKeyReusedProblem
    | PolicyMissingProblem
    | SurplusRuleProblem,
    strawberry.union("PlacementResult"),
]
ExistingInvestmentResult = Annotated[
    ExistingInvestmentPayload | ValidationProblem | NotFoundProblem | InvalidStateProblem,
    strawberry.union("ExistingInvestmentResult"),
]
InvestmentStatementResult = Annotated[
    InvestmentStatementPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union("InvestmentStatementResult"),
]


# --- root fields --------------------------------------------------------------------------


@strawberry.type
class PlacementQuery:
    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="The register of approved institutions with products and latest review "
        "(R-INV-4), by name.",
    )
    async def approved_institutions(self, info: Info[Context, None]) -> list[ApprovedInstitution]:
        views = await service.list_institutions(info.context.session)
        return [ApprovedInstitution.from_view(v) for v in views]

    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="A client's placements, latest start date first (R-INV-4).",
    )
    async def placements(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        status: PlacementStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Placement]:
        ctx = info.context
        page = page_request(first, after, default=25, maximum=ctx.settings.max_page_size)
        cid = decode_uuid("Client", client_id)
        await readable_client(ctx, cid, client_id)
        key = page.after_date_id()
        views = await service.placements_of_client(ctx.session, cid, status)
        if key is not None:  # latest first: (start_date, id) descending
            views = [v for v in views if (v.placement.start_date, v.placement.id) < key]
        return connection_from_rows(
            views[: page.first + 1],
            page,
            key=lambda v: [v.placement.start_date.isoformat(), str(v.placement.id)],
            node=lambda v: Placement.from_view(v),
        )

    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="A client's existing investments (R-INV-5): the latest record of each, or "
        "with includeRevised every record kept.",
    )
    async def investments(
        self, info: Info[Context, None], client_id: strawberry.ID, include_revised: bool = False
    ) -> list[ExistingInvestment]:
        ctx = info.context
        cid = decode_uuid("Client", client_id)
        await readable_client(ctx, cid, client_id)
        rows = await service.investments_of(ctx.session, cid, include_revised=include_revised)
        return [ExistingInvestment.from_row(r) for r in rows]

    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="Every deputy order in force on a date with its investment statement's due "
        "date (order date + 3 calendar months, R-INV-3) and status on that date, oldest order "
        "first: overdue statements show as OVERDUE.",
    )
    async def investment_statements_due(
        self,
        info: Info[Context, None],
        on: date | None = None,
        client_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[InvestmentStatementDue]:
        ctx = info.context
        page = page_request(first, after, default=50, maximum=ctx.settings.max_page_size)
        cid = decode_uuid("Client", client_id) if client_id is not None else None
        if cid is not None and client_id is not None:
            await readable_client(ctx, cid, client_id)
        rows = await service.statements_due(
            ctx.session,
            on or clock.today(),
            client_id=cid,
            after=page.after_date_id(),
            limit=page.first + 1,
        )
        return connection_from_rows(
            rows,
            page,
            key=lambda r: [r.order_date.isoformat(), str(r.deputyship_id)],
            node=lambda r: InvestmentStatementDue.from_row(r),
        )


@strawberry.type
class PlacementMutation:
    @strawberry.mutation(
        extensions=allow(INSTITUTION_WRITE),
        description="Put an institution on the register of approved institutions (R-INV-4); it "
        "becomes a ledger counterparty of kind INSTITUTION.",
    )
    async def add_approved_institution(
        self, info: Info[Context, None], name: str, approved_on: date, note: str | None = None
    ) -> InstitutionResult:
        ctx = info.context
        view = await service.add_institution(
            ctx.session, ctx.actor, name=name, approved_on=approved_on, note=note
        )
        return ApprovedInstitutionPayload(institution=ApprovedInstitution.from_view(view))

    @strawberry.mutation(
        extensions=allow(INSTITUTION_WRITE),
        description="Add a product (account type, rate, notice, limits) of an approved "
        "institution (R-INV-4). A new rate is a new product.",
    )
    async def add_institution_product(
        self, info: Info[Context, None], input: InstitutionProductInput
    ) -> InstitutionProductResult:
        ctx = info.context
        new = service.NewProduct(
            institution_id=decode_uuid("ApprovedInstitution", input.institution_id),
            name=input.name,
            rate=str(input.rate),  # the Percent scalar's Decimal; the service checks its range
            notice=input.notice,
            minimum=input.minimum,
            maximum=input.maximum,
            effective_from=input.effective_from,
        )
        row = await service.add_product(ctx.session, ctx.actor, new)
        return InstitutionProductPayload(product=InstitutionProduct.from_row(row))

    @strawberry.mutation(
        extensions=allow(INSTITUTION_WRITE),
        description="Record a review of an institution (seed 002 7.11). One no longer approved "
        "takes no new placements (R-INV-4).",
    )
    async def review_institution(
        self,
        info: Info[Context, None],
        institution_id: strawberry.ID,
        reviewed_on: date,
        still_approved: bool,
        note: str,
    ) -> InstitutionResult:
        ctx = info.context
        view = await service.review_institution(
            ctx.session,
            ctx.actor,
            decode_uuid("ApprovedInstitution", institution_id),
            reviewed_on=reviewed_on,
            still_approved=still_approved,
            note=note,
        )
        return ApprovedInstitutionPayload(institution=ApprovedInstitution.from_view(view))

    @strawberry.mutation(
        extensions=allow(INVESTMENT_PROPOSE),
        description="Propose placing a client's money with an approved institution (R-INV-4): "
        "approved on the start date, at most 12 months, within the product's limits and the "
        "deposit protection limit in force on the start date for the client with that "
        "institution. Placements are for surplus funds: the surplus rule it shares with "
        "lodgements applies (SurplusRuleProblem, R-INV-2; seed 002 B 7.9-7.10), judged again on "
        "approval and when made. Raises an INVESTMENT_PLAN decision for the governance manager; "
        "no money moves yet.",
    )
    async def place_funds(
        self, info: Info[Context, None], input: PlacementInput, idempotency_key: str
    ) -> PlacementResult:
        ctx = info.context
        new = service.NewPlacement(
            client_id=decode_uuid("Client", input.client_id),
            product_id=decode_uuid("InstitutionProduct", input.product_id),
            amount=input.amount,
            start_date=input.start_date,
            term_months=input.term_months,
            maturity_date=input.maturity_date,
            best_interests_reason=input.best_interests_reason,
            consulted=input.consulted,
            client_involved=input.client_involved,
            why_client_not_involved=input.why_client_not_involved,
            notes=input.notes,
        )
        view = await service.place_funds(
            ctx.session, ctx.actor, new, idempotency_key=idempotency_key
        )
        return PlacementPayload(placement=Placement.from_view(view), replayed=view.replayed)

    @strawberry.mutation(
        extensions=allow(INVESTMENT_EXECUTE),
        description="Carry out an approved placement: its own placement account, the amount "
        "moved from CMS on the start date, only if the surplus rule still allows it today "
        "(SurplusRuleProblem, R-INV-2). Short of funds, nothing moves.",
    )
    async def make_placement(
        self, info: Info[Context, None], placement_id: strawberry.ID, idempotency_key: str
    ) -> PlacementResult:
        ctx = info.context
        view = await service.make_placement(
            ctx.session,
            ctx.actor,
            decode_uuid("Placement", placement_id),
            idempotency_key=idempotency_key,
        )
        return PlacementPayload(placement=Placement.from_view(view), replayed=view.replayed)

    @strawberry.mutation(
        extensions=allow(INVESTMENT_EXECUTE),
        description="Bring a placement's money back to CMS (R-INV-6) with simple interest at its "
        "rate for the days held (days/365, half-up to the penny) from the institution. MATURED "
        "on or after the maturity date, WITHDRAWN before. Once.",
    )
    async def mature_or_withdraw_placement(
        self,
        info: Info[Context, None],
        placement_id: strawberry.ID,
        on_date: date,
        idempotency_key: str,
    ) -> PlacementResult:
        ctx = info.context
        view = await service.mature_or_withdraw(
            ctx.session,
            ctx.actor,
            decode_uuid("Placement", placement_id),
            on_date,
            idempotency_key=idempotency_key,
        )
        return PlacementPayload(placement=Placement.from_view(view), replayed=view.replayed)

    @strawberry.mutation(
        extensions=allow(INVESTMENT_PROPOSE),
        description="Record an investment the client holds, kept where prudent, with where its "
        "documents are held (R-INV-5). A revaluation is a new record naming the old.",
    )
    async def record_existing_investment(
        self, info: Info[Context, None], input: ExistingInvestmentInput
    ) -> ExistingInvestmentResult:
        ctx = info.context
        new = service.NewInvestment(
            client_id=decode_uuid("Client", input.client_id),
            kind=input.kind,
            holder=input.holder,
            units=input.units,
            valuation=input.valuation,
            valued_on=input.valued_on,
            documents_held_at=input.documents_held_at,
            note=input.note,
            revises_id=(
                decode_uuid("ExistingInvestment", input.revises_id) if input.revises_id else None
            ),
        )
        row = await service.record_investment(ctx.session, ctx.actor, new)
        return ExistingInvestmentPayload(investment=ExistingInvestment.from_row(row))

    @strawberry.mutation(
        extensions=allow(INVESTMENT_PROPOSE),
        description="Submit the investment statement on a deputy order (R-INV-3): raises an "
        "INVESTMENT_PLAN decision for the governance manager to approve.",
    )
    async def record_investment_statement(
        self, info: Info[Context, None], input: InvestmentStatementInput, idempotency_key: str
    ) -> InvestmentStatementResult:
        ctx = info.context
        new = service.NewStatement(
            client_id=decode_uuid("Client", input.client_id),
            deputyship_id=decode_uuid("Deputyship", input.deputyship_id),
            summary=input.summary,
            investments_summary=input.investments_summary,
            surplus=input.surplus,
            consulted=input.consulted,
            client_involved=input.client_involved,
            why_client_not_involved=input.why_client_not_involved,
        )
        view = await service.record_statement(
            ctx.session, ctx.actor, new, idempotency_key=idempotency_key
        )
        return InvestmentStatementPayload(
            statement=InvestmentStatement.from_view(view), replayed=view.replayed
        )
