"""Acceptance of issue 15, the OPG annual report (R-OPG, R-OPG-1, R-OPG-2, R-ROLE-2, R-ORD-3),
written from the policy (domain.md), docs/opg_categories.md and schema.graphql alone, as a new
user of the API would: a deputy client's year through the endpoint, the report type at the
threshold both ways, the due date, one open report at a time, the unbalanced report refused with
the entry named, the PDF and JSON exports, four eyes and roles; then the ways a pound could get
into (or out of) a report wrongly.

The ledger entries of a year are posted on their value dates with ``opg_post`` (the ledger's own
service; the doors that record money date entries today); everything about the report goes
through /graphql.
"""

from __future__ import annotations

import base64
import io
import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pypdf
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.common.ids import decode_uuid, encode_id
from tests.conftest import Api
from tests.factories import (
    KEYED_PROBLEMS,
    add_institution,
    add_product,
    amend_deputyship,
    approve_as,
    approve_payment,
    assert_forbidden,
    cancel_payment,
    create_client,
    give_back,
    lodge,
    new_counterparty,
    new_deputyship,
    new_key,
    new_payer,
    opg_post,
    opg_report_accounts,
    payable_invoice,
    placed,
    placement_input,
    powers,
    proposed_lodgement,
    raised_payment,
    receipt_input,
    record_contact,
    record_receipt,
    registered_valuable,
    run_fees,
    with_surplus,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "src" / "ca_api" / "opg_reports" / "opg_report.schema.json"

CASEWORK = {"role": "assistant", "sub": "ash.assistant"}
SCAO = {"role": "senior_officer", "sub": "olu.scao"}
TGM = {"role": "governance_manager", "sub": "grace.tgm"}

PROBLEM_BITS = KEYED_PROBLEMS
ENTRY = "transferId valueDate amount description accountId"
CATEGORY_TOTAL = f"category benefit opgCategory opgGroup opgSection amount entries {{ {ENTRY} }}"
VERSION_FIELDS = f"""
  version generatedBy reason reportType assetsAtEnd threshold
  accounts {{ accountId kind opening moneyIn moneyOut transfersIn transfersOut closing }}
  moneyIn {{ {CATEGORY_TOTAL} }}
  moneyOut {{ {CATEGORY_TOTAL} }}
  transfersBetweenOwnAccounts {{ transferId fromAccountId toAccountId amount description }}
  totals {{ opening moneyIn moneyOut closing }}
  sections {{
    decisions {{ decisionId kind madeOn amount whatWasDecided }}
    contacts {{ contactedOn kind withWhom about }}
    visits {{ reviewedOn methods }}
    gifts {{ transferId amount recipient }}
    deputyFees {{ type amount charges {{ transferId amount }} }}
    deputyExpenses {{ transferId amount }}
    benefits {{ benefit opgCategory received payments }}
  }}
"""
REPORT_FIELDS = f"""
  id clientId periodStart periodEnd dueOn status reportType preparedBy approvedBy submittedOn
  opgReference
  currentVersion {{ {VERSION_FIELDS} }}
  versions {{ version reason }}
  history {{ event version reason }}
  lateEntries {{ transferId valueDate amount category description }}
  balanceCheck {{
    balanced openingMatchesLastReport lastReportClosing
    explainingEntries {{ transferId description }}
  }}
"""


def _mutation(name: str, input_type: str) -> str:
    extra = "... on FourEyesProblem { raisedBy }" if name == "approveOpgReport" else ""
    return f"""mutation($input: {input_type}!) {{
      {name}(input: $input) {{
        __typename
        ... on OpgReportPayload {{ replayed report {{ {REPORT_FIELDS} }} }}
        {PROBLEM_BITS} {extra}
      }}
    }}"""


MUTATIONS = {
    "openOpgReport": "OpenOpgReportInput",
    "generateOpgReport": "GenerateOpgReportInput",
    "recordOpgReportText": "RecordOpgReportTextInput",
    "prepareOpgReport": "PrepareOpgReportInput",
    "approveOpgReport": "ApproveOpgReportInput",
    "returnOpgReport": "ReturnOpgReportInput",
    "markOpgReportSubmitted": "MarkOpgReportSubmittedInput",
    "correctOpgReport": "CorrectOpgReportInput",
}
REPORT = f"query($id: ID!) {{ node(id: $id) {{ ... on OpgReport {{ {REPORT_FIELDS} }} }} }}"
EXPORT = """query($id: ID!) { node(id: $id) { ... on OpgReport {
  currentVersion { version export { digitalServiceJson pdfBase64 } } } } }"""
RECLASSIFY = f"""mutation($input: ReclassifyLedgerEntryInput!) {{
  reclassifyLedgerEntry(input: $input) {{ __typename {KEYED_PROBLEMS} }} }}"""


# --- calling the report's mutations --------------------------------------------------------------


async def call(api: Api, name: str, fields: dict[str, Any], who: dict[str, str]) -> Any:
    """The mutation's result (payload or problem)."""
    variables = {"input": {**fields, "idempotencyKey": new_key()}}
    data = await api.data(_mutation(name, MUTATIONS[name]), variables, **who)
    return data[name]


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert result["__typename"] == "OpgReportPayload", result
    report: dict[str, Any] = result["report"]
    return report


async def open_report(api: Api, client_id: str, who: dict[str, str] = CASEWORK) -> dict[str, Any]:
    return ok(await call(api, "openOpgReport", {"clientId": client_id}, who))


async def generate(api: Api, report_id: str, who: dict[str, str] = CASEWORK) -> dict[str, Any]:
    return ok(await call(api, "generateOpgReport", {"reportId": report_id}, who))


async def prepare(api: Api, report_id: str, who: dict[str, str] = CASEWORK) -> dict[str, Any]:
    return ok(await call(api, "prepareOpgReport", {"reportId": report_id}, who))


async def approve(api: Api, report_id: str, who: dict[str, str] = SCAO) -> dict[str, Any]:
    return ok(await call(api, "approveOpgReport", {"reportId": report_id}, who))


async def mark_submitted(
    api: Api, report_id: str, on: str, who: dict[str, str] = SCAO
) -> dict[str, Any]:
    fields = {"reportId": report_id, "submittedOn": on, "opgReference": "OPG-REF-" + on}
    return dict(await call(api, "markOpgReportSubmitted", fields, who))


async def read(api: Api, report_id: str) -> dict[str, Any]:
    report: dict[str, Any] = (await api.data(REPORT, {"id": report_id}, **SCAO))["node"]
    return report


# --- a deputy client and their entries ---------------------------------------------------------


async def deputy_client(
    api: Api, order_date: str, *, health_and_welfare: bool = False
) -> tuple[str, uuid.UUID]:
    """A client with a deputyship from ``order_date``: (opaque id, uuid)."""
    client_id = str((await create_client(api))["id"])
    await new_deputyship(
        api,
        client_id,
        orderDate=order_date,
        healthAndWelfareOrder=health_and_welfare,
        powers=powers(makeGifts=True, giftYearlyLimit="250.00"),
    )
    return client_id, decode_uuid("Client", client_id)


def tid(transfer: uuid.UUID) -> str:
    return encode_id("Transfer", transfer)


def by_category(totals: list[dict[str, Any]]) -> dict[str, str]:
    """{category: amount}, benefits summed over benefits."""
    out: dict[str, int] = {}
    for t in totals:
        pence = round(float(t["amount"]) * 100)
        out[t["category"]] = out.get(t["category"], 0) + pence
    return {k: f"{v // 100}.{v % 100:02d}" for k, v in out.items()}


def entry_ids(version: dict[str, Any]) -> set[str]:
    ids = {e["transferId"] for t in version["moneyIn"] + version["moneyOut"] for e in t["entries"]}
    return ids | {t["transferId"] for t in version["transfersBetweenOwnAccounts"]}


def pence(money: str) -> int:
    whole, _, frac = money.lstrip("-").partition(".")
    value = int(whole) * 100 + int((frac + "00")[:2])
    return -value if money.startswith("-") else value


# Period 1 of an order made on 2024-04-01: 2024-04-01 to 2025-03-31 (a year less a day),
# due on the 56th day after: 2025-05-26. Period 2: 2025-04-01 to 2026-03-31.
ORDER = "2024-04-01"
YEAR: list[tuple[str, int, date, str, str]] = [
    # (category, pence, value date, description, account)
    ("IN_OTHER", 500_000, date(2024, 3, 20), "Savings brought in before the order", "CLIENT_CMS"),
    ("IN_BENEFITS", 40_000, date(2024, 5, 1), "Attendance allowance, May", "CLIENT_CMS"),
    ("IN_BENEFITS", 40_000, date(2024, 6, 1), "Attendance allowance, June", "CLIENT_CMS"),
    ("IN_STATE_PENSION", 80_000, date(2024, 5, 5), "State pension", "CLIENT_CMS"),
    ("IN_PRIVATE_PENSION", 25_050, date(2024, 7, 5), "Teachers' pension", "CLIENT_CMS"),
    ("IN_INTEREST", 123, date(2024, 12, 31), "CMS interest", "CLIENT_CMS"),
    ("OUT_CARE_FEES", 150_000, date(2024, 6, 10), "Seaview care fees", "CLIENT_CMS"),
    ("OUT_PERSONAL_ALLOWANCE", 10_000, date(2024, 7, 1), "Personal allowance", "CLIENT_CMS"),
    ("OUT_GIFTS", 5_000, date(2024, 8, 1), "Birthday gift to Nora Niece", "CLIENT_CMS"),
    ("TRANSFER_BETWEEN_OWN_ACCOUNTS", 100_000, date(2024, 9, 1), "Lodgement", "CLIENT_CMS"),
    ("IN_INTEREST", 417, date(2025, 3, 1), "Court Funds interest", "CLIENT_COURT_FUNDS"),
    ("OUT_DEPUTY_FEES", 58_500, date(2024, 10, 1), "Deputy annual management", "CLIENT_CMS"),
    ("OUT_OPG_FEES", 32_000, date(2024, 10, 2), "OPG supervision fee", "CLIENT_CMS"),
    ("OUT_LOAN_REPAYMENTS", 7_500, date(2024, 11, 1), "Catalogue debt repaid", "CLIENT_CMS"),
    # after period 1's end: period 2
    ("OUT_CARE_FEES", 9_999, date(2025, 4, 2), "Seaview care fees, April", "CLIENT_CMS"),
    ("IN_BENEFITS", 40_000, date(2025, 5, 1), "Attendance allowance, May 2025", "CLIENT_CMS"),
]


async def post_year(session: AsyncSession, client: uuid.UUID) -> dict[str, uuid.UUID]:
    """The YEAR's entries: {description: transfer id}."""
    ids: dict[str, uuid.UUID] = {}
    for category, amount, on, description, account in YEAR:
        ids[description] = await opg_post(
            session, client, category, amount, on, description, account=account
        )
    return ids


# --- 1. a year of a deputy client's life ---------------------------------------------------------


async def test_a_year_of_life_balances_to_the_penny_and_the_next_opening_is_this_closing(
    api: Api, session: AsyncSession
) -> None:
    """R-OPG, R-OPG-1, R-OPG-2: the money sections are the entries; per account opening + in -
    out +- own transfers = closing to the penny; year 2 opens on year 1's closing."""
    client_id, client = await deputy_client(api, ORDER)
    ids = await post_year(session, client)
    await record_contact(api, client_id, contactedOn="2024-07-10", withWhom="Seaview manager")
    await record_contact(api, client_id, contactedOn="2025-01-20", withWhom="Nora Niece")
    await record_contact(api, client_id, contactedOn="2025-04-20", withWhom="Out of period")

    report = await open_report(api, client_id)
    assert (report["periodStart"], report["periodEnd"]) == ("2024-04-01", "2025-03-31")
    report = await generate(api, report["id"])
    v = report["currentVersion"]

    # totals: opening 5000.00; in 400+400+800+250.50+1.23+4.17; out 1500+100+50+585+320+75
    assert v["totals"] == {
        "opening": "5000.00",
        "moneyIn": "1855.90",
        "moneyOut": "2630.00",
        "closing": "4225.90",
    }
    accounts = {a["kind"]: a for a in v["accounts"]}
    cms, court = accounts["CLIENT_CMS"], accounts["CLIENT_COURT_FUNDS"]
    assert (cms["opening"], cms["moneyIn"], cms["moneyOut"]) == ("5000.00", "1851.73", "2630.00")
    assert (cms["transfersIn"], cms["transfersOut"], cms["closing"]) == (
        "0.00",
        "1000.00",
        "3221.73",
    )
    assert (court["opening"], court["moneyIn"], court["transfersIn"]) == ("0.00", "4.17", "1000.00")
    assert court["closing"] == "1004.17"
    for a in v["accounts"]:
        assert pence(a["opening"]) + pence(a["moneyIn"]) - pence(a["moneyOut"]) + pence(
            a["transfersIn"]
        ) - pence(a["transfersOut"]) == pence(a["closing"]), a

    assert by_category(v["moneyIn"]) == {
        "IN_BENEFITS": "800.00",
        "IN_STATE_PENSION": "800.00",
        "IN_PRIVATE_PENSION": "250.50",
        "IN_INTEREST": "5.40",
    }
    assert by_category(v["moneyOut"]) == {
        "OUT_CARE_FEES": "1500.00",
        "OUT_PERSONAL_ALLOWANCE": "100.00",
        "OUT_GIFTS": "50.00",
        "OUT_DEPUTY_FEES": "585.00",
        "OUT_OPG_FEES": "320.00",
        "OUT_LOAN_REPAYMENTS": "75.00",
    }
    # the lodgement is a transfer between own accounts, neither in nor out
    assert [(t["transferId"], t["amount"]) for t in v["transfersBetweenOwnAccounts"]] == [
        (tid(ids["Lodgement"]), "1000.00")
    ]
    # the entries are exactly those of the period
    in_period = {tid(t) for d, t in ids.items() if d not in YEAR_OUTSIDE_P1}
    assert entry_ids(v) == in_period
    # the other sections
    sections = v["sections"]
    assert sorted(c["contactedOn"] for c in sections["contacts"]) == ["2024-07-10", "2025-01-20"]
    assert [g["amount"] for g in sections["gifts"]] == ["50.00"]
    assert sum(pence(f["amount"]) for f in sections["deputyFees"]) == 58_500
    assert report["balanceCheck"]["balanced"] is True
    assert report["balanceCheck"]["openingMatchesLastReport"] is None

    # reviewed, approved, submitted; the next year opens on this closing (R-OPG)
    await prepare(api, report["id"])
    await approve(api, report["id"])
    submitted = ok(await mark_submitted(api, report["id"], "2025-05-20"))
    assert submitted["status"] == "SUBMITTED"

    second = await open_report(api, client_id)
    assert (second["periodStart"], second["periodEnd"]) == ("2025-04-01", "2026-03-31")
    second = await generate(api, second["id"])
    v2 = second["currentVersion"]
    assert v2["totals"]["opening"] == v["totals"]["closing"] == "4225.90"
    assert {a["kind"]: a["opening"] for a in v2["accounts"]} == {
        a["kind"]: a["closing"] for a in v["accounts"]
    }
    assert v2["totals"]["moneyIn"] == "400.00"
    assert v2["totals"]["moneyOut"] == "99.99"
    assert second["balanceCheck"]["openingMatchesLastReport"] is True
    assert second["balanceCheck"]["lastReportClosing"] == "4225.90"


YEAR_OUTSIDE_P1 = {
    "Savings brought in before the order",
    "Seaview care fees, April",
    "Attendance allowance, May 2025",
}


async def test_a_decision_approved_in_the_period_is_in_the_report(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-DEC-1, R-OPG: a decision made in the period is listed with its amount."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_OTHER", 100_000, date(2024, 4, 2), "Funds")
    today.set(date(2024, 8, 1))
    raised = await api.data(
        """mutation($input: RaiseDecisionInput!) { raiseDecision(input: $input) {
             __typename ... on DecisionPayload { decision { id } } } }""",
        {
            "input": {
                "clientId": client_id,
                "kind": "GIFT",
                "amount": "50.00",
                "whatWasDecided": "A birthday gift of 50.00 to her niece",
                "bestInterestsReason": "As she has always given",
                "consulted": "The client and her niece",
                "clientInvolved": True,
                "recipientName": "Nora Niece",
                "idempotencyKey": new_key(),
            }
        },
        **CASEWORK,
    )
    decision_id = raised["raiseDecision"]["decision"]["id"]
    approved = await api.data(
        """mutation($input: ApproveDecisionInput!) { approveDecision(input: $input) {
             __typename } }""",
        {"input": {"id": decision_id, "idempotencyKey": new_key()}},
        **SCAO,
    )
    assert approved["approveDecision"]["__typename"] == "DecisionPayload", approved
    today.set(date(2026, 11, 26))
    report = await generate(api, (await open_report(api, client_id))["id"])
    decisions = report["currentVersion"]["sections"]["decisions"]
    assert [(d["decisionId"], d["kind"], d["amount"]) for d in decisions] == [
        (decision_id, "GIFT", "50.00")
    ]
    assert decisions[0]["madeOn"] == "2024-08-01"


# --- 2. the report type at the threshold (R-OPG, £21,000) ----------------------------------------


@pytest.mark.parametrize(
    ("assets", "health_and_welfare", "expected"),
    [
        (2_100_000, False, "TYPE_102_6"),
        (2_099_999, False, "TYPE_103_6"),
        (2_100_000, True, "TYPE_102_4_6"),
        (2_099_999, True, "TYPE_103_4_6"),
    ],
)
async def test_the_type_at_the_threshold_both_ways(
    api: Api, session: AsyncSession, assets: int, health_and_welfare: bool, expected: str
) -> None:
    """102-6 at or above £21,000, 103-6 below; -4 variants with a health and welfare order."""
    client_id, client = await deputy_client(api, ORDER, health_and_welfare=health_and_welfare)
    await opg_post(session, client, "IN_OTHER", assets, date(2024, 6, 1), "Savings found")
    report = await generate(api, (await open_report(api, client_id))["id"])
    assert report["reportType"] == expected
    assert report["currentVersion"]["reportType"] == expected
    assert report["currentVersion"]["threshold"] == "21000.00"
    assert pence(report["currentVersion"]["assetsAtEnd"]) == assets


# --- 3. the due date, one open report at a time --------------------------------------------------


async def test_due_on_the_56th_day_after_the_period_ends(api: Api) -> None:
    """R-OPG: a year less a day from the order; due 56 days after its end (a leap year too)."""
    client_id, _ = await deputy_client(api, ORDER)
    report = await open_report(api, client_id)
    assert (report["periodEnd"], report["dueOn"]) == ("2025-03-31", "2025-05-26")

    leap_id, _ = await deputy_client(api, "2023-03-01")
    leap = await open_report(api, leap_id)
    assert (leap["periodStart"], leap["periodEnd"], leap["dueOn"]) == (
        "2023-03-01",
        "2024-02-29",
        "2024-04-25",
    )


async def test_a_second_open_report_is_refused(api: Api) -> None:
    client_id, _ = await deputy_client(api, ORDER)
    first = await open_report(api, client_id)
    again = await call(api, "openOpgReport", {"clientId": client_id}, CASEWORK)
    assert again["__typename"] == "InvalidStateProblem", again
    assert again["code"] == "OPG_REPORT_ALREADY_OPEN"
    # also while the first is prepared or approved: not yet submitted
    await generate(api, first["id"])
    await prepare(api, first["id"])
    await approve(api, first["id"])
    again = await call(api, "openOpgReport", {"clientId": client_id}, TGM)
    assert again["__typename"] == "InvalidStateProblem", again
    assert again["code"] == "OPG_REPORT_ALREADY_OPEN"


async def test_no_report_for_a_client_without_a_deputyship(api: Api) -> None:
    client_id = str((await create_client(api))["id"])
    refused = await call(api, "openOpgReport", {"clientId": client_id}, CASEWORK)
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert refused["code"] == "NOT_A_DEPUTY_CLIENT"


# --- 4. an entry posted into a closed period: the report is refused, the entry named -------------


async def test_an_unbalanced_report_is_refused_for_submission_naming_the_entry(
    api: Api, session: AsyncSession
) -> None:
    """R-OPG-2: after approval an entry dated in the (ended) period is posted: submission is
    refused with OPG_REPORT_UNBALANCED and the entry is named."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    report = await generate(api, (await open_report(api, client_id))["id"])
    await prepare(api, report["id"])
    await approve(api, report["id"])
    late = await opg_post(
        session, client, "OUT_CARE_FEES", 12_345, date(2024, 12, 1), "Late Seaview invoice"
    )
    refused = await mark_submitted(api, report["id"], "2025-05-20")
    assert refused["__typename"] != "OpgReportPayload", refused
    assert refused["code"] == "OPG_REPORT_UNBALANCED"
    assert "Late Seaview invoice" in refused["message"] or tid(late) in refused["message"]
    now = await read(api, report["id"])
    assert now["status"] == "APPROVED"
    assert [e["transferId"] for e in now["lateEntries"]] == [tid(late)]
    assert now["lateEntries"][0]["amount"] == "123.45"
    assert now["balanceCheck"]["balanced"] is False
    assert tid(late) in {e["transferId"] for e in now["balanceCheck"]["explainingEntries"]}


# --- 5. exports: the PDF's text and the JSON's schema --------------------------------------------


async def test_the_pdf_has_the_reference_period_and_totals_and_the_json_validates(
    api: Api, session: AsyncSession
) -> None:
    client_id, client = await deputy_client(api, ORDER)
    reference = (
        await api.data(
            "query($id: ID!) { client(id: $id) { reference } }", {"id": client_id}, **SCAO
        )
    )["client"]["reference"]
    await opg_post(session, client, "IN_OTHER", 300_000, date(2024, 3, 1), "Opening funds")
    await opg_post(session, client, "IN_STATE_PENSION", 81_234, date(2024, 6, 1), "Pension")
    await opg_post(session, client, "OUT_CARE_FEES", 45_678, date(2024, 7, 1), "Care")
    report = await generate(api, (await open_report(api, client_id))["id"])
    exported = (await api.data(EXPORT, {"id": report["id"]}, **SCAO))["node"]["currentVersion"]

    pdf = pypdf.PdfReader(io.BytesIO(base64.b64decode(exported["export"]["pdfBase64"])))
    text = " ".join(page.extract_text() for page in pdf.pages)
    squashed = " ".join(text.split())
    assert reference in squashed
    assert "2024-04-01" in squashed or "1 April 2024" in squashed, squashed[:500]
    assert "2025-03-31" in squashed or "31 March 2025" in squashed, squashed[:500]
    for money in ("3000.00", "812.34", "456.78", "3355.56"):
        assert money in squashed or f"{int(money[:-3]):,}{money[-3:]}" in squashed, (money, text)

    document = json.loads(exported["export"]["digitalServiceJson"])
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    flat = json.dumps(document)
    assert "3355.56" in flat or "335556" in flat


# --- 6. four eyes (R-ROLE-2), after submission immutable, corrections ----------------------------


async def test_whoever_generated_or_prepared_cannot_approve(
    api: Api, session: AsyncSession
) -> None:
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    report = await open_report(api, client_id, SCAO)
    await generate(api, report["id"], SCAO)  # the senior officer generated it
    await prepare(api, report["id"], CASEWORK)
    refused = await call(api, "approveOpgReport", {"reportId": report["id"]}, SCAO)
    assert refused["__typename"] == "FourEyesProblem", refused

    # whoever prepared it cannot approve it either
    other_id, other = await deputy_client(api, ORDER)
    await opg_post(session, other, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    second = await open_report(api, other_id, CASEWORK)
    await generate(api, second["id"], CASEWORK)
    await prepare(api, second["id"], TGM)
    refused = await call(api, "approveOpgReport", {"reportId": second["id"]}, TGM)
    assert refused["__typename"] == "FourEyesProblem", refused
    assert (await approve(api, second["id"], SCAO))["status"] == "APPROVED"


async def test_after_submission_unchangeable_and_a_correction_is_a_new_version_with_a_reason(
    api: Api, session: AsyncSession
) -> None:
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    report = await generate(api, (await open_report(api, client_id))["id"])
    rid = report["id"]
    await prepare(api, rid)
    await approve(api, rid)
    ok(await mark_submitted(api, rid, "2025-05-20"))

    for name, fields in (
        ("generateOpgReport", {"reportId": rid}),
        ("recordOpgReportText", {"reportId": rid, "section": "ANYTHING_ELSE", "text": "x"}),
        ("prepareOpgReport", {"reportId": rid}),
        ("approveOpgReport", {"reportId": rid}),
        ("returnOpgReport", {"reportId": rid, "reason": "changed my mind"}),
        (
            "markOpgReportSubmitted",
            {"reportId": rid, "submittedOn": "2025-05-21", "opgReference": "AGAIN"},
        ),
    ):
        refused = await call(api, name, fields, TGM)
        assert refused["__typename"] == "InvalidStateProblem", (name, refused)
    still = await read(api, rid)
    assert (still["status"], still["submittedOn"], len(still["versions"])) == (
        "SUBMITTED",
        "2025-05-20",
        1,
    )

    no_reason = await call(api, "correctOpgReport", {"reportId": rid, "reason": " "}, SCAO)
    assert no_reason["__typename"] == "ValidationProblem", no_reason

    await opg_post(session, client, "IN_BENEFITS", 1_000, date(2024, 9, 1), "Arrears found")
    corrected = ok(
        await call(api, "correctOpgReport", {"reportId": rid, "reason": "Arrears found"}, SCAO)
    )
    assert corrected["status"] == "OPEN"
    assert [(x["version"], x["reason"]) for x in corrected["versions"]] == [
        (1, None),
        (2, "Arrears found"),
    ]
    assert corrected["currentVersion"]["totals"]["moneyIn"] == "410.00"
    assert "CORRECTED" in [h["event"] for h in corrected["history"]]


# --- 7. roles outside the policy are refused, for each report mutation (R-ROLE-1) ----------------

NEVER = ["auditor", "reporting", "social_worker", "integration_controcc", "integration_sap"]
APPROVERS_ONLY = [
    "approveOpgReport",
    "returnOpgReport",
    "markOpgReportSubmitted",
    "correctOpgReport",
]
BELOW_SCAO = ["support_assistant", "assistant", "senior_assistant"]


def _placeholder_fields(name: str, report_id: str, client_id: str) -> dict[str, Any]:
    if name == "openOpgReport":
        return {"clientId": client_id}
    extra: dict[str, Any] = {
        "recordOpgReportText": {"section": "ANYTHING_ELSE", "text": "x"},
        "returnOpgReport": {"reason": "x"},
        "correctOpgReport": {"reason": "x"},
        "markOpgReportSubmitted": {"submittedOn": "2025-05-20", "opgReference": "R"},
    }.get(name, {})
    return {"reportId": report_id, **extra}


async def test_roles_outside_the_policy_are_forbidden_for_each_report_mutation(api: Api) -> None:
    """R-ROLE-1: audit, reporting, social workers and the integrations change no report; the
    support assistant (data entry) does no report casework; approving, returning, marking
    submitted and correcting are the senior officer's and above (R-DEC-2)."""
    client_id, _ = await deputy_client(api, ORDER)
    report = await open_report(api, client_id)
    for name in MUTATIONS:
        roles = NEVER + (BELOW_SCAO if name in APPROVERS_ONLY else ["support_assistant"])
        for role in roles:
            body = await api.gql(
                _mutation(name, MUTATIONS[name]),
                {
                    "input": {
                        **_placeholder_fields(name, report["id"], client_id),
                        "idempotencyKey": new_key(),
                    }
                },
                role=role,
                sub=f"{role}.someone",
            )
            assert_forbidden(body, [name])
    unchanged = await read(api, report["id"])
    assert (unchanged["status"], unchanged["versions"]) == ("OPEN", [])


# --- 8. where else can a pound or a record get in? ------------------------------------------------

TRANSFER = "query($id: ID!) { node(id: $id) { ... on Transfer { valueDate amount } } }"
REVERSE = """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) {
  __typename ... on TransferPayload { transfer { id } } ... on Problem { code message } } }"""


async def test_an_approved_but_unmade_payment_is_not_money_out(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """A hold (approved, not made) and a voided hold (cancelled) move no money of the client's:
    neither is money out, and the closing is the client's money."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 100_000, date(2024, 5, 1), "Benefits")
    supplier = await new_counterparty(api)
    today.set(date(2024, 6, 14))
    held = await raised_payment(
        api, (await payable_invoice(api, {"id": client_id}, supplier, amount="120.00"))["id"]
    )
    approved = await approve_payment(api, held["id"])
    assert approved["__typename"] == "PaymentPayload", approved
    hold_id = approved["payment"]["holdTransferId"]
    assert hold_id is not None  # the hold is in the ledger, dated in the period
    hold = (await api.data(TRANSFER, {"id": hold_id}, **SCAO))["node"]
    assert "2024-04-01" <= hold["valueDate"] <= "2025-03-31", hold
    voided = await raised_payment(
        api, (await payable_invoice(api, {"id": client_id}, supplier, amount="30.00"))["id"]
    )
    assert (await approve_payment(api, voided["id"]))["__typename"] == "PaymentPayload"
    assert (await cancel_payment(api, voided["id"]))["__typename"] == "PaymentPayload"
    today.set(date(2026, 11, 26))

    report = await generate(api, (await open_report(api, client_id))["id"])
    v = report["currentVersion"]
    assert v["totals"]["moneyOut"] == "0.00", v["moneyOut"]
    assert v["moneyOut"] == []
    assert v["totals"]["closing"] == "1000.00"
    assert report["balanceCheck"]["balanced"] is True


async def test_a_reversal_nets_out_in_its_category(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-AUD-2: a mistaken care fee reversed in the period nets to nothing; a reversed benefit
    likewise; the report still balances."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 100_000, date(2024, 5, 1), "Benefits")
    wrong_in = await opg_post(session, client, "IN_BENEFITS", 4_000, date(2024, 5, 2), "Twice")
    wrong_out = await opg_post(session, client, "OUT_CARE_FEES", 20_000, date(2024, 6, 10), "Dup")
    kept = await opg_post(session, client, "OUT_CARE_FEES", 30_000, date(2024, 6, 11), "Care")
    today.set(date(2024, 6, 20))
    for transfer in (wrong_in, wrong_out):
        body = await api.data(
            REVERSE,
            {
                "input": {
                    "transferId": tid(transfer),
                    "reason": "posted in error",
                    "idempotencyKey": new_key(),
                }
            },
            **SCAO,
        )
        assert body["reverseTransfer"]["__typename"] == "TransferPayload", body
    today.set(date(2026, 11, 26))

    report = await generate(api, (await open_report(api, client_id))["id"])
    v = report["currentVersion"]
    assert by_category(v["moneyIn"]) == {"IN_BENEFITS": "1000.00"}
    assert by_category(v["moneyOut"]) == {"OUT_CARE_FEES": "300.00"}
    assert v["totals"] == {
        "opening": "0.00",
        "moneyIn": "1000.00",
        "moneyOut": "300.00",
        "closing": "700.00",
    }
    assert tid(kept) in entry_ids(v)
    assert report["balanceCheck"]["balanced"] is True


async def test_money_of_another_client_never_appears(api: Api, session: AsyncSession) -> None:
    """R-ACC-2: the other client's entries, on the same days and categories, are not counted."""
    client_id, client = await deputy_client(api, ORDER)
    _, other = await deputy_client(api, ORDER)
    mine = {
        await opg_post(session, client, "IN_BENEFITS", 50_000, date(2024, 5, 1), "Mine in"),
        await opg_post(session, client, "OUT_CARE_FEES", 20_000, date(2024, 6, 1), "Mine out"),
        await opg_post(
            session,
            client,
            "TRANSFER_BETWEEN_OWN_ACCOUNTS",
            10_000,
            date(2024, 7, 1),
            "Mine lodged",
        ),
    }
    theirs = {
        await opg_post(session, other, "IN_BENEFITS", 77_700, date(2024, 5, 1), "Theirs in"),
        await opg_post(session, other, "OUT_CARE_FEES", 11_100, date(2024, 6, 1), "Theirs out"),
        await opg_post(
            session,
            other,
            "TRANSFER_BETWEEN_OWN_ACCOUNTS",
            22_200,
            date(2024, 7, 1),
            "Theirs lodged",
        ),
    }
    report = await generate(api, (await open_report(api, client_id))["id"])
    v = report["currentVersion"]
    assert entry_ids(v) == {tid(t) for t in mine}
    assert not entry_ids(v) & {tid(t) for t in theirs}
    assert v["totals"] == {
        "opening": "0.00",
        "moneyIn": "500.00",
        "moneyOut": "200.00",
        "closing": "300.00",
    }
    mine_accounts = set((await opg_report_accounts(session, client)).values())
    assert {a["accountId"] for a in v["accounts"]} <= mine_accounts


async def test_the_period_edges(api: Api, session: AsyncSession) -> None:
    """The day before the period is in the opening, its last day is in, the day after is not."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_OTHER", 10_000, date(2024, 3, 31), "Day before")
    first = await opg_post(session, client, "IN_BENEFITS", 2_000, date(2024, 4, 1), "First day")
    last = await opg_post(session, client, "IN_BENEFITS", 3_000, date(2025, 3, 31), "Last day")
    await opg_post(session, client, "IN_BENEFITS", 5_000, date(2025, 4, 1), "Day after")
    await opg_post(session, client, "OUT_CARE_FEES", 700, date(2025, 4, 1), "Day after out")
    report = await generate(api, (await open_report(api, client_id))["id"])
    v = report["currentVersion"]
    assert entry_ids(v) == {tid(first), tid(last)}
    assert v["totals"] == {
        "opening": "100.00",
        "moneyIn": "50.00",
        "moneyOut": "0.00",
        "closing": "150.00",
    }
    assert report["lateEntries"] == []
    assert report["balanceCheck"]["balanced"] is True


async def test_a_reclassified_entry_shows_under_its_new_category(
    api: Api, session: AsyncSession
) -> None:
    """R-OPG-1, R-AUD-2: glasses paid as OUT_OTHER, reclassified as medical expenses, are
    reported as medical expenses (the OPG's medical-expenses); the transfer is not changed."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 50_000, date(2024, 5, 1), "Benefits")
    glasses = await opg_post(session, client, "OUT_OTHER", 18_900, date(2024, 6, 1), "Glasses")
    report = await generate(api, (await open_report(api, client_id))["id"])
    assert by_category(report["currentVersion"]["moneyOut"]) == {"OUT_OTHER": "189.00"}

    body = await api.data(
        RECLASSIFY,
        {
            "input": {
                "transferId": tid(glasses),
                "category": "OUT_MEDICAL_EXPENSES",
                "reason": "New glasses: a medical expense",
                "idempotencyKey": new_key(),
            }
        },
        role="senior_assistant",
        sub="sasha.senior",
    )
    assert body["reclassifyLedgerEntry"]["__typename"] == "ReclassifyLedgerEntryPayload", body
    report = await generate(api, report["id"])
    out = report["currentVersion"]["moneyOut"]
    assert [(t["category"], t["opgCategory"], t["amount"]) for t in out] == [
        ("OUT_MEDICAL_EXPENSES", "medical-expenses", "189.00")
    ]
    assert [e["transferId"] for e in out[0]["entries"]] == [tid(glasses)]
    assert report["currentVersion"]["totals"]["moneyOut"] == "189.00"
    # the first version is never changed (R-AUD-2)
    first = (await read(api, report["id"]))["versions"]
    assert [x["version"] for x in first] == [1, 2]


OPG_DISTINGUISHES = {
    # ledger category: (OPG id, OPG group), docs/opg_categories.md
    "OUT_MEDICAL_EXPENSES": ("medical-expenses", "care-and-medical"),
    "OUT_FOOD": ("food", "household-bills"),
    "OUT_CLOTHES": ("clothes", "client-expenses"),
    "OUT_HOLIDAYS": ("holidays", "client-expenses"),
    "OUT_BANK_CHARGES": ("bank-charges", "debt-and-charges"),
    "OUT_CASH_WITHDRAWN": ("cash-withdrawn", "moving-money"),
    "OUT_PET_CARE": ("anything-else-paid-out", "moneyout-other"),
}


async def test_the_categories_the_opg_distinguishes_map_to_its_categories(
    api: Api, session: AsyncSession
) -> None:
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 500_000, date(2024, 5, 1), "Benefits")
    for n, category in enumerate(OPG_DISTINGUISHES, start=1):
        await opg_post(session, client, category, 1_000 * n, date(2024, 6, n), category.lower())
    report = await generate(api, (await open_report(api, client_id))["id"])
    out = {t["category"]: t for t in report["currentVersion"]["moneyOut"]}
    assert set(out) == set(OPG_DISTINGUISHES)
    for n, (category, (opg_id, group)) in enumerate(OPG_DISTINGUISHES.items(), start=1):
        assert (out[category]["opgCategory"], out[category]["opgGroup"]) == (opg_id, group)
        assert out[category]["opgSection"] == "money"
        assert pence(out[category]["amount"]) == 1_000 * n
    assert report["currentVersion"]["totals"]["moneyOut"] == "280.00"


async def test_benefits_are_reported_per_benefit_received(api: Api) -> None:
    """R-ACC-6: receipts recorded by benefit are reported per benefit, with the OPG's ids."""
    client_id, _ = await deputy_client(api, ORDER)
    dwp = await new_payer(api)
    for benefit, amount, on in (
        ("ATTENDANCE_ALLOWANCE", "434.20", "2024-06-03"),
        ("ATTENDANCE_ALLOWANCE", "434.20", "2024-07-01"),
        ("PENSION_CREDIT", "120.00", "2024-07-02"),
    ):
        result = await record_receipt(
            api,
            receipt_input(
                client_id,
                dwp,
                amount=amount,
                valueDate=on,
                benefit=benefit,
                periodStart=None,
                periodEnd=None,
            ),
        )
        assert result["__typename"] == "ReceiptPayload", result
    report = await generate(api, (await open_report(api, client_id))["id"])
    v = report["currentVersion"]
    benefits = {(t["benefit"], t["opgCategory"], t["amount"]) for t in v["moneyIn"]}
    assert benefits == {
        ("ATTENDANCE_ALLOWANCE", "attendance-allowance", "868.40"),
        ("PENSION_CREDIT", "pension-credit", "120.00"),
    }
    section = {(b["benefit"], b["received"], b["payments"]) for b in v["sections"]["benefits"]}
    assert section == {("ATTENDANCE_ALLOWANCE", "868.40", 2), ("PENSION_CREDIT", "120.00", 1)}


async def test_the_json_balance_check_counts_fees_and_gifts_once(
    api: Api, session: AsyncSession
) -> None:
    """The OPG's check: opening + in - out - deputy fees - expenses - gifts = closing; money out
    by category must not count deputy fees or gifts again."""
    client_id, client = await deputy_client(api, ORDER)
    await post_year(session, client)
    await opg_post(session, client, "OUT_DEPUTY_EXPENSES", 1_250, date(2024, 10, 5), "Travel")
    report = await generate(api, (await open_report(api, client_id))["id"])
    exported = (await api.data(EXPORT, {"id": report["id"]}, **SCAO))["node"]["currentVersion"]
    document = json.loads(exported["export"]["digitalServiceJson"])
    assert document["balanceCheck"] == {
        "opening": "5000.00",
        "moneyIn": "1855.90",
        "moneyOut": "1995.00",
        "deputyFees": "585.00",
        "deputyExpenses": "12.50",
        "gifts": "50.00",
        "closing": "4213.40",
        "difference": "0.00",
    }
    out_categories = {t["ledgerCategory"] for t in document["moneyOutTotals"]}
    assert not out_categories & {"OUT_DEPUTY_FEES", "OUT_DEPUTY_EXPENSES", "OUT_GIFTS"}
    assert sum(pence(t["amount"]) for t in document["moneyOutTotals"]) == 199_500
    assert sum(pence(f["amount"]) for f in document["deputyFees"]) == 58_500
    assert [g["amount"] for g in document["gifts"]] == ["50.00"]
    assert sum(pence(a["closingBalance"]) for a in document["bankAccounts"]) == 421_340


async def test_the_type_counts_every_account_not_only_cms(api: Api, session: AsyncSession) -> None:
    """Assets at the end are all the client's accounts: £19,000 in CMS and £2,000 lodged make
    £21,000, the higher-assets form."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_OTHER", 2_100_000, date(2024, 5, 1), "Savings")
    await opg_post(
        session, client, "TRANSFER_BETWEEN_OWN_ACCOUNTS", 200_000, date(2024, 6, 1), "Lodged"
    )
    report = await generate(api, (await open_report(api, client_id))["id"])
    assert report["currentVersion"]["assetsAtEnd"] == "21000.00"
    assert report["reportType"] == "TYPE_102_6"


async def test_not_prepared_before_the_period_ends_nor_submitted_on_a_wrong_date(
    api: Api, session: AsyncSession, today: Any
) -> None:
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 10_000, date(2024, 5, 1), "Benefits")
    report = await open_report(api, client_id)
    today.set(date(2025, 3, 31))  # the period's last day
    await generate(api, report["id"])
    early = await call(api, "prepareOpgReport", {"reportId": report["id"]}, CASEWORK)
    assert early["__typename"] != "OpgReportPayload", early
    today.set(date(2025, 4, 10))
    await prepare(api, report["id"])
    await approve(api, report["id"])
    for on in ("2025-03-31", "2025-04-11"):  # not after the period; in the future
        refused = await mark_submitted(api, report["id"], on)
        assert refused["__typename"] == "ValidationProblem", (on, refused)
    assert ok(await mark_submitted(api, report["id"], "2025-04-10"))["status"] == "SUBMITTED"


async def test_an_entry_posted_into_a_submitted_period_shows_in_the_next_opening_check(
    api: Api, session: AsyncSession
) -> None:
    """R-OPG-2: the next report's opening no longer equals the submitted closing; the check says
    so and names the entry (the correction is the officer's to make)."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    first = await generate(api, (await open_report(api, client_id))["id"])
    await prepare(api, first["id"])
    await approve(api, first["id"])
    ok(await mark_submitted(api, first["id"], "2025-05-20"))
    late = await opg_post(session, client, "OUT_CARE_FEES", 5_000, date(2025, 1, 5), "Late fee")
    second = await generate(api, (await open_report(api, client_id))["id"])
    assert second["currentVersion"]["totals"]["opening"] == "350.00"
    check = second["balanceCheck"]
    assert check["lastReportClosing"] == "400.00"
    assert check["openingMatchesLastReport"] is False
    assert check["balanced"] is False
    assert tid(late) in {e["transferId"] for e in check["explainingEntries"]}
    # the submitted report is unchanged and names the entry as late
    submitted = await read(api, first["id"])
    assert submitted["currentVersion"]["totals"]["closing"] == "400.00"
    assert [e["transferId"] for e in submitted["lateEntries"]] == [tid(late)]


async def test_a_reclassification_after_submission_leaves_the_submitted_version_alone(
    api: Api, session: AsyncSession
) -> None:
    """R-AUD-2: a submitted version is what was submitted; a later reclassification shows in the
    correction's new version only."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    glasses = await opg_post(session, client, "OUT_OTHER", 9_900, date(2024, 6, 1), "Glasses")
    report = await generate(api, (await open_report(api, client_id))["id"])
    await prepare(api, report["id"])
    await approve(api, report["id"])
    ok(await mark_submitted(api, report["id"], "2025-05-20"))
    body = await api.data(
        RECLASSIFY,
        {
            "input": {
                "transferId": tid(glasses),
                "category": "OUT_MEDICAL_EXPENSES",
                "reason": "Glasses are medical",
                "idempotencyKey": new_key(),
            }
        },
        **SCAO,
    )
    assert body["reclassifyLedgerEntry"]["__typename"] == "ReclassifyLedgerEntryPayload", body
    still = await read(api, report["id"])
    assert by_category(still["currentVersion"]["moneyOut"]) == {"OUT_OTHER": "99.00"}
    assert still["balanceCheck"]["balanced"] is True  # the money did not move
    corrected = ok(
        await call(
            api,
            "correctOpgReport",
            {"reportId": report["id"], "reason": "Glasses reclassified"},
            SCAO,
        )
    )
    assert by_category(corrected["currentVersion"]["moneyOut"]) == {"OUT_MEDICAL_EXPENSES": "99.00"}


async def test_a_reversal_of_a_reclassified_entry_nets_in_the_new_category(
    api: Api, session: AsyncSession, today: Any
) -> None:
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    food = await opg_post(session, client, "OUT_OTHER", 2_500, date(2024, 6, 1), "Groceries")
    await opg_post(session, client, "OUT_OTHER", 1_000, date(2024, 6, 2), "Sundries")
    body = await api.data(
        RECLASSIFY,
        {
            "input": {
                "transferId": tid(food),
                "category": "OUT_FOOD",
                "reason": "Food",
                "idempotencyKey": new_key(),
            }
        },
        **SCAO,
    )
    assert body["reclassifyLedgerEntry"]["__typename"] == "ReclassifyLedgerEntryPayload", body
    today.set(date(2024, 6, 20))
    reversed_ = await api.data(
        REVERSE,
        {"input": {"transferId": tid(food), "reason": "paid twice", "idempotencyKey": new_key()}},
        **SCAO,
    )
    assert reversed_["reverseTransfer"]["__typename"] == "TransferPayload", reversed_
    today.set(date(2026, 11, 26))
    report = await generate(api, (await open_report(api, client_id))["id"])
    out = by_category(report["currentVersion"]["moneyOut"])
    assert out.get("OUT_FOOD", "0.00") == "0.00"
    assert out["OUT_OTHER"] == "10.00"
    assert report["currentVersion"]["totals"]["moneyOut"] == "10.00"


async def test_opening_a_report_again_with_the_same_key_opens_one(api: Api) -> None:
    client_id, _ = await deputy_client(api, ORDER)
    variables = {"input": {"clientId": client_id, "idempotencyKey": new_key()}}
    doc = _mutation("openOpgReport", MUTATIONS["openOpgReport"])
    first = (await api.data(doc, variables, **CASEWORK))["openOpgReport"]
    again = (await api.data(doc, variables, **CASEWORK))["openOpgReport"]
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert first["report"]["id"] == again["report"]["id"]
    listed = await api.data(
        "query($c: ID!) { opgReports(clientId: $c) { nodes { id } } }", {"c": client_id}, **SCAO
    )
    assert [n["id"] for n in listed["opgReports"]["nodes"]] == [first["report"]["id"]]


async def test_a_lodgement_through_its_door_is_a_transfer_between_own_accounts(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-INV-2 and the issue: money lodged with the Court Funds Office stays the client's: it is
    a transfer between their own accounts, neither money in nor money out, and the totals
    keep the client's money (not 30,000 more in and out)."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_OTHER", 4_000_000, date(2024, 5, 1), "Savings found")
    today.set(date(2024, 6, 10))
    await with_surplus(api, client_id, "40000.00")
    lodgement = await proposed_lodgement(api, client_id, "30000.00")
    assert (await approve_as(api, lodgement["decisionId"]))["__typename"] == "DecisionPayload"
    lodged = await lodge(api, lodgement["id"])
    assert lodged["__typename"] == "LodgementPayload", lodged
    today.set(date(2026, 11, 26))

    report = await generate(api, (await open_report(api, client_id))["id"])
    v = report["currentVersion"]
    assert v["totals"] == {
        "opening": "0.00",
        "moneyIn": "40000.00",
        "moneyOut": "0.00",
        "closing": "40000.00",
    }
    assert [t["amount"] for t in v["transfersBetweenOwnAccounts"]] == ["30000.00"]
    accounts = {a["kind"]: a for a in v["accounts"]}
    assert accounts["CLIENT_CMS"]["transfersOut"] == "30000.00"
    assert accounts["CLIENT_COURT_FUNDS"]["transfersIn"] == "30000.00"
    assert accounts["CLIENT_COURT_FUNDS"]["closing"] == "30000.00"
    assert report["balanceCheck"]["balanced"] is True


# --- 9. more of the contract --------------------------------------------------------------------

DUE = """query($asOf: Date) { opgReportsDue(asOf: $asOf) {
  clientId periodStart periodEnd dueOn dueState report { id } } }"""


async def test_the_next_report_is_due_then_overdue_on_the_days_around_the_due_date(
    api: Api,
) -> None:
    client_id, _ = await deputy_client(api, ORDER)
    states = {}
    for as_of in ("2025-03-31", "2025-04-01", "2025-05-26", "2025-05-27"):
        rows = (await api.data(DUE, {"asOf": as_of}, **SCAO))["opgReportsDue"]
        mine = [r for r in rows if r["clientId"] == client_id]
        assert len(mine) == 1, rows
        assert (mine[0]["periodEnd"], mine[0]["dueOn"]) == ("2025-03-31", "2025-05-26")
        states[as_of] = mine[0]["dueState"]
    assert states == {
        "2025-03-31": "NOT_DUE",
        "2025-04-01": "DUE",
        "2025-05-26": "DUE",
        "2025-05-27": "OVERDUE",
    }


@pytest.mark.parametrize(
    "role", ["reporting", "social_worker", "integration_controcc", "integration_sap"]
)
async def test_reports_are_not_read_by_roles_without_casework_or_audit(api: Api, role: str) -> None:
    """R-ROLE: reporting sees aggregates only; a social worker only their referrals."""
    body = await api.gql("{ opgReports { nodes { id } } }", role=role, sub=f"{role}.x")
    assert_forbidden(body, ["opgReports"])
    body = await api.gql("{ opgReportsDue { clientId } }", role=role, sub=f"{role}.x")
    assert_forbidden(body, ["opgReportsDue"])


async def test_the_auditor_reads_reports(api: Api) -> None:
    """R-AUD-3."""
    client_id, _ = await deputy_client(api, ORDER)
    report = await open_report(api, client_id)
    listed = await api.data(
        "query($c: ID!) { opgReports(clientId: $c) { nodes { id } } }",
        {"c": client_id},
        role="auditor",
        sub="ada.audit",
    )
    assert [n["id"] for n in listed["opgReports"]["nodes"]] == [report["id"]]


async def test_whoever_wrote_its_text_cannot_approve_it(api: Api, session: AsyncSession) -> None:
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    report = await generate(api, (await open_report(api, client_id))["id"])
    written = await call(
        api,
        "recordOpgReportText",
        {"reportId": report["id"], "section": "CARE_AND_WELLBEING", "text": "Settled at Seaview"},
        SCAO,
    )
    ok(written)
    await prepare(api, report["id"])
    refused = await call(api, "approveOpgReport", {"reportId": report["id"]}, SCAO)
    assert refused["__typename"] == "FourEyesProblem", refused
    assert (await approve(api, report["id"], TGM))["approvedBy"] == "grace.tgm"


async def test_an_entry_posted_after_preparation_stops_approval(
    api: Api, session: AsyncSession
) -> None:
    """R-OPG-2: approval needs the report still balanced; the late entry is named."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    report = await generate(api, (await open_report(api, client_id))["id"])
    await prepare(api, report["id"])
    late = await opg_post(session, client, "OUT_CLOTHES", 4_321, date(2024, 9, 9), "Late coat")
    refused = await call(api, "approveOpgReport", {"reportId": report["id"]}, SCAO)
    assert refused["__typename"] != "OpgReportPayload", refused
    assert refused["code"] == "OPG_REPORT_UNBALANCED"
    assert "Late coat" in refused["message"] or tid(late) in refused["message"]
    # returned, generated again, it balances and goes through
    ok(await call(api, "returnOpgReport", {"reportId": report["id"], "reason": "late"}, SCAO))
    again = await generate(api, report["id"])
    assert again["currentVersion"]["totals"]["moneyOut"] == "43.21"
    assert again["lateEntries"] == []


async def test_the_same_version_exports_the_same_pdf(api: Api, session: AsyncSession) -> None:
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    report = await generate(api, (await open_report(api, client_id))["id"])
    first = (await api.data(EXPORT, {"id": report["id"]}, **SCAO))["node"]["currentVersion"]
    second = (await api.data(EXPORT, {"id": report["id"]}, **TGM))["node"]["currentVersion"]
    assert first["export"]["pdfBase64"] == second["export"]["pdfBase64"]
    assert first["export"]["digitalServiceJson"] == second["export"]["digitalServiceJson"]


async def test_a_placement_made_and_returned_with_interest_moves_no_money_in_or_out_but_interest(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-INV-4, R-INV-6: placed and returned through their doors, the capital goes between the
    client's own accounts; only the interest is money in."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_OTHER", 4_000_000, date(2024, 5, 1), "Savings found")
    today.set(date(2024, 6, 10))
    await with_surplus(api, client_id, "40000.00")
    institution = await add_institution(api)
    product = await add_product(api, institution["id"], rate="2.0000")
    placement = await placed(
        api, placement_input({"id": client_id}, product, "20000.00", "2024-06-10")
    )
    today.set(date(2024, 12, 10))
    returned = await give_back(api, placement["id"], "2024-12-10")
    assert returned["__typename"] == "PlacementPayload", returned
    interest = returned["placement"]["interest"]
    assert pence(interest) > 0
    today.set(date(2026, 11, 26))

    report = await generate(api, (await open_report(api, client_id))["id"])
    v = report["currentVersion"]
    assert by_category(v["moneyIn"]) == {"IN_OTHER": "40000.00", "IN_INTEREST": interest}
    assert v["moneyOut"] == []
    assert sorted(t["amount"] for t in v["transfersBetweenOwnAccounts"]) == [
        "20000.00",
        "20000.00",
    ]
    assert pence(v["totals"]["closing"]) == 4_000_000 + pence(interest)
    assert report["balanceCheck"]["balanced"] is True


async def test_a_health_and_welfare_order_recorded_later_makes_the_next_version_a_4_variant(
    api: Api, session: AsyncSession
) -> None:
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    report = await generate(api, (await open_report(api, client_id))["id"])
    assert report["reportType"] == "TYPE_103_6"
    deputyship = (
        await api.data(
            "query($id: ID!) { node(id: $id) { ... on OpgReport { deputyshipId } } }",
            {"id": report["id"]},
            **SCAO,
        )
    )["node"]["deputyshipId"]
    amended = await amend_deputyship(api, deputyship, {"healthAndWelfareOrder": True})
    assert amended["__typename"] == "DeputyshipPayload", amended
    assert (await generate(api, report["id"]))["reportType"] == "TYPE_103_4_6"


async def test_a_corrected_and_resubmitted_report_is_what_the_next_opening_matches(
    api: Api, session: AsyncSession
) -> None:
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 40_000, date(2024, 5, 1), "Benefits")
    first = await generate(api, (await open_report(api, client_id))["id"])
    await prepare(api, first["id"])
    await approve(api, first["id"])
    ok(await mark_submitted(api, first["id"], "2025-05-20"))
    await opg_post(session, client, "OUT_CARE_FEES", 5_000, date(2025, 1, 5), "Late fee")
    ok(await call(api, "correctOpgReport", {"reportId": first["id"], "reason": "late"}, SCAO))
    await prepare(api, first["id"])
    # the senior officer generated the correction's version: someone else approves (R-ROLE-2)
    refused = await call(api, "approveOpgReport", {"reportId": first["id"]}, SCAO)
    assert refused["__typename"] == "FourEyesProblem", refused
    await approve(api, first["id"], TGM)
    resubmitted = ok(await mark_submitted(api, first["id"], "2025-06-02"))
    assert (resubmitted["submittedOn"], resubmitted["currentVersion"]["version"]) == (
        "2025-06-02",
        2,
    )
    assert [h["event"] for h in resubmitted["history"]].count("SUBMITTED") == 2
    second = await generate(api, (await open_report(api, client_id))["id"])
    assert second["currentVersion"]["totals"]["opening"] == "350.00"
    assert second["balanceCheck"]["openingMatchesLastReport"] is True
    assert second["balanceCheck"]["balanced"] is True


async def test_a_reversed_benefit_receipt_nets_under_its_own_benefit(api: Api, today: Any) -> None:
    """R-ACC-6, R-AUD-2: a benefit paid in error and reversed nets to nothing under that benefit."""
    client_id, _ = await deputy_client(api, ORDER)
    dwp = await new_payer(api)
    transfers = []
    for on in ("2024-06-03", "2024-07-01"):
        result = await record_receipt(
            api, receipt_input(client_id, dwp, valueDate=on, periodStart=None, periodEnd=None)
        )
        assert result["__typename"] == "ReceiptPayload", result
        transfers.append(result["receipt"]["transfer"]["id"])
    today.set(date(2024, 7, 5))
    body = await api.data(
        REVERSE,
        {
            "input": {
                "transferId": transfers[1],
                "reason": "paid twice by the DWP",
                "idempotencyKey": new_key(),
            }
        },
        **SCAO,
    )
    assert body["reverseTransfer"]["__typename"] == "TransferPayload", body
    today.set(date(2026, 11, 26))
    report = await generate(api, (await open_report(api, client_id))["id"])
    v = report["currentVersion"]
    assert [(b["benefit"], b["received"]) for b in v["sections"]["benefits"]] == [
        ("ATTENDANCE_ALLOWANCE", "434.20")
    ]
    assert [(t["benefit"], t["opgCategory"], t["amount"]) for t in v["moneyIn"]] == [
        ("ATTENDANCE_ALLOWANCE", "attendance-allowance", "434.20")
    ]


async def test_a_fee_run_s_fees_are_reported_by_type_and_the_supervision_fee_as_money_out(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-FEE-1, R-FEE-2, R-OPG: the council's remuneration is the deputy fees section's annual
    management fee; the OPG's supervision fee is money out (opg-fees), not a deputy fee; the
    OPG's check counts each once."""
    client_id, client = await deputy_client(api, "2016-04-01")
    await opg_post(session, client, "IN_OTHER", 3_000_000, date(2016, 5, 1), "Savings")
    first = await generate(api, (await open_report(api, client_id))["id"])
    await prepare(api, first["id"])
    await approve(api, first["id"])
    ok(await mark_submitted(api, first["id"], "2017-05-20"))
    today.set(date(2017, 6, 1))
    run = await run_fees(api, "2017-04-01", "2017-06-01")
    assert run["run"]["total"] == "1095.00", run  # £775 first year (2017) + £320 supervision
    today.set(date(2026, 11, 26))

    report = await generate(api, (await open_report(api, client_id))["id"])
    v = report["currentVersion"]
    fees = {f["type"]: f["amount"] for f in v["sections"]["deputyFees"]}
    assert fees["ANNUAL_MANAGEMENT"] == "775.00"
    assert {k for k, amount in fees.items() if amount != "0.00"} == {"ANNUAL_MANAGEMENT"}
    out = {t["category"]: (t["opgCategory"], t["opgSection"], t["amount"]) for t in v["moneyOut"]}
    assert out == {
        "OUT_DEPUTY_FEES": ("deputy-fees-and-expenses", "deputy_fees", "775.00"),
        "OUT_OPG_FEES": ("opg-fees", "money", "320.00"),
    }
    exported = (await api.data(EXPORT, {"id": report["id"]}, **SCAO))["node"]["currentVersion"]
    check = json.loads(exported["export"]["digitalServiceJson"])["balanceCheck"]
    assert (check["moneyOut"], check["deputyFees"], check["closing"], check["difference"]) == (
        "320.00",
        "775.00",
        "28905.00",
        "0.00",
    )


async def test_an_entry_posted_into_the_opening_is_named_when_submission_is_refused(
    api: Api, session: AsyncSession
) -> None:
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 100_000, date(2024, 5, 1), "Benefits")
    report = await generate(api, (await open_report(api, client_id))["id"])
    await prepare(api, report["id"])
    await approve(api, report["id"])
    found = await opg_post(
        session, client, "IN_OTHER", 7_777, date(2024, 3, 15), "Found before the order"
    )
    refused = await mark_submitted(api, report["id"], "2025-05-20")
    assert refused["__typename"] == "InvalidStateProblem", refused
    assert refused["code"] == "OPG_REPORT_UNBALANCED"
    now = await read(api, report["id"])
    assert tid(found) in {e["transferId"] for e in now["balanceCheck"]["explainingEntries"]}
    assert "Found before the order" in refused["message"] or tid(found) in refused["message"]


async def test_interest_credited_and_money_back_from_court_funds_through_their_doors(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-ACC-1, R-INV-6: the interest run's interest is money in on the period's last day; money
    taken back from the Court Funds Office is a transfer between own accounts."""
    client_id, client = await deputy_client(api, ORDER)
    await opg_post(session, client, "IN_BENEFITS", 10_000_000, date(2024, 4, 2), "Back pay")
    await opg_post(
        session, client, "TRANSFER_BETWEEN_OWN_ACCOUNTS", 5_000_000, date(2024, 4, 3), "Lodged"
    )
    today.set(date(2024, 10, 1))
    withdrawn = await api.data(
        """mutation($input: WithdrawFromCourtFundsInput!) { withdrawFromCourtFunds(input: $input) {
             __typename } }""",
        {
            "input": {
                "clientId": client_id,
                "amount": "1000.00",
                "reason": "A new wheelchair",
                "idempotencyKey": new_key(),
            }
        },
        **SCAO,
    )
    assert withdrawn["withdrawFromCourtFunds"]["__typename"] == "CourtFundsWithdrawalPayload"
    today.set(date(2025, 4, 5))
    posted = await api.data(
        """mutation($input: PostInterestInput!) { postInterest(input: $input) { __typename } }""",
        {"input": {"periodStart": "2025-03-01", "periodEnd": "2025-03-31"}},
        **SCAO,
    )
    assert posted["postInterest"]["__typename"] == "InterestRunPayload", posted
    today.set(date(2026, 11, 26))

    report = await generate(api, (await open_report(api, client_id))["id"])
    v = report["currentVersion"]
    # March on £51,000 in CMS at 0.1% a year: 51,000 x 0.001 x 31 / 365 = 4.33
    interest = [t for t in v["moneyIn"] if t["category"] == "IN_INTEREST"]
    assert [(e["valueDate"], e["amount"]) for t in interest for e in t["entries"]] == [
        ("2025-03-31", "4.33")
    ]
    assert by_category(v["moneyIn"]) == {"IN_BENEFITS": "100000.00", "IN_INTEREST": "4.33"}
    assert v["moneyOut"] == []
    assert sorted(t["amount"] for t in v["transfersBetweenOwnAccounts"]) == [
        "1000.00",
        "50000.00",
    ]
    assert v["totals"]["closing"] == "100004.33"
    assert report["balanceCheck"]["balanced"] is True


ASSETS = """query($id: ID!) { node(id: $id) { ... on OpgReport { reportType currentVersion {
  assetsAtEnd sections { assets { valuables { description valueAtEnd } } } } } } }"""


async def test_valuables_held_count_toward_the_type_but_not_those_taken_in_after_the_end(
    api: Api, session: AsyncSession
) -> None:
    """R-CARE-3, R-OPG: assets at the end are the accounts and what else the client holds then:
    a ring worth £25,000 in the safe makes the higher-assets form; the same ring taken in after
    an ended period is not in that period's report."""
    started = clock.today() - timedelta(days=30)  # a period holding today
    current_id, current = await deputy_client(api, started.isoformat())
    await opg_post(session, current, "IN_BENEFITS", 10_000, started, "Benefits")
    await registered_valuable(api, current_id, monetaryValue="25000.00")
    report = await generate(api, (await open_report(api, current_id))["id"])
    held = (await api.data(ASSETS, {"id": report["id"]}, **SCAO))["node"]
    assert held["reportType"] == "TYPE_102_6"
    assert held["currentVersion"]["assetsAtEnd"] == "25100.00"
    assert [v["valueAtEnd"] for v in held["currentVersion"]["sections"]["assets"]["valuables"]] == [
        "25000.00"
    ]

    ended_id, ended = await deputy_client(api, ORDER)  # period ended 2025-03-31
    await opg_post(session, ended, "IN_BENEFITS", 10_000, date(2024, 5, 1), "Benefits")
    await registered_valuable(api, ended_id, monetaryValue="25000.00")
    report = await generate(api, (await open_report(api, ended_id))["id"])
    later = (await api.data(ASSETS, {"id": report["id"]}, **SCAO))["node"]
    assert later["reportType"] == "TYPE_103_6"
    assert later["currentVersion"]["assetsAtEnd"] == "100.00"
    assert later["currentVersion"]["sections"]["assets"]["valuables"] == []
