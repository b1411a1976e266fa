"""GraphQL for decisions: thin. Parse, call the service, map the result.

Decisions (R-DEC-1) are raised by casework, approved or refused by someone else (R-ROLE-2)
within the approval limits in force (R-DEC-2, R-DEC-4), changed only by superseding (R-AUD-2).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import (
    DECISION_APPROVE,
    DECISION_RAISE,
    DECISION_READ,
    allow,
)
from ca_api.common import loaders
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.pagination import Connection, connection_from_rows, page_request
from ca_api.common.problems import (
    FourEyesProblem,
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    OverApprovalLimitProblem,
    PolicyMissingProblem,
    SurplusRuleProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.decisions import gifts, models, repository, rules, service
from ca_api.decisions.service import DecisionView
from ca_api.errors import ErrorCode, NotFound
from ca_api.ledger.schema import Counterparty
from ca_api.lodgements import surplus  # registers the surplus rule's approval check (R-INV-2)
from ca_api.policy.rules import LimitVersion

K = TypeVar("K")
V = TypeVar("V")

DecisionKind = rules.DecisionKind
DecisionStatus = rules.DecisionStatus
DecisionEventKind = rules.DecisionEventKind
strawberry.enum(
    DecisionKind,
    description="The decisions of seed 002 Appendix 2 (R-DEC); each is approved under the "
    "approval limits' row of the same name.",
)
strawberry.enum(
    DecisionStatus,
    description="RAISED -> APPROVED | REFUSED; any but SUPERSEDED -> SUPERSEDED (changed by a "
    "new decision).",
)
strawberry.enum(DecisionEventKind)


# --- per-request loaders (N+1 is a bug) ---------------------------------------------------


async def _events(ctx: Context, decision_id: uuid.UUID) -> list[models.DecisionEvent]:
    return await loaders.many(ctx, "decisions.events", service.events_by_decision).load(decision_id)


async def _limits(ctx: Context) -> LimitVersion | None:
    async def fetch(session: Any, days: Sequence[date]) -> dict[date, LimitVersion | None]:
        return {d: await service.limits_on(session, d) for d in days}

    return await loaders.one(ctx, "decisions.limits", fetch).load(clock.today())


# --- types --------------------------------------------------------------------------------


@strawberry.type
class DecisionEvent:
    event: DecisionEventKind
    on: date = strawberry.field(description="The council's date of the event (Europe/London).")
    limit_version_id: int | None = strawberry.field(
        description="The approval limits it was judged under (R-DEC-4)."
    )
    superseded_by: strawberry.ID | None
    reason: str | None
    recorded_by: str
    recorded_at: datetime


def _event(e: models.DecisionEvent) -> DecisionEvent:
    return DecisionEvent(
        event=DecisionEventKind(e.event),
        on=e.on_date,
        limit_version_id=e.limit_version_id,
        superseded_by=strawberry.ID(encode_id("Decision", e.superseded_by))
        if e.superseded_by
        else None,
        reason=e.reason,
        recorded_by=e.recorded_by,
        recorded_at=e.recorded_at,
    )


@strawberry.type(description="Who a gift is to (R-DEC-3).")
class GiftRecipient:
    name: str
    date_of_birth: date | None
    counterparty_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def counterparty(self, info: Info[Context, None]) -> Counterparty | None:
        if self.counterparty_id is None:
            return None
        loader = loaders.one(info.context, "decisions.counterparties", service.counterparties_by_id)
        row = await loader.load(self.counterparty_id)
        return Counterparty.from_row(row) if row is not None else None


@strawberry.type(
    description="A gift weighed against the client's estate and past giving, as they stand "
    "today (R-DEC-3). The gift year is the order's: the twelve months from the latest "
    "anniversary of the deputyship order's date."
)
class GiftContext:
    on: date
    total_balance: Money = strawberry.field(
        description="The client's balance across all their accounts (the ledger)."
    )
    available_balance: Money = strawberry.field(description="The same, less money on hold.")
    makes_gifts: bool = strawberry.field(
        description="A deputyship in force grants the power to make gifts (R-ORD-1)."
    )
    yearly_limit: Money | None = strawberry.field(
        description="The order's yearly gift limit; null: none named, or no power."
    )
    year_start: date | None
    year_end: date | None
    approved_this_year: Money | None = strawberry.field(
        description="Gifts approved in the order's current gift year (null: no power)."
    )
    approved_last_five_years: Money
    remaining_allowance: Money | None = strawberry.field(
        description="What may still be given this gift year; null: the order names no limit; "
        "0.00 when no order in force grants the power."
    )


def _gift_context(c: gifts.GiftContext) -> GiftContext:
    def m(v: int | None) -> Money | None:
        return Money(v) if v is not None else None

    return GiftContext(
        on=c.on,
        total_balance=Money(c.total_balance),
        available_balance=Money(c.available_balance),
        makes_gifts=c.makes_gifts,
        yearly_limit=m(c.yearly_limit),
        year_start=c.year_start,
        year_end=c.year_end,
        approved_this_year=m(c.approved_this_year),
        approved_last_five_years=Money(c.approved_last_five_years),
        remaining_allowance=m(c.remaining_allowance),
    )


@strawberry.type(
    description="A lodgement's or placement's INVESTMENT_PLAN decision weighed against the "
    "client's surplus on a date (R-INV-2; seed 002 B 7.7, 7.9-7.10, 20.2-20.4): the budget plan "
    "in force it comes from (R-BUD-3), the threshold in force, what else already counts against "
    "the surplus, and whether approving it would be refused, and why."
)
class SurplusContext:
    on: date
    plan_id: strawberry.ID | None = strawberry.field(
        description="The client's budget plan in force on the date; null: none."
    )
    plan_year_start: date | None
    plan_review_due_on: date | None = strawberry.field(
        description="When the plan is due for its yearly review (R-CARE-2)."
    )
    plan_stale: bool = strawberry.field(description="Past its yearly review (R-CARE-2).")
    plan_approved: bool
    surplus: Money | None = strawberry.field(description="The plan's surplus (R-BUD-3).")
    threshold_name: str = strawberry.field(description="The policy figure applied (R-DATA).")
    threshold: Money = strawberry.field(description="The lodgement threshold in force.")
    threshold_effective_from: date
    committed: Money = strawberry.field(
        description="What else counts against the surplus: other lodgements and placements "
        "proposed or approved, and those lodged or placed since the plan's year start."
    )
    remaining_surplus: Money | None = strawberry.field(
        description="What is left of the surplus: surplus - committed."
    )
    amount: Money = strawberry.field(description="This decision's amount.")
    refusal: ErrorCode | None = strawberry.field(
        description="The code approving it now would be refused with (NO_APPROVED_PLAN, "
        "BUDGET_PLAN_STALE, SURPLUS_BELOW_THRESHOLD, OVER_SURPLUS); null: within the rule."
    )
    refusal_message: str | None


def _surplus_context(j: surplus.SurplusJudgement) -> SurplusContext:
    p = j.position
    refusal = j.refusal
    return SurplusContext(
        on=p.on,
        plan_id=strawberry.ID(encode_id("BudgetPlan", p.plan_id)) if p.plan_id else None,
        plan_year_start=p.plan_year_start,
        plan_review_due_on=p.review_due_on,
        plan_stale=p.stale,
        plan_approved=p.plan_approved,
        surplus=Money(p.surplus) if p.surplus is not None else None,
        threshold_name=j.threshold.name,
        threshold=Money(p.threshold),
        threshold_effective_from=j.threshold.effective_from,
        committed=Money(p.committed),
        remaining_surplus=Money(p.available) if p.available is not None else None,
        amount=Money(j.amount),
        refusal=ErrorCode(refusal[0].value) if refusal else None,
        refusal_message=refusal[1] if refusal else None,
    )


@strawberry.type(description="A decision made for a client (R-DEC-1). Never edited.")
class Decision:
    view: strawberry.Private[DecisionView]

    @property
    def _row(self) -> models.Decision:
        return self.view.decision

    @classmethod
    def from_view(cls, view: DecisionView) -> Decision:
        row = view.decision
        return cls(
            view=view,
            id=strawberry.ID(encode_id("Decision", row.id)),
            client_id=strawberry.ID(encode_id("Client", row.client_id)),
            client_reference=view.client_reference,
            kind=DecisionKind(row.kind),
            status=view.status,
            amount=Money(row.amount),
            what_was_decided=row.what_was_decided,
            best_interests_reason=row.best_interests_reason,
            consulted=row.consulted,
            client_involved=row.client_involved,
            why_client_not_involved=row.why_client_not_involved,
            notes=row.notes,
            raised_by=row.raised_by,
            authors=list(view.authors),
            raised_at=row.raised_at,
            supersede_reason=row.supersede_reason,
        )

    async def _event(
        self, info: Info[Context, None], *kinds: DecisionEventKind
    ) -> models.DecisionEvent | None:
        wanted = {k.value for k in kinds}
        events = await _events(info.context, self._row.id)
        return next((e for e in events if e.event in wanted), None)

    id: strawberry.ID
    client_id: strawberry.ID
    client_reference: str = strawberry.field(
        description="The client's case reference, e.g. CA000123."
    )
    kind: DecisionKind
    status: DecisionStatus
    amount: Money = strawberry.field(
        description="The amount it is judged at under the approval limits."
    )
    what_was_decided: str
    best_interests_reason: str = strawberry.field(
        description="Why it is in the client's best interests."
    )
    consulted: str = strawberry.field(description="Who was consulted.")
    client_involved: bool
    why_client_not_involved: str | None
    notes: str | None = strawberry.field(description="Supporting notes.")

    def _recipient(self) -> GiftRecipient | None:
        r = self._row
        if r.recipient_name is None:
            return None
        return GiftRecipient(
            name=r.recipient_name,
            date_of_birth=r.recipient_date_of_birth,
            counterparty_id=r.recipient_counterparty_id,
        )

    recipient: GiftRecipient | None = strawberry.field(
        resolver=_recipient, description="A gift's recipient; null for other kinds."
    )

    raised_by: str

    authors: list[str] = strawberry.field(
        description="Everyone who wrote what it decides, sorted: whoever raised it; for a "
        "budget plan's decision whoever recorded the plan or a revision of it that it covers; "
        "for a decision that superseded another, the authors of that one. None of them may "
        "approve or refuse it (R-ROLE-2)."
    )

    raised_at: datetime

    def _supersedes_id(self) -> strawberry.ID | None:
        s = self._row.supersedes_id
        return strawberry.ID(encode_id("Decision", s)) if s else None

    supersedes_id: strawberry.ID | None = strawberry.field(
        resolver=_supersedes_id, description="The decision this one replaced."
    )

    supersede_reason: str | None = strawberry.field(
        description="Why the decision it replaced was changed."
    )

    @strawberry.field(description="The decision that replaced this one.")
    async def superseded_by(self, info: Info[Context, None]) -> Decision | None:
        ctx = info.context
        successor = await loaders.one(ctx, "decisions.successors", service.successors).load(
            self._row.id
        )
        if successor is None:
            return None
        view = await loaders.one(ctx, "decisions.by_id", service.decisions_by_id).load(successor)
        return Decision.from_view(view) if view is not None else None

    @strawberry.field
    async def approved_by(self, info: Info[Context, None]) -> str | None:
        e = await self._event(info, DecisionEventKind.APPROVED)
        return e.recorded_by if e else None

    @strawberry.field
    async def approved_at(self, info: Info[Context, None]) -> datetime | None:
        e = await self._event(info, DecisionEventKind.APPROVED)
        return e.recorded_at if e else None

    @strawberry.field
    async def refused_by(self, info: Info[Context, None]) -> str | None:
        e = await self._event(info, DecisionEventKind.REFUSED)
        return e.recorded_by if e else None

    @strawberry.field
    async def refusal_reason(self, info: Info[Context, None]) -> str | None:
        e = await self._event(info, DecisionEventKind.REFUSED)
        return e.reason if e else None

    @strawberry.field(
        description="The approval limits the approval or refusal was judged under (R-DEC-4)."
    )
    async def approval_limit_version_id(self, info: Info[Context, None]) -> int | None:
        e = await self._event(info, DecisionEventKind.APPROVED, DecisionEventKind.REFUSED)
        return e.limit_version_id if e else None

    @strawberry.field(description="Everything that happened to it, oldest first.")
    async def events(self, info: Info[Context, None]) -> list[DecisionEvent]:
        return [_event(e) for e in await _events(info.context, self._row.id)]

    @strawberry.field(
        description="Whether you could approve or refuse it now: it is RAISED, you neither "
        "raised it nor are one of its authors (R-ROLE-2), and your role covers it under "
        "today's limits (R-DEC-2)."
    )
    async def can_approve(self, info: Info[Context, None]) -> bool:
        ctx = info.context
        return service.can_approve(ctx.principal, self.view, await _limits(ctx))

    @strawberry.field(
        description="For a gift: the client's estate and past giving today (R-DEC-3); null "
        "for other kinds."
    )
    async def gift_context(self, info: Info[Context, None]) -> GiftContext | None:
        if self._row.kind != DecisionKind.GIFT.value:
            return None

        async def fetch(
            session: Any, ids: Sequence[uuid.UUID]
        ) -> dict[uuid.UUID, gifts.GiftContext]:
            return {i: await gifts.gift_context(session, i) for i in ids}

        found = await loaders.one(info.context, "decisions.gift_context", fetch).load(
            self._row.client_id
        )
        return _gift_context(found) if found is not None else None

    @strawberry.field(
        description="For a lodgement's or a placement's INVESTMENT_PLAN decision: the client's "
        "surplus today, the plan it comes from and the threshold in force, and whether approving "
        "it would be refused (R-INV-2); null for other decisions."
    )
    async def surplus_context(self, info: Info[Context, None]) -> SurplusContext | None:
        if self._row.kind != DecisionKind.INVESTMENT_PLAN.value:
            return None
        today = clock.today()

        async def fetch(
            session: Any, rows: Sequence[models.Decision]
        ) -> dict[models.Decision, surplus.SurplusJudgement | None]:
            return {r: await surplus.decision_context(session, r, today) for r in rows}

        # A figure missing is a POLICY_MISSING error (ca_api.graphql.ErrorPolicy).
        found = await loaders.one(info.context, "decisions.surplus_context", fetch).load(self._row)
        return _surplus_context(found) if found is not None else None


# --- inputs -------------------------------------------------------------------------------


@strawberry.input(description="What a decision records (R-DEC-1); a gift also its recipient.")
class DecisionInput:
    client_id: strawberry.ID
    kind: DecisionKind
    amount: Money
    what_was_decided: str
    best_interests_reason: str = strawberry.field(
        description="Why it is in the client's best interests."
    )
    consulted: str = strawberry.field(description="Who was consulted (the client where possible).")
    client_involved: bool
    why_client_not_involved: str | None = strawberry.field(
        default=None, description="Required when clientInvolved is false."
    )
    notes: str | None = None
    recipient_name: str | None = strawberry.field(default=None, description="Gifts only.")
    recipient_date_of_birth: date | None = strawberry.field(
        default=None,
        description="Gifts only; tells the recipient apart from a namesake on the employee "
        "register.",
    )
    recipient_counterparty_id: strawberry.ID | None = strawberry.field(
        default=None, description="Gifts only: the recipient as a counterparty."
    )

    def to_new(self) -> service.NewDecision:
        return service.NewDecision(
            client_id=decode_uuid("Client", self.client_id),
            recipient_counterparty_id=decode_uuid("Counterparty", self.recipient_counterparty_id)
            if self.recipient_counterparty_id
            else None,
            draft=rules.DecisionDraft(
                kind=self.kind,
                amount=self.amount,
                what_was_decided=self.what_was_decided,
                best_interests_reason=self.best_interests_reason,
                consulted=self.consulted,
                client_involved=self.client_involved,
                why_client_not_involved=self.why_client_not_involved,
                notes=self.notes,
                recipient_name=self.recipient_name,
                recipient_date_of_birth=self.recipient_date_of_birth,
            ),
        )


# --- payloads and results -----------------------------------------------------------------


@strawberry.type
class DecisionPayload:
    decision: Decision
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")


RaiseDecisionResult = Annotated[
    DecisionPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union("RaiseDecisionResult"),
]
DecideDecisionResult = Annotated[
    DecisionPayload
    | FourEyesProblem
    | OverApprovalLimitProblem
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem
    | PolicyMissingProblem
    | SurplusRuleProblem,
    strawberry.union("DecideDecisionResult"),
]


def _payload(done: service.DecisionOutcome) -> DecisionPayload:
    return DecisionPayload(decision=Decision.from_view(done.decision), replayed=done.replayed)


@strawberry.type
class DecisionQuery:
    @strawberry.field(extensions=allow(DECISION_READ), description="One decision, by id.")
    async def decision(self, info: Info[Context, None], id: strawberry.ID) -> Decision:
        ctx = info.context
        view = await service.get_decision(ctx.session, ctx.principal, decode_uuid("Decision", id))
        if view is None:
            raise NotFound("decision", id)
        return Decision.from_view(view)

    @strawberry.field(
        extensions=allow(DECISION_READ), description="Decisions, newest first, a page at a time."
    )
    async def decisions(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID | None = None,
        kind: DecisionKind | None = None,
        status: DecisionStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Decision]:
        ctx = info.context
        page = page_request(first, after, default=25, maximum=ctx.settings.max_page_size)
        flt = repository.DecisionFilter(
            client_id=decode_uuid("Client", client_id) if client_id else None,
            kind=kind,
            status=status,
        )
        views = await service.list_decisions(
            ctx.session, ctx.principal, flt, after=page.after_time_id(), limit=page.first + 1
        )
        return connection_from_rows(
            views,
            page,
            key=lambda v: [v.decision.raised_at.isoformat(), str(v.decision.id)],
            node=lambda v: Decision.from_view(v),
        )


@strawberry.type
class DecisionMutation:
    @strawberry.mutation(
        extensions=allow(DECISION_RAISE),
        description="Raise a decision to await approval (R-DEC-1). A gift needs the order's "
        "power, stays within its yearly limit (R-DEC-3) and is never to a council employee "
        "(R-ROLE-3).",
    )
    async def raise_decision(
        self, info: Info[Context, None], input: DecisionInput, idempotency_key: str
    ) -> RaiseDecisionResult:
        ctx = info.context
        new = input.to_new()
        done = await service.raise_decision(
            ctx.session, ctx.actor, new, idempotency_key=idempotency_key
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(DECISION_APPROVE),
        description="Approve a decision: never one you raised or wrote (its authors, R-ROLE-2), "
        "within the limits in force today (R-DEC-2), recorded with their version (R-DEC-4); a "
        "gift is checked again.",
    )
    async def approve_decision(
        self, info: Info[Context, None], id: strawberry.ID, idempotency_key: str
    ) -> DecideDecisionResult:
        ctx = info.context
        did = decode_uuid("Decision", id)
        done = await service.approve_decision(
            ctx.session, ctx.actor, did, idempotency_key=idempotency_key
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(DECISION_APPROVE),
        description="Refuse a decision, with the reason: never one you raised or wrote (its "
        "authors, R-ROLE-2), and only where you could approve it (R-DEC-2).",
    )
    async def refuse_decision(
        self, info: Info[Context, None], id: strawberry.ID, reason: str, idempotency_key: str
    ) -> DecideDecisionResult:
        ctx = info.context
        did = decode_uuid("Decision", id)
        done = await service.refuse_decision(
            ctx.session, ctx.actor, did, reason, idempotency_key=idempotency_key
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(DECISION_RAISE),
        description="Change a decision: a new decision (returned) supersedes it, with the "
        "reason (R-AUD-2); the old can no longer be approved.",
    )
    async def supersede_decision(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        input: DecisionInput,
        reason: str,
        idempotency_key: str,
    ) -> RaiseDecisionResult:
        ctx = info.context
        did = decode_uuid("Decision", id)
        new = input.to_new()
        done = await service.supersede_decision(
            ctx.session, ctx.actor, did, new, reason, idempotency_key=idempotency_key
        )
        return _payload(done)
