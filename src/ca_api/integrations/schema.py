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
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id, node_id_or_none
from ca_api.common.keyset import Seek
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
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
from ca_api.integrations.batch_inputs import (
    RecordControccBenefitBatchInput,
    RecordControccInvoiceBatchInput,
    RecordSapInvoiceBatchInput,
)
from ca_api.integrations.models import IntakeBatch as BatchRow
from ca_api.integrations.models import IntakeLine as LineRow
from ca_api.integrations.reference_types import (
    ExternalReference,
    ExternalReferenceResolution,
    RecordExternalReferenceInput,
    RecordExternalReferencePayload,
    RecordExternalReferenceResult,
    ResolvedExternalReference,
)
from ca_api.integrations.vocabulary import (
    CouncilInvoiceState,
    ExternalReferenceKind,
    ExternalSystem,
    IntakeFlow,
    IntakeLineOutcome,
    IntakeRefusalCode,
)
from ca_api.invoices.inputs import InvoiceStatus

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
