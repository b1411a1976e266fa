"""Controcc and SAP (issue 17 items 1, 2 and 5) through the real /graphql endpoint with real
integration tokens: external references recorded and resolved, each integration's bulk flow
(every line CREATED, ALREADY_HAD or REFUSED with a code), the rules of recordInvoice at the
batch door (R-PAY-1, R-PAY-2, R-PAY-4, R-REF-7), batch reconciliation, SAP's reconciliation of
the council's invoices, and what each integration may not do or read (R-ROLE).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from ca_api import clock
from ca_api.integrations import rules
from tests.conftest import Api, error_codes
from tests.factories import (
    INTEGRATION_TOKENS,
    batch_lines,
    controcc_batch,
    integration_world,
    new_client,
    new_counterparty,
    new_key,
    record_appointeeship,
    record_reference,
    resolve_references,
    sap_batch,
)

# --- pure rules ------------------------------------------------------------------------------


def test_each_kind_belongs_to_one_system_and_names_one_type() -> None:
    for kind in rules.ExternalReferenceKind:
        assert kind.value.startswith(kind.system.value + "_")
        assert kind in rules.KIND_SUBJECT


def test_an_integration_records_its_own_kinds_only() -> None:
    from ca_api.auth.principal import Role

    ctl = frozenset({Role.INTEGRATION_CONTROCC})
    assert rules.may_record_kind(ctl, rules.ExternalReferenceKind.CONTROCC_PERSON)
    assert not rules.may_record_kind(ctl, rules.ExternalReferenceKind.SAP_CUSTOMER)
    assert rules.may_record_kind(
        frozenset({Role.SENIOR_ASSISTANT}), rules.ExternalReferenceKind.SAP_CUSTOMER
    )
    assert not rules.may_record_kind(
        frozenset({Role.ASSISTANT}), rules.ExternalReferenceKind.SAP_CUSTOMER
    )


def test_a_tally_adds_up() -> None:
    t = rules.tally(
        [
            (rules.LineOutcome.CREATED, 100),
            (rules.LineOutcome.REFUSED, 5),
            (rules.LineOutcome.ALREADY_HAD, 7),
            (rules.LineOutcome.CREATED, 1),
        ]
    )
    assert (t.line_count, t.created_count, t.already_had_count, t.refused_count) == (4, 2, 1, 1)
    assert (t.received_amount, t.created_amount, t.already_had_amount) == (113, 101, 7)


def test_a_hold_counts_before_funds_short_for_sap() -> None:
    """R-REF-7 before R-PAY-3: a held invoice is not paid whatever the funds."""
    s = rules.CouncilInvoiceState
    assert rules.council_state("FUNDS_SHORT", True) is s.ON_HOLD
    assert rules.council_state("FUNDS_SHORT", False) is s.FUNDS_SHORT
    assert rules.council_state("PAID", True) is s.PAID
    assert rules.council_state("CHECKED", False) is s.OUTSTANDING


# --- references --------------------------------------------------------------------------------


async def test_sap_resolves_a_client_by_its_own_customer_number(api: Api) -> None:
    client = await new_client(api)
    done = await record_reference(api, "sap", "SAP_CUSTOMER", "C-100234", client["id"])
    assert done["__typename"] == "RecordExternalReferencePayload", done
    got = await resolve_references(api, "sap", "SAP_CUSTOMER", ["C-100234", "C-999"])
    assert got["found"] == [
        {
            "reference": "C-100234",
            "subjectType": "CLIENT",
            "subjectId": client["id"],
            "councilReference": client["reference"],
        }
    ]
    assert got["notFound"] == ["C-999"]
    # an integration cannot resolve the other system's references
    body = await api.gql(
        RESOLVE, {"kind": "SAP_CUSTOMER", "values": ["C-100234"]}, **INTEGRATION_TOKENS["ctl"]
    )
    assert error_codes(body) == ["FORBIDDEN"]


async def test_one_reference_in_force_per_kind_and_value_and_a_correction(api: Api) -> None:
    a, b = await new_client(api), await new_client(api)
    first = await record_reference(api, "ctl", "CONTROCC_PERSON", "P-1", a["id"])
    again = await record_reference(api, "ctl", "CONTROCC_PERSON", "P-1", b["id"])
    assert again["__typename"] == "ValidationProblem", again
    # the officer corrects it: P-1 was b's all along (R-AUD-2: a new row naming the old)
    fixed = await record_reference(
        api,
        "senior_assistant",
        "CONTROCC_PERSON",
        "P-1",
        b["id"],
        supersedes=first["externalReference"]["id"],
        reason="keyed against the wrong person",
    )
    assert fixed["__typename"] == "RecordExternalReferencePayload", fixed
    got = await resolve_references(api, "ctl", "CONTROCC_PERSON", ["P-1"])
    assert got["found"][0]["subjectId"] == b["id"]
    # Controcc may not record SAP's kinds, nor an assistant any
    body = await api.gql(
        RECORD_REFERENCE,
        reference_vars("SAP_CUSTOMER", "C-1", a["id"]),
        **INTEGRATION_TOKENS["ctl"],
    )
    assert error_codes(body) == ["FORBIDDEN"]
    body = await api.gql(
        RECORD_REFERENCE, reference_vars("SAP_CUSTOMER", "C-1", a["id"]), role="assistant"
    )
    assert error_codes(body) == ["FORBIDDEN"]


async def test_officers_see_every_systems_references_on_a_client(api: Api) -> None:
    client = await new_client(api)
    await record_reference(api, "ctl", "CONTROCC_PERSON", "P-77", client["id"])
    await record_reference(api, "sap", "SAP_CUSTOMER", "C-77", client["id"])
    data = await api.data(
        "query($id: ID!) { client(id: $id) { externalReferences { system kind reference } } }",
        {"id": client["id"]},
        role="assistant",
    )
    kinds = {r["kind"] for r in data["client"]["externalReferences"]}
    assert kinds == {"CONTROCC_PERSON", "SAP_CUSTOMER"}


# --- Controcc's four-weekly run -----------------------------------------------------------------


async def test_controcc_sends_a_four_weekly_run_in_batches(api: Api) -> None:
    """Three batches of 400: every invoice created; the run sent again creates nothing; a
    batch with three bad lines names them and records the rest."""
    world = await integration_world(api, clients=12, providers=4)
    lines = batch_lines(world, 1200, prefix="RUN1")
    started = time.perf_counter()
    batches = []
    for n in range(3):
        batch = await controcc_batch(api, f"RUN1-{n}", lines[n * 400 : (n + 1) * 400])
        batches.append(batch)
    elapsed = time.perf_counter() - started
    assert [b["createdCount"] for b in batches] == [400, 400, 400]
    assert all(b["refusedCount"] == 0 and b["alreadyHadCount"] == 0 for b in batches)
    assert elapsed < 15, elapsed  # about a second a batch on this machine
    total = sum(int(ln["amount"].replace(".", "")) for ln in lines)
    assert sum(int(b["createdAmount"].replace(".", "")) for b in batches) == total
    # the whole run is there: every Controcc invoice id resolves
    got = await resolve_references(
        api, "ctl", "CONTROCC_INVOICE", [ln["externalReference"] for ln in lines]
    )
    assert len(got["found"]) == 1200 and got["notFound"] == []

    # sent again (new keys): nothing is written, every line ALREADY_HAD with its invoice
    again = await controcc_batch(api, "RUN1-0", lines[:400])
    assert (again["createdCount"], again["alreadyHadCount"]) == (0, 400)
    assert again["alreadyHadAmount"] == batches[0]["createdAmount"]
    assert {ln["outcome"] for ln in again["lines"]} == {"ALREADY_HAD"}
    assert again["lines"][0]["recordId"] == batches[0]["lines"][0]["recordId"]

    # a batch with three bad lines: the rest created, the three named
    fresh = batch_lines(world, 50, prefix="RUN2")
    fresh[4] = fresh[4] | {"clientReference": "P-NOBODY"}
    fresh[17] = fresh[17] | {"amount": "0.00"}
    fresh[30] = fresh[30] | {"supplierReference": "PR-NOBODY"}
    mixed = await controcc_batch(api, "RUN2", fresh)
    assert (mixed["createdCount"], mixed["refusedCount"]) == (47, 3)
    refused = [
        (ln["line"], ln["externalReference"], ln["code"])
        for ln in mixed["lines"]
        if ln["outcome"] == "REFUSED"
    ]
    assert refused == [
        (5, fresh[4]["externalReference"], "UNKNOWN_CLIENT"),
        (18, fresh[17]["externalReference"], "BAD_AMOUNT"),
        (31, fresh[30]["externalReference"], "UNKNOWN_SUPPLIER"),
    ]
    # read back by Controcc, refused lines only
    data = await api.data(BATCH_QUERY, {"id": mixed["id"]}, **INTEGRATION_TOKENS["ctl"])
    assert [ln["line"] for ln in data["intakeBatch"]["lines"]] == [5, 18, 31]
    # SAP may not read Controcc's batch
    body = await api.gql(BATCH_QUERY, {"id": mixed["id"]}, **INTEGRATION_TOKENS["sap"])
    assert error_codes(body) == ["NOT_FOUND"]
    # and Controcc lists its own batches, SAP none of them
    listed = await api.data(BATCHES, {}, **INTEGRATION_TOKENS["ctl"])
    assert len(listed["intakeBatches"]["nodes"]) == 5
    listed = await api.data(BATCHES, {}, **INTEGRATION_TOKENS["sap"])
    assert listed["intakeBatches"]["nodes"] == []


async def test_the_rules_of_record_invoice_hold_at_the_batch_door(api: Api, today: Any) -> None:
    """R-PAY-1: received today, due 21 working days later; R-PAY-2: a supplier's number once,
    against invoices recorded by the single door too and within the batch; KIND_NOT_ALLOWED for
    the council's charge from Controcc; R-PAY-5 a reimbursement itemised; the same idempotency
    key replays."""
    today.set(date(2026, 12, 10))
    world = await integration_world(api, clients=2, providers=1)
    lines = batch_lines(world, 6, prefix="RULES")
    # the single door recorded number of line 1 already
    from tests.factories import recorded

    await recorded(
        api,
        world["clients"][0],
        world["providers"][0]["id"],
        supplierInvoiceNumber=lines[0]["supplierInvoiceNumber"],
        kind="SUPPLIER",
        category="OUT_CARE_FEES",
    )
    lines[2] = lines[2] | {"supplierInvoiceNumber": lines[1]["supplierInvoiceNumber"]}
    lines[3] = lines[3] | {"kind": "COUNCIL_CARE_CONTRIBUTION"}
    lines[4] = lines[4] | {"kind": "CARE_PROVIDER_REIMBURSEMENT", "officialInvoice": True}
    lines[5] = lines[5] | {"invoiceDate": "2026-12-11"}  # after the day it was received
    key = new_key()
    batch = await controcc_batch(api, "RULES", lines, key=key)
    codes = [ln["code"] for ln in batch["lines"]]
    assert codes == [
        "DUPLICATE_INVOICE",
        None,
        "DUPLICATE_INVOICE",
        "KIND_NOT_ALLOWED",
        "BAD_AMOUNT",
        "INVALID_LINE",
    ]
    assert "R-PAY-2" in batch["lines"][0]["reason"]
    created = await api.data(
        "query($id: ID!) { invoice(id: $id) { receivedOn dueOn source status } }",
        {"id": batch["lines"][1]["recordId"]},
        role="assistant",
    )
    assert created["invoice"] == {
        "receivedOn": "2026-12-10",
        "dueOn": "2027-01-13",  # R-PAY-1: 21 working days, over Christmas
        "source": "CONTROCC",
        "status": "RECEIVED",
    }
    replay = await controcc_batch(api, "RULES", lines, key=key, replayed=True)
    assert replay["id"] == batch["id"]


async def test_sap_sends_council_invoices_held_on_appointment_and_reconciles(
    api: Api, today: Any
) -> None:
    """R-PAY-4: due 21 days after receipt; R-REF-7: outstanding council invoices sent by SAP
    are held when the council is appointed; SAP's reconciliation shows them on hold."""
    today.set(date(2026, 3, 2))
    client = await new_client(api)
    council = await new_counterparty(api, "COUNCIL")
    await record_reference(api, "sap", "SAP_CUSTOMER", "C-5001", client["id"])
    await record_reference(api, "sap", "SAP_VENDOR", "V-ASC", council)
    lines = [
        {
            "externalReference": f"DOC-{n}",
            "customerReference": "C-5001",
            "vendorReference": "V-ASC",
            "invoiceDate": "2026-02-27",
            "amount": "84.50",
            "description": "Care contribution, February",
        }
        for n in range(3)
    ]
    lines[2] = lines[2] | {"customerReference": "C-NOBODY"}
    batch = await sap_batch(api, "SAP-0001", lines)
    assert (batch["createdCount"], batch["refusedCount"]) == (2, 1)
    assert batch["lines"][2]["code"] == "UNKNOWN_CLIENT"
    due = await api.data(
        "query($id: ID!) { invoice(id: $id) { dueOn kind source } }",
        {"id": batch["lines"][0]["recordId"]},
        role="assistant",
    )
    assert due["invoice"] == {
        "dueOn": "2026-03-23",
        "kind": "COUNCIL_CARE_CONTRIBUTION",
        "source": "SAP",
    }
    await record_appointeeship(api, client["id"])
    rec = await api.data(RECONCILIATION, {}, **INTEGRATION_TOKENS["sap"])
    totals = {
        t["state"]: (t["invoiceCount"], t["amount"])
        for t in rec["councilInvoiceReconciliation"]["totals"]
    }
    assert totals["ON_HOLD"] == (2, "169.00")
    assert totals["OUTSTANDING"] == (0, "0.00")
    assert {
        i["externalReference"] for i in rec["councilInvoiceReconciliation"]["openInvoices"]
    } == {"DOC-0", "DOC-1"}
    sent = await api.data(
        'query { sentInvoices(kind: SAP_DOCUMENT, values: ["DOC-0"]) { state status } }',
        {},
        **INTEGRATION_TOKENS["sap"],
    )
    assert sent["sentInvoices"] == [{"state": "ON_HOLD", "status": "RECEIVED"}]


async def test_each_integration_sends_only_its_own_flow(api: Api) -> None:
    world = await integration_world(api, clients=1, providers=1)
    ctl_vars = {
        "input": {
            "batchReference": "X",
            "lines": batch_lines(world, 1, prefix="DENY"),
            "idempotencyKey": new_key(),
        }
    }
    sap_vars = {
        "input": {
            "batchReference": "X",
            "lines": [
                {
                    "externalReference": "D-1",
                    "customerReference": "C",
                    "vendorReference": "V",
                    "invoiceDate": clock.today().isoformat(),
                    "amount": "1.00",
                    "description": "x",
                }
            ],
            "idempotencyKey": new_key(),
        }
    }
    for who in ("sap", "senior_officer", "head_of_service", "auditor"):
        body = await api.gql(CONTROCC_BATCH, ctl_vars, **token_of(who))
        assert error_codes(body) == ["FORBIDDEN"], who
    for who in ("ctl", "senior_officer", "support_assistant"):
        body = await api.gql(SAP_BATCH, sap_vars, **token_of(who))
        assert error_codes(body) == ["FORBIDDEN"], who
    # SAP's reconciliation is not Controcc's
    body = await api.gql(RECONCILIATION, {}, **INTEGRATION_TOKENS["ctl"])
    assert error_codes(body) == ["FORBIDDEN"]


def token_of(who: str) -> dict[str, Any]:
    return INTEGRATION_TOKENS.get(who) or {"role": who}


# --- documents ---------------------------------------------------------------------------------

RESOLVE = """query($kind: ExternalReferenceKind!, $values: [String!]!) {
  resolveExternalReferences(kind: $kind, values: $values) {
    kind found { reference subjectType subjectId councilReference } notFound } }"""

RECORD_REFERENCE = """mutation($input: RecordExternalReferenceInput!) {
  recordExternalReference(input: $input) { __typename
    ... on RecordExternalReferencePayload {
      replayed externalReference { id kind reference subjectId } }
    ... on Problem { code message } } }"""


def reference_vars(kind: str, value: str, subject: str, **kw: Any) -> dict[str, Any]:
    return {
        "input": {
            "kind": kind,
            "reference": value,
            "subjectId": subject,
            "idempotencyKey": new_key(),
        }
        | kw
    }


BATCH_QUERY = (
    """query($id: ID!) { intakeBatch(id: $id) { id lines(refusedOnly: true) { line } } }"""
)
BATCHES = "{ intakeBatches(first: 50) { nodes { id batchReference createdCount } } }"
RECONCILIATION = """{ councilInvoiceReconciliation { totals { state invoiceCount amount }
  openInvoices { externalReference state dueOn } } }"""
CONTROCC_BATCH = """mutation($input: RecordControccInvoiceBatchInput!) {
  recordControccInvoiceBatch(input: $input) { __typename } }"""
SAP_BATCH = """mutation($input: RecordSapInvoiceBatchInput!) {
  recordSapInvoiceBatch(input: $input) { __typename } }"""
