"""Controcc's benefit receipts in bulk (issue 17 item 2; seed 002 B 18.3: "All benefits should be
requested to be paid directly to the client monies bank account every 4 weeks and recorded in
Controcc separately against the client's record"; R-ACC-6: recorded against the client,
separately by benefit), through the real /graphql endpoint with real integration tokens.

Each line is idempotent by Controcc's receipt id (CONTROCC_RECEIPT); a client's lines of one
value date are one bank credit, recorded whole or not at all; other clients' lines are not held
back by a refused one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ca_api import clock
from ca_api.integrations import rules
from tests.conftest import Api, error_codes
from tests.factories import (
    INTAKE_BATCH_FIELDS,
    INTEGRATION_TOKENS,
    SETUP_SUB,
    accounts,
    new_client,
    new_counterparty,
    new_key,
    record_reference,
    resolve_references,
    unique,
)

MUTATION = f"""mutation($input: RecordControccBenefitBatchInput!) {{
  recordControccBenefitBatch(input: $input) {{ __typename
    ... on RecordInvoiceBatchPayload {{ replayed batch {{ {INTAKE_BATCH_FIELDS} }} }}
    ... on Problem {{ code message }} }} }}"""

RECEIPTS = """query($clientId: ID) { receipts(clientId: $clientId, first: 100) {
  nodes { amount benefit valueDate reference periodStart periodEnd } } }"""


async def _send(
    api: Api,
    lines: list[dict[str, Any]],
    *,
    who: str = "ctl",
    key: str | None = None,
    reference: str | None = None,
) -> dict[str, Any]:
    variables = {
        "input": {
            "batchReference": reference or unique("BEN"),
            "lines": lines,
            "idempotencyKey": key or new_key(),
        }
    }
    body = await api.gql(MUTATION, variables, **INTEGRATION_TOKENS[who])
    return body


async def send(api: Api, lines: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    body = await _send(api, lines, **kw)
    result = body["data"]["recordControccBenefitBatch"]
    assert result["__typename"] == "RecordInvoiceBatchPayload", result
    batch: dict[str, Any] = result["batch"]
    return batch | {"replayed": result["replayed"]}


async def world(api: Api, clients: int) -> dict[str, Any]:
    """Clients known to Controcc by person id, and the DWP and the council by provider id."""
    out: dict[str, Any] = {"clients": []}
    for _ in range(clients):
        client = await new_client(api)
        ref = unique("P")
        await record_reference(api, "ctl", "CONTROCC_PERSON", ref, client["id"])
        out["clients"].append(client | {"controcc": ref})
    for kind in ("DWP", "COUNCIL", "SUPPLIER"):
        cid = await new_counterparty(api, kind)
        ref = unique("PR")
        await record_reference(api, "ctl", "CONTROCC_PROVIDER", ref, cid)
        out[kind] = ref
    return out


def line(w: dict[str, Any], client: int, benefit: str, amount: str, **kw: Any) -> dict[str, Any]:
    today = clock.today()
    return {
        "externalReference": unique("R"),
        "clientReference": w["clients"][client]["controcc"],
        "payerReference": w["DWP"],
        "benefit": benefit,
        "amount": amount,
        "valueDate": today.isoformat(),
        "periodStart": (today - timedelta(days=27)).isoformat(),
        "periodEnd": today.isoformat(),
    } | kw


async def receipts_of(api: Api, client_id: str) -> list[dict[str, Any]]:
    data = await api.data(RECEIPTS, {"clientId": client_id}, role="auditor", sub="aud")
    return sorted(data["receipts"]["nodes"], key=lambda r: r["benefit"])


def refused(batch: dict[str, Any]) -> list[tuple[int, str]]:
    return [(ln["line"], ln["code"]) for ln in batch["lines"] if ln["outcome"] == "REFUSED"]


# --- pure rule --------------------------------------------------------------------------------


def test_a_credit_is_recorded_whole() -> None:
    """A refused line refuses the other lines of its (client, value date), no one else's."""
    keys = [(0, ("a", 1)), (1, ("a", 1)), (2, ("a", 2)), (3, ("b", 1))]
    assert rules.credit_groups_refused(keys, {0}) == {1}
    assert rules.credit_groups_refused(keys, set()) == set()


# --- through the endpoint ------------------------------------------------------------------------


async def test_controcc_records_benefits_separately_and_a_resend_creates_nothing(
    api: Api,
) -> None:
    w = await world(api, 2)
    a, b = w["clients"]
    lines = [
        line(w, 0, "ATTENDANCE_ALLOWANCE", "435.60"),
        line(w, 0, "STATE_PENSION", "884.20"),
        line(w, 1, "PENSION_CREDIT", "120.00"),
        line(w, 1, "HOUSING_BENEFIT", "300.00", payerReference=w["COUNCIL"]),
    ]
    batch = await send(api, lines)
    assert batch["flow"] == "CONTROCC_BENEFITS" and batch["system"] == "CONTROCC"
    assert (batch["lineCount"], batch["createdCount"], batch["refusedCount"]) == (4, 4, 0)
    assert batch["createdAmount"] == batch["receivedAmount"] == "1739.80"
    # the client's account credited, each benefit a receipt of its own (R-ACC-6)
    assert (await accounts(api, a["id"]))["CLIENT_CMS"]["balance"] == "1319.80"
    got = await receipts_of(api, a["id"])
    assert [(r["benefit"], r["amount"]) for r in got] == [
        ("ATTENDANCE_ALLOWANCE", "435.60"),
        ("STATE_PENSION", "884.20"),
    ]
    assert {r["reference"] for r in got} == {
        lines[0]["externalReference"],
        lines[1]["externalReference"],
    }
    assert (await accounts(api, b["id"]))["CLIENT_CMS"]["balance"] == "420.00"
    # Controcc resolves its receipt ids
    found = await resolve_references(
        api, "ctl", "CONTROCC_RECEIPT", [ln["externalReference"] for ln in lines]
    )
    assert [f["subjectType"] for f in found["found"]] == ["RECEIPT"] * 4

    # sent again (a new key): nothing written, each line ALREADY_HAD with its receipt
    again = await send(api, lines)
    assert (again["createdCount"], again["alreadyHadCount"]) == (0, 4)
    assert again["alreadyHadAmount"] == "1739.80"
    assert [ln["recordId"] for ln in again["lines"]] == [ln["recordId"] for ln in batch["lines"]]
    assert (await accounts(api, a["id"]))["CLIENT_CMS"]["balance"] == "1319.80"
    # the same key replays the first answer
    key = new_key()
    one = [line(w, 1, "CARERS_ALLOWANCE", "80.00")]
    first = await send(api, one, key=key, reference="BEN-REPLAY")
    replay = await send(api, one, key=key, reference="BEN-REPLAY")
    assert replay["replayed"] and replay["id"] == first["id"]
    assert (await accounts(api, b["id"]))["CLIENT_CMS"]["balance"] == "500.00"


async def test_bad_lines_are_named_and_refuse_only_their_credit(api: Api) -> None:
    w = await world(api, 5)
    today = clock.today()
    closed = w["clients"][4]
    await api.data(
        """mutation($id: ID!) { amendClient(input: {id: $id, amendment: {status: CLOSED},
             reason: "regained capacity (R-ORD-5)"}) { __typename } }""",
        {"id": closed["id"]},
        role="head_of_service",
        sub=SETUP_SUB,
    )
    yesterday = (today - timedelta(days=1)).isoformat()
    lines = [
        line(w, 0, "ATTENDANCE_ALLOWANCE", "100.00"),  # 1 fine
        line(w, 1, "STATE_PENSION", "0.00"),  # 2 BAD_AMOUNT
        line(w, 1, "PENSION_CREDIT", "50.00"),  # 3 same credit as 2: WITH_A_REFUSED_LINE
        line(w, 1, "ATTENDANCE_ALLOWANCE", "60.00", valueDate=yesterday),  # 4 another credit
        line(w, 2, "STATE_PENSION", "-5.00"),  # 5 BAD_AMOUNT
        line(w, 0, "STATE_PENSION", "1.00", clientReference="P-NOBODY"),  # 6 UNKNOWN_CLIENT
        line(w, 4, "STATE_PENSION", "10.00"),  # 7 CLIENT_NOT_ACTED_FOR
        line(w, 3, "STATE_PENSION", "10.00", payerReference="PR-NOBODY"),  # 8 UNKNOWN_PAYER
        line(w, 3, "PENSION_CREDIT", "10.00", valueDate=yesterday, payerReference=w["SUPPLIER"]),
        line(w, 0, "STATE_PENSION", "10.00", valueDate=(today + timedelta(days=1)).isoformat()),
        line(w, 2, "CARERS_ALLOWANCE", "10.00", periodEnd=(today - timedelta(days=30)).isoformat()),
    ]
    lines.append(lines[0] | {"amount": "100.00"})  # 12 REPEATED_IN_BATCH (not its credit's fault)
    batch = await send(api, lines)
    assert refused(batch) == [
        (2, "BAD_AMOUNT"),
        (3, "WITH_A_REFUSED_LINE"),
        (5, "BAD_AMOUNT"),
        (6, "UNKNOWN_CLIENT"),
        (7, "CLIENT_NOT_ACTED_FOR"),
        (8, "UNKNOWN_PAYER"),
        (9, "NOT_A_BENEFIT_PAYER"),
        (10, "INVALID_LINE"),
        (11, "INVALID_LINE"),
        (12, "REPEATED_IN_BATCH"),
    ]
    reasons = {ln["line"]: ln["reason"] for ln in batch["lines"]}
    assert "value_date" in reasons[10] and "period_end" in reasons[11]
    assert (batch["createdCount"], batch["createdAmount"]) == (2, "160.00")
    assert batch["refusedCount"] == 10
    assert batch["receivedAmount"] == "356.00"
    # client 0's good line and client 1's other day recorded; client 1's refused credit not
    assert (await accounts(api, w["clients"][0]["id"]))["CLIENT_CMS"]["balance"] == "100.00"
    assert [r["valueDate"] for r in await receipts_of(api, w["clients"][1]["id"])] == [yesterday]
    assert await receipts_of(api, closed["id"]) == []
    # the corrected lines, sent again: the recorded ones ALREADY_HAD, the credit now whole
    fixed = [lines[0], lines[1] | {"amount": "40.00"}, lines[2], lines[3]]
    again = await send(api, fixed)
    assert [ln["outcome"] for ln in again["lines"]] == [
        "ALREADY_HAD",
        "CREATED",
        "CREATED",
        "ALREADY_HAD",
    ]
    assert (await accounts(api, w["clients"][1]["id"]))["CLIENT_CMS"]["balance"] == "150.00"


async def test_only_controcc_sends_benefit_receipts(api: Api) -> None:
    w = await world(api, 1)
    lines = [line(w, 0, "STATE_PENSION", "10.00")]
    assert error_codes(await _send(api, lines, who="sap")) == ["FORBIDDEN"]
    variables = {"input": {"batchReference": "B", "lines": lines, "idempotencyKey": new_key()}}
    for role in ("senior_officer", "auditor"):
        body = await api.gql(MUTATION, variables, role=role, sub=f"{role}.t")
        assert error_codes(body) == ["FORBIDDEN"], role
    assert await receipts_of(api, w["clients"][0]["id"]) == []
