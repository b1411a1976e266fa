"""GraphQL inputs of the integrations' batches (issue 17 item 2): Controcc's and SAP's invoices
and Controcc's benefit receipts, each line built without strawberry's per-field conversion and
turned into the line its service takes."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.common.fast_input import fast_input
from ca_api.common.scalars import Money
from ca_api.integrations import benefit_intake, invoice_intake
from ca_api.invoices import rules as invoice_rules
from ca_api.invoices.inputs import InvoiceItemInput, InvoiceKind
from ca_api.ledger.rules import Category as CategoryRule
from ca_api.ledger.types import Benefit, Category

LINE_REFERENCE = "The line's own reference: recorded once; sent again, the line is ALREADY_HAD."


@fast_input  # sent by the thousand: built without strawberry's per-field conversion
@strawberry.input(description="An invoice of Controcc's batch: a provider's bill or reimbursement.")
class ControccInvoiceLineInput:
    external_reference: str = strawberry.field(
        description="Controcc's invoice id. " + LINE_REFERENCE
    )
    client_reference: str = strawberry.field(description="The client's Controcc person id.")
    supplier_reference: str = strawberry.field(description="The provider's Controcc id.")
    supplier_invoice_number: str = strawberry.field(
        description="The provider's own number for it (R-PAY-2: once per supplier)."
    )
    invoice_date: date = strawberry.field(description="The date on the invoice.")
    amount: Money = strawberry.field(description="The total to pay.")
    kind: InvoiceKind = strawberry.field(
        description="SUPPLIER or CARE_PROVIDER_REIMBURSEMENT (Controcc's kinds)."
    )
    category: Category = strawberry.field(description="An OPG money-out category (R-OPG-1).")
    description: str = strawberry.field(description="What it is for.")
    period_start: date | None = strawberry.field(default=None, description="The period's start.")
    period_end: date | None = strawberry.field(default=None, description="The period's end.")
    items: list[InvoiceItemInput] = strawberry.field(
        default_factory=list, description="What a provider spent, line by line (R-PAY-5)."
    )
    official_invoice: bool = strawberry.field(
        default=False, description="It is an official invoice (needed to reimburse, R-PAY-5)."
    )

    def to_line(self) -> invoice_intake.InvoiceLine:
        return invoice_intake.InvoiceLine(
            self.external_reference,
            self.client_reference,
            self.supplier_reference,
            invoice_rules.InvoiceDraft(
                supplier_invoice_number=self.supplier_invoice_number,
                invoice_date=self.invoice_date,
                amount=self.amount,
                kind=self.kind,
                category=self.category,
                description=self.description,
                period_start=self.period_start,
                period_end=self.period_end,
                items=tuple(
                    invoice_rules.Item(i.description, i.amount, i.evidence_seen) for i in self.items
                ),
                official_invoice=self.official_invoice,
                direct_debit=False,
            ),
        )


@strawberry.input(description="Controcc's batch of invoices.")
class RecordControccInvoiceBatchInput:
    batch_reference: str = strawberry.field(description="Controcc's reference for the batch.")
    lines: list[ControccInvoiceLineInput] = strawberry.field(
        description="The invoices, 1 to 2,000."
    )
    idempotency_key: str = idempotency_key_field()


@fast_input  # sent by the thousand: built without strawberry's per-field conversion
@strawberry.input(description="A council care-contribution invoice of SAP's batch (R-PAY-4).")
class SapInvoiceLineInput:
    external_reference: str = strawberry.field(
        description="SAP's document number, also the invoice's number. " + LINE_REFERENCE
    )
    customer_reference: str = strawberry.field(description="The client's SAP customer number.")
    vendor_reference: str = strawberry.field(
        description="The SAP vendor number of the council body that charges."
    )
    invoice_date: date = strawberry.field(description="The date on the invoice.")
    amount: Money = strawberry.field(description="The contribution to pay.")
    description: str = strawberry.field(description="What it is for.")
    period_start: date | None = strawberry.field(default=None, description="The period's start.")
    period_end: date | None = strawberry.field(default=None, description="The period's end.")
    direct_debit: bool = strawberry.field(
        default=False, description="Set up to be paid by direct debit (R-PAY-4)."
    )

    def to_line(self) -> invoice_intake.InvoiceLine:
        return invoice_intake.InvoiceLine(
            self.external_reference,
            self.customer_reference,
            self.vendor_reference,
            invoice_rules.InvoiceDraft(
                supplier_invoice_number=self.external_reference,
                invoice_date=self.invoice_date,
                amount=self.amount,
                kind=invoice_rules.InvoiceKind.COUNCIL_CARE_CONTRIBUTION,
                category=CategoryRule.OUT_LOCAL_AUTHORITY_CARE_CHARGES,
                description=self.description,
                period_start=self.period_start,
                period_end=self.period_end,
                items=(),
                official_invoice=False,
                direct_debit=self.direct_debit,
            ),
        )


@strawberry.input(description="SAP's batch of council care-contribution invoices.")
class RecordSapInvoiceBatchInput:
    batch_reference: str = strawberry.field(description="SAP's reference for the batch.")
    lines: list[SapInvoiceLineInput] = strawberry.field(description="The invoices, 1 to 2,000.")
    idempotency_key: str = idempotency_key_field()


@fast_input  # sent by the thousand: built without strawberry's per-field conversion
@strawberry.input(
    description="A benefit receipt Controcc recorded against its client (seed 002 B 18.3): one "
    "benefit paid into the client monies bank account (R-ACC-6: each benefit separately)."
)
class ControccBenefitLineInput:
    external_reference: str = strawberry.field(
        description="Controcc's receipt id. " + LINE_REFERENCE
    )
    client_reference: str = strawberry.field(description="The client's Controcc person id.")
    payer_reference: str = strawberry.field(
        description="The payer's Controcc provider id (CONTROCC_PROVIDER): the DWP, or the "
        "council for housing benefit."
    )
    benefit: Benefit = strawberry.field(description="Which benefit (R-ACC-6).")
    amount: Money = strawberry.field(description="The money paid: more than zero.")
    value_date: date = strawberry.field(
        description="The day it was in the client monies bank account: not in the future. A "
        "client's lines of one value date are one bank credit: recorded all or none."
    )
    period_start: date = strawberry.field(description="The first day of the period it pays for.")
    period_end: date = strawberry.field(
        description="The last day of the period it pays for (inclusive)."
    )

    def to_line(self) -> benefit_intake.BenefitLine:
        return benefit_intake.BenefitLine(
            self.external_reference,
            self.client_reference,
            self.payer_reference,
            self.benefit,
            self.amount,
            self.value_date,
            self.period_start,
            self.period_end,
        )


@strawberry.input(description="Controcc's batch of benefit receipts.")
class RecordControccBenefitBatchInput:
    batch_reference: str = strawberry.field(description="Controcc's reference for the batch.")
    lines: list[ControccBenefitLineInput] = strawberry.field(
        description="The receipts, 1 to 2,000."
    )
    idempotency_key: str = idempotency_key_field()
