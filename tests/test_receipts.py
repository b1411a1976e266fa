"""Receipts through the real /graphql endpoint: money in from a counterparty to a client's CMS
account (R-ACC-4, R-ACC-6, R-OPG-1), idempotent by key; the four-weekly benefits run, all or
nothing, in a fixed number of SQL statements; who may do what (R-ROLE-1).

The helpers at the top are shared with ``test_interest``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit_service
from ca_api.clients.models import Client, ClientVersion
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.db import Database
from ca_api.errors import ValidationFailed
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger.rules import Benefit, Category
from ca_api.money import format_money
from ca_api.receipts import rules
from ca_api.receipts import service as receipts_service
from ca_api.receipts.rules import ReceiptDraft, ReceiptMethod, RunLine
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    AA_PERIOD,
    RECEIPT_FIELDS,
    RECORD_RECEIPT,
    RECORD_RUN,
    SETUP_SUB,
    SUPPORT_ACTOR,
    VALUE_DATE,
    accounts,
    at_once,
    audit_rows,
    care_client_id,
    care_person,
    cms_balance,
    cms_posted,
    committed_clients,
    committed_payer,
    ledger_sound,
    new_key,
    new_payer,
    problem_messages,
    receipt_input,
    record_receipt,
)
from tests.support import fresh_database, statements

# --- shared helpers -------------------------------------------------------------------------

OFFICERS = (
    "support_assistant",
    "assistant",
    "senior_assistant",
    "senior_officer",
    "governance_manager",
    "head_of_service",
)
NOT_OFFICERS = ("auditor", "reporting", "social_worker", "integration_controcc", "integration_sap")

RECEIPTS = f"""
query($clientId: ID, $benefit: Benefit, $method: ReceiptMethod, $from: Date, $to: Date,
      $late: Boolean, $first: Int, $after: String) {{
  receipts(clientId: $clientId, benefit: $benefit, method: $method, receivedFrom: $from,
           receivedTo: $to, notBankedSameDay: $late, first: $first, after: $after) {{
    edges {{ cursor node {{ {RECEIPT_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


async def close_client(api: Api, client_id: str) -> None:
    data = await api.data(
        """mutation($id: ID!) { amendClient(input: {id: $id, amendment: {status: CLOSED},
             reason: "regained capacity (R-ORD-5)"}) { __typename } }""",
        {"id": client_id},
        role="head_of_service",
        sub=SETUP_SUB,
    )
    assert data["amendClient"]["__typename"] == "ClientPayload", data


async def receipts(api: Api, **variables: Any) -> list[dict[str, Any]]:
    data = await api.data(RECEIPTS, {"first": 100, **variables}, role="auditor", sub="aud")
    assert not data["receipts"]["pageInfo"]["hasNextPage"]
    return [e["node"] for e in data["receipts"]["edges"]]


@pytest.fixture
async def client_id(api: Api) -> str:
    return await care_client_id(api)


@pytest.fixture
async def dwp(api: Api) -> str:
    return await new_payer(api, "DWP")


# --- recordReceipt: money in (R-ACC-4, R-ACC-6, R-OPG-1) ------------------------------------


async def test_a_benefit_paid_by_the_dwp_credits_the_clients_cms_account(
    api: Api, client_id: str, dwp: str
) -> None:
    assert await accounts(api, client_id) == {}
    result = await record_receipt(api, receipt_input(client_id, dwp, reference="DWP AA 1234"))

    assert result["__typename"] == "ReceiptPayload", result
    r = result["receipt"]
    assert r["clientId"] == client_id
    assert r["payer"]["id"] == dwp and r["payer"]["kind"] == "DWP"
    assert (r["amount"], r["valueDate"]) == ("434.20", VALUE_DATE)
    # R-ACC-6: recorded per benefit; R-OPG-1: its category follows from the benefit.
    assert (r["benefit"], r["category"]) == ("ATTENDANCE_ALLOWANCE", "IN_BENEFITS")
    assert (r["periodStart"], r["periodEnd"]) == AA_PERIOD
    assert r["method"] == "BANK_TRANSFER" and r["receiptNumber"] is None
    assert (r["receivedOn"], r["bankedOn"], r["bankedSameDay"]) == (VALUE_DATE, VALUE_DATE, True)
    assert r["description"] == "Attendance allowance 2025-02-03 to 2025-03-02"
    assert r["reference"] == "DWP AA 1234"
    assert r["recordedBy"] == "support_assistant.one"
    assert r["reversed"] is False
    assert r["transfer"]["kind"] == "POSTED"
    assert (r["transfer"]["amount"], r["transfer"]["category"]) == ("434.20", "IN_BENEFITS")

    # One ledger transfer into the CMS account (R-ACC-1), made on first use.
    assert await accounts(api, client_id) == {
        "CLIENT_CMS": {"balance": "434.20", "available": "434.20"}
    }
    # One audit row, in the client's chain (R-AUD-1).
    rows = await audit_rows(api, entityType="receipt")
    assert [(a["action"], a["principal"], a["principalRoles"]) for a in rows] == [
        ("record", "support_assistant.one", ["SUPPORT_ASSISTANT"])
    ]
    after = rows[0]["after"]
    assert after["amount"] == 43420 and after["benefit"] == "ATTENDANCE_ALLOWANCE"
    assert after["balance_after"] == 43420
    assert await ledger_sound(api)


async def test_state_pension_is_recorded_as_state_pension(
    api: Api, client_id: str, dwp: str
) -> None:
    result = await record_receipt(
        api, receipt_input(client_id, dwp, benefit="STATE_PENSION", amount="884.40")
    )
    assert result["receipt"]["category"] == "IN_STATE_PENSION"
    # Naming the category the benefit implies is fine; another one is refused.
    same = await record_receipt(
        api,
        receipt_input(client_id, dwp, benefit="STATE_PENSION", category="IN_STATE_PENSION"),
    )
    assert same["__typename"] == "ReceiptPayload"
    # issue 10 item 6: recorded as it was named (R-REC)
    assert (same["receipt"]["benefit"], same["receipt"]["category"]) == (
        "STATE_PENSION",
        "IN_STATE_PENSION",
    )
    wrong = await record_receipt(
        api, receipt_input(client_id, dwp, benefit="STATE_PENSION", category="IN_BENEFITS")
    )
    assert problem_messages(wrong) == {"category": "a STATE_PENSION receipt is IN_STATE_PENSION"}


async def test_money_in_that_is_not_a_benefit_names_its_category(api: Api, client_id: str) -> None:
    payer = await new_payer(api, "PENSION_PAYER")
    result = await record_receipt(
        api,
        receipt_input(
            client_id,
            payer,
            benefit=None,
            periodStart=None,
            periodEnd=None,
            category="IN_PRIVATE_PENSION",
            amount="312.00",
        ),
    )
    assert result["__typename"] == "ReceiptPayload", result
    r = result["receipt"]
    assert (r["category"], r["benefit"], r["periodStart"]) == ("IN_PRIVATE_PENSION", None, None)
    assert r["description"] == "Private pension by bank transfer"
    assert await cms_balance(api, client_id) == "312.00"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"benefit": None, "category": "OUT_CARE_FEES"},
            {"category": "OUT_CARE_FEES is not a money-in category"},
        ),
        (
            {"benefit": None, "category": "TRANSFER_BETWEEN_OWN_ACCOUNTS"},
            {"category": "TRANSFER_BETWEEN_OWN_ACCOUNTS is not a money-in category"},
        ),
        (
            {"benefit": None},
            {"category": "is required (or give the benefit, which implies it)"},
        ),
        (
            {"benefit": None, "category": "IN_BENEFITS"},
            {"benefit": "is required for IN_BENEFITS: benefits are recorded separately (R-ACC-6)"},
        ),
        (
            {"category": "IN_OTHER"},
            {"category": "a ATTENDANCE_ALLOWANCE receipt is IN_BENEFITS"},
        ),
        ({"amount": "0.00"}, {"amount": "must be more than 0.00"}),
        ({"amount": "-5.00"}, {"amount": "must be more than 0.00"}),
        (
            {"periodEnd": "2025-01-01"},
            {"periodEnd": "is before the period's start"},
        ),
        (
            {"periodEnd": None},
            {"periodEnd": "a period needs both a start and an end"},
        ),
        (
            {"receiptNumber": "R-1"},
            {"receiptNumber": "is for cash and cheques only"},
        ),
        (
            {"receivedOn": "2025-03-01"},
            {"receivedOn": "a bank transfer is received on its value date"},
        ),
    ],
)
async def test_a_receipt_that_breaks_a_rule_writes_nothing(
    api: Api, client_id: str, dwp: str, changes: dict[str, Any], expected: dict[str, str]
) -> None:
    input = receipt_input(client_id, dwp)
    for name, value in changes.items():
        if value is None:
            input.pop(name, None)
        else:
            input[name] = value
    result = await record_receipt(api, input)
    assert problem_messages(result) == expected
    assert await accounts(api, client_id) == {}
    assert await audit_rows(api, entityType="receipt") == []


async def test_money_is_not_recorded_before_it_arrives(api: Api, client_id: str, dwp: str) -> None:
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    result = await record_receipt(api, receipt_input(client_id, dwp, valueDate=tomorrow))
    assert problem_messages(result) == {
        "valueDate": "is in the future: record money once it has arrived"
    }


@pytest.mark.parametrize("amount", ["12.5", "12.500", "1e3", 12.5, 1250])
async def test_an_amount_is_pounds_and_pence_with_two_places(
    api: Api, client_id: str, dwp: str, amount: Any
) -> None:
    body = await api.gql(
        RECORD_RECEIPT,
        {"input": {**receipt_input(client_id, dwp, amount=amount), "idempotencyKey": new_key()}},
        role="support_assistant",
    )
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert await accounts(api, client_id) == {}


# --- Cash and cheques (R-ACC-4) -----------------------------------------------------------


def in_hand(client_id: str, payer_id: str, **changes: Any) -> dict[str, Any]:
    """A cheque from a pension payer, received and banked on 3 March 2025."""
    return receipt_input(
        client_id,
        payer_id,
        **{
            "benefit": None,
            "periodStart": None,
            "periodEnd": None,
            "category": "IN_REFUNDS",
            "method": "CHEQUE",
            "amount": "25.00",
            "receivedOn": "2025-03-03",
            "valueDate": "2025-03-03",
            "receiptNumber": f"R{uuid.uuid4().hex[:6]}",
            **changes,
        },
    )


async def test_cash_banked_the_day_it_came_in_and_a_cheque_banked_late(
    api: Api, client_id: str
) -> None:
    payer = await new_payer(api, "SUPPLIER", "Sussex Energy")
    cash = await record_receipt(
        api, in_hand(client_id, payer, method="CASH", amount="40.00", receiptNumber="R000101")
    )
    late = await record_receipt(
        api,
        in_hand(
            client_id,
            payer,
            amount="17.50",
            receiptNumber="R000102",
            receivedOn="2025-03-03",
            valueDate="2025-03-06",  # banked three days later: allowed, but shown
        ),
    )
    assert cash["__typename"] == late["__typename"] == "ReceiptPayload", (cash, late)
    c, q = cash["receipt"], late["receipt"]
    assert (c["method"], c["receiptNumber"], c["receivedOn"], c["bankedOn"]) == (
        "CASH",
        "R000101",
        "2025-03-03",
        "2025-03-03",
    )
    assert c["bankedSameDay"] is True
    assert (q["method"], q["receivedOn"], q["bankedOn"], q["valueDate"]) == (
        "CHEQUE",
        "2025-03-03",
        "2025-03-06",
        "2025-03-06",
    )
    assert q["bankedSameDay"] is False
    assert await cms_balance(api, client_id) == "57.50"

    # R-ACC-4: late banking is queryable.
    late_ones = await receipts(api, late=True)
    assert [r["receiptNumber"] for r in late_ones] == ["R000102"]
    on_time = await receipts(api, clientId=client_id, late=False)
    assert [r["receiptNumber"] for r in on_time] == ["R000101"]


@pytest.mark.parametrize("method", ["CASH", "CHEQUE"])
async def test_cash_and_cheques_need_a_receipt_number_and_the_day_received(
    api: Api, client_id: str, dwp: str, method: str
) -> None:
    input = in_hand(client_id, dwp, method=method)
    del input["receiptNumber"], input["receivedOn"]
    result = await record_receipt(api, input)
    assert problem_messages(result) == {
        "receiptNumber": f"is required for {method} (R-ACC-4)",
        "receivedOn": f"is required for {method} (R-ACC-4)",
    }
    blank = await record_receipt(api, in_hand(client_id, dwp, method=method, receiptNumber="  "))
    assert problem_messages(blank) == {"receiptNumber": f"is required for {method} (R-ACC-4)"}
    early = await record_receipt(
        api, in_hand(client_id, dwp, method=method, receivedOn="2025-03-04", valueDate="2025-03-03")
    )
    assert problem_messages(early) == {
        "receivedOn": "is after the value date: money is banked after it comes in"
    }
    assert await accounts(api, client_id) == {}


async def test_a_receipt_number_is_used_once(api: Api, client_id: str, dwp: str) -> None:
    first = await record_receipt(api, in_hand(client_id, dwp, receiptNumber="R000200"))
    assert first["__typename"] == "ReceiptPayload"
    other = await care_client_id(api, givenName="Beatrice", familyName="Bexhill")
    again = await record_receipt(api, in_hand(other, dwp, receiptNumber=" R000200 "))
    assert problem_messages(again) == {"receiptNumber": "R000200 is on another receipt already"}
    assert await accounts(api, other) == {}
    assert await cms_balance(api, client_id) == "25.00"


# --- Which clients and payers --------------------------------------------------------------


async def test_an_unknown_client_or_payer_is_not_found(api: Api, client_id: str, dwp: str) -> None:
    nobody = encode_id("Client", uuid.uuid4())
    result = await record_receipt(api, receipt_input(nobody, dwp))
    assert result["__typename"] == "NotFoundProblem", result
    assert (result["code"], result["id"]) == ("NOT_FOUND", nobody)

    no_payer = encode_id("Counterparty", uuid.uuid4())
    result = await record_receipt(api, receipt_input(client_id, no_payer))
    assert result["__typename"] == "NotFoundProblem", result
    assert result["id"] == no_payer
    assert await accounts(api, client_id) == {}

    body = await api.gql(
        RECORD_RECEIPT,
        {"input": {**receipt_input("not-an-id", dwp), "idempotencyKey": new_key()}},
        role="support_assistant",
    )
    assert error_codes(body) == ["BAD_ID"]


async def test_no_money_is_recorded_for_a_closed_case_or_a_referral(api: Api, dwp: str) -> None:
    closed = await care_client_id(api)
    await close_client(api, closed)
    result = await record_receipt(api, receipt_input(closed, dwp))
    assert problem_messages(result) == {
        "clientId": "the client's case is closed: money is no longer recorded for them"
    }
    data = await api.data(
        """mutation($input: ReferClientInput!) {
             referClient(input: $input) {
               ... on ClientPayload { client { id } } } }""",
        {"input": care_person() | {"idempotencyKey": new_key()}},
        role="social_worker",
        sub="wendy.sw",
    )
    referral = data["referClient"]["client"]["id"]
    result = await record_receipt(api, receipt_input(referral, dwp))
    assert problem_messages(result) == {
        "clientId": "the client is a referral not yet taken on: nobody may receive money for "
        "them yet"
    }
    assert await accounts(api, closed) == {}
    assert await audit_rows(api, entityType="receipt") == []


async def test_a_benefit_comes_from_the_dwp_or_the_council(api: Api, client_id: str) -> None:
    supplier = await new_payer(api, "SUPPLIER")
    result = await record_receipt(api, receipt_input(client_id, supplier))
    assert problem_messages(result) == {
        "payerId": "a benefit is paid by the DWP or the council, not a SUPPLIER"
    }
    council = await new_payer(api, "COUNCIL", "East Sussex County Council")
    housing = await record_receipt(
        api, receipt_input(client_id, council, benefit="HOUSING_BENEFIT")
    )
    assert housing["__typename"] == "ReceiptPayload", housing


# --- Idempotency ---------------------------------------------------------------------------


async def test_a_repeat_with_the_same_key_returns_the_first_receipt(
    api: Api, client_id: str, dwp: str
) -> None:
    idem, input = new_key(), receipt_input(client_id, dwp)
    first = await record_receipt(api, input, idem=idem)
    again = await record_receipt(api, input, idem=idem)
    assert first["__typename"] == again["__typename"] == "ReceiptPayload"
    assert again["receipt"] == first["receipt"]
    assert await cms_balance(api, client_id) == "434.20"  # credited once
    assert len(await receipts(api, clientId=client_id)) == 1
    assert len(await audit_rows(api, entityType="receipt")) == 1

    reused = await record_receipt(api, {**input, "amount": "434.21"}, idem=idem)
    assert reused["__typename"] == "IdempotencyKeyReusedProblem", reused
    assert (reused["code"], reused["key"]) == ("IDEMPOTENCY_KEY_REUSED", idem)
    assert await cms_balance(api, client_id) == "434.20"


async def test_a_replayed_receipt_says_so(api: Api, client_id: str, dwp: str) -> None:
    # issue 9 item 12: ReceiptPayload carries `replayed` like the other idempotent payloads.
    idem, input = new_key(), receipt_input(client_id, dwp)
    query = RECORD_RECEIPT.replace("... on ReceiptPayload {", "... on ReceiptPayload { replayed")
    first = await api.data(
        query, {"input": {**input, "idempotencyKey": idem}}, role="support_assistant"
    )
    again = await api.data(
        query, {"input": {**input, "idempotencyKey": idem}}, role="support_assistant"
    )
    assert first["recordReceipt"]["replayed"] is False
    assert again["recordReceipt"]["replayed"] is True
    assert again["recordReceipt"]["receipt"] == first["recordReceipt"]["receipt"]


async def test_a_replayed_run_reversal_or_interest_run_says_so(
    api: Api, client_id: str, dwp: str
) -> None:
    # issue 9 item 12: every idempotent payload of money in carries `replayed`.
    run_query = RECORD_RUN.replace("{ count total", "{ replayed count total")
    variables = {"input": {**run_input([line(client_id, dwp)]), "idempotencyKey": new_key()}}
    first = await api.data(run_query, variables, role="support_assistant")
    again = await api.data(run_query, variables, role="support_assistant")
    assert first["recordBenefitRun"]["replayed"] is False
    assert again["recordBenefitRun"]["replayed"] is True

    receipt = (await record_receipt(api, receipt_input(client_id, dwp)))["receipt"]
    reverse = """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
                   __typename ... on TransferPayload { replayed transfer { id } } } }"""
    variables = {
        "input": {
            "transferId": receipt["transfer"]["id"],
            "reason": "paid to the wrong client",
            "idempotencyKey": new_key(),
        }
    }
    first = await api.data(reverse, variables, role="senior_officer", sub="olu.scao")
    again = await api.data(reverse, variables, role="senior_officer", sub="olu.scao")
    assert first["reverseTransfer"]["replayed"] is False
    assert again["reverseTransfer"]["replayed"] is True
    assert first["reverseTransfer"]["transfer"] == again["reverseTransfer"]["transfer"]

    interest = """mutation { postInterest(input: {periodStart: "2025-01-01",
                   periodEnd: "2025-01-31"}) {
                   __typename ... on InterestRunPayload { replayed alreadyRun } } }"""
    first = await api.data(interest, role="senior_officer", sub="olu.scao")
    again = await api.data(interest, role="senior_officer", sub="olu.scao")
    assert first["postInterest"] == {
        "__typename": "InterestRunPayload",
        "replayed": False,
        "alreadyRun": False,
    }
    assert again["postInterest"]["replayed"] is again["postInterest"]["alreadyRun"] is True


async def test_a_refused_receipt_leaves_its_key_free(api: Api, client_id: str, dwp: str) -> None:
    idem = new_key()
    refused = await record_receipt(api, receipt_input(client_id, dwp, amount="0.00"), idem=idem)
    assert refused["__typename"] == "ValidationProblem"
    fixed = await record_receipt(api, receipt_input(client_id, dwp), idem=idem)
    assert fixed["__typename"] == "ReceiptPayload", fixed


async def test_a_key_is_8_to_200_characters(api: Api, client_id: str, dwp: str) -> None:
    result = await record_receipt(api, receipt_input(client_id, dwp), idem="short")
    assert problem_messages(result) == {
        "idempotencyKey": "must be 8 to 200 characters (a UUID is ideal)"
    }


# --- Corrections (R-AUD-2) -----------------------------------------------------------------


async def test_a_receipt_corrected_by_a_reversal_shows_it(
    api: Api, client_id: str, dwp: str
) -> None:
    r = (await record_receipt(api, receipt_input(client_id, dwp)))["receipt"]
    data = await api.data(
        """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
             __typename } }""",
        {
            "input": {
                "transferId": r["transfer"]["id"],
                "reason": "paid to the wrong client",
                "idempotencyKey": new_key(),
            }
        },
        role="senior_officer",
        sub="olu.scao",
    )
    assert data["reverseTransfer"]["__typename"] == "TransferPayload", data
    [listed] = await receipts(api, clientId=client_id)
    assert listed["id"] == r["id"] and listed["reversed"] is True
    assert await cms_balance(api, client_id) == "0.00"


# --- Listing receipts ----------------------------------------------------------------------


async def test_receipts_filter_by_client_benefit_method_and_day(api: Api, dwp: str) -> None:
    a = await care_client_id(api)
    b = await care_client_id(api, givenName="Beatrice", familyName="Bexhill")
    await record_receipt(api, receipt_input(a, dwp, valueDate="2025-03-03"))
    await record_receipt(
        api, receipt_input(a, dwp, benefit="STATE_PENSION", valueDate="2025-03-10")
    )
    await record_receipt(api, receipt_input(b, dwp, valueDate="2025-03-17"))
    await record_receipt(api, in_hand(b, dwp, receivedOn="2025-03-20", valueDate="2025-03-20"))

    def days(rows: list[dict[str, Any]]) -> list[str]:
        return [r["receivedOn"] for r in rows]

    assert days(await receipts(api)) == ["2025-03-20", "2025-03-17", "2025-03-10", "2025-03-03"]
    assert days(await receipts(api, clientId=a)) == ["2025-03-10", "2025-03-03"]
    assert days(await receipts(api, benefit="ATTENDANCE_ALLOWANCE")) == [
        "2025-03-17",
        "2025-03-03",
    ]
    assert days(await receipts(api, method="CHEQUE")) == ["2025-03-20"]
    assert days(await receipts(api, **{"from": "2025-03-10", "to": "2025-03-17"})) == [
        "2025-03-17",
        "2025-03-10",
    ]

    # A page at a time, newest first, nothing skipped or repeated.
    seen: list[str] = []
    after = None
    while True:
        data = await api.data(RECEIPTS, {"first": 1, "after": after}, role="assistant")
        conn = data["receipts"]
        seen += [e["node"]["id"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == [r["id"] for r in await receipts(api)]

    body = await api.gql(RECEIPTS, {"after": "bm90IGEgY3Vyc29y"}, role="assistant")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    body = await api.gql(RECEIPTS, {"clientId": encode_id("Client", uuid.uuid4())})
    assert error_codes(body) == ["NOT_FOUND"]


# --- Who may (R-ROLE-1) --------------------------------------------------------------------


@pytest.mark.parametrize("role", OFFICERS + NOT_OFFICERS)
async def test_who_may_record_a_receipt(api: Api, client_id: str, dwp: str, role: str) -> None:
    sub = f"{role}.receipt"
    body = await api.gql(
        RECORD_RECEIPT,
        {"input": {**receipt_input(client_id, dwp), "idempotencyKey": new_key()}},
        role=role,
        sub=sub,
    )
    if role in OFFICERS:  # support assistants record receipts (R-ROLE)
        assert "errors" not in body, body
        assert body["data"]["recordReceipt"]["__typename"] == "ReceiptPayload"
        assert await cms_balance(api, client_id) == "434.20"
    else:
        assert error_codes(body) == ["FORBIDDEN"], body
        assert body["data"] is None
        assert await accounts(api, client_id) == {}
        assert await audit_rows(api, principal=sub) == []


@pytest.mark.parametrize("role", OFFICERS + NOT_OFFICERS)
async def test_who_may_record_a_benefits_run(api: Api, client_id: str, dwp: str, role: str) -> None:
    sub = f"{role}.run"
    body = await api.gql(
        RECORD_RUN,
        {"input": {**run_input([line(client_id, dwp)]), "idempotencyKey": new_key()}},
        role=role,
        sub=sub,
    )
    if role in OFFICERS:
        assert "errors" not in body, body
        assert body["data"]["recordBenefitRun"]["__typename"] == "BenefitRunPayload"
        # issue 10 item 6: the run's one line is in the client's CMS account (R-REC)
        done = body["data"]["recordBenefitRun"]
        assert (done["count"], done["clients"], done["total"]) == (1, 1, "434.20")
        assert done["valueDate"] == VALUE_DATE
        assert await cms_balance(api, client_id) == "434.20"
    else:
        assert error_codes(body) == ["FORBIDDEN"], body
        assert await accounts(api, client_id) == {}
        assert await audit_rows(api, principal=sub) == []


@pytest.mark.parametrize("role", [*OFFICERS, *NOT_OFFICERS])
async def test_who_may_read_receipts(api: Api, role: str) -> None:
    body = await api.gql("{ receipts { edges { node { id } } } }", role=role)
    if role in (*OFFICERS, "auditor"):
        assert "errors" not in body, body
    else:
        assert error_codes(body) == ["FORBIDDEN"], body


# --- The benefits run (R-ACC-6) ------------------------------------------------------------


def line(
    client_id: str,
    payer_id: str,
    benefit: str = "ATTENDANCE_ALLOWANCE",
    amount: str = "434.20",
    period: tuple[str, str] = AA_PERIOD,
) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "payerId": payer_id,
        "benefit": benefit,
        "amount": amount,
        "periodStart": period[0],
        "periodEnd": period[1],
    }


def run_input(lines: list[dict[str, Any]], value_date: str = VALUE_DATE) -> dict[str, Any]:
    return {"lines": lines, "valueDate": value_date}


async def run(
    api: Api, lines: list[dict[str, Any]], *, idem: str | None = None, value_date: str = VALUE_DATE
) -> dict[str, Any]:
    data = await api.data(
        RECORD_RUN,
        {"input": {**run_input(lines, value_date), "idempotencyKey": idem or new_key()}},
        role="support_assistant",
        sub="sam.support",
    )
    return dict(data["recordBenefitRun"])


async def test_a_benefits_run_records_each_benefit_separately(api: Api, dwp: str) -> None:
    a = await care_client_id(api)
    b = await care_client_id(api, givenName="Beatrice", familyName="Bexhill")
    council = await new_payer(api, "COUNCIL")
    # b already has money: the run adds to it.
    await record_receipt(api, in_hand(b, dwp, amount="10.00"))
    lines = [
        line(a, dwp, "STATE_PENSION", "884.40"),
        line(a, dwp, "ATTENDANCE_ALLOWANCE", "434.20"),
        line(a, dwp, "PENSION_CREDIT", "61.36"),
        line(b, dwp, "PERSONAL_INDEPENDENCE_PAYMENT", "403.60"),
        line(b, council, "HOUSING_BENEFIT", "380.00"),
    ]
    result = await run(api, lines)
    assert result == {
        "__typename": "BenefitRunPayload",
        "count": 5,
        "total": "2163.56",
        "clients": 2,
        "valueDate": VALUE_DATE,
    }
    assert await accounts(api, a) == {"CLIENT_CMS": {"balance": "1379.96", "available": "1379.96"}}
    assert await cms_balance(api, b) == "793.60"
    by_benefit = {r["benefit"]: r for r in await receipts(api, clientId=a)}
    assert set(by_benefit) == {"STATE_PENSION", "ATTENDANCE_ALLOWANCE", "PENSION_CREDIT"}
    sp = by_benefit["STATE_PENSION"]
    assert (sp["amount"], sp["category"], sp["method"]) == (
        "884.40",
        "IN_STATE_PENSION",
        "BANK_TRANSFER",
    )
    assert (sp["periodStart"], sp["periodEnd"], sp["valueDate"]) == (*AA_PERIOD, VALUE_DATE)
    assert sp["bankedSameDay"] is True and sp["recordedBy"] == "sam.support"
    assert by_benefit["PENSION_CREDIT"]["category"] == "IN_BENEFITS"
    [hb] = await receipts(api, clientId=b, benefit="HOUSING_BENEFIT")
    assert hb["payer"]["id"] == council

    # One audit row per line (per receipt), each in its client's chain.
    rows = await audit_rows(api, entityType="receipt", principal="sam.support")
    assert len(rows) == 5
    assert {r["entityId"] for r in rows} == {
        str(decode_uuid("Receipt", r["id"]))
        for r in await receipts(api)
        if r["method"] == "BANK_TRANSFER"
    }
    data = await api.data("{ verifyAuditChain { intact } }", role="auditor", sub="check.auditor")
    assert data["verifyAuditChain"]["intact"] is True
    assert await ledger_sound(api)


async def test_a_run_with_one_bad_line_writes_nothing_at_all(api: Api, dwp: str) -> None:
    a = await care_client_id(api)
    b = await care_client_id(api, givenName="Beatrice", familyName="Bexhill")
    nobody = encode_id("Client", uuid.uuid4())
    idem = new_key()
    lines = [line(a, dwp), line(b, dwp), line(nobody, dwp), line(a, dwp, "STATE_PENSION")]
    result = await run(api, lines, idem=idem)
    assert problem_messages(result) == {"lines.2.clientId": "no such client"}

    # Nothing: no accounts made, no receipts, no audit rows, the ledger as it was.
    assert await accounts(api, a) == await accounts(api, b) == {}
    assert await receipts(api) == []
    assert await audit_rows(api, entityType="receipt") == []
    assert await ledger_sound(api)

    # The key was not spent: the corrected run goes through under it.
    fixed = await run(api, [lines[0], lines[1], lines[3]], idem=idem)
    assert fixed["__typename"] == "BenefitRunPayload", fixed
    assert (fixed["count"], fixed["total"]) == (3, "1302.60")


async def test_a_run_names_every_bad_line(api: Api, dwp: str) -> None:
    a = await care_client_id(api)
    closed = await care_client_id(api)
    await close_client(api, closed)
    supplier = await new_payer(api, "SUPPLIER")
    no_payer = encode_id("Counterparty", uuid.uuid4())
    result = await run(
        api,
        [
            line(a, dwp),
            line(closed, dwp),
            line(a, supplier, "STATE_PENSION"),
            line(a, no_payer, "PENSION_CREDIT"),
            line(a, dwp, amount="0.00", benefit="CARERS_ALLOWANCE"),
            line(a, dwp, benefit="WINTER_FUEL_PAYMENT", period=("2025-03-02", "2025-02-03")),
            line(a, dwp),  # the same benefit and period as line 0
        ],
    )
    assert problem_messages(result) == {
        "lines.4.amount": "must be more than 0.00",
        "lines.5.periodEnd": "is before the period's start",
        "lines.6.benefit": "repeats line 0: the same benefit for the same client and period",
    }
    result = await run(
        api,
        [
            line(a, dwp),
            line(closed, dwp),
            line(a, supplier, "STATE_PENSION"),
            line(a, no_payer, "PENSION_CREDIT"),
        ],
    )
    assert problem_messages(result) == {
        "lines.1.clientId": "the client's case is closed: money is no longer recorded for them",
        "lines.2.payerId": "a benefit is paid by the DWP or the council, not a SUPPLIER",
        "lines.3.payerId": "no such counterparty",
    }
    assert await accounts(api, a) == {}


async def test_a_run_has_one_to_the_most_lines_a_request_can_carry(api: Api, dwp: str) -> None:
    a = await care_client_id(api)
    assert problem_messages(await run(api, [])) == {"lines": "a run has at least one line"}
    too_many = [
        line(a, dwp, period=(d.isoformat(), d.isoformat()))
        for d in (date(2024, 1, 1) + timedelta(days=i) for i in range(rules.MAX_RUN_LINES + 1))
    ]
    fields = problem_messages(await run(api, too_many))
    assert fields == {
        "lines": f"a run call takes at most {rules.MAX_RUN_LINES} lines: split the run into "
        "several calls"
    }
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    assert problem_messages(await run(api, [line(a, dwp)], value_date=tomorrow)) == {
        "valueDate": "is in the future: record money once it has arrived"
    }
    assert await accounts(api, a) == {}


async def test_a_run_repeated_with_its_key_is_recorded_once(api: Api, dwp: str) -> None:
    a = await care_client_id(api)
    idem, lines = new_key(), [line(a, dwp), line(a, dwp, "STATE_PENSION", "884.40")]
    first = await run(api, lines, idem=idem)
    again = await run(api, lines, idem=idem)
    assert (
        first
        == again
        == {
            "__typename": "BenefitRunPayload",
            "count": 2,
            "total": "1318.60",
            "clients": 1,
            "valueDate": VALUE_DATE,
        }
    )
    assert await cms_balance(api, a) == "1318.60"
    assert len(await receipts(api)) == 2
    reused = await run(api, lines[:1], idem=idem)
    assert reused["__typename"] == "IdempotencyKeyReusedProblem", reused
    assert await cms_balance(api, a) == "1318.60"


async def test_a_benefit_and_period_already_recorded_is_refused_as_at_controccs_door(
    api: Api, dwp: str
) -> None:
    """R-ACC-6, each benefit recorded once a period: a run under a new key repeating a benefit
    and period its client already has a receipt of (by any door, not reversed) is refused
    whole, naming that receipt, in the words Controcc's batch refuses the line with."""
    a = await care_client_id(api)
    b = await care_client_id(api, givenName="Beatrice", familyName="Bexhill")
    assert (await run(api, [line(a, dwp)]))["__typename"] == "BenefitRunPayload"
    [first] = await receipts(api, clientId=a)
    by_hand = (await record_receipt(api, receipt_input(b, dwp, benefit="STATE_PENSION")))["receipt"]
    again = await run(api, [line(b, dwp), line(a, dwp), line(b, dwp, "STATE_PENSION")])
    said = "already records this benefit for this client and period"
    assert problem_messages(again) == {
        "lines.1.benefit": f"receipt {first['id']} {said}",
        "lines.2.benefit": f"receipt {by_hand['id']} {said}",
    }
    assert receipts_service.already_recorded(decode_uuid("Receipt", first["id"])) == (
        f"receipt {first['id']} {said}"
    )
    # Nothing of the refused run was written.
    assert await cms_balance(api, a) == "434.20"
    assert await cms_balance(api, b) == "434.20"
    assert len(await receipts(api)) == 2

    # Another period or another benefit of the same client is a receipt of its own.
    other = await run(api, [line(a, dwp, period=("2025-03-03", "2025-03-30")), line(b, dwp)])
    assert (other["__typename"], other["count"]) == ("BenefitRunPayload", 2), other

    # A receipt reversed (R-AUD-2) no longer records its period: the benefit may be recorded.
    reversed_ = await api.data(
        """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
             __typename } }""",
        {
            "input": {
                "transferId": by_hand["transfer"]["id"],
                "reason": "paid to the wrong client",
                "idempotencyKey": new_key(),
            }
        },
        role="senior_officer",
        sub="olu.scao",
    )
    assert reversed_["reverseTransfer"]["__typename"] == "TransferPayload", reversed_
    redone = await run(api, [line(b, dwp, "STATE_PENSION")])
    assert redone["__typename"] == "BenefitRunPayload", redone
    assert await ledger_sound(api)


# --- The run at full size: under the request limit, in a fixed number of statements --------


async def bare_clients(session: AsyncSession, n: int) -> list[str]:
    """``n`` active clients written straight to the tables (setup only), their opaque ids."""
    ids = [uuid.uuid4() for _ in range(n)]
    await session.execute(
        insert(Client).values(
            [{"id": i, "reference": f"RT{i.hex[:10]}", "created_by": SETUP_SUB} for i in ids]
        )
    )
    await session.execute(
        insert(ClientVersion).values(
            [
                {
                    "client_id": i,
                    "version": 1,
                    "given_name": "Run",
                    "family_name": f"Client {n}",
                    "date_of_birth": date(1940, 1, 1),
                    "situation": "RESIDENTIAL_CARE",
                    "status": "ACTIVE",
                    "recorded_by": SETUP_SUB,
                }
                for n, i in enumerate(ids)
            ]
        )
    )
    await session.commit()
    return [encode_id("Client", i) for i in ids]


async def test_a_full_run_fits_the_request_limit_and_its_sql_does_not_grow_with_it(
    api: Api, db: RolledBackDatabase, session: AsyncSession, dwp: str
) -> None:
    n = rules.MAX_RUN_LINES
    clients = await bare_clients(session, n + 1)
    # The longest line the schema allows: the longest benefit name, a large amount.
    lines = [line(c, dwp, "EMPLOYMENT_AND_SUPPORT_ALLOWANCE", "9999.99") for c in clients[:n]]
    body = {
        "query": RECORD_RUN,
        "variables": {"input": {**run_input(lines), "idempotencyKey": new_key()}},
    }
    assert len(json.dumps(body).encode()) < api.settings.max_body_bytes  # even with spaces

    with statements(db) as small:
        one = await run(api, [line(clients[n], dwp, "EMPLOYMENT_AND_SUPPORT_ALLOWANCE")])
    with statements(db) as full:
        resp = await api.post(
            RECORD_RUN, body["variables"], role="support_assistant", sub="sam.support"
        )
    assert resp.status_code == 200, resp.text
    result = resp.json()["data"]["recordBenefitRun"]
    assert one["count"] == 1
    assert result["count"] == n and result["clients"] == n
    assert result["total"] == format_money(999_999 * n)
    # The same statements for 1 line as for the most a call takes (no per-line round trips).
    print("statements", len(small), len(full))
    assert len(full) == len(small), (len(small), len(full))
    assert len(full) <= 20
    assert await cms_balance(api, clients[0]) == "9999.99"
    assert len(await audit_rows(api, clientId=clients[0])) == 1
    assert await ledger_sound(api)


# --- Under concurrent load: a database of its own, committing for real ---------------------


@pytest.fixture(scope="module")
def money_db_url() -> Iterator[str]:
    with fresh_database("ca_api_money") as url:
        yield url


@pytest.fixture(scope="module")
async def money_db(money_db_url: str) -> AsyncIterator[Database]:
    database = Database(money_db_url, pool_size=12)
    yield database
    await database.dispose()


async def test_overlapping_benefit_runs_at_once_never_deadlock(money_db: Database) -> None:
    """Eight runs over the same twelve clients, half listing them one way and half the other,
    at once: every run is recorded whole (accounts are locked in id order, not line order), the
    balances are exact, the ledger sums to zero and the audit chains are intact."""
    clients, payer = await committed_clients(money_db, 12), await committed_payer(money_db)
    runs = 8

    def run_call(i: int) -> Callable[[AsyncSession], Awaitable[Any]]:
        order = clients if i % 2 else list(reversed(clients))
        start = date(2024, 1, 1) + timedelta(days=28 * i)
        lines = [
            RunLine(
                c, payer, Benefit.ATTENDANCE_ALLOWANCE, 10_000 + i, start, start + timedelta(27)
            )
            for c in order
        ]
        return lambda s: receipts_service.record_benefit_run(
            s, SUPPORT_ACTOR, lines, date(2025, 3, 3), idempotency_key=f"run-{uuid.uuid4()}"
        )

    results = await at_once(*(run_call(i) for i in range(runs)), db=money_db)
    assert [type(r).__name__ for r in results] == ["BenefitRunSummary"] * runs, results
    expected = sum(10_000 + i for i in range(runs))
    for c in clients:
        assert await cms_posted(money_db, c) == expected
    async with money_db.session() as s:
        assert await ledger_accounts.ledger_is_sound(s) == (0, 0)
        report = await audit_service.verify_chain(s)
        assert report.intact, report.breaks


async def test_a_benefit_and_period_sent_at_once_under_several_keys_is_recorded_once(
    money_db: Database,
) -> None:
    """R-ACC-6 under load: six runs at once, each under its own key, all carrying the same
    benefit and period of the same two clients. The check runs under the clients' CMS account
    locks, so the runs queue on them and each later one sees the first one's receipts: one is
    recorded, every other refused naming them, and the money is in once."""
    clients, payer = await committed_clients(money_db, 2), await committed_payer(money_db)
    lines = [
        RunLine(c, payer, Benefit.PENSION_CREDIT, 6_136, date(2025, 2, 3), date(2025, 3, 2))
        for c in clients
    ]

    def run_call(i: int) -> Callable[[AsyncSession], Awaitable[Any]]:
        given = lines if i % 2 else list(reversed(lines))
        return lambda s: receipts_service.record_benefit_run(
            s, SUPPORT_ACTOR, given, date(2025, 3, 3), idempotency_key=f"run-{uuid.uuid4()}"
        )

    results = await at_once(*(run_call(i) for i in range(6)), db=money_db)
    recorded = [r for r in results if isinstance(r, receipts_service.BenefitRunSummary)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert (len(recorded), len(refused)) == (1, 5), results
    for problem in refused:
        assert set(problem.fields) == {"lines.0.benefit", "lines.1.benefit"}, problem.fields
        assert all("already records this benefit" in m for m in problem.fields.values())
    for c in clients:
        assert await cms_posted(money_db, c) == 6_136


async def test_one_key_fired_at_once_records_one_receipt(money_db: Database) -> None:
    [client], payer = await committed_clients(money_db, 1), await committed_payer(money_db)
    draft = ReceiptDraft(
        client_id=client,
        payer_id=payer,
        amount=43_420,
        value_date=date(2025, 3, 3),
        method=ReceiptMethod.BANK_TRANSFER,
        benefit=Benefit.ATTENDANCE_ALLOWANCE,
        period_start=date(2025, 2, 3),
        period_end=date(2025, 3, 2),
    )
    idem = f"receipt-{uuid.uuid4()}"
    results = await at_once(
        *(
            lambda s: receipts_service.record_receipt(s, SUPPORT_ACTOR, draft, idempotency_key=idem)
            for _ in range(10)
        ),
        db=money_db,
    )
    assert len({r.transfer.id for r in results}) == 1, results
    assert await cms_posted(money_db, client) == 43_420


async def test_a_receipt_number_taken_at_once_is_taken_once(money_db: Database) -> None:
    clients, payer = await committed_clients(money_db, 6), await committed_payer(money_db)
    number = f"R{uuid.uuid4().hex[:8]}"

    def cash(c: uuid.UUID) -> Callable[[AsyncSession], Awaitable[Any]]:
        draft = ReceiptDraft(
            client_id=c,
            payer_id=payer,
            amount=2_500,
            value_date=date(2025, 3, 3),
            method=ReceiptMethod.CASH,
            category=Category.IN_REFUNDS,
            received_on=date(2025, 3, 3),
            receipt_number=number,
        )
        return lambda s: receipts_service.record_receipt(
            s, SUPPORT_ACTOR, draft, idempotency_key=f"cash-{uuid.uuid4()}"
        )

    results = await at_once(*(cash(c) for c in clients), db=money_db)
    recorded = [r for r in results if isinstance(r, receipts_service.ReceiptRecord)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(recorded) == 1 and len(refused) == 5, results
    assert {tuple(r.fields) for r in refused} == {("receipt_number",)}
    assert sum([await cms_posted(money_db, c) for c in clients]) == 2_500


async def test_the_whole_receipts_list_pages_as_one_page_lists_it(api: Api) -> None:
    """The unfiltered list, newest first (day received, then posting order), read a few at a
    time forward and backward gives the rows of one page, in its order. A page after a cursor
    starts its index scan at the cursor's day (``received_on <=`` the day, ``>=`` backward,
    implied by the key): receipts of the cursor's day either side of it are neither lost nor
    listed twice."""
    payer = await new_payer(api, "DWP")
    clients = [await care_client_id(api), await care_client_id(api)]
    days = ["2025-03-03", "2025-03-05", "2025-03-05", "2025-03-05", "2025-03-07", "2025-03-07"]
    mine = set()
    for i, day in enumerate(days):
        draft = receipt_input(clients[i % 2], payer, valueDate=day, amount=f"{100 + i}.00")
        made = await record_receipt(api, draft)
        assert made["__typename"] == "ReceiptPayload", made
        mine.add(made["receipt"]["id"])
    doc = """query ($first: Int, $after: String, $last: Int, $before: String) {
      receipts(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage } } }"""

    async def page(**args: Any) -> dict[str, Any]:
        data = await api.data(doc, args, role="auditor", sub="aud")
        return dict(data["receipts"])

    whole = [(e["cursor"], e["node"]["id"]) for e in (await page(first=100))["edges"]]
    assert mine <= {i for _, i in whole}
    walked: list[tuple[str, str]] = []
    after = None
    while len(walked) < len(whole):
        edges = (await page(first=2, after=after))["edges"]
        assert edges
        walked += [(e["cursor"], e["node"]["id"]) for e in edges]
        after = edges[-1]["cursor"]
    assert walked[: len(whole)] == whole
    back: list[tuple[str, str]] = []
    before = whole[-1][0]
    while True:
        got = await page(last=2, before=before)
        back = [(e["cursor"], e["node"]["id"]) for e in got["edges"]] + back
        if not got["pageInfo"]["hasPreviousPage"]:
            break
        before = got["edges"][0]["cursor"]
    assert back == whole[:-1]
