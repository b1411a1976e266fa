"""GraphQL for decisions: thin. Parse, call the service, map the result.

Decisions (R-DEC-1) are raised by casework, approved or refused by someone else (R-ROLE-2)
within the approval limits in force (R-DEC-2, R-DEC-4), changed only by superseding (R-AUD-2).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.approvals import fields
from ca_api.approvals.fields import DecidingProblem, can_approve_field, first_event
from ca_api.approvals.schema import LazyClient
from ca_api.auth.permissions import (
    DECISION_APPROVE,
    DECISION_RAISE,
    DECISION_READ,
    allow,
)
from ca_api.clients.schema import client_of
from ca_api.common import loaders
from ca_api.common.arguments import ONLY_CLIENT, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.keyset import Seek
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    SurplusRuleProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.decisions import contexts, gifts, models, reads, repository, service
from ca_api.decisions.inputs import (
    DECISION_ID,
    ApproveDecisionArg,
    RaiseDecisionArg,
    RefuseDecisionArg,
    SupersedeDecisionArg,
)
from ca_api.decisions.reads import DecisionView
from ca_api.decisions.types import DecisionEvent as DecisionEvent
from ca_api.decisions.types import (
    DecisionEventKind,
    DecisionKind,
)
from ca_api.decisions.types import DecisionStatus as DecisionStatus  # other modules' filters
from ca_api.decisions.types import event as _event
from ca_api.errors import found
from ca_api.lodgements import surplus
from ca_api.policy.schema import (
    ApprovalLimitVersion,
    limit_version_of,
)

K = TypeVar("K")
V = TypeVar("V")

# --- types --------------------------------------------------------------------------------

APPROVED, REFUSED = DecisionEventKind.APPROVED, DecisionEventKind.REFUSED


@strawberry.type(description="A decision made for a client (R-DEC-1). Never edited.")
class Decision(Node):
    view: strawberry.Private[DecisionView]

    @property
    def _row(self) -> models.Decision:
        return self.view.decision

    @classmethod
    def from_view(cls, view: DecisionView) -> Decision:
        return fields.of_view(cls, view, view.decision, authors=list(view.authors))

    _events = fields.events_loaded("decisions.events", service.events_by_decision)

    id: strawberry.ID = strawberry.field(description="The decision's global id.")
    client_id: strawberry.ID = strawberry.field(
        description="The client it is made for (a Client's id)."
    )

    @strawberry.field(description="The client it is made for.")
    async def client(self, info: Info[Context, None]) -> LazyClient:
        return await client_of(info.context, self._row.client_id)

    client_reference: str = strawberry.field(
        description="The client's case reference, e.g. CA000123."
    )
    kind: DecisionKind = strawberry.field(
        description="Which decision it is: the row of the approval limits it is judged under."
    )
    status: DecisionStatus = strawberry.field(
        description="Where it stands: awaiting approval, approved, refused or replaced."
    )
    amount: Money = strawberry.field(
        description="The amount it is judged at under the approval limits."
    )
    what_was_decided: str = strawberry.field(description="What was decided (R-DEC-1).")
    best_interests_reason: str = strawberry.field(
        description="Why it is in the client's best interests."
    )
    consulted: str = strawberry.field(description="Who was consulted.")
    client_involved: bool = strawberry.field(
        description="Whether the client took part in the decision."
    )
    why_client_not_involved: str | None = strawberry.field(
        description="Why the client did not take part; null when they did."
    )
    notes: str | None = strawberry.field(description="Supporting notes.")

    def _recipient(self) -> contexts.GiftRecipient | None:
        r = self._row
        if r.recipient_name is None:
            return None
        return contexts.GiftRecipient(
            name=r.recipient_name,
            date_of_birth=r.recipient_date_of_birth,
            counterparty_id=r.recipient_counterparty_id,
        )

    recipient: contexts.GiftRecipient | None = strawberry.field(
        resolver=_recipient, description="A gift's recipient; null for other kinds."
    )

    raised_by: str = strawberry.field(
        description="Who raised it; they may not approve or refuse it (R-ROLE-2)."
    )

    authors: list[str] = strawberry.field(
        description="Everyone who wrote what it decides, sorted: whoever raised it; for a "
        "budget plan's decision whoever recorded the plan or a revision of it that it covers; "
        "for a decision that superseded another, the authors of that one. None of them may "
        "approve or refuse it (R-ROLE-2)."
    )

    raised_at: datetime = strawberry.field(description="When it was raised.")

    def _supersedes_id(self) -> strawberry.ID | None:
        s = self._row.supersedes_id
        return strawberry.ID(encode_id("Decision", s)) if s else None

    supersedes_id: strawberry.ID | None = strawberry.field(
        resolver=_supersedes_id, description="The decision this one replaced."
    )

    async def _supersedes(self, info: Info[Context, None]) -> Decision | None:
        previous = self._row.supersedes_id
        if previous is None:
            return None
        return await load_decision(info.context, previous)

    supersedes: Decision | None = strawberry.field(
        resolver=_supersedes, description="The decision this one replaced (R-AUD-2)."
    )

    supersede_reason: str | None = strawberry.field(
        description="Why the decision it replaced was changed."
    )

    async def _superseded_by(self, info: Info[Context, None]) -> Decision | None:
        ctx = info.context
        successor = await loaders.one(ctx, "decisions.successors", reads.successors).load(
            self._row.id
        )
        if successor is None:
            return None
        return await load_decision(ctx, successor)

    superseded_by: Decision | None = strawberry.field(
        resolver=_superseded_by, description="The decision that replaced this one."
    )

    approved_by: str | None = fields.approved_by(
        APPROVED, "Who approved it (never one of its authors, R-ROLE-2); null: not approved."
    )
    approved_at: datetime | None = fields.approved_at(
        APPROVED, "When it was approved; null: not approved."
    )
    refused_by: str | None = fields.recorded_by(REFUSED, "Who refused it; null: not refused.")
    refusal_reason: str | None = fields.reason(REFUSED, "Why it was refused; null: not refused.")
    approval_limit_version_id: int | None = fields.approval_limit_version_id(
        APPROVED,
        REFUSED,
        description="The approval limits the approval or refusal was judged under (R-DEC-4).",
    )

    async def _approval_limit_version(
        self, info: Info[Context, None]
    ) -> ApprovalLimitVersion | None:
        decided = await first_event(self, info, APPROVED, REFUSED)
        version_id = decided.limit_version_id if decided is not None else None
        return await limit_version_of(info.context, version_id) if version_id else None

    approval_limit_version: ApprovalLimitVersion | None = strawberry.field(
        resolver=_approval_limit_version,
        description="The approval limits the approval or refusal was judged under, with their "
        "rows (R-DEC-4); null while it awaits one.",
    )

    events = fields.events_field(list[DecisionEvent], _event)

    can_approve = can_approve_field(
        reads.can_approve,
        "Whether you could approve or refuse it now: it is RAISED, you neither raised it nor "
        "are one of its authors (R-ROLE-2), and your role covers it under today's limits "
        "(R-DEC-2).",
    )

    @strawberry.field(
        description="For a gift: the client's estate and past giving today (R-DEC-3); null "
        "for other kinds."
    )
    async def gift_context(self, info: Info[Context, None]) -> contexts.GiftContext | None:
        if self._row.kind != DecisionKind.GIFT.value:
            return None

        async def fetch(
            session: Any, ids: Sequence[uuid.UUID]
        ) -> dict[uuid.UUID, gifts.GiftContext]:
            return {i: await gifts.gift_context(session, i) for i in ids}

        found = await loaders.one(info.context, "decisions.gift_context", fetch).load(
            self._row.client_id
        )
        return contexts.gift_context(found) if found is not None else None

    @strawberry.field(
        description="For a lodgement's or a placement's INVESTMENT_PLAN decision: the client's "
        "surplus today, the plan it comes from and the threshold in force, and whether approving "
        "it would be refused (R-INV-2); null for other decisions."
    )
    async def surplus_context(self, info: Info[Context, None]) -> contexts.SurplusContext | None:
        if self._row.kind != DecisionKind.INVESTMENT_PLAN.value:
            return None
        today = clock.today()

        async def fetch(
            session: Any, rows: Sequence[models.Decision]
        ) -> dict[models.Decision, surplus.SurplusJudgement | None]:
            return {r: await surplus.decision_context(session, r, today) for r in rows}

        # A figure missing is a POLICY_MISSING error (ca_api.graphql.ErrorPolicy).
        found = await loaders.one(info.context, "decisions.surplus_context", fetch).load(self._row)
        return contexts.surplus_context(found) if found is not None else None


# --- payloads and results -----------------------------------------------------------------


@strawberry.type(description="The decision as it stands after the change.")
class DecisionPayload:
    decision: Decision = strawberry.field(
        description="The decision raised, approved or refused; for a supersede, the new one."
    )
    replayed: bool = replayed_field()


RaiseDecisionResult = Annotated[
    DecisionPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RaiseDecisionResult",
        description="The decision raised, or why it was refused (invalid or incomplete "
        "(R-DEC-1), no such client, a gift the order or register bars (R-DEC-3, R-ROLE-3), a "
        "decision that may no longer be changed, an idempotency key reused).",
    ),
]
DecideDecisionResult = Annotated[
    DecisionPayload
    | DecidingProblem
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem
    | PolicyMissingProblem
    | SurplusRuleProblem,
    strawberry.union(
        "DecideDecisionResult",
        description="The decision approved or refused, or why not: one of its authors "
        "(R-ROLE-2), over your approval limit (R-DEC-2), no longer RAISED, a figure missing, "
        "or an investment plan the surplus rule refuses (R-INV-2).",
    ),
]


# The root fields' arguments, described once.
DecisionId = Annotated[strawberry.ID, strawberry.argument(description=DECISION_ID)]


def _payload(done: service.DecisionOutcome) -> DecisionPayload:
    return DecisionPayload(decision=Decision.from_view(done.decision), replayed=done.replayed)


@strawberry.type
class DecisionQuery:
    @strawberry.field(extensions=allow(DECISION_READ), description="One decision, by id.")
    async def decision(self, info: Info[Context, None], id: DecisionId) -> Decision:
        ctx = info.context
        view = await reads.get_decision(ctx.session, ctx.principal, decode_uuid("Decision", id))
        return Decision.from_view(found(view, "decision", id))

    @strawberry.field(
        extensions=[
            Paged(
                25,
                first="How many decisions, at most (25 if unset).",
                after="The endCursor of the page before; null: the first.",
            ),
            *allow(DECISION_READ),
        ],
        description="Decisions, newest first, a page at a time.",
    )
    async def decisions(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: ONLY_CLIENT = None,
        kind: Annotated[
            DecisionKind | None, strawberry.argument(description="Only decisions of this kind.")
        ] = None,
        status: Annotated[
            DecisionStatus | None,
            strawberry.argument(description="Only decisions with this status now."),
        ] = None,
    ) -> Connection[Decision]:
        ctx = info.context

        async def fetch(seek: Seek[tuple[datetime, uuid.UUID]]) -> list[DecisionView]:
            flt = repository.DecisionFilter(
                client_id=decode_uuid("Client", client_id) if client_id else None,
                kind=kind,
                status=status,
            )
            return await reads.list_decisions(ctx.session, ctx.principal, flt, seek=seek)

        return await page.connection(
            cursor=PageRequest.time_id,
            fetch=fetch,
            key=lambda v: [v.decision.raised_at.isoformat(), str(v.decision.id)],
            node=Decision.from_view,
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
        self, info: Info[Context, None], input: RaiseDecisionArg
    ) -> RaiseDecisionResult:
        new = input.to_new()
        done = await as_caller(
            info, service.raise_decision, new, idempotency_key=input.idempotency_key
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(DECISION_APPROVE),
        description="Approve a decision: never one you raised or wrote (its authors, R-ROLE-2), "
        "within the limits in force today (R-DEC-2), recorded with their version (R-DEC-4); a "
        "gift is checked again.",
    )
    async def approve_decision(
        self, info: Info[Context, None], input: ApproveDecisionArg
    ) -> DecideDecisionResult:
        did = decode_uuid("Decision", input.id)
        done = await as_caller(
            info, service.approve_decision, did, idempotency_key=input.idempotency_key
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(DECISION_APPROVE),
        description="Refuse a decision, with the reason: never one you raised or wrote (its "
        "authors, R-ROLE-2), and only where you could approve it (R-DEC-2).",
    )
    async def refuse_decision(
        self, info: Info[Context, None], input: RefuseDecisionArg
    ) -> DecideDecisionResult:
        did = decode_uuid("Decision", input.id)
        done = await as_caller(
            info, service.refuse_decision, did, input.reason, idempotency_key=input.idempotency_key
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(DECISION_RAISE),
        description="Change a decision: a new decision (returned) supersedes it, with the "
        "reason (R-AUD-2); the old can no longer be approved.",
    )
    async def supersede_decision(
        self, info: Info[Context, None], input: SupersedeDecisionArg
    ) -> RaiseDecisionResult:
        did = decode_uuid("Decision", input.id)
        new = input.to_new()
        done = await as_caller(
            info,
            service.supersede_decision,
            did,
            new,
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)


async def load_decision(ctx: Context, decision_id: uuid.UUID) -> Decision | None:
    """A decision by id through the request's one loader of decisions (every reference to a
    decision, from any module, goes through it or ``decision_of``); None if there is none or
    the caller may not read it."""
    view = await loaders.one(ctx, "decisions.by_id", service.decisions_by_id).load(decision_id)
    return Decision.from_view(view) if view is not None else None


async def decision_of(ctx: Context, decision_id: uuid.UUID) -> Decision:
    """The decision an object refers to: NOT_FOUND, as decision(id:) answers, when hidden."""
    decision = await load_decision(ctx, decision_id)
    return found(decision, "decision", encode_id("Decision", decision_id))


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES = (NodeType("Decision", DECISION_READ, in_scope(reads.decisions_by_id, Decision.from_view)),)
