"""GraphQL of a client's wills and funeral (issue 14 item 5; R-CARE-5, seed 002 B 21, B 28):
thin. Casework records wills, the Court of Protection told, funeral wishes; a senior officer
proposes a funeral plan (its best interest decision) and raises its payment; officers and audit
read them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.appointee_applications.inputs import DeadlineState, DeadlineStateFilter
from ca_api.auth.permissions import (
    FUNERAL_PLAN_PAY,
    FUNERAL_PLAN_PROPOSE,
    WILL_READ,
    WILL_RECORD,
    allow,
)
from ca_api.clients.schema import Client, client_of, readable_client_id
from ca_api.common import deadlines as deadline_clock
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.payments.schema import Payment
from ca_api.wills import funeral, reads, recording
from ca_api.wills.types import FuneralPlan, Will, WillHolder, WillKind, WillsAndFuneral


@strawberry.type(description="A client's wills and funeral as the mutation left them.")
class WillsPayload:
    client: Client = strawberry.field(description="The client.")
    wills_and_funeral: WillsAndFuneral = strawberry.field(description="As they now stand.")
    replayed: bool = replayed_field()


async def wills_payload(info: Info[Context, None], done: reads.WillsOutcome) -> WillsPayload:
    return WillsPayload(
        client=await client_of(info.context, done.view.client_id),
        wills_and_funeral=WillsAndFuneral.of(done.view),
        replayed=done.replayed,
    )


@strawberry.type(description="The funeral plan's payment raised, and the plan.")
class FuneralPlanPaymentPayload:
    funeral_plan: FuneralPlan = strawberry.field(description="The plan, with its payments.")
    payment: Payment = strawberry.field(
        description="The payment raised: a second officer approves it (approvePayment, which "
        "checks the plan's decision again), then it is made (makePayment)."
    )
    replayed: bool = replayed_field()


@strawberry.input(description="A will or codicil found (B 21.1), where it is held, and the key.")
class RecordWillInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    kind: WillKind = strawberry.field(description="Will or codicil.")
    found_on: date = strawberry.field(description="The day found: not in the future.")
    held_by: WillHolder = strawberry.field(description="Where it is held.")
    dated: date | None = strawberry.field(
        default=None, description="The date it bears, if known (not after foundOn)."
    )
    holder: str | None = strawberry.field(
        default=None,
        description="The solicitor holding it (SOLICITOR) or where it is (OTHER): required then.",
    )
    reference: str | None = strawberry.field(
        default=None, description="The holder's reference or the safe's envelope number."
    )
    corrects_will_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A correction of this will (its willId): a new record supersedes its current "
        "one (R-AUD-2); null: a will newly found.",
    )
    reason: str | None = strawberry.field(
        default=None, description="Why it corrects the record (required with correctsWillId)."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The Court of Protection told of a will (B 21.1), and the key.")
class RecordWillCourtNoticeInput:
    will_id: strawberry.ID = strawberry.field(description="The will (its willId).")
    sent_on: date = strawberry.field(
        description="When the notice was sent: not before the will was found, not in the future."
    )
    reference: str | None = strawberry.field(default=None, description="Its reference.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The client's funeral wishes (B 28.1), and the key.")
class RecordFuneralWishesInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    wishes: str = strawberry.field(description="What the client wishes for their funeral.")
    client_involved: bool = strawberry.field(description="Whether sought with the client.")
    source: str | None = strawberry.field(
        default=None, description="Who told the team (required when the client was not)."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why this corrects the wishes recorded (required then)."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A funeral plan to buy from the client's funds (B 28.2), its best interest "
    "decision's particulars (R-DEC-1), and the key."
)
class ProposeFuneralPlanInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    provider: str = strawberry.field(description="The funeral plan provider.")
    description: str = strawberry.field(description="What the plan is.")
    amount: Money = strawberry.field(description="Its price.")
    payee_id: strawberry.ID = strawberry.field(description="The counterparty to pay.")
    best_interests_reason: str = strawberry.field(
        description="Why it is in the client's best interests."
    )
    consulted: str = strawberry.field(description="Who was consulted.")
    client_involved: bool = strawberry.field(description="Whether the client was involved.")
    why_client_not_involved: str | None = strawberry.field(
        default=None, description="Why not, when the client was not involved."
    )
    notes: str | None = strawberry.field(default=None, description="Anything else.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The funeral plan whose payment to raise, and the key.")
class RaiseFuneralPlanPaymentInput:
    funeral_plan_id: strawberry.ID = strawberry.field(description="The plan (its funeralPlanId).")
    idempotency_key: str = idempotency_key_field()


_WillsProblems = (
    ValidationProblem | InvalidStateProblem | NotFoundProblem | IdempotencyKeyReusedProblem
)
RecordWillResult = Annotated[
    WillsPayload | _WillsProblems,
    strawberry.union(
        "RecordWillResult",
        description="The client's wills with it, or why not: found in the future, dated after "
        "found, no holder named for SOLICITOR or OTHER, a correction without its reason.",
    ),
]
RecordWillCourtNoticeResult = Annotated[
    WillsPayload | _WillsProblems,
    strawberry.union(
        "RecordWillCourtNoticeResult",
        description="The client's wills with the notice, or why not: recorded already, sent "
        "before the will was found or in the future.",
    ),
]
RecordFuneralWishesResult = Annotated[
    WillsPayload | _WillsProblems,
    strawberry.union(
        "RecordFuneralWishesResult",
        description="The wishes recorded, or why not: empty, a correction without its reason.",
    ),
]
ProposeFuneralPlanResult = Annotated[
    WillsPayload | _WillsProblems,
    strawberry.union(
        "ProposeFuneralPlanResult",
        description="The plan and its best interest decision raised, or why not: the decision's "
        "particulars missing (R-DEC-1), the payee unknown, the client's death confirmed "
        "(INVALID_STATE, code CLIENT_DECEASED).",
    ),
]
RaiseFuneralPlanPaymentResult = Annotated[
    FuneralPlanPaymentPayload | _WillsProblems,
    strawberry.union(
        "RaiseFuneralPlanPaymentResult",
        description="The payment raised, or why not: the plan's best interest decision not "
        "approved (INVALID_STATE), a payment raised already, the client's death confirmed "
        "(INVALID_STATE, code CLIENT_DECEASED).",
    ),
]


@strawberry.type(
    description="A will's notice to the Court of Protection (B 21.1): due the day the will was "
    "found, and whether the promise was kept."
)
class WillCourtNoticeDeadline:
    d: strawberry.Private[recording.NoticeDeadline]

    @strawberry.field(description="The will.")
    def will(self) -> Will:
        return Will.of(self.d.will)

    @strawberry.field(description="The client's id.")
    def client_id(self) -> strawberry.ID:
        return node_id("Client", self.d.will.first.client_id)

    @strawberry.field(description="The day the notice is due: the day the will was found.")
    def due_on(self) -> date:
        return self.d.due_on

    @strawberry.field(description="DUE, MET or MISSED, as of today.")
    def state(self) -> DeadlineState:
        return self.d.state


@strawberry.type
class WillQuery:
    @strawberry.field(
        extensions=allow(WILL_READ),
        description="A client's wills and funeral (issue 14 item 5; R-CARE-5, seed 002 B 21, "
        "B 28): each will or codicil and where it is held, the notice to the Court of "
        "Protection, the funeral wishes and plans. NOT_FOUND for a client the caller may not "
        "read.",
    )
    async def wills_and_funeral(
        self,
        info: Info[Context, None],
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
    ) -> WillsAndFuneral:
        cid = await readable_client_id(info.context, client_id)
        return WillsAndFuneral.of(await reads.wills_of(info.context.session, cid))

    @strawberry.field(
        extensions=[Paged(25), *allow(WILL_READ)],
        description="Every will's notice to the Court of Protection (B 21.1, due the day "
        "found), soonest due first; state DUE or MISSED lists those outstanding.",
    )
    async def will_court_notices(
        self,
        info: Info[Context, None],
        page: Page,
        state: DeadlineStateFilter = None,
    ) -> Connection[WillCourtNoticeDeadline]:
        return await deadline_clock.connection(
            page,
            lambda seek: recording.notice_deadlines(info.context.session, state=state, seek=seek),
            lambda d: WillCourtNoticeDeadline(d=d),
        )


@strawberry.type
class WillMutation:
    @strawberry.mutation(
        extensions=allow(WILL_RECORD),
        description="Record a will or codicil found (seed 002 B 21.1, R-CARE-5) and where it is "
        "held (B 21.2); the Court of Protection is then to be told that day. With "
        "correctsWillId: a correction, a new record with the reason (R-AUD-2). Accepted after "
        "the client's death too (the executor, B 29.3); a will held by a SOLICITOR is an item "
        "of the death's notification list (B 29.1).",
    )
    async def record_will(
        self,
        info: Info[Context, None],
        input: Annotated[RecordWillInput, strawberry.argument(description="The will, the key.")],
    ) -> RecordWillResult:
        done = await as_caller(
            info,
            recording.record_will,
            decode_uuid("Client", input.client_id),
            kind=input.kind,
            dated=input.dated,
            found_on=input.found_on,
            held_by=input.held_by,
            holder=input.holder,
            reference=input.reference,
            corrects_will_id=decode_uuid("Will", input.corrects_will_id)
            if input.corrects_will_id is not None
            else None,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return await wills_payload(info, done)

    @strawberry.mutation(
        extensions=allow(WILL_RECORD),
        description="Record the Court of Protection told of a will (seed 002 B 21.1): when, "
        "who (the caller), the reference; once per will. Sent after the day found, the notice "
        "reads MISSED.",
    )
    async def record_will_court_notice(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordWillCourtNoticeInput, strawberry.argument(description="The notice, the key.")
        ],
    ) -> RecordWillCourtNoticeResult:
        done = await as_caller(
            info,
            recording.record_court_notice,
            decode_uuid("Will", input.will_id),
            sent_on=input.sent_on,
            reference=input.reference,
            idempotency_key=input.idempotency_key,
        )
        return await wills_payload(info, done)

    @strawberry.mutation(
        extensions=allow(WILL_RECORD),
        description="Record the client's funeral wishes (seed 002 B 28.1, R-CARE-5); a second "
        "record corrects the first, with the reason (R-AUD-2).",
    )
    async def record_funeral_wishes(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordFuneralWishesInput, strawberry.argument(description="The wishes, the key.")
        ],
    ) -> RecordFuneralWishesResult:
        done = await as_caller(
            info,
            funeral.record_funeral_wishes,
            decode_uuid("Client", input.client_id),
            wishes=input.wishes,
            client_involved=input.client_involved,
            source=input.source,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return await wills_payload(info, done)

    @strawberry.mutation(
        extensions=allow(FUNERAL_PLAN_PROPOSE),
        description="Propose buying a funeral plan from the client's funds (seed 002 B 28.2, "
        "R-CARE-5): a BEST_INTEREST decision is raised for it, approved (approveDecision) "
        "within the Appendix 2 limits by someone other than its raiser (R-DEC, R-ROLE-2).",
    )
    async def propose_funeral_plan(
        self,
        info: Info[Context, None],
        input: Annotated[
            ProposeFuneralPlanInput, strawberry.argument(description="The plan, the key.")
        ],
    ) -> ProposeFuneralPlanResult:
        done = await as_caller(
            info,
            funeral.propose_funeral_plan,
            funeral.PlanProposal(
                client_id=decode_uuid("Client", input.client_id),
                provider=input.provider,
                description=input.description,
                amount=int(input.amount),
                payee_id=decode_uuid("Counterparty", input.payee_id),
                best_interests_reason=input.best_interests_reason,
                consulted=input.consulted,
                client_involved=input.client_involved,
                why_client_not_involved=input.why_client_not_involved,
                notes=input.notes,
            ),
            idempotency_key=input.idempotency_key,
        )
        return await wills_payload(info, done)

    @strawberry.mutation(
        extensions=allow(FUNERAL_PLAN_PAY),
        description="Raise the payment of a funeral plan from the client's funds (seed 002 "
        "B 28.2, R-CARE-5): refused unless its best interest decision is APPROVED; once. A "
        "second officer approves it (approvePayment, refused if the decision no longer stands) "
        "and it is made (makePayment).",
    )
    async def raise_funeral_plan_payment(
        self,
        info: Info[Context, None],
        input: Annotated[
            RaiseFuneralPlanPaymentInput, strawberry.argument(description="The plan, the key.")
        ],
    ) -> RaiseFuneralPlanPaymentResult:
        plan_id = decode_uuid("FuneralPlan", input.funeral_plan_id)
        done = await as_caller(
            info,
            funeral.raise_funeral_plan_payment,
            plan_id,
            idempotency_key=input.idempotency_key,
        )
        view = done.view.plan(plan_id)
        assert view is not None
        return FuneralPlanPaymentPayload(
            funeral_plan=FuneralPlan.of(view),
            payment=Payment.from_view(done.payment.payment),
            replayed=done.replayed,
        )
