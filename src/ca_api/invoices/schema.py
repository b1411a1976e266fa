"""GraphQL for invoices: thin. Parse, call the service, map the result. Enums and inputs are in
``invoices/inputs.py``.

Queries are for the caseload's officers and audit (LEDGER_READ); integrations record invoices
and get back what they recorded, but read nothing else.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import (
    CASEWORK_DETAIL,
    INVOICE_CHECK,
    INVOICE_HOLD_WRITE,
    INVOICE_WRITE,
    LEDGER_READ,
    allow,
    allow_or_withhold,
)
from ca_api.clients.schema import Client, client_of
from ca_api.common import loaders
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    DuplicateInvoiceProblem,
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.errors import found
from ca_api.invoices import checks as invoice_checks
from ca_api.invoices import events as invoice_events
from ca_api.invoices import holds as invoice_holds
from ca_api.invoices import models, reads, recording, rules
from ca_api.invoices.inputs import (
    HoldCause,
    HoldInvoiceInput,
    InvoiceCheckName,
    InvoiceEventKind,
    InvoiceFilter,
    InvoiceKind,
    InvoiceSource,
    InvoiceStatus,
    RecordInvoiceCheckInput,
    RecordInvoiceChecksInput,
    RecordInvoiceEventInput,
    RecordInvoiceInput,
    ReleaseInvoiceHoldInput,
)
from ca_api.invoices.reads import InvoiceView
from ca_api.ledger.schema import Category, Counterparty
from ca_api.payments import views as payment_views

if TYPE_CHECKING:
    from ca_api.integrations.reference_types import ExternalReference

LazyExternalReference = Annotated[
    "ExternalReference", strawberry.lazy("ca_api.integrations.reference_types")
]


if TYPE_CHECKING:
    from ca_api.payments.schema import Payment

# A payment's invoice is an Invoice and an invoice's payments are Payments: the two types refer
# to each other, so this side names Payment lazily (and imports it where it is built).
LazyPayment = Annotated["Payment", strawberry.lazy("ca_api.payments.schema")]

# --- per-request loaders (N+1 is a bug) ---------------------------------------------------


async def counterparty(ctx: Context, counterparty_id: uuid.UUID) -> Counterparty:
    """A supplier or payee, through the request's one loader of counterparties."""
    row = await loaders.one(ctx, "invoices.counterparties", reads.counterparties_by_id).load(
        counterparty_id
    )
    return Counterparty.from_row(found(row, "counterparty", counterparty_id))


# Officers' casework on an invoice: null, with no error, to an integration (issue 17 item 2).
CASEWORK = allow_or_withhold(CASEWORK_DETAIL)
NOT_TO_INTEGRATIONS = " Null to an integration (Controcc, SAP): officers' casework (R-ROLE)."

# --- types --------------------------------------------------------------------------------


@strawberry.type(description="A line of a care provider's reimbursement (R-PAY-5).")
class InvoiceItem:
    line: int = strawberry.field(description="The line's number on the invoice, from 1.")
    description: str = strawberry.field(description="What the provider bought for the client.")
    amount: Money = strawberry.field(description="What it cost.")
    evidence_seen: bool = strawberry.field(description="The receipt for it was seen.")


@strawberry.type(description="A check of R-PAY-2, with who recorded it and when.")
class InvoiceCheck:
    check: InvoiceCheckName = strawberry.field(description="Which check of R-PAY-2.")
    passed: bool = strawberry.field(description="Whether the invoice passed it.")
    note: str | None = strawberry.field(description="Why it failed, or any remark.")
    checked_by: str = strawberry.field(description="The officer who recorded the check.")
    checked_at: datetime = strawberry.field(description="When the check was recorded.")


@strawberry.type(
    description="Something recorded against an invoice: funds short, the sender contacted, a "
    "query, a cancellation. Never changed (R-AUD-2)."
)
class InvoiceEvent:
    event: InvoiceEventKind = strawberry.field(description="What happened.")
    note: str | None = strawberry.field(description="The officer's note, or the service's.")
    recorded_by: str = strawberry.field(description="Who recorded it (the service: a system).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")


@strawberry.type(
    description="A hold on an invoice (R-REF-7, seed 002 B 4.5): while it is not released the "
    "invoice is not overdue and is not paid. Never changed: its release is recorded beside it."
)
class InvoiceHold:
    cause: HoldCause = strawberry.field(description="Why it was put: on appointment, or by hand.")
    reason: str | None = strawberry.field(
        extensions=CASEWORK, description="The reason given." + NOT_TO_INTEGRATIONS
    )
    since: datetime = strawberry.field(description="When it was put.")
    held_by: str | None = strawberry.field(
        extensions=CASEWORK,
        description="Who put it (the officer whose act caused it)." + NOT_TO_INTEGRATIONS,
    )
    released_at: datetime | None = strawberry.field(
        description="When it was released; null while it holds."
    )
    released_by: str | None = strawberry.field(
        extensions=CASEWORK,
        description="The officer who released it; null while it holds." + NOT_TO_INTEGRATIONS,
    )
    release_reason: str | None = strawberry.field(
        extensions=CASEWORK,
        description="Why it was released; null while it holds." + NOT_TO_INTEGRATIONS,
    )

    @classmethod
    def of(cls, hold: reads.Hold) -> InvoiceHold:
        h, r = hold
        return cls(
            cause=HoldCause(h.cause),
            reason=h.reason,
            since=h.recorded_at,
            held_by=h.recorded_by,
            released_at=r.recorded_at if r is not None else None,
            released_by=r.recorded_by if r is not None else None,
            release_reason=r.reason if r is not None else None,
        )


def _check(row: models.InvoiceCheck) -> InvoiceCheck:
    return from_source(InvoiceCheck, row, check=InvoiceCheckName(row.check_name))


@strawberry.type(description="An invoice to be paid from a client's money (R-PAY).")
class Invoice(Node):
    view: strawberry.Private[InvoiceView]

    @property
    def _row(self) -> models.Invoice:
        return self.view.invoice

    @classmethod
    def from_view(cls, view: InvoiceView) -> Invoice:
        given = {"client_reference": view.client_reference, "status": view.status}
        return from_source(cls, view.invoice, view=view, **given)

    id: strawberry.ID = strawberry.field(description="The invoice's global id.")

    @strawberry.field(
        description="Other systems' references naming it, in force (Controcc's and SAP's): an "
        "integration sees only its own system's (issue 17)."
    )
    async def external_references(self, info: Info[Context, None]) -> list[LazyExternalReference]:
        from ca_api.integrations.reference_types import external_references_of

        return await external_references_of(info, self._row.id)

    client_id: strawberry.ID = strawberry.field(
        description="The id of the client it is paid for (the client itself: client)."
    )

    async def _client(self, info: Info[Context, None]) -> Client | None:
        return await client_of(info.context, self._row.client_id)

    client: Client | None = strawberry.field(
        resolver=_client,
        extensions=CASEWORK,
        description="The client it is paid for, as client(id:) gives it: NOT_FOUND to a caller "
        "who may not read the client." + NOT_TO_INTEGRATIONS,
    )
    client_reference: str = strawberry.field(
        description="The client's case reference, e.g. CA000123."
    )

    async def _supplier(self, info: Info[Context, None]) -> Counterparty:
        return await counterparty(info.context, self._row.supplier_id)

    supplier: Counterparty = strawberry.field(
        resolver=_supplier, description="Who sent it: a supplier, care provider or the council."
    )
    supplier_invoice_number: str = strawberry.field(description="The supplier's own number for it.")
    invoice_date: date = strawberry.field(description="The date on the invoice (R-PAY-2).")
    amount: Money = strawberry.field(description="The total to pay.")
    kind: InvoiceKind = strawberry.field(
        description="A supplier's bill, a provider's reimbursement or the council's care charge."
    )
    category: Category = strawberry.field(
        description="The OPG money-out category it is paid under (R-OPG-1)."
    )
    description: str = strawberry.field(description="What it is for.")
    period_start: date | None = strawberry.field(
        description="The first day of the period it bills; null if it bills none."
    )
    period_end: date | None = strawberry.field(
        description="The last day of the period it bills; null if it bills none."
    )
    received_on: date = strawberry.field(
        description="Date-stamped by the server on receipt (R-PAY-1)."
    )

    due_on: date = strawberry.field(
        description="21 working days after receipt (R-PAY-1); 21 days for the council's care "
        "charges (R-PAY-4). The figures are policy data."
    )

    def _days_overdue(self) -> int:
        view = self.view
        return rules.days_overdue(
            self._row.due_on, clock.today(), view.status, on_hold=view.on_hold
        )

    days_overdue: int = strawberry.field(
        resolver=_days_overdue,
        description="Calendar days past the due date while unpaid and not on hold; else 0.",
    )

    @strawberry.field(
        description="On hold (R-REF-7): not overdue and not paid until an officer releases it."
    )
    def on_hold(self) -> bool:
        return self.view.on_hold

    async def _holds(self, info: Info[Context, None]) -> list[reads.Hold]:
        return await loaders.many(info.context, "invoices.holds", reads.holds_by_invoice).load(
            self._row.id
        )

    @strawberry.field(
        description="The latest hold put on it, released or not; null if it was never held."
    )
    async def hold(self, info: Info[Context, None]) -> InvoiceHold | None:
        holds = await self._holds(info)
        return InvoiceHold.of(holds[-1]) if holds else None

    @strawberry.field(description="Every hold put on it, oldest first, with its release.")
    async def holds(self, info: Info[Context, None]) -> list[InvoiceHold]:
        return [InvoiceHold.of(h) for h in await self._holds(info)]

    official_invoice: bool = strawberry.field(
        description="An official invoice (needed to reimburse, R-PAY-5)."
    )
    direct_debit: bool = strawberry.field(description="Paid by direct debit (R-PAY-4).")
    source: InvoiceSource = strawberry.field(
        description="Where it came from: OFFICER, CONTROCC or SAP."
    )
    recorded_by: str = strawberry.field(
        description="Who recorded it: an author of its payment, who may not approve that "
        "payment (R-ROLE-2)."
    )
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    status: InvoiceStatus = strawberry.field(
        description="Where it stands, from its checks, events and payments."
    )

    @strawberry.field(
        description="Dated after the client's confirmed death: queried by the service (an "
        "event QUERIED), never paid as a debt before death (R-DEATH-2, seed 002 B 29.2); a "
        "funeral's bill is paid on the FUNERAL basis. False while the client lives."
    )
    async def dated_after_death(self, info: Info[Context, None]) -> bool:
        died_on = await loaders.one(info.context, "invoices.deaths", reads.deaths_by_client).load(
            self._row.client_id
        )
        return died_on is not None and self._row.invoice_date > died_on

    @strawberry.field(description="What a care provider spent, line by line (R-PAY-5).")
    async def items(self, info: Info[Context, None]) -> list[InvoiceItem]:
        rows = await loaders.many(info.context, "invoices.items", reads.items_by_invoice).load(
            self._row.id
        )
        return [from_source(InvoiceItem, r) for r in rows]

    async def _checks(self, info: Info[Context, None]) -> list[models.InvoiceCheck]:
        return await loaders.many(info.context, "invoices.checks", reads.checks_by_invoice).load(
            self._row.id
        )

    @strawberry.field(
        extensions=CASEWORK,
        description="The latest record of each check made, in R-PAY-2's order."
        + NOT_TO_INTEGRATIONS,
    )
    async def checks(self, info: Info[Context, None]) -> list[InvoiceCheck] | None:
        latest = {r.check_name: r for r in await self._checks(info)}  # later rows win
        return [_check(latest[n.value]) for n in rules.ALL_CHECKS if n.value in latest]

    @strawberry.field(
        extensions=CASEWORK,
        description="Every check recorded, oldest first (append-only)." + NOT_TO_INTEGRATIONS,
    )
    async def check_history(self, info: Info[Context, None]) -> list[InvoiceCheck] | None:
        return [_check(r) for r in await self._checks(info)]

    @strawberry.field(
        extensions=CASEWORK,
        description="Checks not yet recorded, or whose latest record failed." + NOT_TO_INTEGRATIONS,
    )
    async def missing_checks(self, info: Info[Context, None]) -> list[InvoiceCheckName] | None:
        latest = {InvoiceCheckName(r.check_name): r.passed for r in await self._checks(info)}
        return rules.missing_checks(latest)

    @strawberry.field(
        extensions=CASEWORK,
        description="Funds short, sender contacted, queries, cancellation: officers' notes."
        + NOT_TO_INTEGRATIONS,
    )
    async def events(self, info: Info[Context, None]) -> list[InvoiceEvent] | None:
        rows = await loaders.many(info.context, "invoices.events", reads.events_by_invoice).load(
            self._row.id
        )
        return [from_source(InvoiceEvent, r) for r in rows]

    @strawberry.field(description="Payments raised against it, oldest first.")
    async def payments(self, info: Info[Context, None]) -> list[LazyPayment]:
        from ca_api.payments.schema import Payment

        loader = loaders.many(
            info.context, "invoices.payments_by_invoice", payment_views.payments_by_invoice
        )
        views = await loader.load(self._row.id)
        return [Payment.from_view(v) for v in views]


# --- payloads and results -----------------------------------------------------------------


@strawberry.type(description="An invoice after it was put on hold or its hold released.")
class InvoiceHoldPayload:
    invoice: Invoice = strawberry.field(description="The invoice as it now stands.")
    replayed: bool = replayed_field(
        "A repeat of an earlier request with this key: nothing was done again."
    )

    @classmethod
    def of(cls, done: recording.RecordedInvoice) -> InvoiceHoldPayload:
        return cls(invoice=Invoice.from_view(done.invoice), replayed=done.replayed)


InvoiceHoldResult = Annotated[
    InvoiceHoldPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "InvoiceHoldResult", description="The invoice after the change, or why it was refused."
    ),
]


# What an idempotency key is, for every mutation of invoices and payments that takes one.


@strawberry.type(description="An invoice recorded (or found recorded under the same key).")
class RecordInvoicePayload:
    invoice: Invoice = strawberry.field(description="The invoice as recorded.")
    warnings: list[str] = strawberry.field(
        description="E.g. another invoice from the supplier for the same amount and date."
    )
    replayed: bool = replayed_field()


@strawberry.type(description="An invoice after a check or an event was recorded against it.")
class InvoicePayload:
    invoice: Invoice = strawberry.field(description="The invoice as it now stands.")

    @classmethod
    def of(cls, view: InvoiceView) -> InvoicePayload:
        return cls(invoice=Invoice.from_view(view))


RecordInvoiceResult = Annotated[
    RecordInvoicePayload
    | ValidationProblem
    | NotFoundProblem
    | DuplicateInvoiceProblem
    | IdempotencyKeyReusedProblem
    | PolicyMissingProblem,
    strawberry.union(
        "RecordInvoiceResult",
        description="The invoice recorded, or why it was not (a duplicate, R-PAY-2; no policy "
        "figure for its due date, R-PAY-1).",
    ),
]
UpdateInvoiceResult = Annotated[
    InvoicePayload | ValidationProblem | NotFoundProblem | InvalidStateProblem,
    strawberry.union(
        "UpdateInvoiceResult",
        description="The invoice after the change, or why the change was refused.",
    ),
]


# The arguments of a page of a list (common.pagination), described once for the module.


@strawberry.type
class InvoiceQuery:
    @strawberry.field(extensions=allow(LEDGER_READ), description="One invoice, by id.")
    async def invoice(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The invoice's id.")],
    ) -> Invoice:
        ctx = info.context
        view = await reads.get_invoice(ctx.session, ctx.principal, decode_uuid("Invoice", id))
        return Invoice.from_view(found(view, "invoice", id))

    @strawberry.field(
        extensions=[Paged(25), *allow(LEDGER_READ)],
        description="Invoices across the caseload, oldest due first, a page at a time.",
    )
    async def invoices(
        self,
        info: Info[Context, None],
        page: Page,
        filter: Annotated[
            InvoiceFilter | None,
            strawberry.argument(description="Which invoices; all readable ones if omitted."),
        ] = None,
    ) -> Connection[Invoice]:
        ctx = info.context
        f = filter or InvoiceFilter()
        return await page.connection(
            cursor=PageRequest.date_id,
            fetch=lambda seek: reads.list_invoices(
                ctx.session, ctx.principal, f.to_filter(), seek=seek
            ),
            key=lambda v: [v.invoice.due_on.isoformat(), str(v.invoice.id)],
            node=Invoice.from_view,
        )


@strawberry.type
class InvoiceMutation:
    @strawberry.mutation(
        extensions=allow(INVOICE_WRITE),
        description="Record an invoice received today (R-PAY-1). Controcc records suppliers' "
        "and providers' invoices only, SAP the council's care charges only.",
    )
    async def record_invoice(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordInvoiceInput,
            strawberry.argument(
                description="The invoice as received, and the request's idempotency key."
            ),
        ],
    ) -> RecordInvoiceResult:
        new = input.to_new()
        done = await as_caller(
            info, recording.record_invoice, new, idempotency_key=input.idempotency_key
        )
        return RecordInvoicePayload(
            invoice=Invoice.from_view(done.invoice), warnings=done.warnings, replayed=done.replayed
        )

    @strawberry.mutation(
        extensions=allow(INVOICE_CHECK),
        description="Record one of the checks before payment (R-PAY-2); the latest counts.",
    )
    async def record_invoice_check(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordInvoiceCheckInput,
            strawberry.argument(description="The invoice, the check and how it went."),
        ],
    ) -> UpdateInvoiceResult:
        iid = decode_uuid("Invoice", input.invoice_id)
        return InvoicePayload.of(
            await as_caller(
                info,
                invoice_checks.record_check,
                iid,
                input.check,
                passed=input.passed,
                note=input.note,
            )
        )

    @strawberry.mutation(
        extensions=allow(INVOICE_CHECK),
        description="Record several of the checks before payment (R-PAY-2) at once, each once "
        "at most: all or nothing (one bad entry, named as checks.N.field, refuses the call). "
        "Each is its own record with who and when, as recordInvoiceCheck writes it; the latest "
        "counts. Like recordInvoiceCheck it takes no idempotency key: a repeat records the "
        "checks again, which changes nothing.",
    )
    async def record_invoice_checks(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordInvoiceChecksInput,
            strawberry.argument(description="The invoice and its checks."),
        ],
    ) -> UpdateInvoiceResult:
        iid = decode_uuid("Invoice", input.invoice_id)
        entries = [c.to_entry() for c in input.checks]
        return InvoicePayload.of(await as_caller(info, invoice_checks.record_checks, iid, entries))

    @strawberry.mutation(
        extensions=allow(INVOICE_CHECK),
        description="Record that the sender was contacted (R-PAY-3), a query (R-PAY-7), or "
        "cancel an invoice with no payment in progress.",
    )
    async def record_invoice_event(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordInvoiceEventInput,
            strawberry.argument(description="The invoice, what happened, and a note of it."),
        ],
    ) -> UpdateInvoiceResult:
        iid = decode_uuid("Invoice", input.invoice_id)
        kind = InvoiceEventKind(input.event.name)
        return InvoicePayload.of(
            await as_caller(info, invoice_events.record_invoice_event, iid, kind, input.note)
        )

    @strawberry.mutation(
        extensions=allow(INVOICE_HOLD_WRITE),
        description="Put an outstanding invoice on hold, with the reason: not overdue and not "
        "paid until released (releaseInvoiceHold). A council care charge outstanding when the "
        "council is appointed is held without asking (R-REF-7).",
    )
    async def hold_invoice(
        self,
        info: Info[Context, None],
        input: Annotated[
            HoldInvoiceInput,
            strawberry.argument(description="The invoice, why, and the idempotency key."),
        ],
    ) -> InvoiceHoldResult:
        iid = decode_uuid("Invoice", input.invoice_id)
        done = await as_caller(
            info,
            invoice_holds.hold_invoice,
            iid,
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return InvoiceHoldPayload.of(done)

    @strawberry.mutation(
        extensions=allow(INVOICE_HOLD_WRITE),
        description="Release an invoice's hold, with the reason (R-REF-7): from now on it is "
        "chased when overdue and may be paid.",
    )
    async def release_invoice_hold(
        self,
        info: Info[Context, None],
        input: Annotated[
            ReleaseInvoiceHoldInput,
            strawberry.argument(description="The invoice, why, and the idempotency key."),
        ],
    ) -> InvoiceHoldResult:
        iid = decode_uuid("Invoice", input.invoice_id)
        done = await as_caller(
            info,
            invoice_holds.release_hold,
            iid,
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return InvoiceHoldPayload.of(done)


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = (
    NodeType("Invoice", LEDGER_READ, in_scope(reads.readable_invoices_by_id, Invoice.from_view)),
)
