"""GraphQL for payments: thin. Parse, call the service, map the result.

Queries are for the caseload's officers and audit (LEDGER_READ); SAP raises payments of its own
invoices and gets back what it raised, but reads nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.approvals import fields
from ca_api.approvals.fields import DecidingProblem, can_approve_field, event_field, first_event
from ca_api.auth.permissions import (
    CASEWORK_DETAIL,
    LEDGER_READ,
    PAYMENT_APPROVE,
    PAYMENT_CANCEL,
    PAYMENT_MAKE,
    PAYMENT_RAISE,
    allow,
    withheld,
)
from ca_api.clients.schema import Client, client_of
from ca_api.common import loaders
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id_or_none
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    ChecksIncompleteProblem,
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
from ca_api.deaths.types import WindingUpBasis
from ca_api.errors import found
from ca_api.invoices import reads as invoice_reads
from ca_api.invoices.types import (
    CASEWORK,
    NOT_TO_INTEGRATIONS,
    Invoice,
    counterparty,
)
from ca_api.ledger.types import Category, Counterparty
from ca_api.payments import approving, models, raising, repository, views
from ca_api.payments.inputs import (
    PAYMENT_ID,
    ApprovePaymentInput,
    CancelPaymentInput,
    MakePaymentInput,
    PaymentEventKind,
    PaymentMethod,
    PaymentStatus,
    RaisePaymentInput,
)
from ca_api.payments.views import PaymentView

# --- types --------------------------------------------------------------------------------

APPROVED, MADE = PaymentEventKind.APPROVED, PaymentEventKind.MADE
CANCELLED = PaymentEventKind.CANCELLED


@strawberry.type(description="Something that happened to a payment. Never changed (R-AUD-2).")
class PaymentEvent:
    event: PaymentEventKind = strawberry.field(description="What happened.")
    transfer_id: strawberry.ID | None = strawberry.field(
        description="The ledger transfer it made: the hold when approved, its posting when "
        "made, its release when cancelled; null if none."
    )
    limit_version_id: int | None = strawberry.field(
        description="For an approval: the approval limits it was judged under (R-DEC-4)."
    )
    reason: str | None = strawberry.field(description="Why it was cancelled or refused.")
    recorded_by: str = strawberry.field(description="Who did it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")


@strawberry.type(description="Money out of a client's account: raised, approved, made.")
class Payment(Node):
    view: strawberry.Private[PaymentView]

    @property
    def _row(self) -> models.Payment:
        return self.view.payment

    @classmethod
    def from_view(cls, view: PaymentView) -> Payment:
        row = view.payment
        waiting_since = row.raised_at if view.status is PaymentStatus.RAISED else None
        return fields.of_view(
            cls, view, row, authors=list(view.authors), waiting_since=waiting_since
        )

    _events = fields.events_loaded("payments.payment_events", views.events_by_payment)

    id: strawberry.ID = strawberry.field(description="The payment's global id.")
    client_id: strawberry.ID = strawberry.field(
        description="The id of the client whose money it is (the client itself: client)."
    )

    async def _client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self._row.client_id)

    client: Client | None = strawberry.field(
        resolver=_client,
        extensions=CASEWORK,
        description="The client whose money it is, as client(id:) gives it: NOT_FOUND to a "
        "caller who may not read the client." + NOT_TO_INTEGRATIONS,
    )
    client_reference: str = strawberry.field(
        description="The client's case reference, e.g. CA000123."
    )

    def _invoice_id(self) -> strawberry.ID | None:
        return node_id_or_none("Invoice", self._row.invoice_id)

    invoice_id: strawberry.ID | None = strawberry.field(
        resolver=_invoice_id,
        description="The id of the invoice it pays; null for a standing payment.",
    )

    async def _invoice(self, info: Info[Context, None]) -> Invoice | None:
        if self._row.invoice_id is None:
            return None
        view = await loaders.one(
            info.context, "payments.invoices", invoice_reads.invoices_by_id
        ).load(self._row.invoice_id)
        return Invoice.from_view(view) if view is not None else None

    invoice: Invoice | None = strawberry.field(
        resolver=_invoice, description="The invoice it pays; null for a standing payment."
    )

    async def _payee(self, info: Info[Context, None]) -> Counterparty:
        return await counterparty(info.context, self._row.payee_id)

    payee: Counterparty = strawberry.field(
        resolver=_payee, description="Who is paid: the invoice's supplier, or a standing payee."
    )
    amount: Money = strawberry.field(description="How much leaves the client's account.")
    category: Category = strawberry.field(
        description="The OPG money-out category it is paid under (R-OPG-1)."
    )
    method: PaymentMethod = strawberry.field(description="How the money is paid.")
    description: str = strawberry.field(description="What it pays for.")
    standing: bool = strawberry.field(description="A standing payment, not of an invoice.")
    winding_up_basis: WindingUpBasis | None = strawberry.field(
        extensions=CASEWORK,
        description="On what basis it is paid after the client's confirmed death (seed 002 "
        "B 29); null for a payment of a living client's." + NOT_TO_INTEGRATIONS,
    )
    status: PaymentStatus = strawberry.field(description="Where it stands, from its events.")
    raised_by: str | None = strawberry.field(
        extensions=CASEWORK,
        description="Who raised it: they may not approve it (R-ROLE-2)." + NOT_TO_INTEGRATIONS,
    )

    authors: list[str] | None = strawberry.field(
        extensions=CASEWORK,
        description="Everyone who wrote what it pays, sorted: whoever raised it and, for an "
        "invoice, whoever recorded the invoice. None of them may approve it (R-ROLE-2)."
        + NOT_TO_INTEGRATIONS,
    )

    raised_at: datetime = strawberry.field(description="When it was raised.")
    waiting_since: datetime | None = strawberry.field(
        description="Since when it has awaited approval; null once decided."
    )

    async def _funds_short(self, info: Info[Context, None]) -> bool:
        if self.view.status is not PaymentStatus.RAISED:
            return False
        return await first_event(self, info, PaymentEventKind.REFUSED_FUNDS_SHORT) is not None

    funds_short: bool = strawberry.field(
        resolver=_funds_short,
        description="An approval was refused because the client's funds were "
        "short, and it still awaits approval (R-PAY-3).",
    )
    approved_by: str | None = withheld(
        fields.approved_by(APPROVED, "Who approved it; null until then." + NOT_TO_INTEGRATIONS),
        CASEWORK_DETAIL,
    )
    approved_at: datetime | None = fields.approved_at(APPROVED)
    approval_limit_version_id: int | None = withheld(
        fields.approval_limit_version_id(
            APPROVED,
            description="The approval limits the approval was judged under (R-DEC-4)."
            + NOT_TO_INTEGRATIONS,
        ),
        CASEWORK_DETAIL,
    )
    hold_transfer_id: strawberry.ID | None = withheld(
        event_field(
            lambda e: node_id_or_none("Transfer", e.transfer_id),
            APPROVED,
            description="The hold placed on the client's account when approved."
            + NOT_TO_INTEGRATIONS,
        ),
        CASEWORK_DETAIL,
    )
    made_by: str | None = withheld(
        fields.recorded_by(MADE, "Who made it; null until then." + NOT_TO_INTEGRATIONS),
        CASEWORK_DETAIL,
    )
    made_at: datetime | None = fields.recorded_at(MADE, "When it was made.")
    cancelled_by: str | None = withheld(
        fields.recorded_by(CANCELLED, "Who cancelled it; null if nobody." + NOT_TO_INTEGRATIONS),
        CASEWORK_DETAIL,
    )
    cancel_reason: str | None = withheld(
        fields.reason(CANCELLED, "Why it was cancelled." + NOT_TO_INTEGRATIONS),
        CASEWORK_DETAIL,
    )

    events = withheld(
        fields.events_field(
            list[PaymentEvent] | None,
            lambda e: from_source(
                PaymentEvent, e, transfer_id=node_id_or_none("Transfer", e.transfer_id)
            ),
            "Everything that happened to it, oldest first." + NOT_TO_INTEGRATIONS,
        ),
        CASEWORK_DETAIL,
    )

    can_approve = can_approve_field(
        views.can_approve,
        "Whether you could approve it now: it awaits approval, you are not one of its authors "
        "(you neither raised it nor recorded its invoice, R-ROLE-2), and your role covers the "
        "amount under today's limits (R-DEC-2); and the invoice it pays is not on hold "
        "(R-REF-7).",
    )


# --- payloads and results -----------------------------------------------------------------


@strawberry.type(description="A payment after a step of its life, or as first raised.")
class PaymentPayload:
    payment: Payment = strawberry.field(description="The payment as it now stands.")
    replayed: bool = replayed_field()

    @classmethod
    def of(cls, done: views.PaymentOutcome) -> PaymentPayload:
        return cls(payment=Payment.from_view(done.payment), replayed=done.replayed)


RaisePaymentResult = Annotated[
    PaymentPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | ChecksIncompleteProblem
    | IdempotencyKeyReusedProblem
    | PolicyMissingProblem,
    strawberry.union(
        "RaisePaymentResult",
        description="The payment raised, or why not (e.g. an invoice's checks incomplete, "
        "R-PAY-2).",
    ),
]
ApprovePaymentResult = Annotated[
    PaymentPayload
    | DecidingProblem
    | InsufficientFundsProblem
    | ChecksIncompleteProblem
    | InvalidStateProblem
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem
    | PolicyMissingProblem,
    strawberry.union(
        "ApprovePaymentResult",
        description="The payment approved, or why not: four eyes (R-ROLE-2), over the "
        "approver's limit (R-DEC-2), funds short (R-PAY-3).",
    ),
]
PaymentChangeResult = Annotated[
    PaymentPayload
    | InvalidStateProblem
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "PaymentChangeResult",
        description="The payment made or cancelled, or why not.",
    ),
]


async def _payments(
    info: Info[Context, None],
    page: Page,
    flt: Callable[[], repository.PaymentFilter],
) -> Connection[Payment]:
    """A page of payments (``Paged(25)``), ordered by when they were raised; ``flt`` is read
    once the page asked for is checked."""
    ctx = info.context
    return await page.connection(
        cursor=PageRequest.time_id,
        fetch=lambda seek: views.list_payments(ctx.session, ctx.principal, flt(), seek=seek),
        key=lambda v: [v.payment.raised_at.isoformat(), str(v.payment.id)],
        node=Payment.from_view,
    )


@strawberry.type
class PaymentQuery:
    @strawberry.field(extensions=allow(LEDGER_READ), description="One payment, by id.")
    async def payment(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description=PAYMENT_ID)],
    ) -> Payment:
        ctx = info.context
        view = await views.get_payment(ctx.session, ctx.principal, decode_uuid("Payment", id))
        return Payment.from_view(found(view, "payment", id))

    @strawberry.field(
        extensions=[Paged(25), *allow(LEDGER_READ)],
        description="Payments, newest first, a page at a time.",
    )
    async def payments(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this client's payments.")
        ] = None,
        status: Annotated[
            PaymentStatus | None, strawberry.argument(description="Only payments where they stand.")
        ] = None,
    ) -> Connection[Payment]:
        return await _payments(
            info,
            page,
            lambda: repository.PaymentFilter(
                client_id=decode_uuid("Client", client_id) if client_id else None, status=status
            ),
        )

    @strawberry.field(
        extensions=[Paged(25), *allow(LEDGER_READ)],
        description="Payments raised and not yet approved, oldest first; canApprove says which "
        "the caller may approve.",
    )
    async def payments_awaiting_approval(
        self, info: Info[Context, None], page: Page
    ) -> Connection[Payment]:
        awaiting = repository.PaymentFilter(status=PaymentStatus.RAISED, oldest_first=True)
        return await _payments(info, page, lambda: awaiting)


async def _change(
    info: Info[Context, None],
    change: Callable[..., Awaitable[views.PaymentOutcome]],
    id: strawberry.ID,
    idempotency_key: str,
    *args: Any,
) -> PaymentPayload:
    """A step of the payment ``id``'s life (approve, make, cancel) by the caller."""
    pid = decode_uuid("Payment", id)
    return PaymentPayload.of(
        await as_caller(info, change, pid, *args, idempotency_key=idempotency_key)
    )


@strawberry.type
class PaymentMutation:
    @strawberry.mutation(
        extensions=allow(PAYMENT_RAISE),
        description="Raise a payment of a checked invoice (R-PAY-2, R-PAY-5) or a standing "
        "payment, to await approval. Council invoices set up for direct debit are paid by "
        "DIRECT_DEBIT (R-PAY-4); otherwise method defaults to BANK_TRANSFER.",
    )
    async def raise_payment(
        self,
        info: Info[Context, None],
        input: Annotated[
            RaisePaymentInput,
            strawberry.argument(
                description="An invoice or a standing payment, how to pay, and the request's "
                "idempotency key."
            ),
        ],
    ) -> RaisePaymentResult:
        request = input.to_request()
        return PaymentPayload.of(
            await as_caller(
                info, raising.raise_payment, request, idempotency_key=input.idempotency_key
            )
        )

    @strawberry.mutation(
        extensions=allow(PAYMENT_APPROVE),
        description="Approve a payment: never one you raised or whose invoice you recorded (its "
        "authors, R-ROLE-2), within your approval limit (R-DEC); holds the money (R-PAY-3). "
        "Funds short: refused and the invoice is marked FUNDS_SHORT.",
    )
    async def approve_payment(
        self,
        info: Info[Context, None],
        input: Annotated[
            ApprovePaymentInput,
            strawberry.argument(description="What to approve, and the request's idempotency key."),
        ],
    ) -> ApprovePaymentResult:
        return await _change(info, approving.approve_payment, input.id, input.idempotency_key)

    @strawberry.mutation(
        extensions=allow(PAYMENT_MAKE),
        description="Make an approved payment: the hold is posted and the money leaves.",
    )
    async def make_payment(
        self,
        info: Info[Context, None],
        input: Annotated[
            MakePaymentInput,
            strawberry.argument(description="What to make, and the request's idempotency key."),
        ],
    ) -> PaymentChangeResult:
        return await _change(info, approving.make_payment, input.id, input.idempotency_key)

    @strawberry.mutation(
        extensions=allow(PAYMENT_CANCEL),
        description="Cancel a payment not yet made; an approved one's hold is released.",
    )
    async def cancel_payment(
        self,
        info: Info[Context, None],
        input: Annotated[
            CancelPaymentInput,
            strawberry.argument(
                description="What to cancel, why, and the request's idempotency key."
            ),
        ],
    ) -> PaymentChangeResult:
        return await _change(
            info, approving.cancel_payment, input.id, input.idempotency_key, input.reason
        )


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = (
    NodeType("Payment", LEDGER_READ, in_scope(views.payments_by_id, Payment.from_view)),
)
