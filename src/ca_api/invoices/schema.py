"""GraphQL for invoices: thin. Parse, call the service, map the result.

Queries are for the caseload's officers and audit (LEDGER_READ); integrations record invoices
and get back what they recorded, but read nothing else.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import INVOICE_CHECK, INVOICE_WRITE, LEDGER_READ, allow
from ca_api.common import loaders
from ca_api.common.ids import decode_uuid
from ca_api.common.node import NodeType
from ca_api.common.pagination import Connection, PageRequest, paginate
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
from ca_api.errors import NotFound
from ca_api.invoices import models, reads, rules, service
from ca_api.invoices.reads import InvoiceView
from ca_api.ledger.schema import Category, Counterparty
from ca_api.payments import service as payments_service

if TYPE_CHECKING:
    from ca_api.payments.schema import Payment

# A payment's invoice is an Invoice and an invoice's payments are Payments: the two types refer
# to each other, so this side names Payment lazily (and imports it where it is built).
LazyPayment = Annotated["Payment", strawberry.lazy("ca_api.payments.schema")]

InvoiceKind = rules.InvoiceKind
InvoiceStatus = rules.InvoiceStatus
InvoiceCheckName = rules.InvoiceCheckName
InvoiceEventKind = rules.InvoiceEventKind
strawberry.enum(
    InvoiceKind,
    description="A supplier's bill, a provider's reimbursement (R-PAY-5), "
    "or the council's care charge (R-PAY-4).",
)
strawberry.enum(InvoiceStatus, description="Derived from the invoice's checks, events, payments.")
strawberry.enum(InvoiceCheckName, description="The checks before payment (R-PAY-2).")
strawberry.enum(InvoiceEventKind)


@strawberry.enum(description="What an officer records against an invoice.")
class InvoiceOfficerEvent(enum.Enum):
    SENDER_CONTACTED = "SENDER_CONTACTED"  # R-PAY-3
    QUERIED = "QUERIED"  # R-PAY-7
    CANCELLED = "CANCELLED"


# --- per-request loaders (N+1 is a bug) ---------------------------------------------------


async def counterparty(ctx: Context, counterparty_id: uuid.UUID) -> Counterparty:
    """A supplier or payee, through the request's one loader of counterparties."""
    row = await loaders.one(ctx, "invoices.counterparties", reads.counterparties_by_id).load(
        counterparty_id
    )
    if row is None:  # pragma: no cover - a foreign key
        raise NotFound("counterparty", str(counterparty_id))
    return Counterparty.from_row(row)


# --- types --------------------------------------------------------------------------------


@strawberry.type(description="A line of a reimbursement (R-PAY-5).")
class InvoiceItem:
    line: int
    description: str
    amount: Money
    evidence_seen: bool = strawberry.field(description="The receipt for it was seen.")


@strawberry.type(description="A check of R-PAY-2, with who recorded it and when.")
class InvoiceCheck:
    check: InvoiceCheckName
    passed: bool
    note: str | None
    checked_by: str
    checked_at: datetime


@strawberry.type
class InvoiceEvent:
    event: InvoiceEventKind
    note: str | None
    recorded_by: str
    recorded_at: datetime


def _check(row: models.InvoiceCheck) -> InvoiceCheck:
    return from_source(InvoiceCheck, row, check=InvoiceCheckName(row.check_name))


@strawberry.type(description="An invoice to be paid from a client's money (R-PAY).")
class Invoice:
    view: strawberry.Private[InvoiceView]

    @property
    def _row(self) -> models.Invoice:
        return self.view.invoice

    @classmethod
    def from_view(cls, view: InvoiceView) -> Invoice:
        given = {"client_reference": view.client_reference, "status": view.status}
        return from_source(cls, view.invoice, view=view, **given)

    id: strawberry.ID
    client_id: strawberry.ID
    client_reference: str = strawberry.field(
        description="The client's case reference, e.g. CA000123."
    )

    async def _supplier(self, info: Info[Context, None]) -> Counterparty:
        return await counterparty(info.context, self._row.supplier_id)

    supplier: Counterparty = strawberry.field(resolver=_supplier)
    supplier_invoice_number: str
    invoice_date: date
    amount: Money
    kind: InvoiceKind
    category: Category = strawberry.field(
        description="The OPG money-out category it is paid under (R-OPG-1)."
    )
    description: str
    period_start: date | None
    period_end: date | None
    received_on: date = strawberry.field(
        description="Date-stamped by the server on receipt (R-PAY-1)."
    )

    due_on: date = strawberry.field(
        description="21 working days after receipt (R-PAY-1); 21 days for the council's care "
        "charges (R-PAY-4). The figures are policy data."
    )

    def _days_overdue(self) -> int:
        return rules.days_overdue(self._row.due_on, clock.today(), self.view.status)

    days_overdue: int = strawberry.field(
        resolver=_days_overdue, description="Calendar days past the due date while unpaid; else 0."
    )

    official_invoice: bool = strawberry.field(
        description="An official invoice (needed to reimburse, R-PAY-5)."
    )
    direct_debit: bool = strawberry.field(description="Paid by direct debit (R-PAY-4).")
    source: str = strawberry.field(description="OFFICER, CONTROCC or SAP.")
    recorded_by: str
    recorded_at: datetime
    status: InvoiceStatus

    @strawberry.field
    async def items(self, info: Info[Context, None]) -> list[InvoiceItem]:
        rows = await loaders.many(info.context, "invoices.items", reads.items_by_invoice).load(
            self._row.id
        )
        return [from_source(InvoiceItem, r) for r in rows]

    async def _checks(self, info: Info[Context, None]) -> list[models.InvoiceCheck]:
        return await loaders.many(info.context, "invoices.checks", reads.checks_by_invoice).load(
            self._row.id
        )

    @strawberry.field(description="The latest record of each check made, in R-PAY-2's order.")
    async def checks(self, info: Info[Context, None]) -> list[InvoiceCheck]:
        latest = {r.check_name: r for r in await self._checks(info)}  # later rows win
        return [_check(latest[n.value]) for n in rules.ALL_CHECKS if n.value in latest]

    @strawberry.field(description="Every check recorded, oldest first (append-only).")
    async def check_history(self, info: Info[Context, None]) -> list[InvoiceCheck]:
        return [_check(r) for r in await self._checks(info)]

    @strawberry.field(description="Checks not yet recorded, or whose latest record failed.")
    async def missing_checks(self, info: Info[Context, None]) -> list[InvoiceCheckName]:
        latest = {InvoiceCheckName(r.check_name): r.passed for r in await self._checks(info)}
        return rules.missing_checks(latest)

    @strawberry.field(description="Funds short, sender contacted, queries, cancellation.")
    async def events(self, info: Info[Context, None]) -> list[InvoiceEvent]:
        rows = await loaders.many(info.context, "invoices.events", reads.events_by_invoice).load(
            self._row.id
        )
        return [from_source(InvoiceEvent, r) for r in rows]

    @strawberry.field(description="Payments raised against it, oldest first.")
    async def payments(self, info: Info[Context, None]) -> list[LazyPayment]:
        from ca_api.payments.schema import Payment

        loader = loaders.many(
            info.context, "invoices.payments_by_invoice", payments_service.payments_by_invoice
        )
        views = await loader.load(self._row.id)
        return [Payment.from_view(v) for v in views]


# --- inputs -------------------------------------------------------------------------------


@strawberry.input
class InvoiceItemInput:
    description: str
    amount: Money
    evidence_seen: bool = False


@strawberry.input(description="One of the checks before payment (R-PAY-2).")
class InvoiceCheckInput:
    check: InvoiceCheckName
    passed: bool
    note: str | None = strawberry.field(
        default=None, description="Required when the check failed: say why."
    )

    def to_entry(self) -> rules.CheckEntry:
        return rules.CheckEntry(self.check, self.passed, self.note)


@strawberry.input(description="An invoice as received. The server stamps the date received.")
class RecordInvoiceInput:
    client_id: strawberry.ID
    supplier_id: strawberry.ID = strawberry.field(description="A counterparty's id.")
    supplier_invoice_number: str
    invoice_date: date
    amount: Money
    kind: InvoiceKind
    category: Category = strawberry.field(description="An OPG money-out category (R-OPG-1).")
    description: str
    period_start: date | None = None
    period_end: date | None = None
    items: list[InvoiceItemInput] = strawberry.field(
        default_factory=list, description="What a provider spent, line by line (R-PAY-5)."
    )
    official_invoice: bool = False
    direct_debit: bool = False

    def to_new(self) -> service.NewInvoice:
        return service.NewInvoice(
            client_id=decode_uuid("Client", self.client_id),
            supplier_id=decode_uuid("Counterparty", self.supplier_id),
            draft=rules.InvoiceDraft(
                supplier_invoice_number=self.supplier_invoice_number,
                invoice_date=self.invoice_date,
                amount=self.amount,
                kind=self.kind,
                category=self.category,
                description=self.description,
                period_start=self.period_start,
                period_end=self.period_end,
                items=tuple(
                    rules.Item(i.description, i.amount, i.evidence_seen) for i in self.items
                ),
                official_invoice=self.official_invoice,
                direct_debit=self.direct_debit,
            ),
        )


@strawberry.input
class InvoiceFilter:
    client_id: strawberry.ID | None = None
    supplier_id: strawberry.ID | None = None
    status: InvoiceStatus | None = None
    due_before: date | None = strawberry.field(
        default=None, description="Due strictly before this date."
    )
    overdue: bool | None = strawberry.field(
        default=None, description="true: past due and not paid or cancelled; false: the rest."
    )

    def to_filter(self) -> reads.InvoiceFilter:
        return reads.InvoiceFilter(
            client_id=decode_uuid("Client", self.client_id) if self.client_id else None,
            supplier_id=decode_uuid("Counterparty", self.supplier_id) if self.supplier_id else None,
            status=self.status,
            due_before=self.due_before,
            overdue=self.overdue,
        )


# --- payloads and results -----------------------------------------------------------------


@strawberry.type
class RecordInvoicePayload:
    invoice: Invoice
    warnings: list[str] = strawberry.field(
        description="E.g. another invoice from the supplier for the same amount and date."
    )
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")


@strawberry.type
class InvoicePayload:
    invoice: Invoice

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
    strawberry.union("RecordInvoiceResult"),
]
UpdateInvoiceResult = Annotated[
    InvoicePayload | ValidationProblem | NotFoundProblem | InvalidStateProblem,
    strawberry.union("UpdateInvoiceResult"),
]


@strawberry.type
class InvoiceQuery:
    @strawberry.field(extensions=allow(LEDGER_READ), description="One invoice, by id.")
    async def invoice(self, info: Info[Context, None], id: strawberry.ID) -> Invoice:
        ctx = info.context
        view = await reads.get_invoice(ctx.session, ctx.principal, decode_uuid("Invoice", id))
        if view is None:
            raise NotFound("invoice", id)
        return Invoice.from_view(view)

    @strawberry.field(
        extensions=allow(LEDGER_READ),
        description="Invoices across the caseload, oldest due first, a page at a time.",
    )
    async def invoices(
        self,
        info: Info[Context, None],
        filter: InvoiceFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Invoice]:
        ctx = info.context
        f = filter or InvoiceFilter()
        return await paginate(
            first,
            after,
            default=25,
            maximum=ctx.settings.max_page_size,
            cursor=PageRequest.after_date_id,
            fetch=lambda key, limit: reads.list_invoices(
                ctx.session, ctx.principal, f.to_filter(), after=key, limit=limit
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
        self, info: Info[Context, None], input: RecordInvoiceInput, idempotency_key: str
    ) -> RecordInvoiceResult:
        ctx = info.context
        new = input.to_new()
        done = await service.record_invoice(
            ctx.session, ctx.actor, new, idempotency_key=idempotency_key
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
        invoice_id: strawberry.ID,
        check: InvoiceCheckName,
        passed: bool,
        note: str | None = None,
    ) -> UpdateInvoiceResult:
        ctx = info.context
        iid = decode_uuid("Invoice", invoice_id)
        return InvoicePayload.of(
            await service.record_check(ctx.session, ctx.actor, iid, check, passed=passed, note=note)
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
        invoice_id: strawberry.ID,
        checks: list[InvoiceCheckInput],
    ) -> UpdateInvoiceResult:
        ctx = info.context
        iid = decode_uuid("Invoice", invoice_id)
        entries = [c.to_entry() for c in checks]
        return InvoicePayload.of(await service.record_checks(ctx.session, ctx.actor, iid, entries))

    @strawberry.mutation(
        extensions=allow(INVOICE_CHECK),
        description="Record that the sender was contacted (R-PAY-3), a query (R-PAY-7), or "
        "cancel an invoice with no payment in progress.",
    )
    async def record_invoice_event(
        self,
        info: Info[Context, None],
        invoice_id: strawberry.ID,
        event: InvoiceOfficerEvent,
        note: str,
    ) -> UpdateInvoiceResult:
        ctx = info.context
        iid = decode_uuid("Invoice", invoice_id)
        kind = InvoiceEventKind(event.value)
        return InvoicePayload.of(
            await service.record_invoice_event(ctx.session, ctx.actor, iid, kind, note)
        )


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
