"""GraphQL of the integrations (issue 17 items 1, 2 and 5): thin. Parse, call the service, map.

What an integration reads here is only its own flows' facts: its references resolved to ids
(and a client's council reference), the invoices it sent and where they stand, its batches and
their lines. Never a client's personal details or officers' casework (R-ROLE).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    CONTROCC_INTAKE,
    COUNCIL_INVOICE_RECONCILIATION_READ,
    EXTERNAL_REFERENCE_WRITE,
    INTEGRATION_READ,
    SAP_INTAKE,
    allow,
)
from ca_api.common import loaders
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.fast_input import fast_input
from ca_api.common.ids import decode_uuid, node_id, node_id_or_none
from ca_api.common.keyset import Seek
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.context import Context
from ca_api.errors import ApiError, ErrorCode, found
from ca_api.integrations import (
    batches,
    benefit_intake,
    invoice_intake,
    reconciliation,
    references,
    rules,
)
from ca_api.integrations.models import ExternalReference as ReferenceRow
from ca_api.integrations.models import IntakeBatch as BatchRow
from ca_api.integrations.models import IntakeLine as LineRow
from ca_api.invoices import rules as invoice_rules
from ca_api.invoices.inputs import InvoiceItemInput, InvoiceKind, InvoiceStatus
from ca_api.ledger.rules import Category as CategoryRule
from ca_api.ledger.schema import Benefit, Category

ExternalSystem = rules.ExternalSystem
graphql_enum(
    ExternalSystem,
    "A council system that works beside this service.",
    CONTROCC="Controcc: social-care records, financial assessments, the provider side of care.",
    SAP="SAP: the council's ledger and clients' outstanding contributions.",
)
ExternalReferenceKind = rules.ExternalReferenceKind
graphql_enum(
    ExternalReferenceKind,
    "What another system's reference names, and in which system.",
    CONTROCC_PERSON="Controcc's person id: a client.",
    CONTROCC_PROVIDER="Controcc's provider id: a counterparty (a care provider or supplier).",
    CONTROCC_INVOICE="Controcc's invoice id: an invoice Controcc sent.",
    CONTROCC_RECEIPT="Controcc's receipt id: a benefit receipt Controcc recorded (B 18.3); "
    "written by recordControccBenefitBatch only.",
    SAP_CUSTOMER="SAP's customer number: a client.",
    SAP_VENDOR="SAP's vendor number: a counterparty (the council's own charging body).",
    SAP_DOCUMENT="SAP's document number: an invoice SAP sent.",
)
ExternalReferenceSubject = rules.SubjectType
graphql_enum(
    ExternalReferenceSubject,
    "The kind of record a reference names.",
    name="ExternalReferenceSubject",
    CLIENT="A client (its id is a Client's).",
    COUNTERPARTY="A counterparty (its id is a Counterparty's).",
    INVOICE="An invoice (its id is an Invoice's).",
    RECEIPT="A receipt (its id is a Receipt's).",
)
IntakeFlow = rules.IntakeFlow
graphql_enum(
    IntakeFlow,
    "A bulk flow of an integration.",
    CONTROCC_INVOICES="Controcc's providers' bills and reimbursements.",
    SAP_INVOICES="SAP's council care-contribution invoices (R-PAY-4).",
    CONTROCC_BENEFITS="Benefit receipts Controcc records against its clients (seed 002 B 18.3, "
    "R-ACC-6).",
)
IntakeLineOutcome = rules.LineOutcome
graphql_enum(
    IntakeLineOutcome,
    "What became of a line of a batch.",
    name="IntakeLineOutcome",
    CREATED="Recorded now.",
    ALREADY_HAD="Its external reference was recorded already: nothing was written.",
    REFUSED="Not recorded: see its code and reason; correct it and send it again.",
)
IntakeRefusalCode = rules.RefusalCode
graphql_enum(
    IntakeRefusalCode,
    "Why a line of a batch was refused: a stable code.",
    name="IntakeRefusalCode",
    BAD_REFERENCE="The line's own external reference is empty or longer than 100 characters.",
    REPEATED_IN_BATCH="The same external reference is on an earlier line of the batch.",
    UNKNOWN_CLIENT="No client has this reference of the sender's system.",
    UNKNOWN_SUPPLIER="No counterparty has this reference of the sender's system.",
    CLIENT_NOT_ACTED_FOR="The client's record is closed: the council no longer acts for them.",
    KIND_NOT_ALLOWED="Not a kind of invoice this integration records.",
    BAD_AMOUNT="The amount is not more than 0.00, or the items do not add up to it.",
    DUPLICATE_INVOICE="The supplier's invoice number is recorded already (R-PAY-2).",
    INVALID_LINE="Another rule of recordInvoice or recordBenefitRun refused it (R-PAY-1, "
    "R-PAY-5, R-PAY-6, R-OPG-1, R-ACC-6): the reason names each field.",
    UNKNOWN_PAYER="No counterparty has this payer reference of the sender's system.",
    NOT_A_BENEFIT_PAYER="The payer is not the DWP or the council: they alone pay benefits.",
    WITH_A_REFUSED_LINE="Another line of the same client and value date (one bank credit) was "
    "refused: a credit is recorded whole or not at all; correct that line and send them again.",
)
CouncilInvoiceState = rules.CouncilInvoiceState
graphql_enum(
    CouncilInvoiceState,
    "Where an invoice SAP sent stands, as SAP reconciles it.",
    OUTSTANDING="Not yet paid.",
    ON_HOLD="On hold (R-REF-7): not paid until an officer releases it.",
    FUNDS_SHORT="The client's funds were short when its payment came to approval (R-PAY-3).",
    PAID="Paid to the council.",
    CANCELLED="Cancelled by an officer: it will not be paid.",
)


# --- external references --------------------------------------------------------------------


@strawberry.type(
    description="That another system's reference names one of our records. Corrected by a new "
    "reference naming this one (R-AUD-2); in force while none does."
)
class ExternalReference(Node):
    id: strawberry.ID = strawberry.field(description="The reference's global id.")
    system: ExternalSystem = strawberry.field(description="The system whose reference it is.")
    kind: ExternalReferenceKind = strawberry.field(description="What it is in that system.")
    reference: str = strawberry.field(description="The reference as that system writes it.")
    subject_type: ExternalReferenceSubject = strawberry.field(
        description="The kind of record it names."
    )
    subject_id: strawberry.ID = strawberry.field(description="The record it names.")
    supersedes_id: strawberry.ID | None = strawberry.field(
        description="The reference this one corrects, if it corrects one."
    )
    reason: str | None = strawberry.field(description="Why it was corrected, for a correction.")
    recorded_by: str = strawberry.field(description="Who recorded it (R-AUD-1).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, r: ReferenceRow) -> ExternalReference:
        return cls(
            id=node_id("ExternalReference", r.id),
            system=rules.ExternalSystem(r.system),
            kind=rules.ExternalReferenceKind(r.kind),
            reference=r.value,
            subject_type=rules.SubjectType(r.subject_type),
            subject_id=node_id(r.subject_type, r.subject_id),
            supersedes_id=node_id_or_none("ExternalReference", r.supersedes),
            reason=r.reason,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )


async def external_references_of(
    info: Info[Context, None], subject_id: uuid.UUID
) -> list[ExternalReference]:
    """The references in force naming the record that the caller may read: officers and audit
    every system's, an integration its own (the ``externalReferences`` of Client, Counterparty
    and Invoice)."""
    ctx = info.context

    async def fetch(session: Any, keys: Any) -> dict[uuid.UUID, list[ReferenceRow]]:
        return await references.references_of(session, ctx.principal, keys)

    rows = await loaders.many(ctx, "integrations.references", fetch).load(subject_id)
    return [ExternalReference.of(r) for r in rows]


EXTERNAL_REFERENCES_TEXT = (
    "Other systems' references naming it, in force (Controcc's and SAP's): an integration sees "
    "only its own system's."
)


@strawberry.type(description="A reference resolved to our record.")
class ResolvedExternalReference:
    reference: str = strawberry.field(description="The reference as asked.")
    subject_type: ExternalReferenceSubject = strawberry.field(description="What it names.")
    subject_id: strawberry.ID = strawberry.field(description="Our record's id.")
    council_reference: str | None = strawberry.field(
        description="A client's council reference (CA000123); null for other records."
    )


@strawberry.type(description="References of one kind resolved to our records.")
class ExternalReferenceResolution:
    kind: ExternalReferenceKind = strawberry.field(description="The kind asked for.")
    found: list[ResolvedExternalReference] = strawberry.field(
        description="Those that name a record, in the order asked."
    )
    not_found: list[str] = strawberry.field(
        description="Those that name none (in force), in the order asked."
    )


@strawberry.input(description="A reference of another system to record, or a correction.")
class RecordExternalReferenceInput:
    kind: ExternalReferenceKind = strawberry.field(
        description="What it is: an integration records its own system's kinds only."
    )
    reference: str = strawberry.field(description="The reference as that system writes it.")
    subject_id: strawberry.ID = strawberry.field(
        description="The record it names: a Client's, Counterparty's or Invoice's id, as the "
        "kind says."
    )
    supersedes: strawberry.ID | None = strawberry.field(
        default=None, description="The reference this corrects (an ExternalReference's id)."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why: required for a correction."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.type(description="The reference recorded.")
class RecordExternalReferencePayload:
    external_reference: ExternalReference = strawberry.field(description="As recorded.")
    replayed: bool = replayed_field()


RecordExternalReferenceResult = Annotated[
    RecordExternalReferencePayload
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordExternalReferenceResult",
        description="The reference recorded, or why not (one in force per kind and value).",
    ),
]


# --- batches --------------------------------------------------------------------------------


@strawberry.type(description="A line of a batch and what became of it.")
class IntakeLine:
    line: int = strawberry.field(description="Its number in the batch, from 1.")
    external_reference: str = strawberry.field(description="The line's own reference.")
    outcome: IntakeLineOutcome = strawberry.field(description="Created, already had or refused.")
    code: IntakeRefusalCode | None = strawberry.field(description="Why refused; null otherwise.")
    reason: str | None = strawberry.field(description="Why refused, in words; null otherwise.")
    amount: Money = strawberry.field(description="The line's amount as sent.")
    record_id: strawberry.ID | None = strawberry.field(
        description="The record created, or the one already had under the reference."
    )

    @classmethod
    def of(cls, row: LineRow, subject_type: str) -> IntakeLine:
        return cls(
            line=row.line,
            external_reference=row.external_reference,
            outcome=rules.LineOutcome(row.outcome),
            code=rules.RefusalCode(row.code) if row.code else None,
            reason=row.reason,
            amount=Money(row.amount),
            record_id=node_id_or_none(subject_type, row.subject_id),
        )


@strawberry.type(
    description="A batch an integration sent, with counts and sums received, created, already "
    "had and refused (issue 17 item 5). Append-only: a resend is a batch of its own."
)
class IntakeBatch(Node):
    id: strawberry.ID = strawberry.field(description="The batch's global id.")
    system: ExternalSystem = strawberry.field(description="Who sent it.")
    flow: IntakeFlow = strawberry.field(description="What it carries.")
    batch_reference: str = strawberry.field(description="The sender's reference for it.")
    line_count: int = strawberry.field(description="Lines received.")
    created_count: int = strawberry.field(description="Lines recorded now.")
    already_had_count: int = strawberry.field(description="Lines whose reference was recorded.")
    refused_count: int = strawberry.field(description="Lines refused.")
    received_amount: Money = strawberry.field(description="The sum of every line.")
    created_amount: Money = strawberry.field(description="The sum of the lines recorded now.")
    already_had_amount: Money = strawberry.field(description="The sum of the lines already had.")
    refused_amount: Money = strawberry.field(description="The sum of the lines refused.")
    recorded_by: str = strawberry.field(description="Who sent it (the integration's subject).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    _id: strawberry.Private[uuid.UUID]

    @classmethod
    def of(cls, b: BatchRow) -> IntakeBatch:
        return cls(
            id=node_id("IntakeBatch", b.id),
            system=rules.ExternalSystem(b.system),
            flow=rules.IntakeFlow(b.flow),
            batch_reference=b.batch_reference,
            line_count=b.line_count,
            created_count=b.created_count,
            already_had_count=b.already_had_count,
            refused_count=b.refused_count,
            received_amount=Money(b.received_amount),
            created_amount=Money(b.created_amount),
            already_had_amount=Money(b.already_had_amount),
            refused_amount=Money(b.refused_amount),
            recorded_by=b.recorded_by,
            recorded_at=b.recorded_at,
            _id=b.id,
        )

    @strawberry.field(
        description="Its lines in order, each with its outcome; only the refused ones if "
        "refusedOnly."
    )
    async def lines(
        self,
        info: Info[Context, None],
        refused_only: Annotated[
            bool, strawberry.argument(description="Only the refused lines.")
        ] = False,
    ) -> list[IntakeLine]:
        if refused_only:  # read from the database alone: a batch's refusals are few
            name, fetch = "integrations.refused_lines", batches.refused_lines_by_batch
        else:
            name, fetch = "integrations.lines", batches.lines_by_batch
        rows = await loaders.many(info.context, name, fetch).load(self._id)
        subject = rules.FLOW_SUBJECT[rules.IntakeFlow(self.flow)].value
        return [IntakeLine.of(r, subject) for r in rows]


@strawberry.type(description="The batch as recorded: every line's outcome.")
class RecordInvoiceBatchPayload:
    batch: IntakeBatch = strawberry.field(description="The batch and its lines.")
    replayed: bool = replayed_field()


RecordInvoiceBatchResult = Annotated[
    RecordInvoiceBatchPayload
    | ValidationProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordInvoiceBatchResult",
        description="The batch with each line's outcome, or why the whole batch was refused "
        "(no lines, too many, no batch reference). A line refused does not stop the rest.",
    ),
]

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


# --- SAP's reconciliation -------------------------------------------------------------------


@strawberry.type(description="An invoice an integration sent, and where it stands.")
class SentInvoice:
    external_reference: str = strawberry.field(description="The sender's reference for it.")
    invoice_id: strawberry.ID = strawberry.field(description="Our invoice's id.")
    client_id: strawberry.ID = strawberry.field(description="The client it is for.")
    client_reference: str = strawberry.field(description="The client's council reference.")
    amount: Money = strawberry.field(description="The invoice's amount.")
    received_on: date = strawberry.field(description="The day it was received (R-PAY-1).")
    due_on: date = strawberry.field(description="The day it is due (R-PAY-1, R-PAY-4).")
    status: InvoiceStatus = strawberry.field(description="Its status here.")
    state: CouncilInvoiceState = strawberry.field(description="Where it stands for the sender.")

    @classmethod
    def of(cls, s: reconciliation.SentInvoice) -> SentInvoice:
        inv = s.view.invoice
        return cls(
            external_reference=s.reference.value,
            invoice_id=node_id("Invoice", inv.id),
            client_id=node_id("Client", inv.client_id),
            client_reference=s.view.client_reference,
            amount=Money(inv.amount),
            received_on=inv.received_on,
            due_on=inv.due_on,
            status=s.view.status,
            state=s.state,
        )


@strawberry.type(description="How many of SAP's invoices stand in one state, and their sum.")
class CouncilInvoiceTotal:
    state: CouncilInvoiceState = strawberry.field(description="The state.")
    invoice_count: int = strawberry.field(description="How many invoices.")
    amount: Money = strawberry.field(description="Their sum.")


@strawberry.type(
    description="SAP's council invoices against the payments made to the council: totals by "
    "state, and every invoice not yet paid nor cancelled, soonest due first."
)
class CouncilInvoiceReconciliation:
    totals: list[CouncilInvoiceTotal] = strawberry.field(description="By state.")
    open_invoices: list[SentInvoice] = strawberry.field(
        description="Outstanding, on hold or funds short (R-PAY-3, R-REF-7)."
    )


def _batch_cursor(req: Any) -> tuple[datetime, uuid.UUID] | None:
    key = req.key(str, str)
    if key is None:
        return None
    try:
        return datetime.fromisoformat(key[0]), uuid.UUID(key[1])
    except ValueError as exc:
        raise ApiError(ErrorCode.BAD_USER_INPUT, "not a cursor of this list") from exc


@strawberry.type
class IntegrationsQuery:
    @strawberry.field(
        extensions=allow(INTEGRATION_READ),
        description="Resolve references of one kind to our records' ids (and a client's council "
        "reference), saying which name none. An integration resolves its own system's kinds "
        "only; officers and audit any.",
    )
    async def resolve_external_references(
        self,
        info: Info[Context, None],
        kind: Annotated[ExternalReferenceKind, strawberry.argument(description="Their kind.")],
        values: Annotated[
            list[str], strawberry.argument(description="The references, at most 5,000.")
        ],
    ) -> ExternalReferenceResolution:
        ctx = info.context
        r = await references.resolve(ctx.session, ctx.principal, kind, values)
        return ExternalReferenceResolution(
            kind=r.kind,
            found=[
                ResolvedExternalReference(
                    reference=f.value,
                    subject_type=f.subject_type,
                    subject_id=node_id(f.subject_type.value, f.subject_id),
                    council_reference=f.council_reference,
                )
                for f in r.found
            ],
            not_found=r.not_found,
        )

    @strawberry.field(
        extensions=allow(INTEGRATION_READ),
        description="The invoices these references of an invoice kind name, and where each "
        "stands: what an integration reads back of what it sent (its own system's kinds only).",
    )
    async def sent_invoices(
        self,
        info: Info[Context, None],
        kind: Annotated[
            ExternalReferenceKind,
            strawberry.argument(description="CONTROCC_INVOICE or SAP_DOCUMENT."),
        ],
        values: Annotated[
            list[str], strawberry.argument(description="The references, at most 5,000.")
        ],
    ) -> list[SentInvoice]:
        ctx = info.context
        if len(values) > rules.MAX_RESOLVE:
            raise ApiError(ErrorCode.BAD_USER_INPUT, f"at most {rules.MAX_RESOLVE} values")
        rows = await reconciliation.sent_invoices(ctx.session, ctx.principal, kind, values)
        return [SentInvoice.of(s) for s in rows]

    @strawberry.field(
        extensions=allow(INTEGRATION_READ),
        description="One batch: officers and audit read any, an integration its own.",
    )
    async def intake_batch(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The batch's id.")],
    ) -> IntakeBatch:
        ctx = info.context
        bid = decode_uuid("IntakeBatch", id)
        got = await batches.batches_by_id(ctx.session, ctx.principal, [bid])
        return IntakeBatch.of(found(got.get(bid), "intake batch", id))

    @strawberry.field(
        extensions=[Paged(25), *allow(INTEGRATION_READ)],
        description="Batches received, oldest first: officers and audit read all, an "
        "integration its own.",
    )
    async def intake_batches(
        self,
        info: Info[Context, None],
        page: Page,
        system: Annotated[
            ExternalSystem | None, strawberry.argument(description="Only this system's.")
        ] = None,
        batch_reference: Annotated[
            str | None, strawberry.argument(description="Only batches with this reference.")
        ] = None,
    ) -> Connection[IntakeBatch]:
        ctx = info.context

        async def fetch(seek: Seek[Any]) -> Any:
            return await batches.list_batches(
                ctx.session, ctx.principal, system, batch_reference, seek=seek
            )

        return await page.connection(
            cursor=_batch_cursor,
            fetch=fetch,
            key=lambda b: [b.recorded_at.isoformat(), str(b.id)],
            node=IntakeBatch.of,
        )

    @strawberry.field(
        extensions=allow(COUNCIL_INVOICE_RECONCILIATION_READ),
        description="SAP's council care-contribution invoices against the payments made to "
        "the council: outstanding, on hold (R-REF-7), funds short (R-PAY-3), paid. SAP, officers "
        "and audit.",
    )
    async def council_invoice_reconciliation(
        self, info: Info[Context, None]
    ) -> CouncilInvoiceReconciliation:
        ctx = info.context
        r = await reconciliation.council_reconciliation(ctx.session, ctx.principal)
        return CouncilInvoiceReconciliation(
            totals=[
                CouncilInvoiceTotal(state=s, invoice_count=n, amount=Money(a))
                for s, (n, a) in r.totals.items()
            ],
            open_invoices=[SentInvoice.of(s) for s in r.open],
        )


async def _batch(info: Info[Context, None], flow: rules.IntakeFlow, input: Any) -> Any:
    done = await as_caller(
        info,
        invoice_intake.receive_invoice_batch,
        flow,
        input.batch_reference,
        [ln.to_line() for ln in input.lines],
        idempotency_key=input.idempotency_key,
    )
    return RecordInvoiceBatchPayload(batch=IntakeBatch.of(done.batch), replayed=done.replayed)


@strawberry.type
class IntegrationsMutation:
    @strawberry.mutation(
        extensions=allow(EXTERNAL_REFERENCE_WRITE),
        description="Record that another system's reference names one of our records, or "
        "correct one (supersedes, with the reason). Senior assistants and above for any "
        "system; an integration its own system's kinds only. One in force per kind and value.",
    )
    async def record_external_reference(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordExternalReferenceInput,
            strawberry.argument(description="The reference, and the request's idempotency key."),
        ],
    ) -> RecordExternalReferenceResult:
        kind = input.kind
        subject = decode_uuid(kind.subject_type.value, input.subject_id)
        supersedes = (
            decode_uuid("ExternalReference", input.supersedes) if input.supersedes else None
        )
        row, replayed = await as_caller(
            info,
            references.record_reference,
            kind,
            input.reference,
            subject,
            supersedes=supersedes,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return RecordExternalReferencePayload(
            external_reference=ExternalReference.of(row), replayed=replayed
        )

    @strawberry.mutation(
        extensions=allow(CONTROCC_INTAKE),
        description="Controcc's batch of providers' bills and reimbursements (up to 2,000 "
        "lines, which fit the request limit): "
        "each line CREATED, ALREADY_HAD (its reference recorded: nothing written) or REFUSED "
        "with a code; a refused line does not stop the rest. Every rule of recordInvoice holds.",
    )
    async def record_controcc_invoice_batch(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordControccInvoiceBatchInput,
            strawberry.argument(description="The batch, and the request's idempotency key."),
        ],
    ) -> RecordInvoiceBatchResult:
        return await _batch(info, rules.IntakeFlow.CONTROCC_INVOICES, input)  # type: ignore[no-any-return]

    @strawberry.mutation(
        extensions=allow(SAP_INTAKE),
        description="SAP's batch of council care-contribution invoices (up to 2,000 lines; "
        "R-PAY-4): "
        "each line CREATED, ALREADY_HAD or REFUSED with a code; a refused line does not stop "
        "the rest. Every rule of recordInvoice holds.",
    )
    async def record_sap_invoice_batch(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordSapInvoiceBatchInput,
            strawberry.argument(description="The batch, and the request's idempotency key."),
        ],
    ) -> RecordInvoiceBatchResult:
        return await _batch(info, rules.IntakeFlow.SAP_INVOICES, input)  # type: ignore[no-any-return]

    @strawberry.mutation(
        extensions=allow(CONTROCC_INTAKE),
        description="Controcc's batch of benefit receipts (seed 002 B 18.3, R-ACC-6; up to 2,000 "
        "lines): each line CREATED (a receipt against its client, separately by benefit, "
        "posted as recordBenefitRun posts it), ALREADY_HAD (its CONTROCC_RECEIPT recorded: "
        "nothing written) or REFUSED with a code. A client's lines of one value date are one "
        "bank credit: a refused line refuses the others of that credit (WITH_A_REFUSED_LINE); "
        "other clients' and other days' lines are recorded. A benefit the client already has "
        "a receipt of for the same period (by any door, not reversed), or one repeated in the "
        "batch, is refused INVALID_LINE naming it. Officers record a run with recordBenefitRun.",
    )
    async def record_controcc_benefit_batch(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordControccBenefitBatchInput,
            strawberry.argument(description="The batch, and the request's idempotency key."),
        ],
    ) -> RecordInvoiceBatchResult:
        done = await as_caller(
            info,
            benefit_intake.receive_benefit_batch,
            input.batch_reference,
            [ln.to_line() for ln in input.lines],
            idempotency_key=input.idempotency_key,
        )
        return RecordInvoiceBatchPayload(batch=IntakeBatch.of(done.batch), replayed=done.replayed)


NODES: tuple[NodeType, ...] = (
    NodeType(
        "ExternalReference",
        INTEGRATION_READ,
        in_scope(references.readable_references, ExternalReference.of),
    ),
    NodeType("IntakeBatch", INTEGRATION_READ, in_scope(batches.batches_by_id, IntakeBatch.of)),
)

_ = (InvoiceStatus,)
