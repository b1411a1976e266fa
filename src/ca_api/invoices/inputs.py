"""GraphQL enums and inputs of invoices (the schema's own file is ``invoices/schema.py``): what
a caller sends, described in the council's words, and turned into the service's values."""

from __future__ import annotations

import enum
from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.common.ids import decode_uuid
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.invoices import reads, recording, rules
from ca_api.ledger.types import Category

InvoiceKind = rules.InvoiceKind
InvoiceStatus = rules.InvoiceStatus
InvoiceCheckName = rules.InvoiceCheckName
InvoiceEventKind = rules.InvoiceEventKind
InvoiceSource = rules.InvoiceSource
graphql_enum(
    InvoiceKind,
    "A supplier's bill, a provider's reimbursement (R-PAY-5), or the council's care charge "
    "(R-PAY-4).",
    SUPPLIER="A supplier's bill: utilities, goods, services, care fees.",
    CARE_PROVIDER_REIMBURSEMENT="What a care provider spent for the client, reimbursed only "
    "against an official invoice and receipts (R-PAY-5).",
    COUNCIL_CARE_CONTRIBUTION="The council's charge for the client's care, from SAP: paid "
    "within 21 days, by direct debit where possible (R-PAY-4).",
)
graphql_enum(
    InvoiceStatus,
    "Where an invoice stands, derived from its checks, events and payments (never stored).",
    RECEIVED="Date-stamped on receipt (R-PAY-1); not every check of R-PAY-2 recorded and "
    "passed yet.",
    CHECKED="Every check of R-PAY-2 passed: a payment may be raised.",
    PAYMENT_RAISED="A payment of it awaits approval.",
    APPROVED="Its payment was approved: the money is held on the client's account (R-PAY-3).",
    PAID="Its payment was made: the money has left the client's account.",
    FUNDS_SHORT="An approval was refused because the client's funds were short: contact the "
    "sender at once (R-PAY-3).",
    CANCELLED="Cancelled by an officer: it will not be paid.",
)
graphql_enum(
    InvoiceSource,
    "Where an invoice came from: by post through an officer, or from an integration.",
    OFFICER="Recorded by an officer (an invoice that came by post or by hand).",
    CONTROCC="Sent by Controcc: a supplier's bill or a care provider's reimbursement.",
    SAP="Sent by SAP: the council's care contribution (R-PAY-4).",
    OTHER="Recorded by a caller with neither an officer's role nor an integration's.",
)
graphql_enum(
    InvoiceCheckName,
    "The checks before payment (R-PAY-2), in the order the policy lists them.",
    HEADED="Headed with the business's name, address, telephone and VAT details.",
    DATED="Dated.",
    FOR_THIS_CLIENT="For this client.",
    GOODS_RECEIVED="The goods or services were received in full.",
    HOW_TO_PAY="Says how to pay.",
    ARITHMETIC="Arithmetically correct.",
    NOT_DUPLICATE="Not a duplicate of an invoice already recorded.",
)
graphql_enum(
    InvoiceEventKind,
    "Something that happened to an invoice, besides its checks and payments.",
    FUNDS_SHORT="Recorded by the service when an approval found the client's funds short "
    "(R-PAY-3).",
    SENDER_CONTACTED="An officer contacted the invoice's sender (R-PAY-3).",
    QUERIED="A query about the invoice's validity, for the SCAO (R-PAY-7).",
    CANCELLED="An officer cancelled the invoice.",
)


@strawberry.enum(description="What an officer records against an invoice.")
class InvoiceOfficerEvent(enum.Enum):
    SENDER_CONTACTED = strawberry.enum_value(
        "SENDER_CONTACTED",
        description="The sender was contacted, e.g. because the client's funds are short "
        "(R-PAY-3).",
    )
    QUERIED = strawberry.enum_value(
        "QUERIED", description="A query about the invoice's validity, for the SCAO (R-PAY-7)."
    )
    CANCELLED = strawberry.enum_value(
        "CANCELLED", description="Cancel the invoice: only with no payment of it in progress."
    )


@strawberry.input(description="A line of a care provider's reimbursement (R-PAY-5).")
class InvoiceItemInput:
    description: str = strawberry.field(description="What the provider bought for the client.")
    amount: Money = strawberry.field(description="What it cost.")
    evidence_seen: bool = strawberry.field(
        default=False,
        description="The officer saw the receipt for it: needed for items over the evidence "
        "threshold, £10 (R-PAY-5; the figure is policy data).",
    )


@strawberry.input(description="One of the checks before payment (R-PAY-2).")
class InvoiceCheckInput:
    check: InvoiceCheckName = strawberry.field(description="Which check.")
    passed: bool = strawberry.field(description="Whether the invoice passed it.")
    note: str | None = strawberry.field(
        default=None, description="Required when the check failed: say why."
    )

    def to_entry(self) -> rules.CheckEntry:
        return rules.CheckEntry(self.check, self.passed, self.note)


@strawberry.input(description="An invoice as received. The server stamps the date received.")
class RecordInvoiceInput:
    client_id: strawberry.ID = strawberry.field(description="The client it is to be paid for.")
    supplier_id: strawberry.ID = strawberry.field(description="A counterparty's id.")
    supplier_invoice_number: str = strawberry.field(
        description="The supplier's own number for it: one supplier's number is recorded once "
        "(R-PAY-2, not a duplicate)."
    )
    invoice_date: date = strawberry.field(description="The date on the invoice (R-PAY-2).")
    amount: Money = strawberry.field(description="The total to pay.")
    kind: InvoiceKind = strawberry.field(
        description="A supplier's bill, a provider's reimbursement or the council's care charge."
    )
    category: Category = strawberry.field(description="An OPG money-out category (R-OPG-1).")
    description: str = strawberry.field(description="What it is for, as the officer puts it.")
    period_start: date | None = strawberry.field(
        default=None, description="The first day of the period it bills, if it bills one."
    )
    period_end: date | None = strawberry.field(
        default=None, description="The last day of the period it bills, if it bills one."
    )
    items: list[InvoiceItemInput] = strawberry.field(
        default_factory=list, description="What a provider spent, line by line (R-PAY-5)."
    )
    official_invoice: bool = strawberry.field(
        default=False, description="It is an official invoice (needed to reimburse, R-PAY-5)."
    )
    direct_debit: bool = strawberry.field(
        default=False,
        description="The council's care charge is set up to be paid by direct debit (R-PAY-4).",
    )
    idempotency_key: str = idempotency_key_field()

    def to_new(self) -> recording.NewInvoice:
        return recording.NewInvoice(
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


INVOICE_ID = "The invoice's id."


@strawberry.input(description="A check of an invoice before payment (R-PAY-2), to record.")
class RecordInvoiceCheckInput:
    invoice_id: strawberry.ID = strawberry.field(description=INVOICE_ID)
    check: InvoiceCheckName = strawberry.field(description="Which check.")
    passed: bool = strawberry.field(description="Whether the invoice passed.")
    note: str | None = strawberry.field(
        default=None, description="Required when the check failed: say why."
    )


@strawberry.input(
    description="Several checks of an invoice before payment (R-PAY-2), to record at once."
)
class RecordInvoiceChecksInput:
    invoice_id: strawberry.ID = strawberry.field(description=INVOICE_ID)
    checks: list[InvoiceCheckInput] = strawberry.field(
        description="The checks, each named once at most."
    )


@strawberry.input(description="Something an officer records against an invoice.")
class RecordInvoiceEventInput:
    invoice_id: strawberry.ID = strawberry.field(description=INVOICE_ID)
    event: InvoiceOfficerEvent = strawberry.field(description="What happened.")
    note: str = strawberry.field(
        description="What was said to the sender, the query, or why it is cancelled."
    )


@strawberry.input(description="Which invoices to list; every condition given must hold.")
class InvoiceFilter:
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this client's invoices."
    )
    supplier_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this supplier's (a counterparty's id)."
    )
    status: InvoiceStatus | None = strawberry.field(
        default=None, description="Only invoices where they stand now."
    )
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


HoldCause = rules.HoldCause
graphql_enum(
    HoldCause,
    "Why an invoice was put on hold (R-REF-7, seed 002 B 4.5).",
    {
        HoldCause.ON_APPOINTMENT: "A council care charge outstanding when the council was "
        "appointed the client's appointee or deputy.",
        HoldCause.OFFICER: "Put on hold by an officer, with the reason.",
    },
    name="InvoiceHoldCause",
)


@strawberry.input(
    description="An outstanding invoice put on hold by an officer, and the request's "
    "idempotency key."
)
class HoldInvoiceInput:
    invoice_id: strawberry.ID = strawberry.field(
        description="The invoice: neither paid nor cancelled, not on hold."
    )
    reason: str = strawberry.field(description="Why it is held (required).")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="An invoice's hold released by an officer, and the request's idempotency key."
)
class ReleaseInvoiceHoldInput:
    invoice_id: strawberry.ID = strawberry.field(description="The invoice: on hold.")
    reason: str = strawberry.field(
        description="Why it is released (required): e.g. the client's funds are now available."
    )
    idempotency_key: str = idempotency_key_field()
