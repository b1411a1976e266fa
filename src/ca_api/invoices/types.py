"""GraphQL types of an invoice as read (``Invoice`` with its items, checks, events and holds), and
the request's loader of counterparties; the queries and mutations are in ``invoices/schema.py``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import CASEWORK_DETAIL, allow_or_withhold
from ca_api.clients.schema import Client, client_of
from ca_api.common import loaders
from ca_api.common.node import Node
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.errors import found
from ca_api.invoices import models, reads, rules
from ca_api.invoices.inputs import (
    HoldCause,
    InvoiceCheckName,
    InvoiceEventKind,
    InvoiceKind,
    InvoiceSource,
    InvoiceStatus,
)
from ca_api.invoices.reads import InvoiceView
from ca_api.ledger import reads as ledger_reads
from ca_api.ledger.types import Category, Counterparty
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
    loader = loaders.one(ctx, "ledger.counterparties_by_id", ledger_reads.counterparties_by_id)
    row = await loader.load(counterparty_id)
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
