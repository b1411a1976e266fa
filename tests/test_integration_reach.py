"""What an integration token can reach (issue 17, R-ROLE: "only the operations of their
integration"): a walk of the schema from every root field the role may call (and every type
``node(id:)`` serves it), through every field below that is not withheld from it, to every type
it can read (a type's reach, not its rows). Officers' casework on the records of their flows
(checks and their notes, invoice and payment events, who held, released, approved, made or
cancelled and why, the client's record behind ``Invoice.client``, the ledger transfer of a hold)
is withheld (``Withheld``: null, no error) from both integrations (issue 17 item 2); the tests
at the end prove it at runtime through the endpoint. The reachable fields are
written out here by hand: a change that lets Controcc or SAP reach one more field fails until it
is added here, on purpose. None is a client's personal detail (date of birth, NI number,
address, notes, history) nor a ledger statement or balance, decision, plan or audit entry.
"""

from __future__ import annotations

from typing import Any

import graphql
import pytest
import strawberry

from ca_api.auth.permissions import Withheld, allowed_roles
from ca_api.auth.principal import Role
from ca_api.common.node import installed
from ca_api.config import Settings
from ca_api.graphql import build_schema
from tests.conftest import Api
from tests.factories import (
    INTEGRATION_TOKENS,
    check_all,
    new_client,
    new_counterparty,
    new_key,
    record_appointeeship,
    record_check,
)


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    return build_schema(Settings(environment="test"))


def _strawberry_field(schema: strawberry.Schema, type_name: str, field_name: str) -> Any:
    definition = schema.get_type_by_name(type_name)
    for f in getattr(definition, "fields", []):
        if schema.config.name_converter.get_graphql_name(f) == field_name:
            return f
    return None


def _withheld_from(field: Any, role: Role) -> bool:
    for ext in getattr(field, "extensions", None) or []:
        if isinstance(ext, Withheld):
            return not any(role in getattr(p, "roles", ()) for p in ext.permissions)
    return False


def reachable(schema: strawberry.Schema, role: Role) -> set[str]:
    gql = schema._schema
    seen_types: set[str] = set()
    fields: set[str] = set()
    todo: list[graphql.GraphQLNamedType] = []
    for root in (gql.query_type, gql.mutation_type):
        assert root is not None
        for name in root.fields:
            f = _strawberry_field(schema, root.name, name)
            roles = allowed_roles(f.extensions) if f is not None else None
            if roles is None or role not in roles:
                continue
            if name in ("node", "nodes"):
                fields.add(f"{root.name}.{name}")
                for type_name, lookup in installed().items():
                    if role in lookup.roles:
                        todo.append(gql.get_type(type_name))  # type: ignore[arg-type]
                continue
            fields.add(f"{root.name}.{name}")
            todo.append(graphql.get_named_type(root.fields[name].type))
    while todo:
        t = todo.pop()
        if t.name in seen_types:
            continue
        seen_types.add(t.name)
        if isinstance(t, graphql.GraphQLUnionType):
            todo.extend(t.types)
        elif isinstance(t, graphql.GraphQLObjectType):
            for name, fd in t.fields.items():
                if _withheld_from(_strawberry_field(schema, t.name, name), role):
                    continue
                fields.add(f"{t.name}.{name}")
                todo.append(graphql.get_named_type(fd.type))
    return fields


PERSONAL = ("dateOfBirth", "niNumber", "address", "notes", "history", "statement", "balance")


@pytest.mark.parametrize("role", [Role.INTEGRATION_CONTROCC, Role.INTEGRATION_SAP])
def test_an_integration_reaches_only_its_own_flows(schema: strawberry.Schema, role: Role) -> None:
    got = reachable(schema, role)
    personal = sorted(f for f in got if f.split(".")[1].startswith(PERSONAL))
    assert personal == []
    types = {f.split(".")[0] for f in got}
    casework_types: tuple[str, ...] = ("Decision", "Transfer", "LedgerAccount", "BudgetPlan")
    casework_types += ("AuditEntry", "Client", "InvoiceCheck", "InvoiceEvent", "PaymentEvent")
    for casework in casework_types:
        assert casework not in types, casework
    assert got == EXPECTED[role]


# What both integrations reach (their feed, references, batches, invoices and payments), then
# what each reaches besides.
BOTH_REACH = {
    "Counterparty.externalReferences",
    "Counterparty.id",
    "Counterparty.isCouncilEmployee",
    "Counterparty.kind",
    "Counterparty.name",
    "Counterparty.reference",
    "DuplicateInvoiceProblem.code",
    "DuplicateInvoiceProblem.existingInvoiceId",
    "DuplicateInvoiceProblem.message",
    "ExternalReference.id",
    "ExternalReference.kind",
    "ExternalReference.reason",
    "ExternalReference.recordedAt",
    "ExternalReference.recordedBy",
    "ExternalReference.reference",
    "ExternalReference.subjectId",
    "ExternalReference.subjectType",
    "ExternalReference.supersedesId",
    "ExternalReference.system",
    "ExternalReferenceResolution.found",
    "ExternalReferenceResolution.kind",
    "ExternalReferenceResolution.notFound",
    "FieldProblem.field",
    "FieldProblem.message",
    "IdempotencyKeyReusedProblem.code",
    "IdempotencyKeyReusedProblem.key",
    "IdempotencyKeyReusedProblem.message",
    "IntakeBatch.alreadyHadAmount",
    "IntakeBatch.alreadyHadCount",
    "IntakeBatch.batchReference",
    "IntakeBatch.createdAmount",
    "IntakeBatch.createdCount",
    "IntakeBatch.flow",
    "IntakeBatch.id",
    "IntakeBatch.lineCount",
    "IntakeBatch.lines",
    "IntakeBatch.receivedAmount",
    "IntakeBatch.recordedAt",
    "IntakeBatch.recordedBy",
    "IntakeBatch.refusedAmount",
    "IntakeBatch.refusedCount",
    "IntakeBatch.system",
    "IntakeBatchConnection.edges",
    "IntakeBatchConnection.nodes",
    "IntakeBatchConnection.pageInfo",
    "IntakeBatchEdge.cursor",
    "IntakeBatchEdge.node",
    "IntakeLine.amount",
    "IntakeLine.code",
    "IntakeLine.externalReference",
    "IntakeLine.line",
    "IntakeLine.outcome",
    "IntakeLine.reason",
    "IntakeLine.recordId",
    "InvalidStateProblem.code",
    "InvalidStateProblem.message",
    "Invoice.amount",
    "Invoice.category",
    "Invoice.clientId",
    "Invoice.clientReference",
    "Invoice.datedAfterDeath",
    "Invoice.daysOverdue",
    "Invoice.description",
    "Invoice.directDebit",
    "Invoice.dueOn",
    "Invoice.externalReferences",
    "Invoice.hold",
    "Invoice.holds",
    "Invoice.id",
    "Invoice.invoiceDate",
    "Invoice.items",
    "Invoice.kind",
    "Invoice.officialInvoice",
    "Invoice.onHold",
    "Invoice.payments",
    "Invoice.periodEnd",
    "Invoice.periodStart",
    "Invoice.receivedOn",
    "Invoice.recordedAt",
    "Invoice.recordedBy",
    "Invoice.source",
    "Invoice.status",
    "Invoice.supplier",
    "Invoice.supplierInvoiceNumber",
    "InvoiceHold.cause",
    "InvoiceHold.releasedAt",
    "InvoiceHold.since",
    "InvoiceItem.amount",
    "InvoiceItem.description",
    "InvoiceItem.evidenceSeen",
    "InvoiceItem.line",
    "Me.kind",
    "Me.name",
    "Me.roles",
    "Me.subject",
    "Mutation.acknowledgeOutboxMessages",
    "Mutation.recordExternalReference",
    "Mutation.recordInvoice",
    "Mutation.recordOutboxMessageAcknowledged",
    "Mutation.recordOutboxMessageSent",
    "NotFoundProblem.code",
    "NotFoundProblem.id",
    "NotFoundProblem.message",
    "OutboxAcknowledgement.acknowledgedCount",
    "OutboxAcknowledgement.cursor",
    "OutboxAcknowledgement.recipient",
    "OutboxAcknowledgement.recordedAt",
    "OutboxAcknowledgement.recordedBy",
    "OutboxAcknowledgement.upToSequence",
    "OutboxAcknowledgementPayload.acknowledgement",
    "OutboxAcknowledgementPayload.replayed",
    "OutboxDelivery.note",
    "OutboxDelivery.recordedAt",
    "OutboxDelivery.recordedBy",
    "OutboxDelivery.state",
    "OutboxMessage.acknowledgedAt",
    "OutboxMessage.acknowledgedBy",
    "OutboxMessage.clientId",
    "OutboxMessage.createdAt",
    "OutboxMessage.createdBy",
    "OutboxMessage.deliveries",
    "OutboxMessage.id",
    "OutboxMessage.payload",
    "OutboxMessage.recipient",
    "OutboxMessage.sentAt",
    "OutboxMessage.sentBy",
    "OutboxMessage.sequence",
    "OutboxMessage.state",
    "OutboxMessage.subjectId",
    "OutboxMessage.subjectType",
    "OutboxMessage.topic",
    "OutboxMessageConnection.edges",
    "OutboxMessageConnection.nodes",
    "OutboxMessageConnection.pageInfo",
    "OutboxMessageEdge.cursor",
    "OutboxMessageEdge.node",
    "OutboxMessagePayload.outboxMessage",
    "OutboxMessagePayload.replayed",
    "PageInfo.endCursor",
    "PageInfo.hasNextPage",
    "PageInfo.hasPreviousPage",
    "PageInfo.startCursor",
    "Payment.amount",
    "Payment.approvedAt",
    "Payment.canApprove",
    "Payment.category",
    "Payment.clientId",
    "Payment.clientReference",
    "Payment.description",
    "Payment.fundsShort",
    "Payment.id",
    "Payment.invoice",
    "Payment.invoiceId",
    "Payment.madeAt",
    "Payment.method",
    "Payment.payee",
    "Payment.raisedAt",
    "Payment.standing",
    "Payment.status",
    "Payment.waitingSince",
    "PolicyMissingProblem.code",
    "PolicyMissingProblem.message",
    "PolicyMissingProblem.name",
    "Query.intakeBatch",
    "Query.intakeBatches",
    "Query.me",
    "Query.node",
    "Query.nodes",
    "Query.outboxFeedPosition",
    "Query.outboxMessages",
    "Query.resolveExternalReferences",
    "Query.sentInvoices",
    "RecordExternalReferencePayload.externalReference",
    "RecordExternalReferencePayload.replayed",
    "RecordInvoiceBatchPayload.batch",
    "RecordInvoiceBatchPayload.replayed",
    "RecordInvoicePayload.invoice",
    "RecordInvoicePayload.replayed",
    "RecordInvoicePayload.warnings",
    "ResolvedExternalReference.councilReference",
    "ResolvedExternalReference.reference",
    "ResolvedExternalReference.subjectId",
    "ResolvedExternalReference.subjectType",
    "SentInvoice.amount",
    "SentInvoice.clientId",
    "SentInvoice.clientReference",
    "SentInvoice.dueOn",
    "SentInvoice.externalReference",
    "SentInvoice.invoiceId",
    "SentInvoice.receivedOn",
    "SentInvoice.state",
    "SentInvoice.status",
    "ValidationProblem.code",
    "ValidationProblem.fields",
    "ValidationProblem.message",
}

EXPECTED: dict[Role, set[str]] = {
    Role.INTEGRATION_CONTROCC: BOTH_REACH
    | {
        "Mutation.recordControccBenefitBatch",
        "Mutation.recordControccInvoiceBatch",
    },
    Role.INTEGRATION_SAP: BOTH_REACH
    | {
        "ChecksIncompleteProblem.code",
        "ChecksIncompleteProblem.message",
        "ChecksIncompleteProblem.missing",
        "CouncilInvoiceReconciliation.openInvoices",
        "CouncilInvoiceReconciliation.totals",
        "CouncilInvoiceTotal.amount",
        "CouncilInvoiceTotal.invoiceCount",
        "CouncilInvoiceTotal.state",
        "Mutation.raisePayment",
        "Mutation.recordSapInvoiceBatch",
        "PaymentPayload.payment",
        "PaymentPayload.replayed",
        "Query.councilInvoiceReconciliation",
    },
}


# --- at runtime: the withheld fields answer null to an integration, no error -----------------

INVOICE_CASEWORK = """
  id status amount dueOn onHold clientId clientReference
  client { id givenName } checks { note checkedBy } checkHistory { note } missingChecks
  events { note recordedBy } hold { cause since reason heldBy releasedBy releaseReason }
  payments { id status amount raisedBy authors approvedBy approvalLimitVersionId holdTransferId
    madeBy cancelledBy cancelReason windingUpBasis client { id } events { reason } }
"""
RECORD = f"""mutation($input: RecordInvoiceInput!) {{ recordInvoice(input: $input) {{
  __typename ... on RecordInvoicePayload {{ replayed invoice {{ {INVOICE_CASEWORK} }} }}
  ... on Problem {{ code message }} }} }}"""
RAISE = f"""mutation($input: RaisePaymentInput!) {{ raisePayment(input: $input) {{
  __typename ... on PaymentPayload {{ payment {{ id status amount method raisedBy authors
    client {{ id }} events {{ reason recordedBy }} invoice {{ {INVOICE_CASEWORK} }} }} }}
  ... on Problem {{ code message }} }} }}"""
WITHHELD_INVOICE = ("client", "checks", "checkHistory", "missingChecks", "events")
WITHHELD_PAYMENT = (
    "raisedBy",
    "authors",
    "approvedBy",
    "approvalLimitVersionId",
    "holdTransferId",
    "madeBy",
    "cancelledBy",
    "cancelReason",
    "windingUpBasis",
    "client",
    "events",
)


def _invoice_input(client: dict[str, str], supplier: str, **kw: Any) -> dict[str, Any]:
    return {
        "clientId": client["id"],
        "supplierId": supplier,
        "supplierInvoiceNumber": new_key(),
        "invoiceDate": "2026-02-27",
        "amount": "84.50",
        "kind": "SUPPLIER",
        "category": "OUT_CARE_FEES",
        "description": "Care, four weeks",
        "idempotencyKey": new_key(),
    } | kw


@pytest.mark.parametrize("role", [Role.INTEGRATION_CONTROCC, Role.INTEGRATION_SAP])
def test_every_field_withheld_from_an_integration_says_so(
    schema: strawberry.Schema, role: Role
) -> None:
    """On every type an integration reaches, each field that answers it null (withheld) says so
    in its description, so an integrator reading schema.graphql knows what it will not get."""
    types = {f.split(".")[0] for f in reachable(schema, role)}
    silent = []
    for type_name in sorted(types):
        definition = schema._schema.get_type(type_name)
        for name, fd in getattr(definition, "fields", {}).items():
            withheld = _withheld_from(_strawberry_field(schema, type_name, name), role)
            if withheld and "Null to an integration" not in (fd.description or ""):
                silent.append(f"{type_name}.{name}")
    assert silent == []


async def test_controcc_gets_null_for_an_invoices_casework(api: Api) -> None:
    """R-ROLE: Controcc reads back the invoice it sent (state, amount, due date) but not the
    officers' checks, notes or the client's record: null, with no error beside the data."""
    client = await new_client(api)
    provider = await new_counterparty(api, "CARE_PROVIDER")
    variables = {"input": _invoice_input(client, provider)}
    body = await api.gql(RECORD, variables, **INTEGRATION_TOKENS["ctl"])
    assert "errors" not in body, body
    invoice = body["data"]["recordInvoice"]["invoice"]
    assert invoice["status"] == "RECEIVED" and invoice["amount"] == "84.50"
    assert invoice["clientReference"] == client["reference"]
    assert all(invoice[f] is None for f in WITHHELD_INVOICE), invoice
    # An officer records a failing check with a note; Controcc's resend still shows none of it.
    await record_check(api, invoice["id"], "HEADED", passed=False, note="no letterhead")
    again = await api.gql(RECORD, variables, **INTEGRATION_TOKENS["ctl"])
    assert "errors" not in again, again
    seen = again["data"]["recordInvoice"]
    assert seen["replayed"] is True
    assert all(seen["invoice"][f] is None for f in WITHHELD_INVOICE), seen
    # The same fields for an officer, as before.
    officer = await api.data(
        "query($id: ID!) { invoice(id: $id) { client { id } checks { note } missingChecks } }",
        {"id": invoice["id"]},
        role="assistant",
    )
    assert officer["invoice"]["checks"] == [{"note": "no letterhead"}]
    assert officer["invoice"]["client"] == {"id": client["id"]}


async def test_sap_sees_a_hold_and_its_cause_not_who_or_why(api: Api) -> None:
    """R-REF-7: SAP's council invoice outstanding at appointment is held; SAP reads that it is
    held and the cause, not the officer's reason or name; its payment's casework is null."""
    client = await new_client(api)
    council = await new_counterparty(api, "COUNCIL")
    kw = {
        "kind": "COUNCIL_CARE_CONTRIBUTION",
        "category": "OUT_LOCAL_AUTHORITY_CARE_CHARGES",
        "directDebit": True,
    }
    variables = {"input": _invoice_input(client, council, **kw)}
    first = await api.data(RECORD, variables, **INTEGRATION_TOKENS["sap"])
    invoice_id = first["recordInvoice"]["invoice"]["id"]
    await record_appointeeship(api, client["id"])
    body = await api.gql(RECORD, variables, **INTEGRATION_TOKENS["sap"])
    assert "errors" not in body, body
    held = body["data"]["recordInvoice"]["invoice"]
    assert held["onHold"] is True
    assert held["hold"]["cause"] == "ON_APPOINTMENT" and held["hold"]["since"]
    assert (held["hold"]["reason"], held["hold"]["heldBy"]) == (None, None)
    officer = await api.data(
        "query($id: ID!) { invoice(id: $id) { hold { reason heldBy } } }",
        {"id": invoice_id},
        role="senior_officer",
    )
    assert officer["invoice"]["hold"]["reason"] and officer["invoice"]["hold"]["heldBy"]


async def test_sap_gets_null_for_a_payments_casework(api: Api) -> None:
    client = await new_client(api)
    council = await new_counterparty(api, "COUNCIL")
    kw = {
        "kind": "COUNCIL_CARE_CONTRIBUTION",
        "category": "OUT_LOCAL_AUTHORITY_CARE_CHARGES",
        "directDebit": True,
    }
    first = await api.data(
        RECORD, {"input": _invoice_input(client, council, **kw)}, **INTEGRATION_TOKENS["sap"]
    )
    invoice_id = first["recordInvoice"]["invoice"]["id"]
    await check_all(api, invoice_id)
    variables = {"input": {"invoiceId": invoice_id, "idempotencyKey": new_key()}}
    body = await api.gql(RAISE, variables, **INTEGRATION_TOKENS["sap"])
    assert "errors" not in body, body
    payment = body["data"]["raisePayment"]["payment"]
    assert payment["status"] == "RAISED" and payment["method"] == "DIRECT_DEBIT"
    assert all(payment[f] is None for f in ("raisedBy", "authors", "client", "events")), payment
    seen = payment["invoice"]
    assert all(seen[f] is None for f in WITHHELD_INVOICE), seen
    [again] = seen["payments"]
    assert again["id"] == payment["id"] and again["amount"] == "84.50"
    assert all(again[f] is None for f in WITHHELD_PAYMENT), again
