"""GraphQL for invoices and payments: thin. Parse, call the service, map the result.

Queries are for the caseload's officers and audit (LEDGER_READ); integrations record invoices
(and SAP raises their payments) and get back what they recorded, but read nothing else.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import (
    INVOICE_CHECK,
    INVOICE_WRITE,
    LEDGER_READ,
    PAYMENT_APPROVE,
    PAYMENT_CANCEL,
    PAYMENT_MAKE,
    PAYMENT_RAISE,
    allow,
)
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.pagination import (
    Connection,
    PageRequest,
    connection_from_rows,
    page_request,
)
from ca_api.common.problems import (
    ChecksIncompleteProblem,
    DuplicateInvoiceProblem,
    FourEyesProblem,
    IdempotencyKeyReusedProblem,
    InsufficientFundsProblem,
    InvalidStateProblem,
    NotFoundProblem,
    OverApprovalLimitProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.errors import NotFound
from ca_api.ledger.schema import Category, Counterparty
from ca_api.payments import models, repository, rules, service
from ca_api.payments import queue as _queue  # noqa: F401 - registers the PAYMENT queue source
from ca_api.payments.service import InvoiceView, PaymentView
from ca_api.policy.rules import LimitVersion

K = TypeVar("K")
V = TypeVar("V")

InvoiceKind = rules.InvoiceKind
InvoiceStatus = rules.InvoiceStatus
InvoiceCheckName = rules.InvoiceCheckName
InvoiceEventKind = rules.InvoiceEventKind
PaymentMethod = rules.PaymentMethod
PaymentStatus = rules.PaymentStatus
PaymentEventKind = rules.PaymentEventKind
strawberry.enum(
    InvoiceKind,
    description="A supplier's bill, a provider's reimbursement (R-PAY-5), "
    "or the council's care charge (R-PAY-4).",
)
strawberry.enum(InvoiceStatus, description="Derived from the invoice's checks, events, payments.")
strawberry.enum(InvoiceCheckName, description="The checks before payment (R-PAY-2).")
strawberry.enum(InvoiceEventKind)
strawberry.enum(PaymentMethod)
strawberry.enum(
    PaymentStatus, description="RAISED -> APPROVED -> MADE; RAISED | APPROVED -> CANCELLED."
)
strawberry.enum(PaymentEventKind)


@strawberry.enum(description="What an officer records against an invoice.")
class InvoiceOfficerEvent(enum.Enum):
    SENDER_CONTACTED = "SENDER_CONTACTED"  # R-PAY-3
    QUERIED = "QUERIED"  # R-PAY-7
    CANCELLED = "CANCELLED"


# --- per-request loaders (N+1 is a bug) ---------------------------------------------------


def _one(
    ctx: Context, name: str, fetch: Callable[[Any, Sequence[K]], Awaitable[dict[K, V]]]
) -> DataLoader[K, V | None]:
    """A per-request loader of one record per key (None when there is none)."""

    async def batch(keys: list[K]) -> list[V | None]:
        found = await fetch(ctx.session, keys)
        return [found.get(k) for k in keys]

    return ctx.loader(f"payments.{name}", batch)


def _many(
    ctx: Context, name: str, fetch: Callable[[Any, Sequence[K]], Awaitable[dict[K, list[V]]]]
) -> DataLoader[K, list[V]]:
    """A per-request loader of a list of records per key."""

    async def batch(keys: list[K]) -> list[list[V]]:
        found = await fetch(ctx.session, keys)
        return [found.get(k, []) for k in keys]

    return ctx.loader(f"payments.{name}", batch)


async def _counterparty(ctx: Context, counterparty_id: uuid.UUID) -> Counterparty:
    row = await _one(ctx, "counterparties", service.counterparties_by_id).load(counterparty_id)
    if row is None:  # pragma: no cover - a foreign key
        raise NotFound("counterparty", str(counterparty_id))
    return Counterparty.from_row(row)


async def _limits(ctx: Context) -> LimitVersion | None:
    async def fetch(session: Any, days: Sequence[date]) -> dict[date, LimitVersion | None]:
        return {d: await service.limits_on(session, d) for d in days}

    return await _one(ctx, "limits", fetch).load(clock.today())


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


def _item(row: models.InvoiceItem) -> InvoiceItem:
    return InvoiceItem(
        line=row.line,
        description=row.description,
        amount=Money(row.amount),
        evidence_seen=row.evidence_seen,
    )


def _check(row: models.InvoiceCheck) -> InvoiceCheck:
    return InvoiceCheck(
        check=InvoiceCheckName(row.check_name),
        passed=row.passed,
        note=row.note,
        checked_by=row.checked_by,
        checked_at=row.checked_at,
    )


@strawberry.type(description="An invoice to be paid from a client's money (R-PAY).")
class Invoice:
    view: strawberry.Private[InvoiceView]

    @property
    def _row(self) -> models.Invoice:
        return self.view.invoice

    @classmethod
    def from_view(cls, view: InvoiceView) -> Invoice:
        row = view.invoice
        return cls(
            view=view,
            id=strawberry.ID(encode_id("Invoice", row.id)),
            client_id=strawberry.ID(encode_id("Client", row.client_id)),
            client_reference=view.client_reference,
            supplier_invoice_number=row.supplier_invoice_number,
            invoice_date=row.invoice_date,
            amount=Money(row.amount),
            kind=InvoiceKind(row.kind),
            category=Category(row.category),
            description=row.description,
            period_start=row.period_start,
            period_end=row.period_end,
            received_on=row.received_on,
            due_on=row.due_on,
            official_invoice=row.official_invoice,
            direct_debit=row.direct_debit,
            source=row.source,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
            status=view.status,
        )

    id: strawberry.ID
    client_id: strawberry.ID
    client_reference: str = strawberry.field(
        description="The client's case reference, e.g. CA000123."
    )

    async def _supplier(self, info: Info[Context, None]) -> Counterparty:
        return await _counterparty(info.context, self._row.supplier_id)

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
        rows = await _many(info.context, "items", service.items_by_invoice).load(self._row.id)
        return [_item(r) for r in rows]

    async def _checks(self, info: Info[Context, None]) -> list[models.InvoiceCheck]:
        return await _many(info.context, "checks", service.checks_by_invoice).load(self._row.id)

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
        rows = await _many(info.context, "invoice_events", service.events_by_invoice).load(
            self._row.id
        )
        return [
            InvoiceEvent(
                event=InvoiceEventKind(r.event),
                note=r.note,
                recorded_by=r.recorded_by,
                recorded_at=r.recorded_at,
            )
            for r in rows
        ]

    @strawberry.field(description="Payments raised against it, oldest first.")
    async def payments(self, info: Info[Context, None]) -> list[Payment]:
        loader = _many(info.context, "payments_by_invoice", service.payments_by_invoice)
        views = await loader.load(self._row.id)
        return [Payment.from_view(v) for v in views]


@strawberry.type
class PaymentEvent:
    event: PaymentEventKind
    transfer_id: strawberry.ID | None
    limit_version_id: int | None
    reason: str | None
    recorded_by: str
    recorded_at: datetime


@strawberry.type(description="Money out of a client's account: raised, approved, made.")
class Payment:
    view: strawberry.Private[PaymentView]

    @property
    def _row(self) -> models.Payment:
        return self.view.payment

    @classmethod
    def from_view(cls, view: PaymentView) -> Payment:
        row = view.payment
        return cls(
            view=view,
            id=strawberry.ID(encode_id("Payment", row.id)),
            client_id=strawberry.ID(encode_id("Client", row.client_id)),
            client_reference=view.client_reference,
            amount=Money(row.amount),
            category=Category(row.category),
            method=PaymentMethod(row.method),
            description=row.description,
            standing=row.standing,
            status=view.status,
            raised_by=row.raised_by,
            authors=list(view.authors),
            raised_at=row.raised_at,
            waiting_since=row.raised_at if view.status is PaymentStatus.RAISED else None,
        )

    async def _events(self, info: Info[Context, None]) -> list[models.PaymentEvent]:
        loader = _many(info.context, "payment_events", service.events_by_payment)
        return await loader.load(self._row.id)

    async def _event(
        self, info: Info[Context, None], kind: PaymentEventKind
    ) -> models.PaymentEvent | None:
        return next((e for e in await self._events(info) if e.event == kind.value), None)

    id: strawberry.ID
    client_id: strawberry.ID
    client_reference: str = strawberry.field(
        description="The client's case reference, e.g. CA000123."
    )

    def _invoice_id(self) -> strawberry.ID | None:
        i = self._row.invoice_id
        return strawberry.ID(encode_id("Invoice", i)) if i else None

    invoice_id: strawberry.ID | None = strawberry.field(resolver=_invoice_id)

    async def _invoice(self, info: Info[Context, None]) -> Invoice | None:
        if self._row.invoice_id is None:
            return None
        view = await _one(info.context, "invoices", service.invoices_by_id).load(
            self._row.invoice_id
        )
        return Invoice.from_view(view) if view is not None else None

    invoice: Invoice | None = strawberry.field(resolver=_invoice)

    async def _payee(self, info: Info[Context, None]) -> Counterparty:
        return await _counterparty(info.context, self._row.payee_id)

    payee: Counterparty = strawberry.field(resolver=_payee)
    amount: Money
    category: Category
    method: PaymentMethod
    description: str
    standing: bool = strawberry.field(description="A standing payment, not of an invoice.")
    status: PaymentStatus
    raised_by: str

    authors: list[str] = strawberry.field(
        description="Everyone who wrote what it pays, sorted: whoever raised it and, for an "
        "invoice, whoever recorded the invoice. None of them may approve it (R-ROLE-2)."
    )

    raised_at: datetime
    waiting_since: datetime | None = strawberry.field(
        description="Since when it has awaited approval; null once decided."
    )

    @strawberry.field(
        description="An approval was refused because the client's funds were "
        "short, and it still awaits approval (R-PAY-3)."
    )
    async def funds_short(self, info: Info[Context, None]) -> bool:
        if self.view.status is not PaymentStatus.RAISED:
            return False
        return await self._event(info, PaymentEventKind.REFUSED_FUNDS_SHORT) is not None

    @strawberry.field
    async def approved_by(self, info: Info[Context, None]) -> str | None:
        e = await self._event(info, PaymentEventKind.APPROVED)
        return e.recorded_by if e else None

    @strawberry.field
    async def approved_at(self, info: Info[Context, None]) -> datetime | None:
        e = await self._event(info, PaymentEventKind.APPROVED)
        return e.recorded_at if e else None

    @strawberry.field(description="The approval limits the approval was judged under (R-DEC-4).")
    async def approval_limit_version_id(self, info: Info[Context, None]) -> int | None:
        e = await self._event(info, PaymentEventKind.APPROVED)
        return e.limit_version_id if e else None

    @strawberry.field(description="The hold placed on the client's account when approved.")
    async def hold_transfer_id(self, info: Info[Context, None]) -> strawberry.ID | None:
        e = await self._event(info, PaymentEventKind.APPROVED)
        return strawberry.ID(encode_id("Transfer", e.transfer_id)) if e and e.transfer_id else None

    @strawberry.field
    async def made_by(self, info: Info[Context, None]) -> str | None:
        e = await self._event(info, PaymentEventKind.MADE)
        return e.recorded_by if e else None

    @strawberry.field
    async def made_at(self, info: Info[Context, None]) -> datetime | None:
        e = await self._event(info, PaymentEventKind.MADE)
        return e.recorded_at if e else None

    @strawberry.field
    async def cancelled_by(self, info: Info[Context, None]) -> str | None:
        e = await self._event(info, PaymentEventKind.CANCELLED)
        return e.recorded_by if e else None

    @strawberry.field
    async def cancel_reason(self, info: Info[Context, None]) -> str | None:
        e = await self._event(info, PaymentEventKind.CANCELLED)
        return e.reason if e else None

    @strawberry.field(description="Everything that happened to it, oldest first.")
    async def events(self, info: Info[Context, None]) -> list[PaymentEvent]:
        return [
            PaymentEvent(
                event=PaymentEventKind(e.event),
                transfer_id=strawberry.ID(encode_id("Transfer", e.transfer_id))
                if e.transfer_id
                else None,
                limit_version_id=e.limit_version_id,
                reason=e.reason,
                recorded_by=e.recorded_by,
                recorded_at=e.recorded_at,
            )
            for e in await self._events(info)
        ]

    @strawberry.field(
        description="Whether you could approve it now: it awaits approval, you are not one of "
        "its authors (you neither raised it nor recorded its invoice, R-ROLE-2), and your role "
        "covers the amount under today's limits (R-DEC-2)."
    )
    async def can_approve(self, info: Info[Context, None]) -> bool:
        ctx = info.context
        return service.can_approve(ctx.principal, self.view, await _limits(ctx))


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


@strawberry.input(
    description="Either invoiceId (a checked invoice, paid in full to its supplier), or a "
    "standing payment: clientId, payeeId, amount, category, description and standing: true."
)
class RaisePaymentInput:
    invoice_id: strawberry.ID | None = None
    client_id: strawberry.ID | None = None
    payee_id: strawberry.ID | None = None
    amount: Money | None = None
    category: Category | None = None
    description: str | None = None
    standing: bool = False

    def to_request(self, method: PaymentMethod | None) -> service.PaymentRequest:
        return service.PaymentRequest(
            invoice_id=decode_uuid("Invoice", self.invoice_id) if self.invoice_id else None,
            client_id=decode_uuid("Client", self.client_id) if self.client_id else None,
            payee_id=decode_uuid("Counterparty", self.payee_id) if self.payee_id else None,
            amount=self.amount,
            category=self.category,
            description=self.description,
            standing=self.standing,
            method=method,
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


@strawberry.type
class PaymentPayload:
    payment: Payment
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")


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
RaisePaymentResult = Annotated[
    PaymentPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | ChecksIncompleteProblem
    | IdempotencyKeyReusedProblem
    | PolicyMissingProblem,
    strawberry.union("RaisePaymentResult"),
]
ApprovePaymentResult = Annotated[
    PaymentPayload
    | FourEyesProblem
    | OverApprovalLimitProblem
    | InsufficientFundsProblem
    | ChecksIncompleteProblem
    | InvalidStateProblem
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem
    | PolicyMissingProblem,
    strawberry.union("ApprovePaymentResult"),
]
PaymentChangeResult = Annotated[
    PaymentPayload
    | InvalidStateProblem
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union("PaymentChangeResult"),
]


def _payment_page(views: list[PaymentView], page: PageRequest) -> Connection[Payment]:
    return connection_from_rows(
        views,
        page,
        key=lambda v: [v.payment.raised_at.isoformat(), str(v.payment.id)],
        node=lambda v: Payment.from_view(v),
    )


@strawberry.type
class PaymentQuery:
    @strawberry.field(extensions=allow(LEDGER_READ), description="One invoice, by id.")
    async def invoice(self, info: Info[Context, None], id: strawberry.ID) -> Invoice:
        ctx = info.context
        view = await service.get_invoice(ctx.session, ctx.principal, decode_uuid("Invoice", id))
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
        page = page_request(first, after, default=25, maximum=ctx.settings.max_page_size)
        f = filter or InvoiceFilter()
        flt = repository.InvoiceFilter(
            client_id=decode_uuid("Client", f.client_id) if f.client_id else None,
            supplier_id=decode_uuid("Counterparty", f.supplier_id) if f.supplier_id else None,
            status=f.status,
            due_before=f.due_before,
            overdue=f.overdue,
        )
        views = await service.list_invoices(
            ctx.session,
            ctx.principal,
            flt,
            after=page.after_date_id(),
            limit=page.first + 1,
        )
        return connection_from_rows(
            views,
            page,
            key=lambda v: [v.invoice.due_on.isoformat(), str(v.invoice.id)],
            node=lambda v: Invoice.from_view(v),
        )

    @strawberry.field(extensions=allow(LEDGER_READ), description="One payment, by id.")
    async def payment(self, info: Info[Context, None], id: strawberry.ID) -> Payment:
        ctx = info.context
        view = await service.get_payment(ctx.session, ctx.principal, decode_uuid("Payment", id))
        if view is None:
            raise NotFound("payment", id)
        return Payment.from_view(view)

    @strawberry.field(
        extensions=allow(LEDGER_READ), description="Payments, newest first, a page at a time."
    )
    async def payments(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID | None = None,
        status: PaymentStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Payment]:
        ctx = info.context
        page = page_request(first, after, default=25, maximum=ctx.settings.max_page_size)
        views = await service.list_payments(
            ctx.session,
            ctx.principal,
            client_id=decode_uuid("Client", client_id) if client_id else None,
            status=status,
            oldest_first=False,
            after=page.after_time_id(),
            limit=page.first + 1,
        )
        return _payment_page(views, page)

    @strawberry.field(
        extensions=allow(LEDGER_READ),
        description="Payments raised and not yet approved, oldest first; canApprove says which "
        "the caller may approve.",
    )
    async def payments_awaiting_approval(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[Payment]:
        ctx = info.context
        page = page_request(first, after, default=25, maximum=ctx.settings.max_page_size)
        views = await service.list_payments(
            ctx.session,
            ctx.principal,
            client_id=None,
            status=PaymentStatus.RAISED,
            oldest_first=True,
            after=page.after_time_id(),
            limit=page.first + 1,
        )
        return _payment_page(views, page)


@strawberry.type
class PaymentMutation:
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
        view = await service.record_check(
            ctx.session, ctx.actor, iid, check, passed=passed, note=note
        )
        return InvoicePayload(invoice=Invoice.from_view(view))

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
        view = await service.record_checks(
            ctx.session, ctx.actor, iid, [c.to_entry() for c in checks]
        )
        return InvoicePayload(invoice=Invoice.from_view(view))

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
        view = await service.record_invoice_event(
            ctx.session, ctx.actor, iid, InvoiceEventKind(event.value), note
        )
        return InvoicePayload(invoice=Invoice.from_view(view))

    @strawberry.mutation(
        extensions=allow(PAYMENT_RAISE),
        description="Raise a payment of a checked invoice (R-PAY-2, R-PAY-5) or a standing "
        "payment, to await approval. Council invoices set up for direct debit are paid by "
        "DIRECT_DEBIT (R-PAY-4); otherwise method defaults to BANK_TRANSFER.",
    )
    async def raise_payment(
        self,
        info: Info[Context, None],
        input: RaisePaymentInput,
        idempotency_key: str,
        method: PaymentMethod | None = None,
    ) -> RaisePaymentResult:
        ctx = info.context
        request = input.to_request(method)
        done = await service.raise_payment(
            ctx.session, ctx.actor, request, idempotency_key=idempotency_key
        )
        return PaymentPayload(payment=Payment.from_view(done.payment), replayed=done.replayed)

    @strawberry.mutation(
        extensions=allow(PAYMENT_APPROVE),
        description="Approve a payment: never one you raised or whose invoice you recorded (its "
        "authors, R-ROLE-2), within your approval limit (R-DEC); holds the money (R-PAY-3). "
        "Funds short: refused and the invoice is marked FUNDS_SHORT.",
    )
    async def approve_payment(
        self, info: Info[Context, None], id: strawberry.ID, idempotency_key: str
    ) -> ApprovePaymentResult:
        ctx = info.context
        pid = decode_uuid("Payment", id)
        done = await service.approve_payment(
            ctx.session, ctx.actor, pid, idempotency_key=idempotency_key
        )
        return PaymentPayload(payment=Payment.from_view(done.payment), replayed=done.replayed)

    @strawberry.mutation(
        extensions=allow(PAYMENT_MAKE),
        description="Make an approved payment: the hold is posted and the money leaves.",
    )
    async def make_payment(
        self, info: Info[Context, None], id: strawberry.ID, idempotency_key: str
    ) -> PaymentChangeResult:
        ctx = info.context
        pid = decode_uuid("Payment", id)
        done = await service.make_payment(
            ctx.session, ctx.actor, pid, idempotency_key=idempotency_key
        )
        return PaymentPayload(payment=Payment.from_view(done.payment), replayed=done.replayed)

    @strawberry.mutation(
        extensions=allow(PAYMENT_CANCEL),
        description="Cancel a payment not yet made; an approved one's hold is released.",
    )
    async def cancel_payment(
        self, info: Info[Context, None], id: strawberry.ID, reason: str, idempotency_key: str
    ) -> PaymentChangeResult:
        ctx = info.context
        pid = decode_uuid("Payment", id)
        done = await service.cancel_payment(
            ctx.session, ctx.actor, pid, reason, idempotency_key=idempotency_key
        )
        return PaymentPayload(payment=Payment.from_view(done.payment), replayed=done.replayed)
