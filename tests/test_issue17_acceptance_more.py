"""Second acceptance pass on issue 17 (Controcc and SAP): the parts added after the first pass
(tests/test_issue17_acceptance.py), through the real /graphql endpoint with real integration
tokens, written from the policy (R-ROLE, R-ACC-2, R-ACC-6, R-ACC-7, R-PAY-3, R-PAY-4,
R-DEATH-2), seed 002 B 18.3 and B 4.6, the issue and the published contract (schema.graphql,
docs/integration_events.md, README "Controcc and SAP"), not from the code.

- recordControccBenefitBatch (seed 002 B 18.3, R-ACC-6): each benefit separately against the
  client; a resend creates nothing; bad lines named; all or none per client and value date.
- What an integration reads at runtime: the casework the schema says is null to it.
- TEMPORARY_ASSISTANCE_REPAID and POSTING_REVERSED to SAP, shaped as the doc's examples.

A test that finds behaviour contradicting the policy or the contract is kept, marked
xfail(strict) with the bug.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLObjectType, build_schema
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from tests.conftest import Api, error_codes
from tests.factories import (
    REPAY_ASSISTANCE,
    accounts,
    confirmed_death,
    fund,
    new_client,
    new_counterparty,
    new_key,
    paid_assistance,
    record_appointeeship,
    unique,
)
from tests.test_issue17_acceptance import (
    BATCH_FIELDS,
    BATCHES,
    CTL,
    EVENTS_DOC,
    SAP,
    SCAO,
    assert_reconciles,
    controcc_world,
    ctl_batch,
    ctl_lines,
    pay,
    pence,
    ref,
    sap_batch,
    sap_lines,
    sap_world,
    whole_feed,
)

BENEFIT_BATCH = f"""mutation($input: RecordControccBenefitBatchInput!) {{
  recordControccBenefitBatch(input: $input) {{ __typename
    ... on RecordInvoiceBatchPayload {{ replayed batch {{ flow {BATCH_FIELDS} }} }}
    ... on Problem {{ code message }}
    ... on ValidationProblem {{ fields {{ field message }} }} }} }}"""
RECEIPT = """query($id: ID!) { node(id: $id) { __typename ... on Receipt {
  id clientId amount valueDate category benefit periodStart periodEnd payer { id } } } }"""
AUDITOR = {"role": "auditor", "sub": "audrey"}


def today(delta: int = 0) -> str:
    return (clock.today() + timedelta(days=delta)).isoformat()


async def send_benefits(
    api: Api, lines: list[dict[str, Any]], who: dict[str, Any] = CTL, key: str | None = None
) -> Any:
    variables = {
        "input": {
            "batchReference": unique("BEN"),
            "lines": lines,
            "idempotencyKey": key or new_key(),
        }
    }
    return await api.gql(BENEFIT_BATCH, variables, **who)


async def benefit_batch(api: Api, lines: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    body = await send_benefits(api, lines, **kw)
    assert "errors" not in body, body
    result = body["data"]["recordControccBenefitBatch"]
    assert result["__typename"] == "RecordInvoiceBatchPayload", result
    batch: dict[str, Any] = result["batch"]
    assert batch["flow"] == "CONTROCC_BENEFITS" and batch["system"] == "CONTROCC"
    assert_reconciles(batch)
    return batch


async def benefit_world(api: Api, clients: int = 2) -> dict[str, Any]:
    """Clients Controcc knows by person id, the DWP and the council (housing benefit) by
    provider id, and a care provider (no benefit payer), all named by Controcc."""
    world = await controcc_world(api, clients, 0)
    for name, kind in (("dwp", "DWP"), ("council", "COUNCIL"), ("provider", "CARE_PROVIDER")):
        party = await new_counterparty(api, kind)
        pid = unique("PR")
        done = await ref(api, CTL, "CONTROCC_PROVIDER", pid, party)
        assert done["__typename"] == "RecordExternalReferencePayload", done
        world[name] = {"id": party, "ref": pid}
    return world


def benefit(
    world: dict[str, Any], client: int, benefit: str, amount: str, **kw: Any
) -> dict[str, Any]:
    payer = "council" if benefit == "HOUSING_BENEFIT" else "dwp"
    return {
        "externalReference": unique("RCPT"),
        "clientReference": world["clients"][client]["ref"],
        "payerReference": world[payer]["ref"],
        "benefit": benefit,
        "amount": amount,
        "valueDate": today(),
        "periodStart": today(-27),
        "periodEnd": today(),
    } | kw


async def cms(api: Api, client: dict[str, Any]) -> int:
    acc = (await accounts(api, client["id"])).get("CLIENT_CMS")
    return pence(acc["balance"]) if acc else 0


# --- recordControccBenefitBatch (seed 002 B 18.3, R-ACC-6) -------------------------------------


async def test_benefits_arrive_in_the_clients_account_each_benefit_separately(api: Api) -> None:
    """B 18.3, R-ACC-6: every benefit is a receipt of its own against its client (benefit,
    period, payer), in the client's CMS account; a resend (Controcc's job again, new key)
    creates nothing and moves no money."""
    world = await benefit_world(api, 2)
    a, b = world["clients"]
    lines = [
        benefit(world, 0, "PENSION_CREDIT", "120.40"),
        benefit(world, 0, "ATTENDANCE_ALLOWANCE", "72.65"),
        benefit(world, 1, "STATE_PENSION", "221.20"),
        benefit(world, 1, "HOUSING_BENEFIT", "95.00"),
    ]
    before = (await cms(api, a), await cms(api, b))
    batch = await benefit_batch(api, lines)
    assert [x["outcome"] for x in batch["lines"]] == ["CREATED"] * 4, batch
    ids = [x["recordId"] for x in batch["lines"]]
    assert len(set(ids)) == 4 and all(ids)
    for line, rid, client in zip(lines, ids, (a, a, b, b), strict=True):
        node = (await api.data(RECEIPT, {"id": rid}, **AUDITOR))["node"]
        assert node["__typename"] == "Receipt", node
        assert node["clientId"] == client["id"]
        assert node["benefit"] == line["benefit"] and node["amount"] == line["amount"]
        assert (node["periodStart"], node["periodEnd"]) == (line["periodStart"], line["periodEnd"])
        assert node["valueDate"] == line["valueDate"]
        payer = world["council" if line["benefit"] == "HOUSING_BENEFIT" else "dwp"]["id"]
        assert node["payer"]["id"] == payer
        expected = "IN_STATE_PENSION" if line["benefit"] == "STATE_PENSION" else "IN_BENEFITS"
        assert node["category"] == expected
    assert await cms(api, a) - before[0] == 12_040 + 7_265
    assert await cms(api, b) - before[1] == 22_120 + 9_500
    # Resend: nothing written, the same records named, no money moved.
    again = await benefit_batch(api, lines)
    assert [x["outcome"] for x in again["lines"]] == ["ALREADY_HAD"] * 4
    assert [x["recordId"] for x in again["lines"]] == ids
    assert again["createdAmount"] == "0.00" and again["alreadyHadAmount"] == batch["createdAmount"]
    assert await cms(api, a) - before[0] == 12_040 + 7_265
    assert await cms(api, b) - before[1] == 22_120 + 9_500


async def test_a_retried_benefit_batch_with_the_same_key_replays(api: Api) -> None:
    world = await benefit_world(api, 1)
    lines = [benefit(world, 0, "PENSION_CREDIT", "10.00")]
    key = new_key()
    first = await benefit_batch(api, lines, key=key)
    body = await send_benefits(api, lines, key=key)
    result = body["data"]["recordControccBenefitBatch"]
    # The batch reference differs (send_benefits makes one): same key, other input.
    assert result["__typename"] == "IdempotencyKeyReusedProblem", result
    variables = {
        "input": {"batchReference": first["batchReference"], "lines": lines, "idempotencyKey": key}
    }
    result = (await api.data(BENEFIT_BATCH, variables, **CTL))["recordControccBenefitBatch"]
    assert result["replayed"] is True and result["batch"]["id"] == first["id"]
    assert await cms(api, world["clients"][0]) == 1_000


async def test_a_bad_line_sinks_its_clients_credit_that_day_and_nothing_else(api: Api) -> None:
    """As documented: a client's lines of one value date are one bank credit, recorded all or
    none (WITH_A_REFUSED_LINE); the same client's other day and other clients are recorded.
    Bad lines are named by number, reference, code and reason."""
    world = await benefit_world(api, 3)
    a, b, c = world["clients"]
    lines = [
        benefit(world, 0, "PENSION_CREDIT", "100.00"),  # 1: A today, sunk by line 2
        benefit(world, 0, "ATTENDANCE_ALLOWANCE", "50.00", payerReference="PR-NOBODY"),  # 2
        benefit(
            world,
            0,
            "PENSION_CREDIT",
            "30.00",
            valueDate=today(-1),
            periodStart=today(-55),
            periodEnd=today(-28),
        ),  # 3: A yesterday
        benefit(world, 1, "STATE_PENSION", "200.00"),  # 4: B
        benefit(world, 2, "PENSION_CREDIT", "60.00"),  # 5: C, sunk by line 6
        benefit(world, 2, "DISABILITY_LIVING_ALLOWANCE", "70.00"),  # 6: payer not a benefit payer
        benefit(world, 1, "PENSION_CREDIT", "5.00", clientReference="P-NOBODY"),  # 7
    ]
    lines[5]["payerReference"] = world["provider"]["ref"]
    batch = await benefit_batch(api, lines)
    got = {x["line"]: (x["outcome"], x["code"]) for x in batch["lines"]}
    assert got == {
        1: ("REFUSED", "WITH_A_REFUSED_LINE"),
        2: ("REFUSED", "UNKNOWN_PAYER"),
        3: ("CREATED", None),
        4: ("CREATED", None),
        5: ("REFUSED", "WITH_A_REFUSED_LINE"),
        6: ("REFUSED", "NOT_A_BENEFIT_PAYER"),
        7: ("REFUSED", "UNKNOWN_CLIENT"),
    }, [(x["line"], x["code"], x["reason"]) for x in batch["lines"]]
    for x in batch["lines"]:
        assert x["externalReference"] == lines[x["line"] - 1]["externalReference"]
        if x["outcome"] == "REFUSED":
            assert x["reason"] and x["recordId"] is None
    assert (await cms(api, a), await cms(api, b), await cms(api, c)) == (3_000, 20_000, 0)
    # Read back by Controcc and by officers: the same counts, the refused lines named.
    doc = """query($id: ID!) { intakeBatch(id: $id) { createdCount refusedCount refusedAmount
      createdAmount lines(refusedOnly: true) { line code } } }"""
    for who in (CTL, SCAO):
        read = (await api.data(doc, {"id": batch["id"]}, **who))["intakeBatch"]
        assert (read["createdCount"], read["refusedCount"]) == (2, 5)
        assert read["createdAmount"] == "230.00" and read["refusedAmount"] == "285.00"
        assert [x["line"] for x in read["lines"]] == [1, 2, 5, 6, 7]
    listed = (
        await api.data(BATCHES, {"system": "CONTROCC", "ref": batch["batchReference"]}, **SCAO)
    )["intakeBatches"]["nodes"]
    assert [x["id"] for x in listed] == [batch["id"]]
    # Corrected and sent again: the sunk credits go in whole; the rest already had.
    lines[1]["payerReference"] = world["dwp"]["ref"]
    lines[5]["payerReference"] = world["dwp"]["ref"]
    lines[6]["clientReference"] = b["ref"]
    again = await benefit_batch(api, lines)
    outcomes = [x["outcome"] for x in again["lines"]]
    assert outcomes == ["CREATED", "CREATED", "ALREADY_HAD", "ALREADY_HAD"] + ["CREATED"] * 3
    assert (await cms(api, a), await cms(api, b), await cms(api, c)) == (18_000, 20_500, 13_000)


@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
async def test_a_benefit_of_zero_or_less_is_refused(api: Api, amount: str) -> None:
    world = await benefit_world(api, 1)
    batch = await benefit_batch(api, [benefit(world, 0, "PENSION_CREDIT", amount)])
    assert [(x["outcome"], x["code"]) for x in batch["lines"]] == [("REFUSED", "BAD_AMOUNT")]
    assert await cms(api, world["clients"][0]) == 0


@pytest.mark.parametrize("amount", ["1.005", 12.5, 12, "12.5"])
async def test_a_benefit_amount_is_a_two_place_decimal_string(api: Api, amount: Any) -> None:
    world = await benefit_world(api, 1)
    body = await send_benefits(
        api, [benefit(world, 0, "PENSION_CREDIT", "1.00") | {"amount": amount}]
    )
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert await cms(api, world["clients"][0]) == 0


async def test_a_benefit_in_the_future_or_with_a_backward_period_is_refused(api: Api) -> None:
    """The schema: the value date is not in the future; a period ends on or after it starts."""
    world = await benefit_world(api, 2)
    lines = [
        benefit(world, 0, "PENSION_CREDIT", "10.00", valueDate=today(3)),
        benefit(world, 1, "PENSION_CREDIT", "10.00", periodStart=today(), periodEnd=today(-27)),
    ]
    batch = await benefit_batch(api, lines)
    assert [x["outcome"] for x in batch["lines"]] == ["REFUSED", "REFUSED"], batch
    assert all(x["reason"] for x in batch["lines"])
    assert (await cms(api, world["clients"][0]), await cms(api, world["clients"][1])) == (0, 0)


@pytest.mark.parametrize(
    "who",
    [SAP, SCAO, {"role": "support_assistant", "sub": "s"}, {"role": "head_of_service", "sub": "h"}],
    ids=["sap", "scao", "support_assistant", "head_of_service"],
)
async def test_only_controcc_sends_the_benefit_batch(api: Api, who: dict[str, Any]) -> None:
    """R-ROLE: SAP and officers are refused (officers use recordBenefitRun)."""
    world = await benefit_world(api, 1)
    body = await send_benefits(api, [benefit(world, 0, "PENSION_CREDIT", "10.00")], who=who)
    assert error_codes(body) == ["FORBIDDEN"], body
    assert await cms(api, world["clients"][0]) == 0


async def test_the_same_benefit_and_period_twice_under_two_receipt_ids(api: Api) -> None:
    """Two of Controcc's receipts of the same benefit and period for a client, each its own
    reference: the second is refused with a reason naming the first (a likely duplicate),
    in one batch and across batches alike; the account holds exactly what was CREATED."""
    world = await benefit_world(api, 2)
    first = benefit(world, 0, "PENSION_CREDIT", "80.00")
    second = first | {"externalReference": unique("RCPT")}
    batch = await benefit_batch(api, [first, second])
    lines = batch["lines"]
    assert lines[1]["outcome"] == "REFUSED" and lines[1]["reason"], lines
    created = sum(pence(x["amount"]) for x in lines if x["outcome"] == "CREATED")
    assert await cms(api, world["clients"][0]) == created
    # Across batches: client 1's receipt recorded, then the same again under another id.
    one = benefit(world, 1, "PENSION_CREDIT", "80.00")
    assert (await benefit_batch(api, [one]))["lines"][0]["outcome"] == "CREATED"
    later = await benefit_batch(api, [one | {"externalReference": unique("RCPT")}])
    assert later["lines"][0]["outcome"] == "REFUSED", later["lines"]
    assert await cms(api, world["clients"][1]) == 8_000


async def test_benefits_received_after_death_are_recorded_and_held_as_overpaid(
    api: Api, session: AsyncSession
) -> None:
    """R-DEATH-2, seed 002 B 29.2, R-ACC-2/R-ACC-7: money that reached the client monies bank
    account after the client died is still the client's (every pound in exactly one account,
    the records reconcile to the bank): it is recorded, and the share for days after the death
    is held as a likely overpayment until the agency asks for it."""
    world = await benefit_world(api, 1)
    client = world["clients"][0]
    await fund(session, api, client, 1_000)
    await confirmed_death(api, client["id"], today(-10))
    line = benefit(world, 0, "PENSION_CREDIT", "280.00", periodStart=today(-27), periodEnd=today())
    batch = await benefit_batch(api, [line])
    [x] = batch["lines"]
    assert (x["outcome"], x["code"]) == ("CREATED", None), x
    doc = """query($id: ID!) { benefitOverpayments(clientId: $id, first: 10) {
      nodes { receipt { id } daysAfterDeath daysInPeriod amountFlagged status } } }"""
    flagged = (await api.data(doc, {"id": client["id"]}, **SCAO))["benefitOverpayments"]["nodes"]
    mine = [f for f in flagged if (f["receipt"] or {}).get("id") == x["recordId"]]
    assert len(mine) == 1, flagged
    assert mine[0]["daysAfterDeath"] == 10 and mine[0]["daysInPeriod"] == 28
    assert mine[0]["amountFlagged"] == "100.00"


# --- what an integration reads at runtime (R-ROLE) ----------------------------------------------

SCHEMA = build_schema((Path(__file__).resolve().parents[1] / "schema.graphql").read_text())


def withheld(type_name: str) -> list[str]:
    """The fields of a type the schema says answer null to an integration."""
    t = SCHEMA.type_map[type_name]
    assert isinstance(t, GraphQLObjectType)
    return [
        k
        for k, v in t.fields.items()
        if v.description and "Null to an integration" in v.description
    ]


def selection(type_name: str, names: list[str]) -> str:
    t = SCHEMA.type_map[type_name]
    assert isinstance(t, GraphQLObjectType)
    out = []
    for name in names:
        inner = t.fields[name].type
        while hasattr(inner, "of_type"):
            inner = inner.of_type
        out.append(
            f"{name} {{ __typename }}"
            if isinstance(inner, GraphQLObjectType) or hasattr(inner, "types")
            else name
        )
    return " ".join(out)


RECORD_CASEWORK = """mutation($input: RecordInvoiceInput!) { recordInvoice(input: $input) {
  __typename ... on RecordInvoicePayload { replayed invoice { id status
    client { id givenName familyName } checks { note checkedBy } checkHistory { note checkedBy }
    missingChecks events { note recordedBy }
    hold { cause reason heldBy releasedBy releaseReason }
    holds { cause reason heldBy releasedBy releaseReason }
    payments { id status raisedBy authors approvedBy madeBy cancelledBy cancelReason
      windingUpBasis holdTransferId client { id givenName } events { reason recordedBy } } } }
  ... on Problem { code message } } }"""
OFFICERS = ("olu.scao", "ash.assistant", "audrey", "check.auditor", "s.assistant")


async def test_sap_reads_back_its_invoice_with_no_officers_name_or_reason(
    api: Api, session: AsyncSession
) -> None:
    """R-ROLE, README: SAP reads its invoice back (the recordInvoice replay, its one door to
    it) after officers held, released, checked, paid it: every casework field the schema or the
    README names (client, checks, events, holds' reasons and officers, payment's raisedBy,
    approvedBy, madeBy, events) is null, and no officer's name or reason is anywhere in it."""
    sworld = await sap_world(api, 1)
    client = sworld["clients"][0]
    key = new_key()
    single = {
        "clientId": client["id"],
        "supplierId": sworld["council"]["id"],
        "supplierInvoiceNumber": unique("18"),
        "invoiceDate": clock.today().isoformat(),
        "amount": "250.00",
        "kind": "COUNCIL_CARE_CONTRIBUTION",
        "category": "OUT_LOCAL_AUTHORITY_CARE_CHARGES",
        "description": "Care contribution",
        "idempotencyKey": key,
    }
    first = (await api.data(RECORD_CASEWORK, {"input": single}, **SAP))["recordInvoice"]
    assert first["__typename"] == "RecordInvoicePayload", first
    invoice_id = first["invoice"]["id"]
    assert (await record_appointeeship(api, client["id"]))["__typename"] == "AppointeeshipPayload"
    secret = unique("SECRET-REASON")
    release = """mutation($input: ReleaseInvoiceHoldInput!) { releaseInvoiceHold(input: $input) {
      __typename ... on Problem { code message } } }"""
    done = await api.data(
        release,
        {"input": {"invoiceId": invoice_id, "reason": secret, "idempotencyKey": new_key()}},
        **SCAO,
    )
    assert done["releaseInvoiceHold"]["__typename"] == "InvoiceHoldPayload", done
    await fund(session, api, client, 100_000)
    await pay(api, invoice_id)
    body = await api.gql(RECORD_CASEWORK, {"input": single}, **SAP)
    assert "errors" not in body, body
    invoice = body["data"]["recordInvoice"]["invoice"]
    assert invoice["payments"] and invoice["holds"], invoice
    for f in withheld("Invoice"):
        assert invoice[f] is None, (f, invoice)
    for h in invoice["holds"]:
        for f in withheld("InvoiceHold"):
            assert h[f] is None, (f, h)
    for p in invoice["payments"]:
        for f in (*withheld("Payment"), "approvedBy", "events"):
            if f in p:
                assert p[f] is None, (f, p)
    text = json.dumps(body)
    assert not [w for w in (secret, *OFFICERS) if w in text], text


async def test_the_schema_marks_every_field_the_integrations_get_null(api: Api) -> None:
    """The contract: schema.graphql says which fields answer null to an integration. Payment's
    approvedBy and events are withheld at runtime (the README: 'who raised or approved'), so
    the schema says so too."""
    assert {"approvedBy", "events"} <= set(withheld("Payment")), withheld("Payment")


OFFICER_ONLY = [
    (
        "benefitOverpayments",
        "query($id: ID!) { benefitOverpayments(clientId: $id, first: 5) "
        "{ nodes { releaseReason } } }",
    ),
    ("estate", "query($id: ID!) { estate(clientId: $id) { __typename } }"),
    ("client", "query($id: ID!) { client(id: $id) { id givenName familyName } }"),
    ("node", "query($id: ID!) { node(id: $id) { ... on Client { givenName familyName } } }"),
]


@pytest.mark.parametrize("who", [CTL, SAP], ids=["controcc", "sap"])
@pytest.mark.parametrize(("field", "doc"), OFFICER_ONLY, ids=[x[0] for x in OFFICER_ONLY])
async def test_officer_only_queries_tell_an_integration_nothing(
    api: Api, who: dict[str, Any], field: str, doc: str
) -> None:
    client = await new_client(api)
    body = await api.gql(doc, {"id": client["id"]}, **who)
    assert error_codes(body), body
    assert not (body.get("data") or {}).get(field), body


# --- events to SAP: TEMPORARY_ASSISTANCE_REPAID, POSTING_REVERSED ------------------------------


def documented(topic: str) -> dict[str, Any]:
    """The doc's JSON example of a topic."""
    section = EVENTS_DOC.split(f"### {topic}\n", 1)[1]
    block = section.split("```json\n", 1)[1].split("```", 1)[0]
    example: dict[str, Any] = json.loads(block)
    return example


def assert_shaped_as_documented(payload: dict[str, Any], topic: str) -> None:
    example = documented(topic)
    assert set(payload) == set(example), set(payload) ^ set(example)
    assert set(payload["facts"]) == set(example["facts"]), set(payload["facts"]) ^ set(
        example["facts"]
    )
    assert payload["topic"] == topic and payload["version"] == example["version"]
    for k, v in example["facts"].items():
        if isinstance(v, int) and not isinstance(v, bool):
            assert isinstance(payload["facts"][k], int), (k, payload["facts"][k])


async def node_type(api: Api, opaque: str) -> str | None:
    body = await api.gql(
        "query($id: ID!) { node(id: $id) { __typename id } }", {"id": opaque}, **AUDITOR
    )
    node = (body.get("data") or {}).get("node")
    assert not node or node["id"] == opaque
    return node["__typename"] if node else None


async def test_sap_hears_a_temporary_assistance_repayment_once_as_documented(
    api: Api, session: AsyncSession
) -> None:
    """Seed 002 B 4.6: the client's money repays the council's temporary assistance; SAP is told
    TEMPORARY_ASSISTANCE_REPAID once (a retry tells nothing twice), shaped as the doc's example,
    its ids the API's; Controcc hears nothing of it."""
    sworld = await sap_world(api, 1)
    client = sworld["clients"][0]
    supplier = await new_counterparty(api, "SUPPLIER")
    assistance = await paid_assistance(api, client, supplier, "200.00")
    await fund(session, api, client, 100_000)
    key = new_key()
    variables = {"id": assistance["id"], "amount": "150.00", "idempotencyKey": key}
    repaid = (await api.data(REPAY_ASSISTANCE, {"input": variables}, **SCAO))[
        "recordTemporaryAssistanceRepayment"
    ]
    assert repaid["__typename"] == "TemporaryAssistancePayload", repaid
    again = (await api.data(REPAY_ASSISTANCE, {"input": variables}, **SCAO))[
        "recordTemporaryAssistanceRepayment"
    ]
    assert again["replayed"] is True, again
    events = [
        e["node"]
        for e in await whole_feed(api, SAP)
        if e["node"]["topic"] == "TEMPORARY_ASSISTANCE_REPAID"
        and e["node"]["clientId"] == client["id"]
    ]
    assert len(events) == 1, events
    payload = events[0]["payload"]
    assert_shaped_as_documented(payload, "TEMPORARY_ASSISTANCE_REPAID")
    facts = payload["facts"]
    assert payload["client_id"] == client["id"]
    assert payload["client_reference"] == client["reference"]
    assert payload["external_references"].get("SAP_CUSTOMER") == client["ref"]
    assert facts["assistance_id"] == assistance["id"]
    assert (facts["amount"], facts["outstanding"]) == (15_000, 5_000)
    assert await node_type(api, facts["transfer_id"]) == "Transfer"
    assert events[0]["subjectId"] in (facts["transfer_id"], assistance["id"])
    assert not [e for e in await whole_feed(api, CTL) if e["node"]["clientId"] == client["id"]]


async def test_sap_hears_a_reversal_of_its_posting_as_documented(
    api: Api, session: AsyncSession
) -> None:
    """A payment to the council SAP booked, reversed by an officer: SAP hears POSTING_REVERSED
    naming the original event (topic, subject, sequence, transfer, its SAP document); the
    officer's reason stays out; a retried reversal tells nothing twice; Controcc hears nothing."""
    sworld = await sap_world(api, 1)
    client = sworld["clients"][0]
    batch = await sap_batch(api, unique("S"), sap_lines(sworld, 1))
    await fund(session, api, client, 100_000)
    payment = await pay(api, batch["lines"][0]["recordId"])
    [made] = [
        e["node"]
        for e in await whole_feed(api, SAP)
        if e["node"]["topic"] == "PAYMENT_MADE_TO_COUNCIL" and e["node"]["clientId"] == client["id"]
    ]
    transfer = made["payload"]["facts"]["transfer_id"]
    secret = unique("SECRET-REVERSAL")
    reverse = """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
      __typename ... on TransferPayload { replayed transfer { id } }
      ... on Problem { code message } } }"""
    variables = {"input": {"transferId": transfer, "reason": secret, "idempotencyKey": new_key()}}
    done = (await api.data(reverse, variables, **SCAO))["reverseTransfer"]
    assert done["__typename"] == "TransferPayload", done
    again = (await api.data(reverse, variables, **SCAO))["reverseTransfer"]
    assert again["replayed"] is True
    reversed_ = [
        e["node"]
        for e in await whole_feed(api, SAP)
        if e["node"]["topic"] == "POSTING_REVERSED" and e["node"]["clientId"] == client["id"]
    ]
    assert len(reversed_) == 1, reversed_
    payload = reversed_[0]["payload"]
    assert_shaped_as_documented(payload, "POSTING_REVERSED")
    facts = payload["facts"]
    assert facts["reverses_transfer_id"] == transfer
    assert facts["reverses_topic"] == "PAYMENT_MADE_TO_COUNCIL"
    assert facts["reverses_subject_type"] == made["subjectType"] == "Payment"
    assert facts["reverses_subject_id"] == made["subjectId"] == payment["id"]
    assert facts["reverses_sequence"] == made["sequence"] < reversed_[0]["sequence"]
    assert facts["reversal_transfer_id"] == done["transfer"]["id"]
    assert await node_type(api, facts["reversal_transfer_id"]) == "Transfer"
    assert facts["amount"] == 25_000
    refs = payload["external_references"]
    assert refs.get("SAP_DOCUMENT") == batch["lines"][0]["externalReference"]
    assert refs.get("SAP_VENDOR") == sworld["council"]["ref"]
    assert refs.get("SAP_CUSTOMER") == client["ref"]
    assert secret not in json.dumps(payload)
    assert not [e for e in await whole_feed(api, CTL) if e["node"]["clientId"] == client["id"]]


async def test_a_reversal_of_something_sap_never_heard_of_tells_nothing(
    api: Api, session: AsyncSession
) -> None:
    """A payment to a care provider (Controcc's invoice) for a client SAP knows: SAP never
    heard of it, so its reversal is told to no one."""
    world = await controcc_world(api, 1, 1)
    client = world["clients"][0]
    assert (await ref(api, SAP, "SAP_CUSTOMER", unique("C"), client["id"]))[
        "__typename"
    ] == "RecordExternalReferencePayload"
    batch = await ctl_batch(api, unique("B"), ctl_lines(world, 1))
    await fund(session, api, client, 500_000)
    payment = await pay(api, batch["lines"][0]["recordId"])
    body = await api.data(
        "query($id: ID!) { payment(id: $id) { events { event transferId } } }",
        {"id": payment["id"]},
        **SCAO,
    )
    transfers = [e["transferId"] for e in body["payment"]["events"] if e["transferId"]]
    assert transfers, body
    reverse = """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
      __typename ... on Problem { code message } } }"""
    done = (
        await api.data(
            reverse,
            {
                "input": {
                    "transferId": transfers[-1],
                    "reason": "wrong provider",
                    "idempotencyKey": new_key(),
                }
            },
            **SCAO,
        )
    )["reverseTransfer"]
    assert done["__typename"] == "TransferPayload", done
    sap_mine = [
        e["node"]["topic"]
        for e in await whole_feed(api, SAP)
        if e["node"]["clientId"] == client["id"]
    ]
    assert "POSTING_REVERSED" not in sap_mine, sap_mine
    ctl_mine = [
        e["node"]["topic"]
        for e in await whole_feed(api, CTL)
        if e["node"]["clientId"] == client["id"]
    ]
    assert "POSTING_REVERSED" not in ctl_mine, ctl_mine


async def test_controcc_never_sees_saps_events(api: Api, session: AsyncSession) -> None:
    """R-ROLE: every SAP-only topic stays out of Controcc's feed, whatever client."""
    sap_only = {
        "PAYMENT_MADE_TO_COUNCIL",
        "FEE_CHARGED",
        "WIND_UP_FEE_TAKEN",
        "ESTATE_KEPT",
        "POSTING_REVERSED",
        "TEMPORARY_ASSISTANCE_REPAID",
    }
    topics = {e["node"]["topic"] for e in await whole_feed(api, CTL)}
    assert not topics & sap_only, topics
    assert {e["node"]["recipient"] for e in await whole_feed(api, CTL)} <= {"CONTROCC"}
