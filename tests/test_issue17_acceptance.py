"""Acceptance of issue 17 (Controcc and SAP) as their integration teams would try it, through the
real /graphql endpoint with real integration tokens, written from the policy (R-ROLE, R-PAY-2,
R-PAY-3, R-PAY-4, R-REF-7, R-ACC-6), the issue and the published contract (schema.graphql,
docs/integration_events.md, README), not from the code.

Each test names the issue's "What it must show" line or the rule it holds to; a test that finds
the behaviour contradicting the policy or the contract is kept, marked xfail(strict) with the bug.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from tests.conftest import Api, error_codes
from tests.factories import (
    approve_payment,
    check_all,
    fund,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    raise_payment,
    record_appointeeship,
    unique,
)

CTL: dict[str, Any] = {"role": "integration_controcc", "sub": "controcc"}
SAP: dict[str, Any] = {"role": "integration_sap", "sub": "sap"}
SCAO: dict[str, Any] = {"role": "senior_officer", "sub": "olu.scao"}
MONEY = re.compile(r"^-?\d+\.\d{2}$")

BATCH_FIELDS = """id system flow batchReference lineCount createdCount alreadyHadCount
  refusedCount receivedAmount createdAmount alreadyHadAmount refusedAmount recordedBy
  lines { line externalReference outcome code reason amount recordId }"""


def batch_doc(name: str) -> str:
    cap = name[0].upper() + name[1:]
    return f"""mutation($input: {cap}Input!) {{ {name}(input: $input) {{ __typename
      ... on RecordInvoiceBatchPayload {{ replayed batch {{ {BATCH_FIELDS} }} }}
      ... on Problem {{ code message }}
      ... on ValidationProblem {{ fields {{ field message }} }} }} }}"""


CTL_BATCH = batch_doc("recordControccInvoiceBatch")
SAP_BATCH = batch_doc("recordSapInvoiceBatch")

RECORD_REF = """mutation($input: RecordExternalReferenceInput!) {
  recordExternalReference(input: $input) { __typename
    ... on RecordExternalReferencePayload { externalReference { id kind reference subjectId } }
    ... on Problem { code message } } }"""
RESOLVE = """query($kind: ExternalReferenceKind!, $values: [String!]!) {
  resolveExternalReferences(kind: $kind, values: $values) {
    kind found { reference subjectType subjectId councilReference } notFound } }"""
SENT = """query($kind: ExternalReferenceKind!, $values: [String!]!) {
  sentInvoices(kind: $kind, values: $values) {
    externalReference invoiceId clientId clientReference amount status state } }"""
FEED = """query($first: Int, $after: String) {
  outboxMessages(first: $first, after: $after) {
    edges { cursor node { id sequence topic recipient clientId subjectType subjectId payload } }
    pageInfo { hasNextPage endCursor } } }"""
ACK = """mutation($input: AcknowledgeOutboxMessagesInput!) {
  acknowledgeOutboxMessages(input: $input) { __typename
    ... on OutboxAcknowledgementPayload { replayed
      acknowledgement { upToSequence cursor acknowledgedCount } }
    ... on Problem { code message } } }"""
POSITION = "{ outboxFeedPosition { upToSequence cursor } }"
RECONCILE = """{ councilInvoiceReconciliation {
  totals { state invoiceCount amount }
  openInvoices { externalReference invoiceId amount state status } } }"""
RECORD_INVOICE = """mutation($input: RecordInvoiceInput!) { recordInvoice(input: $input) {
  __typename ... on RecordInvoicePayload { invoice { id } }
  ... on Problem { code message } } }"""
BATCHES = """query($system: ExternalSystem, $ref: String) {
  intakeBatches(system: $system, batchReference: $ref, first: 100) {
    nodes { id system batchReference lineCount createdCount } } }"""


# --- helpers: how an integrator drives the API ------------------------------------------------


async def ref(api: Api, who: dict[str, Any], kind: str, value: str, subject: str) -> Any:
    variables = {
        "input": {
            "kind": kind,
            "reference": value,
            "subjectId": subject,
            "idempotencyKey": new_key(),
        }
    }
    return (await api.data(RECORD_REF, variables, **who))["recordExternalReference"]


async def send(
    api: Api,
    doc: str,
    who: dict[str, Any],
    reference: str,
    lines: list[Any],
    key: str | None = None,
) -> dict[str, Any]:
    variables = {
        "input": {"batchReference": reference, "lines": lines, "idempotencyKey": key or new_key()}
    }
    data = await api.data(doc, variables, **who)
    result: dict[str, Any] = next(iter(data.values()))
    return result


async def ctl_batch(api: Api, reference: str, lines: list[Any], **kw: Any) -> dict[str, Any]:
    result = await send(api, CTL_BATCH, CTL, reference, lines, **kw)
    assert result["__typename"] == "RecordInvoiceBatchPayload", result
    batch: dict[str, Any] = result["batch"]
    return batch


async def sap_batch(api: Api, reference: str, lines: list[Any], **kw: Any) -> dict[str, Any]:
    result = await send(api, SAP_BATCH, SAP, reference, lines, **kw)
    assert result["__typename"] == "RecordInvoiceBatchPayload", result
    batch: dict[str, Any] = result["batch"]
    return batch


async def controcc_world(api: Api, clients: int = 3, providers: int = 2) -> dict[str, Any]:
    """Clients and providers Controcc knows by its own ids, recorded by Controcc itself."""
    world: dict[str, Any] = {"clients": [], "providers": []}
    for _ in range(clients):
        client = await new_client(api)
        person = unique("P")
        assert (await ref(api, CTL, "CONTROCC_PERSON", person, client["id"]))[
            "__typename"
        ] == "RecordExternalReferencePayload"
        world["clients"].append(client | {"ref": person})
    for _ in range(providers):
        provider = await new_counterparty(api, "CARE_PROVIDER")
        pid = unique("PR")
        assert (await ref(api, CTL, "CONTROCC_PROVIDER", pid, provider))[
            "__typename"
        ] == "RecordExternalReferencePayload"
        world["providers"].append({"id": provider, "ref": pid})
    return world


def ctl_lines(world: dict[str, Any], n: int, tag: str | None = None) -> list[dict[str, Any]]:
    tag = tag or unique("CI")
    cs, ps = world["clients"], world["providers"]
    return [
        {
            "externalReference": f"{tag}-{i}",
            "clientReference": cs[i % len(cs)]["ref"],
            "supplierReference": ps[i % len(ps)]["ref"],
            "supplierInvoiceNumber": f"{tag}-N{i}",
            "invoiceDate": clock.today().isoformat(),
            "amount": f"{300 + i}.{i % 100:02d}",
            "kind": "SUPPLIER",
            "category": "OUT_CARE_FEES",
            "description": "Residential care, four weeks",
        }
        for i in range(n)
    ]


async def sap_world(api: Api, clients: int = 1) -> dict[str, Any]:
    """Clients SAP knows by customer number and the council's charging body by vendor number."""
    world: dict[str, Any] = {"clients": []}
    council = await new_counterparty(api, "COUNCIL")
    vendor = unique("V")
    assert (await ref(api, SAP, "SAP_VENDOR", vendor, council))[
        "__typename"
    ] == "RecordExternalReferencePayload"
    world["council"] = {"id": council, "ref": vendor}
    for _ in range(clients):
        client = await new_client(api)
        customer = unique("C")
        assert (await ref(api, SAP, "SAP_CUSTOMER", customer, client["id"]))[
            "__typename"
        ] == "RecordExternalReferencePayload"
        world["clients"].append(client | {"ref": customer})
    return world


def sap_lines(world: dict[str, Any], n: int, amount: str = "250.00") -> list[dict[str, Any]]:
    tag = unique("18")
    cs = world["clients"]
    return [
        {
            "externalReference": f"{tag}{i:04d}",
            "customerReference": cs[i % len(cs)]["ref"],
            "vendorReference": world["council"]["ref"],
            "invoiceDate": clock.today().isoformat(),
            "amount": amount,
            "description": "Care contribution, four weeks",
        }
        for i in range(n)
    ]


def pence(money: str) -> int:
    assert isinstance(money, str) and MONEY.match(money), money
    pounds, _, p = money.lstrip("-").partition(".")
    value = int(pounds) * 100 + int(p)
    return -value if money.startswith("-") else value


def assert_reconciles(batch: dict[str, Any]) -> None:
    """Item 5: received = created + already had + refused, in count and in money, and the
    lines say the same."""
    assert batch["lineCount"] == (
        batch["createdCount"] + batch["alreadyHadCount"] + batch["refusedCount"]
    ), batch
    assert pence(batch["receivedAmount"]) == (
        pence(batch["createdAmount"])
        + pence(batch["alreadyHadAmount"])
        + pence(batch["refusedAmount"])
    ), batch
    lines = batch["lines"]
    assert len(lines) == batch["lineCount"]
    for outcome, count_field, amount_field in (
        ("CREATED", "createdCount", "createdAmount"),
        ("ALREADY_HAD", "alreadyHadCount", "alreadyHadAmount"),
        ("REFUSED", "refusedCount", "refusedAmount"),
    ):
        mine = [x for x in lines if x["outcome"] == outcome]
        assert len(mine) == batch[count_field], (outcome, batch)
        assert sum(pence(x["amount"]) for x in mine) == pence(batch[amount_field]), outcome


async def feed(api: Api, who: dict[str, Any], first: int = 100, after: str | None = None) -> Any:
    data = await api.data(FEED, {"first": first, "after": after}, **who)
    return data["outboxMessages"]


async def whole_feed(api: Api, who: dict[str, Any], after: str | None = None) -> list[Any]:
    edges: list[Any] = []
    while True:
        page = await feed(api, who, 100, after)
        edges += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            return edges
        after = page["pageInfo"]["endCursor"]


async def ack(api: Api, who: dict[str, Any], up_to: str, key: str | None = None) -> Any:
    variables = {"input": {"upTo": up_to, "idempotencyKey": key or new_key()}}
    return (await api.data(ACK, variables, **who))["acknowledgeOutboxMessages"]


async def pay(api: Api, invoice_id: str, make_key: str | None = None) -> dict[str, Any]:
    """An officer checks, raises, approves and makes the payment of an invoice."""
    await check_all(api, invoice_id)
    raised = await raise_payment(api, {"invoiceId": invoice_id})
    assert raised["__typename"] == "PaymentPayload", raised
    payment = raised["payment"]
    approved = await approve_payment(api, payment["id"])
    assert approved["__typename"] == "PaymentPayload", approved
    made = await make_payment(api, payment["id"], key=make_key)
    assert made["__typename"] == "PaymentPayload", made
    return dict(payment)


# --- Controcc's four-weekly run ---------------------------------------------------------------


async def test_controcc_run_in_batches_is_complete_and_a_resend_creates_nothing(api: Api) -> None:
    """Must show: Controcc sends its run in batches; the run is complete; a resend creates
    nothing (each line idempotent by its external reference), and the batches reconcile."""
    world = await controcc_world(api)
    tag = unique("RUN")
    run = ctl_lines(world, 150, tag)
    batches = [run[i : i + 50] for i in range(0, 150, 50)]
    first = [await ctl_batch(api, f"{tag}-b{n}", lines) for n, lines in enumerate(batches)]
    for batch in first:
        assert (batch["system"], batch["flow"]) == ("CONTROCC", "CONTROCC_INVOICES")
        assert (batch["createdCount"], batch["refusedCount"]) == (50, 0), batch
        assert all(x["recordId"] for x in batch["lines"])
        assert_reconciles(batch)
    # The run is complete: every reference names an invoice, read back by Controcc.
    refs = [x["externalReference"] for x in run]
    data = await api.data(SENT, {"kind": "CONTROCC_INVOICE", "values": refs}, **CTL)
    sent = data["sentInvoices"]
    assert sorted(s["externalReference"] for s in sent) == sorted(refs)
    assert {s["externalReference"]: s["amount"] for s in sent} == {
        x["externalReference"]: x["amount"] for x in run
    }
    created_ids = {x["recordId"] for b in first for x in b["lines"]}
    assert {s["invoiceId"] for s in sent} == created_ids
    # The resend (new keys: Controcc's job ran again) creates nothing.
    again = [await ctl_batch(api, f"{tag}-b{n}", lines) for n, lines in enumerate(batches)]
    for old, batch in zip(first, again, strict=True):
        assert batch["id"] != old["id"]  # a resend is a batch of its own (append-only)
        assert (batch["createdCount"], batch["alreadyHadCount"]) == (0, 50), batch
        assert (
            batch["createdAmount"] == "0.00" and batch["alreadyHadAmount"] == old["createdAmount"]
        )
        assert [x["recordId"] for x in batch["lines"]] == [x["recordId"] for x in old["lines"]]
        assert_reconciles(batch)
    data = await api.data(SENT, {"kind": "CONTROCC_INVOICE", "values": refs}, **CTL)
    assert len(data["sentInvoices"]) == 150
    # Both sends of a batch are listed under its reference, for Controcc and for officers.
    for who in (CTL, SCAO):
        listed = (await api.data(BATCHES, {"system": "CONTROCC", "ref": f"{tag}-b0"}, **who))[
            "intakeBatches"
        ]["nodes"]
        assert [b["createdCount"] for b in listed] == [50, 0], listed


async def test_a_retried_batch_with_the_same_key_replays_and_records_nothing(api: Api) -> None:
    world = await controcc_world(api, 1, 1)
    lines = ctl_lines(world, 5)
    key = new_key()
    first = await ctl_batch(api, unique("B"), lines, key=key)
    result = await send(api, CTL_BATCH, CTL, first["batchReference"], lines, key=key)
    assert result["__typename"] == "RecordInvoiceBatchPayload" and result["replayed"] is True
    assert result["batch"]["id"] == first["id"]
    listed = (
        await api.data(BATCHES, {"system": "CONTROCC", "ref": first["batchReference"]}, **CTL)
    )["intakeBatches"]["nodes"]
    assert len(listed) == 1
    # The same key with other lines is refused.
    other = await send(api, CTL_BATCH, CTL, first["batchReference"], lines[:4], key=key)
    assert other["__typename"] == "IdempotencyKeyReusedProblem", other


async def test_a_batch_with_three_bad_lines_names_them_and_records_the_rest(api: Api) -> None:
    """Must show: a batch with 3 bad lines names them (line number, reference, code, reason);
    the other 47 are created (a refused line does not block the rest)."""
    world = await controcc_world(api, 2, 1)
    lines = ctl_lines(world, 50)
    lines[4]["clientReference"] = "P-NOBODY"
    lines[17]["supplierReference"] = "PR-NOBODY"
    lines[33]["amount"] = "0.00"
    batch = await ctl_batch(api, unique("B"), lines)
    assert (batch["createdCount"], batch["refusedCount"], batch["alreadyHadCount"]) == (47, 3, 0)
    refused = {x["line"]: x for x in batch["lines"] if x["outcome"] == "REFUSED"}
    assert set(refused) == {5, 18, 34}
    assert refused[5]["code"] == "UNKNOWN_CLIENT"
    assert refused[18]["code"] == "UNKNOWN_SUPPLIER"
    assert refused[34]["code"] == "BAD_AMOUNT"
    for n, x in refused.items():
        assert x["externalReference"] == lines[n - 1]["externalReference"]
        assert x["reason"] and x["recordId"] is None
    assert pence(batch["refusedAmount"]) == sum(pence(lines[n - 1]["amount"]) for n in refused)
    assert_reconciles(batch)
    # Read back later: only the refused ones, from the batch.
    data = await api.data(
        """query($id: ID!) { intakeBatch(id: $id) {
             lines(refusedOnly: true) { line code externalReference } } }""",
        {"id": batch["id"]},
        **CTL,
    )
    assert [x["line"] for x in data["intakeBatch"]["lines"]] == [5, 18, 34]
    # Corrected and sent again, the three are created and the 47 already had.
    lines[4]["clientReference"] = world["clients"][0]["ref"]
    lines[17]["supplierReference"] = world["providers"][0]["ref"]
    lines[33]["amount"] = "12.34"
    again = await ctl_batch(api, unique("B"), lines)
    assert (again["createdCount"], again["alreadyHadCount"], again["refusedCount"]) == (3, 47, 0)
    assert_reconciles(again)


@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
async def test_an_amount_of_zero_or_less_is_refused_at_every_door(api: Api, amount: str) -> None:
    """A pound can't get in as nothing or as a negative invoice: the batch line of either
    system is refused BAD_AMOUNT, and the single door refuses it too."""
    world = await controcc_world(api, 1, 1)
    [line] = ctl_lines(world, 1)
    batch = await ctl_batch(api, unique("B"), [line | {"amount": amount}])
    assert [(x["outcome"], x["code"]) for x in batch["lines"]] == [("REFUSED", "BAD_AMOUNT")]
    assert_reconciles(batch)
    sworld = await sap_world(api)
    sbatch = await sap_batch(api, unique("S"), sap_lines(sworld, 1, amount=amount))
    assert [(x["outcome"], x["code"]) for x in sbatch["lines"]] == [("REFUSED", "BAD_AMOUNT")]
    single = {
        "clientId": world["clients"][0]["id"],
        "supplierId": world["providers"][0]["id"],
        "supplierInvoiceNumber": unique("N"),
        "invoiceDate": clock.today().isoformat(),
        "amount": amount,
        "kind": "SUPPLIER",
        "category": "OUT_CARE_FEES",
        "description": "care",
        "idempotencyKey": new_key(),
    }
    result = (await api.data(RECORD_INVOICE, {"input": single}, **CTL))["recordInvoice"]
    assert result["__typename"] != "RecordInvoicePayload", result


async def test_money_is_a_decimal_string_never_a_float(api: Api) -> None:
    """Money never float: a number (or a string with three places) for an amount is refused
    as BAD_USER_INPUT; every amount the batch answers is a two-place string."""
    world = await controcc_world(api, 1, 1)
    [line] = ctl_lines(world, 1)
    for bad in (250.5, 250, "250.500", "250.5"):
        variables = {
            "input": {
                "batchReference": unique("B"),
                "lines": [line | {"amount": bad}],
                "idempotencyKey": new_key(),
            }
        }
        body = await api.gql(CTL_BATCH, variables, **CTL)
        assert error_codes(body) == ["BAD_USER_INPUT"], (bad, body)
    batch = await ctl_batch(api, unique("B"), [line])
    for field in ("receivedAmount", "createdAmount", "alreadyHadAmount", "refusedAmount"):
        assert isinstance(batch[field], str) and MONEY.match(batch[field])
    assert batch["lines"][0]["amount"] == line["amount"]


async def test_a_duplicate_supplier_invoice_number_is_refused_across_batch_and_single_door(
    api: Api,
) -> None:
    """R-PAY-2 (not a duplicate): a supplier's invoice number is had once, whether it came in a
    batch line, an earlier line of the same batch, or the single door."""
    world = await controcc_world(api, 1, 1)
    provider = world["providers"][0]
    client = world["clients"][0]
    lines = ctl_lines(world, 3)
    lines[2]["supplierInvoiceNumber"] = lines[0]["supplierInvoiceNumber"]  # other ref, same number
    batch = await ctl_batch(api, unique("B"), lines)
    assert [x["outcome"] for x in batch["lines"]] == ["CREATED", "CREATED", "REFUSED"]
    assert batch["lines"][2]["code"] == "DUPLICATE_INVOICE"
    # The single door after the batch: same supplier and number refused.
    single = {
        "clientId": client["id"],
        "supplierId": provider["id"],
        "supplierInvoiceNumber": lines[1]["supplierInvoiceNumber"],
        "invoiceDate": clock.today().isoformat(),
        "amount": "10.00",
        "kind": "SUPPLIER",
        "category": "OUT_CARE_FEES",
        "description": "care",
        "idempotencyKey": new_key(),
    }
    result = (await api.data(RECORD_INVOICE, {"input": single}, role="support_assistant", sub="s"))[
        "recordInvoice"
    ]
    assert result["__typename"] != "RecordInvoicePayload" and result["code"] == "DUPLICATE_INVOICE"
    # The single door first, then a batch line with that number: refused.
    number = unique("OFFICER")
    single |= {"supplierInvoiceNumber": number, "idempotencyKey": new_key()}
    result = (await api.data(RECORD_INVOICE, {"input": single}, role="support_assistant", sub="s"))[
        "recordInvoice"
    ]
    assert result["__typename"] == "RecordInvoicePayload", result
    [line] = ctl_lines(world, 1)
    batch = await ctl_batch(api, unique("B"), [line | {"supplierInvoiceNumber": number}])
    assert [(x["outcome"], x["code"]) for x in batch["lines"]] == [("REFUSED", "DUPLICATE_INVOICE")]


async def test_a_reference_repeated_in_one_batch_is_refused(api: Api) -> None:
    world = await controcc_world(api, 1, 1)
    lines = ctl_lines(world, 2)
    lines[1]["externalReference"] = lines[0]["externalReference"]
    batch = await ctl_batch(api, unique("B"), lines)
    assert [x["outcome"] for x in batch["lines"]] == ["CREATED", "REFUSED"]
    assert batch["lines"][1]["code"] == "REPEATED_IN_BATCH"
    assert_reconciles(batch)


async def test_more_than_the_batch_limit_is_refused_whole_with_a_clear_code(api: Api) -> None:
    """Over 2,000 lines (the schema's limit) the batch is refused whole, nothing written, and
    the answer says why. The lines are as short as a valid line can be."""
    tag = unique("L")
    lines = [
        {
            "externalReference": f"{i}",
            "clientReference": "P",
            "supplierReference": "R",
            "supplierInvoiceNumber": f"{i}",
            "invoiceDate": "2026-01-01",
            "amount": "1.00",
            "kind": "SUPPLIER",
            "category": "OUT_CARE_FEES",
            "description": "c",
        }
        for i in range(2001)
    ]
    variables = {"input": {"batchReference": tag, "lines": lines, "idempotencyKey": new_key()}}
    resp = await api.post(CTL_BATCH, variables, **CTL)
    body = resp.json()
    assert resp.status_code == 200, resp.text[:300]  # within the request limit: the batch's own
    result = body["data"]["recordControccInvoiceBatch"]
    assert result["__typename"] in ("ValidationProblem", "InvalidStateProblem"), result
    assert result["code"] and "2000" in result["message"], result
    listed = (await api.data(BATCHES, {"system": "CONTROCC", "ref": tag}, **CTL))["intakeBatches"]
    assert listed["nodes"] == []
    # No lines at all is refused whole too.
    result = await send(api, CTL_BATCH, CTL, tag, [])
    assert result["__typename"] in ("ValidationProblem", "InvalidStateProblem"), result


async def test_a_realistic_batch_of_the_documented_size_is_not_refused_by_the_request_limit(
    api: Api,
) -> None:
    lines = [
        {
            "externalReference": f"CTL-INV-2026-04-{i:06d}",
            "clientReference": "P-0045871",
            "supplierReference": "PR-001234",
            "supplierInvoiceNumber": f"SUNNY-2026-{i:06d}",
            "invoiceDate": "2026-04-01",
            "amount": "1234.56",
            "kind": "SUPPLIER",
            "category": "OUT_CARE_FEES",
            "description": "Residential care, four weeks to 2026-04-01",
            "periodStart": "2026-03-04",
            "periodEnd": "2026-03-31",
        }
        for i in range(2000)  # the documented most (the schema: 1 to 2,000)
    ]
    variables = {
        "input": {"batchReference": unique("B"), "lines": lines, "idempotencyKey": new_key()}
    }
    resp = await api.post(CTL_BATCH, variables, **CTL)
    assert resp.status_code != 413, resp.text[:300]


# --- who may do what (R-ROLE) -----------------------------------------------------------------


async def test_controcc_cannot_send_saps_flow_nor_sap_controccs(api: Api) -> None:
    world = await controcc_world(api, 1, 1)
    sworld = await sap_world(api)
    body = await api.gql(
        SAP_BATCH,
        {
            "input": {
                "batchReference": "x",
                "lines": sap_lines(sworld, 1),
                "idempotencyKey": new_key(),
            }
        },
        **CTL,
    )
    assert error_codes(body) == ["FORBIDDEN"], body
    body = await api.gql(
        CTL_BATCH,
        {
            "input": {
                "batchReference": "x",
                "lines": ctl_lines(world, 1),
                "idempotencyKey": new_key(),
            }
        },
        **SAP,
    )
    assert error_codes(body) == ["FORBIDDEN"], body
    # Controcc's line of a council contribution (SAP's kind) is not Controcc's to send.
    [line] = ctl_lines(world, 1)
    batch = await ctl_batch(
        api,
        unique("B"),
        [
            line
            | {"kind": "COUNCIL_CARE_CONTRIBUTION", "category": "OUT_LOCAL_AUTHORITY_CARE_CHARGES"}
        ],
    )
    assert [(x["outcome"], x["code"]) for x in batch["lines"]] == [("REFUSED", "KIND_NOT_ALLOWED")]
    # Neither records nor resolves the other's references.
    client = world["clients"][0]
    for who, kind in ((CTL, "SAP_CUSTOMER"), (SAP, "CONTROCC_PERSON")):
        variables = {
            "input": {
                "kind": kind,
                "reference": unique("X"),
                "subjectId": client["id"],
                "idempotencyKey": new_key(),
            }
        }
        body = await api.gql(RECORD_REF, variables, **who)
        result = (body.get("data") or {}).get("recordExternalReference") or {}
        assert error_codes(body) == ["FORBIDDEN"] or result.get("__typename") in (
            "ValidationProblem",
        ), body
    body = await api.gql(
        RESOLVE, {"kind": "SAP_CUSTOMER", "values": [sworld["clients"][0]["ref"]]}, **CTL
    )
    assert "errors" in body or body["data"]["resolveExternalReferences"]["found"] == [], body
    body = await api.gql(RESOLVE, {"kind": "CONTROCC_PERSON", "values": [client["ref"]]}, **SAP)
    assert "errors" in body or body["data"]["resolveExternalReferences"]["found"] == [], body


async def test_an_integration_reads_neither_the_others_batches_feed_nor_references(
    api: Api,
) -> None:
    world = await controcc_world(api, 1, 1)
    sworld = await sap_world(api)
    cbatch = await ctl_batch(api, unique("B"), ctl_lines(world, 2))
    sbatch = await sap_batch(api, unique("S"), sap_lines(sworld, 2))
    for who, other in ((SAP, cbatch), (CTL, sbatch)):
        body = await api.gql(
            "query($id: ID!) { intakeBatch(id: $id) { id lineCount } }", {"id": other["id"]}, **who
        )
        assert "errors" in body and not (body.get("data") or {}).get("intakeBatch"), body
        listed = (await api.data(BATCHES, {"system": other["system"]}, **who))["intakeBatches"]
        assert listed["nodes"] == [], listed
        listed = (await api.data(BATCHES, {}, **who))["intakeBatches"]["nodes"]
        assert other["id"] not in {b["id"] for b in listed}
    body = await api.gql(
        SENT, {"kind": "SAP_DOCUMENT", "values": [sbatch["lines"][0]["externalReference"]]}, **CTL
    )
    assert "errors" in body or body["data"]["sentInvoices"] == [], body
    body = await api.gql(
        SENT,
        {"kind": "CONTROCC_INVOICE", "values": [cbatch["lines"][0]["externalReference"]]},
        **SAP,
    )
    assert "errors" in body or body["data"]["sentInvoices"] == [], body
    body = await api.gql(RECONCILE, **CTL)
    assert error_codes(body) == ["FORBIDDEN"], body
    # Each reads only its own feed.
    for who, recipient in ((SAP, "SAP"), (CTL, "CONTROCC")):
        edges = await whole_feed(api, who)
        assert {e["node"]["recipient"] for e in edges} <= {recipient}


CASEWORK: list[tuple[str, str]] = [
    ("client", "query($id: ID!) { client(id: $id) { id dateOfBirth niNumber address { line1 } } }"),
    ("node", "query($id: ID!) { node(id: $id) { ... on Client { id dateOfBirth } } }"),
    ("clients", "{ clients(first: 5) { nodes { id dateOfBirth } } }"),
    ("clientAccounts", "query($id: ID!) { clientAccounts(clientId: $id) { kind balance } }"),
    ("decisions", "{ decisions(first: 5) { nodes { id } } }"),
    ("auditLog", "{ auditLog(first: 5) { nodes { action } } }"),
    ("clientContacts", "query($id: ID!) { clientContacts(clientId: $id) { __typename } }"),
    ("budgetPlans", "query($id: ID!) { budgetPlans(clientId: $id) { __typename } }"),
]


@pytest.mark.parametrize("who", [CTL, SAP], ids=["controcc", "sap"])
@pytest.mark.parametrize(("field", "doc"), CASEWORK, ids=[c[0] for c in CASEWORK])
async def test_an_integration_token_cannot_read_casework(
    api: Api, who: dict[str, Any], field: str, doc: str
) -> None:
    """R-ROLE: the integration sees its own flows' records, never officers' casework (a
    client's date of birth, notes, decisions, ledger statements, audit)."""
    client = await new_client(api)
    body = await api.gql(doc, {"id": client["id"]} if "$id" in doc else None, **who)
    codes = set(error_codes(body))
    assert codes & {"FORBIDDEN", "GRAPHQL_VALIDATION_FAILED"}, body
    assert not (body.get("data") or {}).get(field), body


async def test_an_integration_reaches_no_personal_detail_through_its_own_records(
    api: Api,
) -> None:
    """Through what it may read (its invoices, references, feed), an integration gets no
    client's name, date of birth, NI number or address."""
    world = await controcc_world(api, 1, 1)
    batch = await ctl_batch(api, unique("B"), ctl_lines(world, 1))
    invoice_id = batch["lines"][0]["recordId"]
    body = await api.gql(
        """query($id: ID!) { invoice(id: $id) { id client { dateOfBirth niNumber givenName
             address { line1 } } } }""",
        {"id": invoice_id},
        **CTL,
    )
    client = ((body.get("data") or {}).get("invoice") or {}).get("client") or {}
    assert not client.get("dateOfBirth") and not client.get("niNumber"), body
    assert not (client.get("address") or {}).get("line1"), body
    resolved = (
        await api.data(
            RESOLVE, {"kind": "CONTROCC_PERSON", "values": [world["clients"][0]["ref"]]}, **CTL
        )
    )["resolveExternalReferences"]
    assert "givenName" not in json.dumps(resolved)


# --- SAP: resolve, feed, acknowledge, read the rest -------------------------------------------


async def test_sap_resolves_a_client_by_its_customer_number(api: Api) -> None:
    sworld = await sap_world(api, 2)
    refs = [c["ref"] for c in sworld["clients"]]
    resolution = (
        await api.data(RESOLVE, {"kind": "SAP_CUSTOMER", "values": [*refs, "C-NOBODY"]}, **SAP)
    )["resolveExternalReferences"]
    assert [f["reference"] for f in resolution["found"]] == refs
    assert [f["subjectId"] for f in resolution["found"]] == [c["id"] for c in sworld["clients"]]
    assert [f["councilReference"] for f in resolution["found"]] == [
        c["reference"] for c in sworld["clients"]
    ]
    assert {f["subjectType"] for f in resolution["found"]} == {"CLIENT"}
    assert resolution["notFound"] == ["C-NOBODY"]
    # One in force per kind and value: the same number cannot name a second client.
    other = await new_client(api)
    again = await ref(api, SAP, "SAP_CUSTOMER", refs[0], other["id"])
    assert again["__typename"] != "RecordExternalReferencePayload", again


async def test_sap_reads_its_feed_acknowledges_part_and_reads_exactly_the_rest(
    api: Api, session: AsyncSession
) -> None:
    """Must show: SAP reads its feed, acknowledges part of it, reads again from its cursor
    and gets exactly the rest; a payment made to the council appears once, also after a
    retried makePayment with the same idempotency key."""
    sworld = await sap_world(api, 2)
    batch = await sap_batch(api, unique("S"), sap_lines(sworld, 2))
    for client in sworld["clients"]:
        await fund(session, api, client, 100_000)
    keys = [new_key() for _ in range(2)]
    payments = [
        await pay(api, line["recordId"], make_key=key)
        for line, key in zip(batch["lines"], keys, strict=True)
    ]
    # A retry of the making with the same key replays and tells nothing twice.
    again = await make_payment(api, payments[0]["id"], key=keys[0])
    assert again["__typename"] == "PaymentPayload" and again["replayed"] is True
    edges = await whole_feed(api, SAP)
    made = [e for e in edges if e["node"]["topic"] == "PAYMENT_MADE_TO_COUNCIL"]
    assert sorted(e["node"]["subjectId"] for e in made) == sorted(p["id"] for p in payments)
    for e in made:
        body = e["node"]["payload"]
        assert body["external_references"]["SAP_CUSTOMER"] in {c["ref"] for c in sworld["clients"]}
        assert body["external_references"]["SAP_VENDOR"] == sworld["council"]["ref"]
        assert body["external_references"]["SAP_DOCUMENT"] in {
            x["externalReference"] for x in batch["lines"]
        }
        assert body["facts"]["amount"] == 25_000 and isinstance(body["facts"]["amount"], int)
    sequences = [e["node"]["sequence"] for e in edges]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    # Acknowledge up to the first payment's message; the rest is exactly what follows it.
    cut = edges.index(made[0])
    done = await ack(api, SAP, made[0]["cursor"])
    assert done["__typename"] == "OutboxAcknowledgementPayload", done
    assert done["acknowledgement"]["upToSequence"] == made[0]["node"]["sequence"]
    position = (await api.data(POSITION, **SAP))["outboxFeedPosition"]
    assert position["upToSequence"] == made[0]["node"]["sequence"]
    rest = await whole_feed(api, SAP, after=position["cursor"])
    assert [e["node"]["id"] for e in rest] == [e["node"]["id"] for e in edges[cut + 1 :]]
    assert made[1] in rest and made[0] not in rest
    # Acknowledging less than before acknowledges nothing new, and the position stays.
    if cut > 0:
        back = await ack(api, SAP, edges[0]["cursor"])
        if back["__typename"] == "OutboxAcknowledgementPayload":
            assert back["acknowledgement"]["acknowledgedCount"] == 0
        assert (await api.data(POSITION, **SAP))["outboxFeedPosition"] == position
    # A Controcc cursor is not SAP's to acknowledge.
    ctl_edges = await whole_feed(api, CTL)
    if ctl_edges:
        wrong = await ack(api, SAP, ctl_edges[-1]["cursor"])
        assert wrong["__typename"] == "ValidationProblem", wrong


EVENTS_DOC = (Path(__file__).resolve().parents[1] / "docs" / "integration_events.md").read_text()


async def test_the_documented_feed_query_runs_as_documented(api: Api) -> None:
    """docs/integration_events.md's example reads the feed with first: 100 (the page limit)."""
    assert "outboxMessages(first: 100, after: $after)" in EVENTS_DOC
    body = await api.gql(FEED, {"first": 100}, **SAP)
    assert "errors" not in body, body


async def test_an_events_ids_are_the_ids_the_api_gives(api: Api, session: AsyncSession) -> None:
    sworld = await sap_world(api, 1)
    batch = await sap_batch(api, unique("S"), sap_lines(sworld, 1))
    await fund(session, api, sworld["clients"][0], 100_000)
    payment = await pay(api, batch["lines"][0]["recordId"])
    [event] = [
        e["node"] for e in await whole_feed(api, SAP) if e["node"]["subjectId"] == payment["id"]
    ]
    assert event["payload"]["client_id"] == event["clientId"] == sworld["clients"][0]["id"]
    assert event["payload"]["facts"]["invoice_id"] == batch["lines"][0]["recordId"]


async def test_events_are_in_order_per_client(api: Api, session: AsyncSession) -> None:
    """In order per client: a held invoice, its release, then its payment, in that order in
    SAP's feed (by sequence)."""
    sworld = await sap_world(api, 1)
    client = sworld["clients"][0]
    batch = await sap_batch(api, unique("S"), sap_lines(sworld, 1))
    invoice_id = batch["lines"][0]["recordId"]
    assert (await record_appointeeship(api, client["id"]))["__typename"] == "AppointeeshipPayload"
    release = """mutation($input: ReleaseInvoiceHoldInput!) { releaseInvoiceHold(input: $input) {
      __typename ... on Problem { code message } } }"""
    data = await api.data(
        release,
        {
            "input": {
                "invoiceId": invoice_id,
                "reason": "appointment granted",
                "idempotencyKey": new_key(),
            }
        },
        **SCAO,
    )
    assert data["releaseInvoiceHold"]["__typename"] == "InvoiceHoldPayload", data
    await fund(session, api, client, 100_000)
    await pay(api, invoice_id)
    mine = [e["node"] for e in await whole_feed(api, SAP) if e["node"]["clientId"] == client["id"]]
    topics = [m["topic"] for m in mine]
    order = ["INVOICE_HELD", "INVOICE_HOLD_RELEASED", "PAYMENT_MADE_TO_COUNCIL"]
    assert [t for t in topics if t in order] == order, topics
    assert "APPOINTED" in topics
    assert [m["sequence"] for m in mine] == sorted(m["sequence"] for m in mine)
    for m in mine:
        assert m["payload"]["client_reference"] == client["reference"]


# --- R-REF-7 and R-PAY-3 through the batch door ------------------------------------------------


async def test_invoices_sent_in_a_batch_are_held_when_the_client_is_appointed(api: Api) -> None:
    """R-REF-7, seed B 4.5: council invoices SAP sent in a batch before the council was
    appointed are held on its appointment; SAP is told (INVOICE_HELD, APPOINTED with the
    count) and its reconciliation shows them ON_HOLD."""
    sworld = await sap_world(api, 1)
    client = sworld["clients"][0]
    batch = await sap_batch(api, unique("S"), sap_lines(sworld, 2))
    docs = [x["externalReference"] for x in batch["lines"]]
    assert (await record_appointeeship(api, client["id"]))["__typename"] == "AppointeeshipPayload"
    sent = (await api.data(SENT, {"kind": "SAP_DOCUMENT", "values": docs}, **SAP))["sentInvoices"]
    assert {s["state"] for s in sent} == {"ON_HOLD"}, sent
    mine = [e["node"] for e in await whole_feed(api, SAP) if e["node"]["clientId"] == client["id"]]
    held = [m for m in mine if m["topic"] == "INVOICE_HELD"]
    assert sorted(m["payload"]["external_references"]["SAP_DOCUMENT"] for m in held) == sorted(docs)
    [appointed] = [m for m in mine if m["topic"] == "APPOINTED"]
    assert appointed["payload"]["facts"]["invoices_held"] == 2
    recon = (await api.data(RECONCILE, **SAP))["councilInvoiceReconciliation"]
    open_ = {i["externalReference"]: i["state"] for i in recon["openInvoices"]}
    assert all(open_[d] == "ON_HOLD" for d in docs)
    # No money moves for a held invoice, whatever the door.
    await check_all(api, batch["lines"][0]["recordId"])
    raised = await raise_payment(api, {"invoiceId": batch["lines"][0]["recordId"]})
    assert raised["__typename"] != "PaymentPayload", raised


async def test_a_batch_and_the_single_door_hold_alike_for_a_newly_appointed_client(
    api: Api,
) -> None:
    """Where else can an invoice get in: a council invoice for the same client, sent after
    the appointment by the single door and by a batch, is treated the same way."""
    sworld = await sap_world(api, 1)
    client = sworld["clients"][0]
    assert (await record_appointeeship(api, client["id"]))["__typename"] == "AppointeeshipPayload"
    batch = await sap_batch(api, unique("S"), sap_lines(sworld, 1))
    single = {
        "clientId": client["id"],
        "supplierId": sworld["council"]["id"],
        "supplierInvoiceNumber": unique("18"),
        "invoiceDate": clock.today().isoformat(),
        "amount": "250.00",
        "kind": "COUNCIL_CARE_CONTRIBUTION",
        "category": "OUT_LOCAL_AUTHORITY_CARE_CHARGES",
        "description": "Care contribution",
        "idempotencyKey": new_key(),
    }
    result = (await api.data(RECORD_INVOICE, {"input": single}, **SAP))["recordInvoice"]
    assert result["__typename"] == "RecordInvoicePayload", result
    hold = "query($id: ID!) { invoice(id: $id) { onHold } }"
    by_batch = (await api.data(hold, {"id": batch["lines"][0]["recordId"]}, **SCAO))["invoice"]
    by_single = (await api.data(hold, {"id": result["invoice"]["id"]}, **SCAO))["invoice"]
    assert by_batch["onHold"] == by_single["onHold"]


async def test_funds_short_is_told_to_the_invoices_sender_only(
    api: Api, session: AsyncSession
) -> None:
    """R-PAY-3, seed B 16.3: the payment of an invoice refused for short funds is told at once
    to the system that sent it (SAP's invoice to SAP, Controcc's to Controcc), once, and SAP's
    reconciliation shows it FUNDS_SHORT."""
    sworld = await sap_world(api, 1)
    sclient = sworld["clients"][0]
    batch = await sap_batch(api, unique("S"), sap_lines(sworld, 1))
    doc = batch["lines"][0]["externalReference"]
    invoice_id = batch["lines"][0]["recordId"]
    await check_all(api, invoice_id)
    raised = await raise_payment(api, {"invoiceId": invoice_id})
    assert raised["__typename"] == "PaymentPayload", raised
    payment_id = raised["payment"]["id"]
    for _ in range(2):
        refused = await approve_payment(api, payment_id)
        assert refused["__typename"] == "InsufficientFundsProblem", refused
    short = [
        e["node"]
        for e in await whole_feed(api, SAP)
        if e["node"]["topic"] == "INVOICE_FUNDS_SHORT" and e["node"]["clientId"] == sclient["id"]
    ]
    assert len(short) == 1, short
    assert short[0]["payload"]["external_references"]["SAP_DOCUMENT"] == doc
    assert short[0]["payload"]["facts"]["amount"] == 25_000
    assert not [e for e in await whole_feed(api, CTL) if e["node"]["clientId"] == sclient["id"]]
    sent = (await api.data(SENT, {"kind": "SAP_DOCUMENT", "values": [doc]}, **SAP))["sentInvoices"]
    assert [s["state"] for s in sent] == ["FUNDS_SHORT"]
    recon = (await api.data(RECONCILE, **SAP))["councilInvoiceReconciliation"]
    assert {i["externalReference"]: i["state"] for i in recon["openInvoices"]}[doc] == "FUNDS_SHORT"
    totals = {t["state"]: t for t in recon["totals"]}
    assert totals["FUNDS_SHORT"]["invoiceCount"] >= 1 and MONEY.match(
        totals["FUNDS_SHORT"]["amount"]
    )
    # Controcc's invoice short of funds goes to Controcc, not SAP.
    world = await controcc_world(api, 1, 1)
    cbatch = await ctl_batch(api, unique("B"), ctl_lines(world, 1))
    cinvoice = cbatch["lines"][0]["recordId"]
    await check_all(api, cinvoice)
    craised = await raise_payment(api, {"invoiceId": cinvoice})
    assert craised["__typename"] == "PaymentPayload", craised
    assert (await approve_payment(api, craised["payment"]["id"]))["__typename"] == (
        "InsufficientFundsProblem"
    )
    cclient = world["clients"][0]["id"]
    ctl_short = [
        e["node"] for e in await whole_feed(api, CTL) if e["node"]["topic"] == "INVOICE_FUNDS_SHORT"
    ]
    assert [m["subjectId"] for m in ctl_short if m["clientId"] == cclient] == [
        craised["payment"]["id"]
    ]
    assert not [e for e in await whole_feed(api, SAP) if e["node"]["clientId"] == cclient]


async def test_the_reconciliation_sums_sap_invoices_by_state(
    api: Api, session: AsyncSession
) -> None:
    """Item 5: SAP's invoices against the payments made to the council; totals by state in
    count and money add up to what SAP sent."""
    sworld = await sap_world(api, 2)
    before = (await api.data(RECONCILE, **SAP))["councilInvoiceReconciliation"]
    batch = await sap_batch(api, unique("S"), sap_lines(sworld, 4, amount="100.00"))
    await fund(session, api, sworld["clients"][0], 100_000)
    await pay(api, batch["lines"][0]["recordId"])  # client 0: paid
    after = (await api.data(RECONCILE, **SAP))["councilInvoiceReconciliation"]

    def totals(recon: dict[str, Any]) -> dict[str, tuple[int, int]]:
        return {t["state"]: (t["invoiceCount"], pence(t["amount"])) for t in recon["totals"]}

    b, a = totals(before), totals(after)
    diff = {
        s: (a.get(s, (0, 0))[0] - b.get(s, (0, 0))[0], a.get(s, (0, 0))[1] - b.get(s, (0, 0))[1])
        for s in set(a) | set(b)
    }
    assert diff.get("PAID") == (1, 10_000), diff
    assert diff.get("OUTSTANDING") == (3, 30_000), diff
    docs = {x["externalReference"] for x in batch["lines"]}
    open_docs = {i["externalReference"] for i in after["openInvoices"]} & docs
    assert open_docs == docs - {batch["lines"][0]["externalReference"]}


# --- SAP's postings CSV -------------------------------------------------------------------------

HEADER = (
    "posting_date,sequence,topic,client_reference,sap_customer,amount,payee_id,sap_vendor,"
    "supplier_invoice_number,sap_document,subject_id,transfer_id"
)


async def test_sap_postings_csv_has_the_documented_layout_and_agrees_with_the_feed(
    api: Api, session: AsyncSession
) -> None:
    sworld = await sap_world(api, 1)
    client = sworld["clients"][0]
    batch = await sap_batch(api, unique("S"), sap_lines(sworld, 1))
    await fund(session, api, client, 100_000)
    payment = await pay(api, batch["lines"][0]["recordId"])
    day = clock.today().isoformat()
    url = f"/integrations/sap/postings.csv?date={day}"
    resp = await api.client.get(
        url, headers={"Authorization": f"Bearer {api.token('integration_sap', 'sap')}"}
    )
    assert resp.status_code == 200, resp.text
    text = resp.content.decode("utf-8")
    assert text.startswith(HEADER + "\r\n"), text[:200]
    assert "\n" not in text.replace("\r\n", "")
    rows = list(csv.DictReader(io.StringIO(text)))
    [row] = [
        r
        for r in rows
        if r["subject_id"] == payment["id"]
        or r["sap_document"] == batch["lines"][0]["externalReference"]
    ]
    assert row["posting_date"] == day
    assert row["topic"] == "PAYMENT_MADE_TO_COUNCIL"
    assert row["client_reference"] == client["reference"]
    assert row["sap_customer"] == client["ref"]
    assert row["sap_vendor"] == sworld["council"]["ref"]
    assert row["amount"] == "250.00"
    assert row["sap_document"] == batch["lines"][0]["externalReference"]
    [event] = [
        e["node"]
        for e in await whole_feed(api, SAP)
        if e["node"]["topic"] == "PAYMENT_MADE_TO_COUNCIL" and e["node"]["clientId"] == client["id"]
    ]
    assert row["sequence"] == str(event["sequence"])
    # Who may not: Controcc 403, no token 401, a bad date 400.
    resp = await api.client.get(
        url, headers={"Authorization": f"Bearer {api.token('integration_controcc', 'controcc')}"}
    )
    assert resp.status_code == 403
    assert (await api.client.get(url)).status_code == 401
    bad = await api.client.get(
        "/integrations/sap/postings.csv?date=2026-13-40",
        headers={"Authorization": f"Bearer {api.token('integration_sap', 'sap')}"},
    )
    assert bad.status_code == 400


async def test_a_postings_rows_subject_id_is_the_feeds_subject_id(
    api: Api, session: AsyncSession
) -> None:
    sworld = await sap_world(api, 1)
    batch = await sap_batch(api, unique("S"), sap_lines(sworld, 1))
    await fund(session, api, sworld["clients"][0], 100_000)
    payment = await pay(api, batch["lines"][0]["recordId"])
    url = f"/integrations/sap/postings.csv?date={clock.today().isoformat()}"
    resp = await api.client.get(
        url, headers={"Authorization": f"Bearer {api.token('integration_sap', 'sap')}"}
    )
    rows = list(csv.DictReader(io.StringIO(resp.content.decode())))
    assert payment["id"] in {r["subject_id"] for r in rows}
