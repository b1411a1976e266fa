"""The OPG annual report (issue 15; R-OPG, R-OPG-1, R-OPG-2, R-ROLE-2), through /graphql.

A deputy client's period runs a year less a day from the order's date, due on the 56th day after;
one open report at a time. The money sections are generated from the ledger and balance to the
penny per account and in total; the type is decided at the threshold; two officers review it;
submission is refused while an entry posted into the period after generation is not in it; a
submitted report is immutable (a correction is a new version); next year's opening is this
year's closing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.common.ids import decode_uuid
from ca_api.opg_reports import report_views, reports_due, rules
from tests.conftest import Api, error_codes
from tests.factories import (
    KEYED_PROBLEMS,
    assert_forbidden,
    new_client,
    new_deputyship,
    new_key,
    new_payer,
    opg_post,
    opg_report_accounts,
    raw,
    receipt_input,
    record_receipt,
)

CASEWORKER = {"role": "assistant", "sub": "ash.assistant"}
GENERATOR = {"role": "senior_officer", "sub": "sam.scao"}
CHECKER = {"role": "senior_officer", "sub": "olu.scao"}

VERSION_FIELDS = """version reason reportType assetsAtEnd threshold generatedBy
  accounts { accountId kind opening moneyIn moneyOut transfersIn transfersOut closing }
  moneyIn { category benefit opgCategory amount entries { transferId amount valueDate } }
  moneyOut { category opgCategory opgSection amount entries { transferId amount } }
  transfersBetweenOwnAccounts { transferId amount }
  totals { opening moneyIn moneyOut closing }"""
REPORT_FIELDS = f"""id periodStart periodEnd dueOn dueState status reportType
  preparedBy approvedBy approvedOn submittedOn opgReference
  currentVersion {{ {VERSION_FIELDS} }}
  versions {{ version reason }}
  freeText {{ section text recordedBy }}
  history {{ event version reason }}
  deputyship {{ healthAndWelfareOrder }}
  lateEntries {{ transferId amount description }}
  balanceCheck {{ balanced openingMatchesLastReport lastReportClosing
    accounts {{ accountId closing ledgerClosing difference balanced }}
    totals {{ opening closing ledgerClosing difference }}
    explainingEntries {{ transferId amount description valueDate }} }}"""


def _mutation(name: str, input_type: str) -> str:
    return f"""mutation($input: {input_type}!) {{ {name}(input: $input) {{
      __typename
      ... on OpgReportPayload {{ replayed report {{ {REPORT_FIELDS} }} }}
      {KEYED_PROBLEMS} }} }}"""


OPEN = _mutation("openOpgReport", "OpenOpgReportInput")
GENERATE = _mutation("generateOpgReport", "GenerateOpgReportInput")
TEXT = _mutation("recordOpgReportText", "RecordOpgReportTextInput")
PREPARE = _mutation("prepareOpgReport", "PrepareOpgReportInput")
APPROVE = _mutation("approveOpgReport", "ApproveOpgReportInput")
RETURN = _mutation("returnOpgReport", "ReturnOpgReportInput")
SUBMIT = _mutation("markOpgReportSubmitted", "MarkOpgReportSubmittedInput")
CORRECT = _mutation("correctOpgReport", "CorrectOpgReportInput")
REPORT = f"query($id: ID!) {{ node(id: $id) {{ ... on OpgReport {{ {REPORT_FIELDS} }} }} }}"
DUE = """query($d: Date) { opgReportsDue(asOf: $d) {
  clientId periodStart dueOn dueState report { id } } }"""
LIST = """query($c: ID, $s: OpgReportStatus) { opgReports(clientId: $c, status: $s) {
  nodes { id status } } }"""


async def _call(api: Api, query: str, who: dict[str, str], **input: Any) -> dict[str, Any]:
    data = await api.data(query, {"input": input | {"idempotencyKey": new_key()}}, **who)
    result: dict[str, Any] = next(iter(data.values()))
    return result


async def _ok(api: Api, query: str, who: dict[str, str], **input: Any) -> dict[str, Any]:
    result = await _call(api, query, who, **input)
    assert result["__typename"] == "OpgReportPayload", result
    report: dict[str, Any] = result["report"]
    return report


def _refused(result: dict[str, Any], code: str) -> str:
    assert result.get("code") == code, result
    message: str = result["message"]
    return message


async def _deputy_client(api: Api, order_date: date, **deputyship: Any) -> dict[str, str]:
    client = await new_client(api)
    await new_deputyship(api, client["id"], orderDate=order_date.isoformat(), **deputyship)
    return client


def _order_date() -> date:
    """An order whose first period ended about five weeks ago: the report is DUE."""
    return clock.today() - timedelta(days=400)


async def test_a_year_balances_to_the_penny_through_review_and_submission(
    api: Api, session: AsyncSession
) -> None:
    """R-OPG, R-OPG-2, R-ROLE-2: the whole year of one deputy client."""
    start = _order_date()
    client = await _deputy_client(api, start)
    cid = decode_uuid("Client", client["id"])
    end = rules.period_end(start)
    before = start - timedelta(days=3)
    # Before the period (the opening), then a year of receipts, payments and a lodgement.
    await opg_post(session, cid, "IN_BENEFITS", 1000_00, before, "Opening benefits")
    await opg_post(session, cid, "IN_BENEFITS", 500_00, start + timedelta(days=10), "AA")
    await opg_post(session, cid, "IN_STATE_PENSION", 300_00, start + timedelta(days=20), "SP")
    await opg_post(session, cid, "OUT_CARE_FEES", 400_00, start + timedelta(days=30), "Care")
    await opg_post(
        session, cid, "TRANSFER_BETWEEN_OWN_ACCOUNTS", 600_00, start + timedelta(days=40), "Lodge"
    )
    await opg_post(
        session,
        cid,
        "IN_INTEREST",
        12_34,
        start + timedelta(days=50),
        "Interest",
        account="CLIENT_COURT_FUNDS",
    )
    # After the period: not in this report.
    await opg_post(session, cid, "IN_BENEFITS", 7_00, end + timedelta(days=1), "Next year")

    opened = await _ok(api, OPEN, CASEWORKER, clientId=client["id"])
    assert opened["periodStart"] == start.isoformat()
    assert opened["periodEnd"] == end.isoformat()
    assert opened["dueOn"] == (end + timedelta(days=56)).isoformat()  # the 56th day after
    assert opened["status"] == "OPEN" and opened["dueState"] == "DUE"
    assert opened["currentVersion"] is None and opened["balanceCheck"] is None
    rid = opened["id"]

    again = await _call(api, OPEN, CASEWORKER, clientId=client["id"])
    _refused(again, "OPG_REPORT_ALREADY_OPEN")

    # Prepare before a version exists: refused.
    _refused(await _call(api, PREPARE, CASEWORKER, reportId=rid), "INVALID_STATE")

    generated = await _ok(api, GENERATE, GENERATOR, reportId=rid)
    version = generated["currentVersion"]
    accounts = await opg_report_accounts(session, cid)
    by_kind = {a["kind"]: a for a in version["accounts"]}
    cms, court = by_kind["CLIENT_CMS"], by_kind["CLIENT_COURT_FUNDS"]
    assert cms["accountId"] == accounts["CLIENT_CMS"]
    assert (cms["opening"], cms["moneyIn"], cms["moneyOut"]) == ("1000.00", "800.00", "400.00")
    assert (cms["transfersIn"], cms["transfersOut"], cms["closing"]) == ("0.00", "600.00", "800.00")
    assert (court["opening"], court["moneyIn"], court["transfersIn"], court["closing"]) == (
        "0.00",
        "12.34",
        "600.00",
        "612.34",
    )
    assert version["totals"] == {
        "opening": "1000.00",
        "moneyIn": "812.34",
        "moneyOut": "400.00",
        "closing": "1412.34",
    }
    assert {c["category"]: c["amount"] for c in version["moneyIn"]} == {
        "IN_BENEFITS": "500.00",
        "IN_INTEREST": "12.34",
        "IN_STATE_PENSION": "300.00",
    }
    assert [c["amount"] for c in version["moneyOut"]] == ["400.00"]
    assert [t["amount"] for t in version["transfersBetweenOwnAccounts"]] == ["600.00"]
    assert version["reportType"] == "TYPE_103_6" and version["assetsAtEnd"] == "1412.34"
    assert version["threshold"] == "21000.00"
    assert generated["balanceCheck"]["balanced"] is True
    assert generated["balanceCheck"]["openingMatchesLastReport"] is None  # the first report

    await _ok(api, TEXT, CASEWORKER, reportId=rid, section="ANYTHING_ELSE", text="Draft")
    texted = await _ok(api, TEXT, CASEWORKER, reportId=rid, section="ANYTHING_ELSE", text="Final")
    assert texted["freeText"] == [
        {"section": "ANYTHING_ELSE", "text": "Final", "recordedBy": "ash.assistant"}
    ]

    prepared = await _ok(api, PREPARE, CASEWORKER, reportId=rid)
    assert prepared["status"] == "PREPARED" and prepared["preparedBy"] == "ash.assistant"
    # Four eyes (R-ROLE-2): whoever generated a version may not approve it.
    refused = await _call(api, APPROVE, GENERATOR, reportId=rid)
    assert refused["code"] == "FOUR_EYES", refused
    returned = await _ok(api, RETURN, CHECKER, reportId=rid, reason="Check the care fees")
    assert returned["status"] == "OPEN" and returned["preparedBy"] is None
    await _ok(api, PREPARE, CASEWORKER, reportId=rid)
    approved = await _ok(api, APPROVE, CHECKER, reportId=rid)
    assert approved["status"] == "APPROVED" and approved["approvedBy"] == "olu.scao"

    # Submitted: the date and the OPG's reference; then immutable.
    on = clock.today().isoformat()
    submitted = await _ok(api, SUBMIT, CHECKER, reportId=rid, submittedOn=on, opgReference="OPG-1")
    assert submitted["status"] == "SUBMITTED" and submitted["dueState"] == "SUBMITTED"
    assert (submitted["submittedOn"], submitted["opgReference"]) == (on, "OPG-1")
    assert [e["event"] for e in submitted["history"]] == [
        "PREPARED",
        "RETURNED",
        "PREPARED",
        "APPROVED",
        "SUBMITTED",
    ]
    _refused(await _call(api, GENERATE, GENERATOR, reportId=rid), "INVALID_STATE")
    _refused(
        await _call(api, TEXT, CASEWORKER, reportId=rid, section="ANYTHING_ELSE", text="x"),
        "INVALID_STATE",
    )

    # Next year's report: its opening is this year's closing (R-OPG-2).
    second = await _ok(api, OPEN, CASEWORKER, clientId=client["id"])
    assert second["periodStart"] == (end + timedelta(days=1)).isoformat()
    second = await _ok(api, GENERATE, GENERATOR, reportId=second["id"])
    assert second["currentVersion"]["totals"]["opening"] == "1412.34"
    assert second["currentVersion"]["totals"]["moneyIn"] == "7.00"
    check = second["balanceCheck"]
    assert check["openingMatchesLastReport"] is True and check["lastReportClosing"] == "1412.34"
    assert check["balanced"] is True

    due = (await api.data(DUE, {}, **CASEWORKER))["opgReportsDue"]
    mine = [d for d in due if d["clientId"] == client["id"]]
    assert mine == [
        {
            "clientId": client["id"],
            "periodStart": second["periodStart"],
            "dueOn": second["dueOn"],
            "dueState": "NOT_DUE",
            "report": {"id": second["id"]},
        }
    ]
    listed = await api.data(LIST, {"c": client["id"], "s": "SUBMITTED"}, role="auditor", sub="a")
    assert [n["id"] for n in listed["opgReports"]["nodes"]] == [rid]

    # A correction: a new version that says why; OPEN again.
    _refused(await _call(api, CORRECT, CHECKER, reportId=rid, reason=" "), "VALIDATION_FAILED")
    corrected = await _ok(api, CORRECT, CHECKER, reportId=rid, reason="Interest was missed")
    assert corrected["status"] == "OPEN"
    assert corrected["versions"] == [
        {"version": 1, "reason": None},
        {"version": 2, "reason": "Interest was missed"},
    ]
    assert corrected["history"][-1] == {
        "event": "CORRECTED",
        "version": 2,
        "reason": "Interest was missed",
    }


async def test_an_entry_posted_into_the_period_after_generation_refuses_submission(
    api: Api, session: AsyncSession
) -> None:
    """R-OPG-2: the report is refused for submission, naming the late entry."""
    start = _order_date()
    client = await _deputy_client(api, start)
    cid = decode_uuid("Client", client["id"])
    await opg_post(session, cid, "IN_BENEFITS", 100_00, start + timedelta(days=5), "PIP")
    rid = (await _ok(api, OPEN, CASEWORKER, clientId=client["id"]))["id"]
    await _ok(api, GENERATE, CASEWORKER, reportId=rid)
    await _ok(api, PREPARE, CASEWORKER, reportId=rid)
    await _ok(api, APPROVE, CHECKER, reportId=rid)

    late = await opg_post(
        session, cid, "OUT_CARE_FEES", 25_50, start + timedelta(days=9), "Late care invoice"
    )
    on = clock.today().isoformat()
    refused = await _call(api, SUBMIT, CHECKER, reportId=rid, submittedOn=on, opgReference="R")
    message = _refused(refused, "OPG_REPORT_UNBALANCED")
    assert str(late) in message and "Late care invoice" in message and "25.50" in message

    report = (await api.data(REPORT, {"id": rid}, **CHECKER))["node"]
    assert report["status"] == "APPROVED"
    check = report["balanceCheck"]
    assert check["balanced"] is False
    assert [a["difference"] for a in check["accounts"]] == ["-25.50"]
    assert [e["description"] for e in check["explainingEntries"]] == ["Late care invoice"]
    assert [e["amount"] for e in report["lateEntries"]] == ["25.50"]

    # Returned and generated again, it includes the entry and balances.
    await _ok(api, RETURN, CHECKER, reportId=rid, reason="Late entry")
    again = await _ok(api, GENERATE, CASEWORKER, reportId=rid)
    assert again["balanceCheck"]["balanced"] is True and again["lateEntries"] == []
    assert again["currentVersion"]["totals"]["moneyOut"] == "25.50"


async def test_type_at_the_threshold_both_ways_and_with_health_and_welfare(
    api: Api, session: AsyncSession
) -> None:
    """R-OPG: £21,000.00 at the period's end -> 102-6; £20,999.99 -> 103-6; -4-6 with a health
    and welfare order."""
    start = _order_date()
    cases = [
        (2_100_000, False, "TYPE_102_6"),
        (2_099_999, False, "TYPE_103_6"),
        (2_100_000, True, "TYPE_102_4_6"),
        (2_099_999, True, "TYPE_103_4_6"),
    ]
    for pence, hw, expected in cases:
        client = await _deputy_client(api, start, healthAndWelfareOrder=hw)
        cid = decode_uuid("Client", client["id"])
        await opg_post(session, cid, "IN_BENEFITS", pence, start + timedelta(days=1), "Funds")
        rid = (await _ok(api, OPEN, CASEWORKER, clientId=client["id"]))["id"]
        report = await _ok(api, GENERATE, CASEWORKER, reportId=rid)
        assert report["deputyship"]["healthAndWelfareOrder"] is hw
        assert report["reportType"] == expected, (pence, hw)


async def test_a_client_without_a_deputyship_has_no_report(api: Api) -> None:
    client = await new_client(api)
    refused = await _call(api, OPEN, CASEWORKER, clientId=client["id"])
    _refused(refused, "NOT_A_DEPUTY_CLIENT")


async def test_roles_are_refused(api: Api, session: AsyncSession) -> None:
    """R-ROLE-1: social workers and integrations see nothing; casework does not approve."""
    client = await _deputy_client(api, _order_date())
    rid = (await _ok(api, OPEN, CASEWORKER, clientId=client["id"]))["id"]
    variables = {"input": {"clientId": client["id"], "idempotencyKey": new_key()}}
    body = await api.gql(OPEN, variables, role="social_worker", sub="sw")
    assert_forbidden(body, ["openOpgReport"])
    body = await api.gql(OPEN, variables, role="support_assistant", sub="sup")
    assert_forbidden(body, ["openOpgReport"])
    step = {"input": {"reportId": rid, "idempotencyKey": new_key()}}
    body = await api.gql(APPROVE, step, **CASEWORKER)
    assert_forbidden(body, ["approveOpgReport"])
    body = await api.gql(REPORT, {"id": rid}, role="reporting", sub="rep")
    assert error_codes(body) == ["FORBIDDEN"], body
    body = await api.gql(DUE, {}, role="social_worker", sub="sw")
    assert_forbidden(body, ["opgReportsDue"])


async def test_benefits_from_receipts_are_split_per_benefit_and_the_document_is_whole(
    api: Api, session: AsyncSession
) -> None:
    """R-OPG-1: a receipt's benefit names its line of money in; the document (the exports' one
    input) carries the period, the client, the free text and the submission."""
    start = date(2024, 6, 1)  # the receipts' value date, 2025-03-03, is in the first period
    client = await _deputy_client(api, start)
    payer = await new_payer(api)
    recorded = await record_receipt(api, receipt_input(client["id"], payer))
    assert recorded["__typename"] == "ReceiptPayload", recorded
    pension = receipt_input(client["id"], payer, benefit="PENSION_CREDIT", amount="50.00")
    assert (await record_receipt(api, pension))["__typename"] == "ReceiptPayload"
    rid = (await _ok(api, OPEN, CASEWORKER, clientId=client["id"]))["id"]
    report = await _ok(api, GENERATE, CASEWORKER, reportId=rid)
    lines = {
        (c["category"], c["benefit"]): c["amount"] for c in report["currentVersion"]["moneyIn"]
    }
    assert lines == {
        ("IN_BENEFITS", "ATTENDANCE_ALLOWANCE"): "434.20",
        ("IN_BENEFITS", "PENSION_CREDIT"): "50.00",
    }
    await _ok(api, TEXT, CASEWORKER, reportId=rid, section="CARE_AND_WELLBEING", text="Well")
    await _ok(api, PREPARE, CASEWORKER, reportId=rid)
    await _ok(api, APPROVE, CHECKER, reportId=rid)
    on = clock.today().isoformat()
    await _ok(api, SUBMIT, CHECKER, reportId=rid, submittedOn=on, opgReference="OPG-77")

    document = await report_views.document(session, decode_uuid("OpgReport", rid))
    assert document["client"]["reference"] == client["reference"]
    assert document["period"] == {
        "start": "2024-06-01",
        "end": "2025-05-31",
        "dueOn": "2025-07-26",
    }
    assert document["reportType"] == "103-6" and document["totals"]["closing"] == 48420
    assert document["freeText"] == {"CARE_AND_WELLBEING": "Well"}
    assert document["submission"] == {
        "status": "SUBMITTED",
        "submittedOn": on,
        "opgReference": "OPG-77",
        "approvedBy": "olu.scao",
        "approvedOn": on,
        "preparedBy": "ash.assistant",
        "correctionReason": None,
    }
    assert raw(rid) == document["reportId"]
    topics = await session.execute(
        text(
            "SELECT topic FROM outbox_message WHERE client_id = :c "
            "AND topic LIKE 'OPG_REPORT_%' ORDER BY topic"
        ),
        {"c": decode_uuid("Client", client["id"])},
    )
    assert list(topics.scalars()) == [
        "OPG_REPORT_APPROVED",
        "OPG_REPORT_PREPARED",
        "OPG_REPORT_SUBMITTED",
    ]


AMEND = """mutation($input: AmendDeputyshipInput!) { amendDeputyship(input: $input) {
  __typename ... on DeputyshipPayload { deputyship { version healthAndWelfareOrder } }
  ... on Problem { code message } } }"""


async def test_the_health_and_welfare_flag_is_kept_unless_amended(api: Api) -> None:
    """Issue 15 item 2: recorded on the deputyship (default false); an amendment that omits it
    keeps it, one that gives it changes it, and it cannot be cleared to null."""
    client = await new_client(api)
    deputyship = await new_deputyship(api, client["id"])
    who = {"role": "senior_officer", "sub": "olu.scao"}

    async def amend(amendment: dict[str, Any]) -> dict[str, Any]:
        variables = {"input": {"id": deputyship["id"], "amendment": amendment, "reason": "r"}}
        result: dict[str, Any] = (await api.data(AMEND, variables, **who))["amendDeputyship"]
        return result

    changed = await amend({"healthAndWelfareOrder": True})
    assert changed["deputyship"] == {"version": 2, "healthAndWelfareOrder": True}
    kept = await amend({"supervisionType": "TYPE_1"})
    assert kept["deputyship"] == {"version": 3, "healthAndWelfareOrder": True}
    cleared = await amend({"healthAndWelfareOrder": None})
    assert cleared["code"] == "VALIDATION_FAILED", cleared


async def test_the_reports_due_are_the_same_read_in_batches(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deputy clients are read a batch at a time (issue 18: one IN list of 35,000 clients
    is over the driver's 32,767 parameters): batches of one client give the same list, in the
    same order, as one batch, a report opened or not."""
    clients = [await _deputy_client(api, _order_date() - timedelta(days=d)) for d in (0, 30, 9)]
    await _ok(api, OPEN, CASEWORKER, clientId=clients[1]["id"])
    whole = (await api.data(DUE, {}, **CASEWORKER))["opgReportsDue"]
    assert {c["id"] for c in clients} <= {d["clientId"] for d in whole}
    monkeypatch.setattr(reports_due, "DUE_BATCH", 1)
    assert (await api.data(DUE, {}, **CASEWORKER))["opgReportsDue"] == whole


async def test_the_next_period_due_starts_at_the_earliest_order_ever_in_force(api: Api) -> None:
    """R-OPG: what the one statement of the reports due picks (issue 18): a client whose first
    order was superseded (in force no more) is due from that order's date, as ``openReport``
    opens it; a client whose order ended before the day is not listed."""
    first = _order_date() - timedelta(days=30)
    client = await new_client(api)
    old = await new_deputyship(api, client["id"], orderDate=first.isoformat())
    later = _order_date().isoformat()
    await new_deputyship(api, client["id"], orderDate=later, supersedes=old["id"])
    ended = await _deputy_client(api, first, endDate=(first + timedelta(days=10)).isoformat())
    due = (await api.data(DUE, {}, **CASEWORKER))["opgReportsDue"]
    assert not [d for d in due if d["clientId"] == ended["id"]]
    mine = [d for d in due if d["clientId"] == client["id"]]
    end = rules.period_end(first)
    assert mine == [
        {
            "clientId": client["id"],
            "periodStart": first.isoformat(),
            "dueOn": rules.due_on(end).isoformat(),
            "dueState": "OVERDUE",
            "report": None,
        }
    ]
    opened = await _ok(api, OPEN, CASEWORKER, clientId=client["id"])
    assert opened["periodStart"] == first.isoformat()
