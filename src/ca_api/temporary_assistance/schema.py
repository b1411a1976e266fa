"""GraphQL for temporary financial assistance (seed 002 B 4.6-4.7): thin. Parse, call the
service, map the result. Officers and audit read (scoped by client, ``clients.repository.
readable``); casework requests; SCAO and above approve or reject within the limits, record it
paid and take the repayments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.approvals import fields
from ca_api.approvals.fields import DecidingProblem, can_approve_field, event_field
from ca_api.auth.permissions import (
    ASSISTANCE_APPROVE,
    ASSISTANCE_IMPLEMENT,
    ASSISTANCE_READ,
    ASSISTANCE_REQUEST,
    allow,
)
from ca_api.clients.schema import Client, client_of
from ca_api.common import loaders
from ca_api.common.arguments import ONLY_CLIENT, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InsufficientFundsProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.errors import found
from ca_api.invoices.types import counterparty
from ca_api.ledger.types import Category, Counterparty, Transfer, load_transfer
from ca_api.temporary_assistance import models, repayments, service
from ca_api.temporary_assistance.inputs import (
    ASSISTANCE_ID,
    ApproveTemporaryAssistanceInput,
    AssistanceEventKind,
    AssistanceStatus,
    RecordTemporaryAssistancePaidInput,
    RecordTemporaryAssistanceRepaymentInput,
    RejectTemporaryAssistanceInput,
    RequestTemporaryAssistanceInput,
)
from ca_api.temporary_assistance.service import AssistanceView

TYPE = service.TYPE_NAME


# --- types --------------------------------------------------------------------------------


@strawberry.type(
    description="Something that happened to temporary financial assistance. Never changed "
    "(R-AUD-2)."
)
class TemporaryAssistanceEvent:
    event: AssistanceEventKind = strawberry.field(description="What happened.")
    limit_version_id: int | None = strawberry.field(
        description="For an approval or a rejection: the approval limits it was judged under "
        "(R-DEC-4)."
    )
    paid_on: date | None = strawberry.field(description="When PAID: the day the council paid.")
    payment_reference: str | None = strawberry.field(
        description="When PAID: the council's payment reference."
    )
    reason: str | None = strawberry.field(description="When REJECTED: why.")
    recorded_by: str = strawberry.field(description="Who did it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")


@strawberry.type(
    description="A repayment from the client's funds to the council: one ledger transfer."
)
class TemporaryAssistanceRepayment:
    row: strawberry.Private[models.TemporaryAssistanceRepayment]

    amount: Money = strawberry.field(description="How much was repaid.")
    transfer_id: strawberry.ID = strawberry.field(
        description="The id of the ledger transfer from the client's CMS account to the council."
    )

    @strawberry.field(
        description="The ledger transfer from the client's CMS account to the council, as "
        "accountStatement reads it (null to a caller who may not read the client's account)."
    )
    async def transfer(self, info: Info[Context, None]) -> Transfer | None:
        return await load_transfer(info.context, self.row.transfer_id)

    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")


APPROVED, REJECTED = AssistanceEventKind.APPROVED, AssistanceEventKind.REJECTED
PAID, REPAID = AssistanceEventKind.PAID, AssistanceEventKind.REPAID


@strawberry.type(
    description="Temporary financial assistance (seed 002 B 4.6-4.7): the council's money for "
    "a client whose own funds are not yet available, approved within the limits of Appendix 2 "
    "(subject TEMPORARY_ASSISTANCE), paid by the council, and repaid from the client's funds. "
    "The council's payment is not a ledger transfer (it never was the client's money, R-ACC-2); "
    "each repayment is one, from the client's CMS account to the council."
)
class TemporaryAssistance(Node):
    view: strawberry.Private[AssistanceView]

    @property
    def _row(self) -> models.TemporaryAssistance:
        return self.view.assistance

    @classmethod
    def from_view(cls, view: AssistanceView) -> TemporaryAssistance:
        extra = {"repaid": view.repaid, "outstanding": view.outstanding}
        return fields.of_view(cls, view, view.assistance, **extra)

    _events = fields.events_loaded("temporary_assistance.events", service.events_by_assistance)

    id: strawberry.ID = strawberry.field(description="Its global id.")
    client_id: strawberry.ID = strawberry.field(description="The id of the client it is for.")

    async def _client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self._row.client_id)

    client: Client = strawberry.field(
        resolver=_client, description="The client it is for, as client(id:) gives it."
    )
    client_reference: str = strawberry.field(
        description="The client's case reference, e.g. CA000123."
    )
    amount: Money = strawberry.field(description="How much the council pays for the client.")
    purpose: str = strawberry.field(description="What it pays for.")

    async def _payee(self, info: Info[Context, None]) -> Counterparty:
        return await counterparty(info.context, self._row.payee_id)

    payee: Counterparty = strawberry.field(resolver=_payee, description="Who the council pays.")
    category: Category = strawberry.field(
        description="The OPG money-out category of what it pays for: repayments leave the "
        "client's account under it (R-OPG-1)."
    )
    why_funds_unavailable: str = strawberry.field(
        description="Why the client's own funds were not yet available."
    )
    status: AssistanceStatus = strawberry.field(description="Where it stands, from its events.")
    repaid: Money = strawberry.field(description="What the client has repaid so far.")
    outstanding: Money = strawberry.field(
        description="What the client owes, or will owe once paid: amount less repaid; 0.00 "
        "once REPAID or when REJECTED."
    )
    raised_by: str = strawberry.field(
        description="Who requested it: they may not approve or reject it (R-ROLE-2)."
    )
    raised_at: datetime = strawberry.field(description="When it was requested.")
    approved_by: str | None = fields.approved_by(APPROVED)
    approved_at: datetime | None = fields.approved_at(APPROVED)
    approval_limit_version_id: int | None = fields.approval_limit_version_id(APPROVED)
    rejected_by: str | None = fields.recorded_by(REJECTED, "Who rejected it; null if nobody.")
    reject_reason: str | None = fields.reason(REJECTED, "Why it was rejected.")
    paid_on: date | None = event_field(
        lambda e: e.paid_on, PAID, description="The day the council paid it."
    )
    payment_reference: str | None = event_field(
        lambda e: e.payment_reference, PAID, description="The council's payment reference."
    )
    paid_recorded_by: str | None = fields.recorded_by(PAID, "Who recorded it paid.")
    repaid_at: datetime | None = fields.recorded_at(REPAID, "When it was repaid in full.")

    @strawberry.field(description="Its repayments, oldest first.")
    async def repayments(self, info: Info[Context, None]) -> list[TemporaryAssistanceRepayment]:
        loader = loaders.many(
            info.context, "temporary_assistance.repayments", service.repayments_by_assistance
        )
        return [
            from_source(
                TemporaryAssistanceRepayment,
                r,
                row=r,
                transfer_id=strawberry.ID(encode_id("Transfer", r.transfer_id)),
            )
            for r in await loader.load(self._row.id)
        ]

    events = fields.events_field(
        list[TemporaryAssistanceEvent], lambda e: from_source(TemporaryAssistanceEvent, e)
    )

    can_approve = can_approve_field(
        service.can_approve,
        "Whether you could approve it now: it awaits approval, you did not request it "
        "(R-ROLE-2), and your role covers the amount under today's limits (R-DEC-2).",
    )


# --- payloads and results -----------------------------------------------------------------


@strawberry.type(description="Temporary financial assistance after a step of its life.")
class TemporaryAssistancePayload:
    temporary_assistance: TemporaryAssistance = strawberry.field(
        description="The assistance as it now stands."
    )
    replayed: bool = replayed_field()

    @classmethod
    def of(cls, done: service.AssistanceOutcome) -> TemporaryAssistancePayload:
        return cls(
            temporary_assistance=TemporaryAssistance.from_view(done.view), replayed=done.replayed
        )


RequestTemporaryAssistanceResult = Annotated[
    TemporaryAssistancePayload
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem
    | InvalidStateProblem,
    strawberry.union(
        "RequestTemporaryAssistanceResult",
        description="The assistance requested, or why not.",
    ),
]
DecideTemporaryAssistanceResult = Annotated[
    TemporaryAssistancePayload
    | DecidingProblem
    | InvalidStateProblem
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem
    | PolicyMissingProblem,
    strawberry.union(
        "DecideTemporaryAssistanceResult",
        description="The assistance approved or rejected, or why not: four eyes (R-ROLE-2), "
        "over the approver's limit (R-DEC-2).",
    ),
]
RecordTemporaryAssistancePaidResult = Annotated[
    TemporaryAssistancePayload
    | InvalidStateProblem
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordTemporaryAssistancePaidResult",
        description="The assistance recorded as paid, or why not.",
    ),
]
RecordTemporaryAssistanceRepaymentResult = Annotated[
    TemporaryAssistancePayload
    | InsufficientFundsProblem
    | InvalidStateProblem
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordTemporaryAssistanceRepaymentResult",
        description="The repayment taken, or why not: more than is outstanding, more than the "
        "client's account has available (R-PAY-3), not PAID.",
    ),
]


@strawberry.type
class TemporaryAssistanceQuery:
    @strawberry.field(
        extensions=allow(ASSISTANCE_READ), description="Temporary financial assistance, by id."
    )
    async def temporary_assistance(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description=ASSISTANCE_ID)],
    ) -> TemporaryAssistance:
        ctx = info.context
        view = await service.get_assistance(ctx.session, ctx.principal, decode_uuid(TYPE, id))
        return TemporaryAssistance.from_view(found(view, "temporary assistance", id))

    @strawberry.field(
        extensions=[Paged(25), *allow(ASSISTANCE_READ)],
        description="Temporary financial assistance not yet repaid in full (REQUESTED, "
        "APPROVED or PAID; not REJECTED), oldest first, a page at a time: what the council is "
        "owed, or may be.",
    )
    async def outstanding_temporary_assistance(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: ONLY_CLIENT = None,
    ) -> Connection[TemporaryAssistance]:
        ctx = info.context

        def fetch(seek: Any) -> Awaitable[list[AssistanceView]]:
            cid = decode_uuid("Client", client_id) if client_id else None
            return service.list_outstanding(ctx.session, ctx.principal, client_id=cid, seek=seek)

        return await page.connection(
            cursor=PageRequest.time_id,
            fetch=fetch,
            key=lambda v: [v.assistance.raised_at.isoformat(), str(v.assistance.id)],
            node=TemporaryAssistance.from_view,
        )


async def _change(
    info: Info[Context, None],
    change: Callable[..., Awaitable[service.AssistanceOutcome]],
    id: strawberry.ID,
    idempotency_key: str,
    *args: Any,
) -> TemporaryAssistancePayload:
    ident = decode_uuid(TYPE, id)
    return TemporaryAssistancePayload.of(
        await as_caller(info, change, ident, *args, idempotency_key=idempotency_key)
    )


@strawberry.type
class TemporaryAssistanceMutation:
    @strawberry.mutation(
        extensions=allow(ASSISTANCE_REQUEST),
        description="Request temporary financial assistance for a client whose own funds are "
        "not yet available (seed 002 B 4.6): it waits in the approval queue.",
    )
    async def request_temporary_assistance(
        self,
        info: Info[Context, None],
        input: Annotated[
            RequestTemporaryAssistanceInput,
            strawberry.argument(description="The request form, and the idempotency key."),
        ],
    ) -> RequestTemporaryAssistanceResult:
        return TemporaryAssistancePayload.of(
            await as_caller(
                info,
                service.request_assistance,
                input.to_request(),
                idempotency_key=input.idempotency_key,
            )
        )

    @strawberry.mutation(
        extensions=allow(ASSISTANCE_APPROVE),
        description="Approve requested assistance: never what you requested (R-ROLE-2), within "
        "your approval limit for TEMPORARY_ASSISTANCE (R-DEC-2; the band of financial plans: "
        "SCAO up to 5,000.00, TGM above), the limits recorded (R-DEC-4).",
    )
    async def approve_temporary_assistance(
        self,
        info: Info[Context, None],
        input: Annotated[
            ApproveTemporaryAssistanceInput,
            strawberry.argument(description="What to approve, and the idempotency key."),
        ],
    ) -> DecideTemporaryAssistanceResult:
        return await _change(info, service.approve_assistance, input.id, input.idempotency_key)

    @strawberry.mutation(
        extensions=allow(ASSISTANCE_APPROVE),
        description="Reject requested assistance, with the reason: whoever may approve it "
        "(R-ROLE-2, R-DEC-2).",
    )
    async def reject_temporary_assistance(
        self,
        info: Info[Context, None],
        input: Annotated[
            RejectTemporaryAssistanceInput,
            strawberry.argument(description="What to reject, why, and the idempotency key."),
        ],
    ) -> DecideTemporaryAssistanceResult:
        return await _change(
            info, service.reject_assistance, input.id, input.idempotency_key, input.reason
        )

    @strawberry.mutation(
        extensions=allow(ASSISTANCE_IMPLEMENT),
        description="Record approved assistance as paid by the council (seed 002 B 4.7: the "
        "SCAO implements it). No ledger transfer: the council's money, not the client's.",
    )
    async def record_temporary_assistance_paid(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordTemporaryAssistancePaidInput,
            strawberry.argument(description="What was paid, when, its reference, and the key."),
        ],
    ) -> RecordTemporaryAssistancePaidResult:
        return await _change(
            info,
            service.record_paid,
            input.id,
            input.idempotency_key,
            input.paid_on,
            input.payment_reference,
        )

    @strawberry.mutation(
        extensions=allow(ASSISTANCE_IMPLEMENT),
        description="Take a repayment of paid assistance from the client's funds: a ledger "
        "transfer from the client's CMS account to the council, at most what is outstanding "
        "and what the account has available (R-PAY-3); the last one makes it REPAID.",
    )
    async def record_temporary_assistance_repayment(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordTemporaryAssistanceRepaymentInput,
            strawberry.argument(description="What is repaid, how much, and the idempotency key."),
        ],
    ) -> RecordTemporaryAssistanceRepaymentResult:
        return await _change(
            info, repayments.record_repayment, input.id, input.idempotency_key, input.amount
        )


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = (
    NodeType(
        TYPE, ASSISTANCE_READ, in_scope(service.assistance_by_id, TemporaryAssistance.from_view)
    ),
)
