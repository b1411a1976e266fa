"""Deadlines met and missed (issue 16 item 4, R-REP-4, seed 002 B 31, D 3) through the real
/graphql endpoint: for a period, each promise's cases due in it, met, missed and still open.

A case counts when its due date falls in the period; it is MET when done on or before the due
date, MISSED when done after it or not done with the due date before the council's today, OPEN
when not done and due today or later (docs/deadline_measures.md). Each promise's due date is its
own module's: the tests build the cases through those modules' mutations, with the council's
date set (the ``today`` fixture) and, for the DWP clock, the acceptance moved to a given day
(``referral_valid_on``), and check the boundary: due on the period's last day and done that
day is MET, done the next working day is MISSED, due the day after is not counted.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clock import LONDON
from ca_api.deadline_measures import rules
from ca_api.deadline_measures.rules import Fact, Tally
from ca_api.deadline_measures.service import DeadlinesReport, MeasureCounts, rows_for_csv
from ca_api.workdays import add_working_days
from tests.conftest import Api
from tests.factories import (
    FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY,
    approve_payment,
    assert_forbidden,
    check_all,
    confirmed_death,
    fund,
    make_payment,
    new_client,
    new_counterparty,
    new_key,
    raised_payment,
    raw,
    record_budget_plan,
    record_deputyship,
    record_invoice,
    record_review,
    record_will,
    record_will_notice,
    referral_valid_on,
    statement_deputy_client,
    statement_input,
    submit,
    surplus_plan_input,
)

OFFICER = {"role": "senior_officer", "sub": "olu.scao"}
REPORTING = {"role": "reporting", "sub": "rita.dashboard"}
COUNT = "{ count suppressed }"
MEASURE_FIELDS = f"measure promise rules due {COUNT} met {COUNT} missed {COUNT} open {COUNT}"
REPORT = f"""query($from: Date!, $to: Date!) {{ deadlinesReport(from: $from, to: $to) {{
  from to asOf suppressedBelow measures {{ {MEASURE_FIELDS} }} }} }}"""
SERIES = f"""query($from: Date!, $to: Date!) {{ deadlinesSeries(from: $from, to: $to) {{
  from to measures {{ {MEASURE_FIELDS} }} }} }}"""
SENT = """mutation($input: RecordAppointeeApplicationSentInput!) {
  recordAppointeeApplicationSent(input: $input) { __typename } }"""

FRIDAY = FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY  # Monday 31 August 2026 is a bank holiday


async def report(api: Api, start: date, end: date, **who: Any) -> dict[str, Any]:
    variables = {"from": start.isoformat(), "to": end.isoformat()}
    data = await api.data(REPORT, variables, **(who or OFFICER))
    result: dict[str, Any] = data["deadlinesReport"]
    return result


def counts_of(result: dict[str, Any], measure: str) -> tuple[int | None, ...]:
    (m,) = [m for m in result["measures"] if m["measure"] == measure]
    return tuple(m[k]["count"] for k in ("due", "met", "missed", "open"))


async def counts(api: Api, start: date, end: date, measure: str) -> tuple[int | None, ...]:
    return counts_of(await report(api, start, end), measure)


# --- the DWP application within 5 working days of a valid referral (R-REF-5, B 2.1) -----------


async def send(api: Api, referral_id: str, sent_on: date) -> None:
    variables = {
        "input": {
            "referralId": referral_id,
            "sentOn": sent_on.isoformat(),
            "idempotencyKey": new_key(),
        }
    }
    data = await api.data(SENT, variables, role="assistant", sub="ash.assistant")
    assert data["recordAppointeeApplicationSent"]["__typename"] == "AppointeeApplicationPayload"


async def test_dwp_applications_met_missed_and_open_at_the_periods_last_day(
    api: Api, session: AsyncSession, today: Any
) -> None:
    # Valid on the Friday before the bank holiday: due Monday 7 September (5 working days, the
    # holiday not counted), not Friday 4 September.
    met, _ = await referral_valid_on(api, session, FRIDAY)
    late, _ = await referral_valid_on(api, session, FRIDAY)
    unsent, _ = await referral_valid_on(api, session, FRIDAY)
    await referral_valid_on(api, session, date(2026, 9, 1))  # due Tuesday 8 September
    last_day = date(2026, 9, 7)
    assert add_working_days(FRIDAY, 5) == last_day
    period = (date(2026, 9, 1), last_day)
    measure = "DWP_APPOINTEESHIP_APPLICATION"

    today.set(last_day)
    await send(api, met, last_day)  # done on the due day: MET
    assert await counts(api, *period, measure) == (3, 1, 0, 2)  # two due today: still open
    # The bank holiday moved the due date out of a period ending on Friday 4 September.
    assert await counts(api, date(2026, 9, 1), date(2026, 9, 4), measure) == (0, 0, 0, 0)

    today.set(date(2026, 9, 20))
    await send(api, late, date(2026, 9, 8))  # the next working day: MISSED
    assert await counts(api, *period, measure) == (3, 1, 2, 0)  # the unsent one missed too
    # The one due the day after the period is counted in the period that holds its due date.
    assert await counts(api, date(2026, 9, 8), date(2026, 9, 8), measure) == (1, 0, 1, 0)
    del unsent


# --- invoices paid within 21 working days, the council's within 21 days (R-PAY-1, R-PAY-4) ----


async def pay(api: Api, invoice_id: str) -> None:
    payment = await raised_payment(api, invoice_id)
    approved = await approve_payment(api, payment["id"])
    assert approved["__typename"] == "PaymentPayload", approved
    made = await make_payment(api, payment["id"])
    assert made["__typename"] == "PaymentPayload", made


async def invoice_received(
    api: Api, client: dict[str, str], supplier: str, **overrides: Any
) -> str:
    result = await record_invoice(api, client, supplier, **overrides)
    assert result["__typename"] == "RecordInvoicePayload", result
    invoice_id: str = result["invoice"]["id"]
    await check_all(api, invoice_id)
    return invoice_id


async def test_invoices_met_missed_and_open_at_the_periods_last_day(
    api: Api, session: AsyncSession, today: Any
) -> None:
    received = date(2026, 8, 3)
    due = add_working_days(received, 21)  # 2 September: the 31 August bank holiday not counted
    assert due == date(2026, 9, 2)
    today.set(received)
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api)
    on_time, late, unpaid = [await invoice_received(api, client, supplier) for _ in range(3)]
    today.set(date(2026, 8, 4))
    await invoice_received(api, client, supplier)  # due 3 September: after the period
    period = (date(2026, 9, 1), due)
    measure = "INVOICE_PAYMENT"

    today.set(due)
    await pay(api, on_time)
    assert await counts(api, *period, measure) == (3, 1, 0, 2)
    today.set(date(2026, 9, 3))
    await pay(api, late)
    assert await counts(api, *period, measure) == (3, 1, 2, 0)
    assert await counts(api, *period, "COUNCIL_INVOICE_PAYMENT") == (0, 0, 0, 0)
    del unpaid


async def test_a_council_invoice_is_due_21_calendar_days_after_receipt(
    api: Api, session: AsyncSession, today: Any
) -> None:
    received = date(2026, 8, 10)
    due = received + timedelta(days=21)  # Monday 31 August, a bank holiday: calendar days
    today.set(received)
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    council = await new_counterparty(api, "COUNCIL")
    council_kind = {
        "kind": "COUNCIL_CARE_CONTRIBUTION",
        "category": "OUT_LOCAL_AUTHORITY_CARE_CHARGES",
    }
    paid = await invoice_received(api, client, council, **council_kind)
    await invoice_received(api, client, council, **council_kind)
    today.set(due)
    await pay(api, paid)
    today.set(date(2026, 9, 30))
    measure = "COUNCIL_INVOICE_PAYMENT"
    assert await counts(api, date(2026, 8, 31), date(2026, 8, 31), measure) == (2, 1, 1, 0)
    assert await counts(api, date(2026, 8, 31), date(2026, 8, 31), "INVOICE_PAYMENT") == (
        0,
        0,
        0,
        0,
    )


# --- wills notified to the court immediately (R-CARE-5, B 21.1) -------------------------------


async def will_found(api: Api, client_id: str, found_on: date) -> str:
    result = await record_will(api, client_id, foundOn=found_on.isoformat())
    assert result["__typename"] == "WillsPayload", result
    wills = result["willsAndFuneral"]["wills"]
    (will,) = [w for w in wills if w["current"]["foundOn"] == found_on.isoformat()]
    will_id: str = will["willId"]
    return will_id


async def test_will_court_notices_met_missed_and_open_at_the_periods_last_day(
    api: Api, today: Any
) -> None:
    last_day = date(2026, 10, 30)
    today.set(last_day)
    clients = [(await new_client(api))["id"] for _ in range(4)]
    met = await will_found(api, clients[0], last_day)
    late = await will_found(api, clients[1], last_day)
    await will_found(api, clients[2], last_day)  # not yet told: due today, open
    assert (await record_will_notice(api, met, last_day.isoformat()))["__typename"] == (
        "WillsPayload"
    )
    period = (date(2026, 10, 1), last_day)
    assert await counts(api, *period, "WILL_COURT_NOTICE") == (3, 1, 0, 2)
    today.set(date(2026, 11, 2))
    await will_found(api, clients[3], date(2026, 10, 31))  # the day after the period
    assert (await record_will_notice(api, late, "2026-11-02"))["__typename"] == "WillsPayload"
    assert await counts(api, *period, "WILL_COURT_NOTICE") == (3, 1, 2, 0)


# --- investment statements within 3 months of a deputy order (R-INV-3, B 7.4) ----------------


async def test_investment_statements_met_missed_and_open_at_the_periods_last_day(
    api: Api, today: Any
) -> None:
    last_day = date(2026, 9, 30)  # 3 months after 30 June
    today.set(last_day)
    (c1, d1), (c2, d2), _ = [await statement_deputy_client(api, "2026-06-30") for _ in range(3)]
    await statement_deputy_client(api, "2026-07-01")  # due 1 October: after the period
    assert (await submit(api, statement_input(c1, d1)))["__typename"] == (
        "InvestmentStatementPayload"
    )
    period = (date(2026, 9, 1), last_day)
    assert await counts(api, *period, "INVESTMENT_STATEMENT") == (3, 1, 0, 2)
    today.set(date(2026, 10, 1))
    assert (await submit(api, statement_input(c2, d2)))["__typename"] == (
        "InvestmentStatementPayload"
    )
    assert await counts(api, *period, "INVESTMENT_STATEMENT") == (3, 1, 2, 0)


# --- annual reviews within 12 months (R-CARE-1, B 13.1) ---------------------------------------


async def deputy_client_since(api: Api, order_date: str) -> str:
    client_id = (await new_client(api))["id"]
    result = await record_deputyship(api, client_id, orderDate=order_date)
    assert result["__typename"] == "DeputyshipPayload", result
    return client_id


async def reviewed(api: Api, client_id: str, on: date) -> None:
    result = await record_review(api, client_id, reviewedOn=on.isoformat())
    assert result["__typename"] == "AnnualReviewPayload", result


async def test_annual_reviews_met_missed_and_open_at_the_periods_last_day(
    api: Api, today: Any
) -> None:
    last_day = date(2026, 9, 30)  # 12 months (annual_review_months) after 30 September 2025
    today.set(last_day)
    met, late, _ = [await deputy_client_since(api, "2025-09-30") for _ in range(3)]
    await deputy_client_since(api, "2025-10-01")  # due 1 October: after the period
    dead = await deputy_client_since(api, "2025-09-30")
    await confirmed_death(api, dead, "2026-08-01")  # the clock stops with the client
    await reviewed(api, met, last_day)
    period = (date(2026, 9, 1), last_day)
    assert await counts(api, *period, "ANNUAL_REVIEW") == (3, 1, 0, 2)
    today.set(date(2026, 10, 1))
    await reviewed(api, late, date(2026, 10, 1))
    assert await counts(api, *period, "ANNUAL_REVIEW") == (3, 1, 2, 0)
    # The review met starts the next clock: due a year later, 30 September 2027.
    assert await counts(api, date(2027, 9, 30), date(2027, 9, 30), "ANNUAL_REVIEW") == (
        1,
        0,
        0,
        1,
    )


# --- budget plans reviewed yearly (R-CARE-2, B 7.7) -------------------------------------------


async def plan_recorded_on(
    api: Api, session: AsyncSession, client_id: str, year: str, day: date
) -> None:
    """A plan for the year starting ``year``, its recording put at noon on ``day`` in London
    as only a superuser could (triggers off): plans are stamped with the database's time."""
    result = await record_budget_plan(api, surplus_plan_input(client_id, "100.00", year))
    assert result["__typename"] == "BudgetPlanPayload", result
    await session.execute(text("SET LOCAL session_replication_role = replica"))
    await session.execute(
        text("UPDATE budget_plan SET recorded_at = :at WHERE id = :id"),
        {
            "at": datetime(day.year, day.month, day.day, 12, tzinfo=LONDON),
            "id": raw(result["plan"]["id"]),
        },
    )
    await session.execute(text("SET LOCAL session_replication_role = origin"))
    await session.commit()


async def test_budget_plan_reviews_met_missed_and_open_on_the_due_day(
    api: Api, session: AsyncSession, today: Any
) -> None:
    due = date(2026, 4, 1)  # a year after the plan year 2025/26 starts
    clients = [(await new_client(api))["id"] for _ in range(3)]
    for c in clients:
        await plan_recorded_on(api, session, c, "2025-04-01", date(2025, 3, 20))
    await plan_recorded_on(api, session, clients[0], "2026-04-01", due)  # on the day: MET
    period = (date(2026, 3, 1), due)
    today.set(due)
    assert await counts(api, *period, "BUDGET_PLAN_REVIEW") == (3, 1, 0, 2)
    await plan_recorded_on(api, session, clients[1], "2026-04-01", date(2026, 4, 2))
    today.set(date(2026, 4, 2))
    assert await counts(api, *period, "BUDGET_PLAN_REVIEW") == (3, 1, 2, 0)


# --- who may read it, and what the reporting role sees (R-ROLE, issue 16 item 7) --------------


async def test_the_reporting_role_reads_counts_with_small_ones_suppressed(
    api: Api, today: Any
) -> None:
    last_day = date(2026, 10, 30)
    today.set(last_day)
    for _ in range(6):
        client_id = (await new_client(api))["id"]
        await will_found(api, client_id, last_day)
    will_id = await will_found(api, (await new_client(api))["id"], last_day)
    await record_will_notice(api, will_id, last_day.isoformat())
    period = {"from": "2026-10-01", "to": last_day.isoformat()}
    plain = (await api.data(REPORT, period, **OFFICER))["deadlinesReport"]
    assert plain["suppressedBelow"] is None
    assert counts_of(plain, "WILL_COURT_NOTICE") == (7, 1, 0, 6)
    seen = (await api.data(REPORT, period, **REPORTING))["deadlinesReport"]
    assert seen["suppressedBelow"] == 5
    assert seen["asOf"] == last_day.isoformat()
    (wills,) = [m for m in seen["measures"] if m["measure"] == "WILL_COURT_NOTICE"]
    # 1 met is small, so hidden; with it alone hidden, 1 + 0 + 6 = 7 would give it away: the
    # smallest other non-zero part (open, 6) is hidden too. Zero is shown.
    assert wills["met"] == {"count": None, "suppressed": True}
    assert wills["open"] == {"count": None, "suppressed": True}
    assert wills["missed"] == {"count": 0, "suppressed": False}
    assert wills["due"] == {"count": 7, "suppressed": False}
    # No personal data: the report's fields are counts, keys and texts of the policy.
    assert set(wills) == {"measure", "promise", "rules", "due", "met", "missed", "open"}


@pytest.mark.parametrize("role", ["social_worker", "integration_controcc", "integration_sap"])
async def test_a_role_that_may_not_read_reports_is_refused(api: Api, role: str) -> None:
    variables = {"from": "2026-09-01", "to": "2026-09-30"}
    for document, field in ((REPORT, "deadlinesReport"), (SERIES, "deadlinesSeries")):
        body = await api.gql(document, variables, role=role, sub=f"{role}.h7")
        assert_forbidden(body, [field])


async def test_a_period_backwards_is_refused(api: Api) -> None:
    body = await api.gql(REPORT, {"from": "2026-09-30", "to": "2026-09-01"}, **OFFICER)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "before from" in body["errors"][0]["message"]


async def test_the_monthly_series_counts_each_month_apart(api: Api, today: Any) -> None:
    today.set(date(2026, 10, 30))
    client_id = (await new_client(api))["id"]
    september = await will_found(api, client_id, date(2026, 9, 15))
    await record_will_notice(api, september, "2026-09-15")
    await will_found(api, client_id, date(2026, 10, 5))
    variables = {"from": "2026-09-10", "to": "2026-10-31"}
    series = (await api.data(SERIES, variables, **OFFICER))["deadlinesSeries"]
    assert [(s["from"], s["to"]) for s in series] == [
        ("2026-09-10", "2026-09-30"),
        ("2026-10-01", "2026-10-31"),
    ]
    assert [counts_of(s, "WILL_COURT_NOTICE") for s in series] == [(1, 1, 0, 0), (1, 0, 1, 0)]


# --- the pure parts ---------------------------------------------------------------------------


def test_a_case_is_judged_by_the_one_clock_on_the_boundary() -> None:
    due = date(2026, 9, 7)
    facts = [
        Fact(due, due),  # done on the due day: MET
        Fact(due, date(2026, 9, 8)),  # the day after: MISSED
        Fact(due, None),  # not done, due as of today: OPEN
        Fact(due + timedelta(days=1), due),  # due after the period: not counted
        Fact(date(2026, 8, 31), None),  # due before the period: not counted
    ]
    assert rules.tally(facts, date(2026, 9, 1), due, due) == Tally(3, 1, 1, 1)
    assert rules.tally(facts, date(2026, 9, 1), due, due + timedelta(days=1)) == Tally(3, 1, 2, 0)


def test_rows_for_csv_has_a_header_and_a_row_per_measure_and_month() -> None:
    cells = rules.suppress_tally(Tally(7, 1, 0, 6), 5)
    report_ = DeadlinesReport(
        date(2026, 9, 1),
        date(2026, 9, 30),
        date(2026, 10, 30),
        [MeasureCounts("WILL_COURT_NOTICE", "Tell the court", "R-CARE-5", cells)],
        5,
    )
    header, rows = rows_for_csv([report_])
    assert header[:5] == ["from", "to", "as_of", "measure", "promise"]
    assert header[5:] == [
        "due",
        "due_suppressed",
        "met",
        "met_suppressed",
        "missed",
        "missed_suppressed",
        "open",
        "open_suppressed",
    ]
    assert rows == [
        [
            "2026-09-01",
            "2026-09-30",
            "2026-10-30",
            "WILL_COURT_NOTICE",
            "Tell the court",
            "7",
            "false",
            "",
            "true",
            "0",
            "false",
            "",
            "true",
        ]
    ]


# --- the OPG annual report within 56 days of its period's end (R-OPG, issue 15) ---------------

OPG_STEP = """mutation($input: {kind}Input!) {{ {name}(input: $input) {{
  __typename ... on OpgReportPayload {{ report {{ id dueOn }} }} }} }}"""
CASEWORKER = {"role": "assistant", "sub": "ash.assistant"}


async def opg_step(api: Api, kind: str, who: dict[str, str], **input: Any) -> dict[str, Any]:
    name = kind[0].lower() + kind[1:]
    query = OPG_STEP.format(kind=kind, name=name)
    data = await api.data(query, {"input": input | {"idempotencyKey": new_key()}}, **who)
    result: dict[str, Any] = data[name]
    assert result["__typename"] == "OpgReportPayload", result
    report: dict[str, Any] = result["report"]
    return report


async def opg_report_approved(api: Api, order_date: date) -> tuple[str, str]:
    """A deputy client's first report, generated, prepared and approved: (id, due on)."""
    client = await new_client(api)
    await record_deputyship(api, client["id"], orderDate=order_date.isoformat())
    opened = await opg_step(api, "OpenOpgReport", CASEWORKER, clientId=client["id"])
    rid = opened["id"]
    await opg_step(api, "GenerateOpgReport", CASEWORKER, reportId=rid)
    await opg_step(api, "PrepareOpgReport", CASEWORKER, reportId=rid)
    await opg_step(api, "ApproveOpgReport", OFFICER, reportId=rid)
    return rid, opened["dueOn"]


async def submit_opg_report(api: Api, rid: str, on: date) -> None:
    await opg_step(
        api,
        "MarkOpgReportSubmitted",
        OFFICER,
        reportId=rid,
        submittedOn=on.isoformat(),
        opgReference=f"OPG-{new_key()[:8]}",
    )


async def test_opg_reports_met_missed_and_open_at_the_periods_last_day(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """R-OPG: due on the 56th day after the period's end; the day the OPG received it counts."""
    today.set(date(2026, 7, 20))
    on_time, due_on_time = await opg_report_approved(api, date(2025, 6, 1))
    late, due_late = await opg_report_approved(api, date(2025, 6, 2))
    _waiting, due_waiting = await opg_report_approved(api, date(2025, 6, 2))
    after, due_after = await opg_report_approved(api, date(2025, 6, 3))
    assert (due_on_time, due_late, due_waiting, due_after) == (
        "2026-07-26",
        "2026-07-27",
        "2026-07-27",
        "2026-07-28",
    )
    today.set(date(2026, 7, 26))
    await submit_opg_report(api, on_time, date(2026, 7, 26))  # on its due day: met
    today.set(date(2026, 7, 28))
    await submit_opg_report(api, late, date(2026, 7, 28))  # the day after its due day: missed
    await submit_opg_report(api, after, date(2026, 7, 28))  # due after the period: not counted
    period = (date(2026, 7, 1), date(2026, 7, 27))
    assert await counts(api, *period, "OPG_REPORT") == (3, 1, 2, 0)  # waiting: now overdue
    today.set(date(2026, 7, 27))
    assert await counts(api, *period, "OPG_REPORT") == (3, 1, 1, 1)  # waiting: due today, open
