"""GraphQL for invoices: thin. Parse, call the service, map the result. Enums and inputs are in
``invoices/inputs.py``, the types of an invoice as read in ``invoices/types.py``.

Queries are for the caseload's officers and audit (LEDGER_READ); integrations record invoices
and get back what they recorded, but read nothing else.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    INVOICE_CHECK,
    INVOICE_HOLD_WRITE,
    INVOICE_WRITE,
    LEDGER_READ,
    allow,
)
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.node import NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    DuplicateInvoiceProblem,
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.context import Context
from ca_api.errors import found
from ca_api.invoices import checks as invoice_checks
from ca_api.invoices import events as invoice_events
from ca_api.invoices import holds as invoice_holds
from ca_api.invoices import reads, recording
from ca_api.invoices.inputs import (
    HoldInvoiceInput,
    InvoiceEventKind,
    InvoiceFilter,
    RecordInvoiceCheckInput,
    RecordInvoiceChecksInput,
    RecordInvoiceEventInput,
    RecordInvoiceInput,
    ReleaseInvoiceHoldInput,
)
from ca_api.invoices.reads import InvoiceView
from ca_api.invoices.types import Invoice

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
