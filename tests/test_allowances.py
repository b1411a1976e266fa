"""Personal allowance and weekly cash (issue 14 item 9; R-PAY-6, R-BUD-4, R-PAY-3, R-ROLE-2,
seed 002 B 5.3, B 22-23, B 29), through /graphql.

A schedule per client (the weekly personal allowance, B 22.1; weekly cash for a client in the
community drawn on their card, B 23) is approved once by a senior officer who did not record it,
within the limits of a financial plan and budget on the year's amount (R-BUD-4, R-DEC-2); the
weekly run pays every schedule in force in one call, once per client, kind and week; never to a
care provider (R-PAY-6), never below zero (R-PAY-3), nothing after death (B 29) or once the
client has left.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.ids import encode_id
from tests.conftest import Api, RolledBackDatabase
from tests.factories import (
    ALLOWANCE_APPROVER,
    ALLOWANCE_RECORDER,
    STOP_ALLOWANCE,
    allowance_caseload,
    amend_client,
    approve_allowance,
    approved_allowance,
    assert_forbidden,
    audit_rows,
    card_account,
    care_client_id,
    cms_balance,
    community_client_id,
    confirmed_death,
    days_ago,
    fund_client,
    ledger_sound,
    new_counterparty,
    new_key,
    problem_fields,
    record_allowance,
    run_allowances,
    scalar,
    this_monday,
)

GM = {"role": "governance_manager", "sub": "grace.tgm"}
PAYMENTS = """query($id: ID) { allowancePayments(clientId: $id, first: 50) {
  edges { node { clientId kind weekStarting amount scheduleId } } } }"""
SCHEDULES = """query($id: ID) { allowanceSchedules(clientId: $id, first: 50) {
  edges { node { id kind weeklyAmount status superseded stops } } } }"""


async def _rows_written(db: RolledBackDatabase) -> tuple[int, ...]:
    """Allowance payments, runs, transfers and audit rows in the database."""
    tables = ("allowance_payment", "allowance_run", "transfer", "audit_log")
    return tuple([int(await scalar(db, f"SELECT count(*) FROM {t}")) for t in tables])


def _not_paid(result: dict[str, Any], client_id: str) -> list[dict[str, Any]]:
    return [n for n in result["notPaid"] if n["clientId"] == client_id]


async def _payments(api: Api, client_id: str) -> list[dict[str, Any]]:
    data = await api.data(PAYMENTS, {"id": client_id}, role="auditor", sub="audrey")
    return [e["node"] for e in data["allowancePayments"]["edges"]]


async def test_b22_a_schedule_approved_by_another_is_paid_once_a_week(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """B 22.1, R-ROLE-2: recorded by casework, approved by a senior officer who did not record
    it; the run pays it from the CMS account to the client's own card account, once a week."""
    client = await community_client_id(api)
    await fund_client(session, client, 100_000)
    card = await card_account(api)
    recorded_ = await record_allowance(api, client, card, "30.00")
    assert recorded_["__typename"] == "AllowanceSchedulePayload", recorded_
    schedule = recorded_["schedule"]
    assert schedule["status"] == "AWAITING_APPROVAL" and schedule["recordedBy"] == "ash.assistant"

    # Not approved yet: nothing is paid.
    before = await run_allowances(api)
    assert before["__typename"] == "WeeklyAllowanceRunPayload", before
    assert before["paid"] == 0 and _not_paid(before, client) == []
    assert await cms_balance(api, client) == "1000.00"

    done = await approve_allowance(api, schedule["id"])
    assert done["__typename"] == "AllowanceSchedulePayload", done
    assert done["schedule"]["status"] == "APPROVED"
    assert done["schedule"]["approvedBy"] == "olu.scao"

    week = this_monday()
    first = await run_allowances(api, week)
    assert first["paid"] == 1 and first["total"] == "30.00" and first["paidBefore"] == 0, first
    assert await cms_balance(api, client) == "970.00"
    paid = await _payments(api, client)
    assert paid == [
        {
            "clientId": client,
            "kind": "PERSONAL_ALLOWANCE",
            "weekStarting": week.isoformat(),
            "amount": "30.00",
            "scheduleId": schedule["id"],
        }
    ]
    assert await ledger_sound(api)
    actions = {r["action"] for r in await audit_rows(api, clientId=client)}
    assert {"record", "approve", "pay"} <= actions

    # Once per client, kind and week: a second run for the week pays and writes nothing.
    written = await _rows_written(db)
    second = await run_allowances(api, week)
    assert second["paid"] == 0 and second["paidBefore"] == 1 and second["total"] == "0.00"
    assert await _rows_written(db) == written
    assert await cms_balance(api, client) == "970.00"

    # The week before (the schedule started then) is a week of its own.
    earlier = await run_allowances(api, this_monday(1))
    assert earlier["paid"] == 1 and await cms_balance(api, client) == "940.00"


async def test_r_role_2_the_recorder_never_approves_and_casework_does_not_run(api: Api) -> None:
    client = await community_client_id(api)
    card = await card_account(api)
    own = await record_allowance(api, client, card, who=ALLOWANCE_APPROVER)
    assert own["__typename"] == "AllowanceSchedulePayload", own
    refused = await approve_allowance(api, own["schedule"]["id"], who=ALLOWANCE_APPROVER)
    assert refused["__typename"] == "FourEyesProblem", refused
    body = await api.gql(
        """mutation($input: ApproveAllowanceScheduleInput!) {
             approveAllowanceSchedule(input: $input) { __typename } }""",
        {"input": {"scheduleId": own["schedule"]["id"], "idempotencyKey": new_key()}},
        **ALLOWANCE_RECORDER,
    )
    assert_forbidden(body, ["approveAllowanceSchedule"])
    body = await api.gql(
        """mutation($input: RunWeeklyAllowancesInput!) {
             runWeeklyAllowances(input: $input) { __typename } }""",
        {"input": {"weekStarting": this_monday().isoformat(), "idempotencyKey": new_key()}},
        **ALLOWANCE_RECORDER,
    )
    assert_forbidden(body, ["runWeeklyAllowances"])
    body = await api.gql(SCHEDULES, {"id": None}, role="social_worker", sub="sam.sw")
    assert_forbidden(body, ["allowanceSchedules"])


async def test_r_bud_4_the_years_amount_is_judged_under_the_plan_limits(api: Api) -> None:
    """R-BUD-4, R-DEC-2: £100.00 a week is £5,200.00 a year, above the SCAO's £5,000.00 for a
    financial plan and budget: the governance manager approves it."""
    client = await community_client_id(api)
    card = await card_account(api)
    recorded_ = await record_allowance(api, client, card, "100.00")
    over = await approve_allowance(api, recorded_["schedule"]["id"])
    assert over["__typename"] == "OverApprovalLimitProblem", over
    assert over["amount"] == "5200.00" and over["lowestRoleThatMayApprove"] == "GOVERNANCE_MANAGER"
    done = await approve_allowance(api, recorded_["schedule"]["id"], who=GM)
    assert done["__typename"] == "AllowanceSchedulePayload", done


async def test_r_pay_6_never_advanced_to_a_care_provider(api: Api) -> None:
    """R-PAY-6, B 22.3: no schedule pays a care provider; B 23.1: weekly cash is for a client in
    the community."""
    client = await care_client_id(api)
    provider = await new_counterparty(api, "CARE_PROVIDER")
    refused = await record_allowance(api, client, provider)
    assert refused["__typename"] == "ValidationProblem", refused
    assert problem_fields(refused) == {"payeeid"}
    assert "R-PAY-6" in refused["fields"][0]["message"]

    cash = await record_allowance(api, client, await card_account(api), kind="WEEKLY_CASH")
    assert cash["__typename"] == "ValidationProblem" and problem_fields(cash) == {"kind"}, cash
    data = await api.data(SCHEDULES, {"id": client}, role="auditor", sub="audrey")
    assert data["allowanceSchedules"]["edges"] == []


async def test_b23_weekly_cash_for_a_client_in_the_community(
    api: Api, session: AsyncSession
) -> None:
    """B 23.1-23.2: both kinds paid in one run, each once."""
    client = await community_client_id(api)
    await fund_client(session, client, 10_000)
    card = await card_account(api)
    await approved_allowance(api, client, payee_id=card, weekly="25.00")
    await approved_allowance(api, client, payee_id=card, weekly="40.00", kind="WEEKLY_CASH")
    result = await run_allowances(api)
    assert result["paid"] == 2 and result["total"] == "65.00", result
    assert await cms_balance(api, client) == "35.00"
    kinds = sorted(p["kind"] for p in await _payments(api, client))
    assert kinds == ["PERSONAL_ALLOWANCE", "WEEKLY_CASH"]


async def test_b29_standing_payments_stop_at_death(api: Api, session: AsyncSession) -> None:
    """Seed 002 B 29 (deaths.rules.spending_problem): after a confirmed death the run pays
    nothing, and no schedule is recorded or approved."""
    client = await community_client_id(api)
    await fund_client(session, client, 10_000)
    await approved_allowance(api, client)
    await confirmed_death(api, client, days_ago(3))
    result = await run_allowances(api)
    (unpaid,) = _not_paid(result, client)
    assert unpaid["code"] == "CLIENT_DECEASED" and "stopped" in unpaid["reason"], unpaid
    assert await cms_balance(api, client) == "100.00"
    again = await record_allowance(
        api, client, await card_account(api), "10.00", reason="a change after death"
    )
    assert again["__typename"] == "InvalidStateProblem" and again["code"] == "CLIENT_DECEASED"


async def test_payments_stop_when_the_client_leaves(api: Api, session: AsyncSession) -> None:
    """A client who leaves is closed only once nothing is held for them (R-ORD-5's door:
    money handed back first); the run then pays them nothing, and says why."""
    client = await community_client_id(api)
    await approved_allowance(api, client)
    closed = await amend_client(api, client, {"status": "CLOSED"}, reason="moved out of county")
    assert closed["__typename"] == "ClientPayload", closed
    result = await run_allowances(api)
    (unpaid,) = _not_paid(result, client)
    assert unpaid["code"] == "CLIENT_CLOSED", unpaid
    assert await cms_balance(api, client) in (None, "0.00")


async def test_a_stop_and_a_change_are_new_versions(api: Api, session: AsyncSession) -> None:
    """R-AUD-2: a change supersedes the version before (with the reason) and pays only once
    approved; a stop is in force from its Monday without approval."""
    client = await community_client_id(api)
    await fund_client(session, client, 10_000)
    card = await card_account(api)
    first = await approved_allowance(api, client, payee_id=card, weekly="20.00")
    no_reason = await record_allowance(api, client, card, "22.00")
    assert no_reason["__typename"] == "ValidationProblem", no_reason
    changed = await record_allowance(api, client, card, "22.00", reason="price rises (R-BUD-4)")
    assert changed["schedule"]["supersedesId"] == first["id"], changed
    # The change awaits approval: the first version still pays.
    paid = await run_allowances(api)
    assert paid["total"] == "20.00", paid

    stop = await api.data(
        STOP_ALLOWANCE,
        {
            "input": {
                "clientId": client,
                "kind": "PERSONAL_ALLOWANCE",
                "startsOn": this_monday().isoformat(),
                "reason": "the client asked to manage it themselves",
                "idempotencyKey": new_key(),
            }
        },
        **ALLOWANCE_RECORDER,
    )
    stopped = stop["stopAllowanceSchedule"]
    assert stopped["schedule"]["status"] == "STOPPED" and stopped["schedule"]["stops"], stopped
    late = await approve_allowance(api, changed["schedule"]["id"])
    assert late["__typename"] == "InvalidStateProblem", late  # superseded by the stop
    data = await api.data(SCHEDULES, {"id": client}, role="auditor", sub="audrey")
    versions = [e["node"] for e in data["allowanceSchedules"]["edges"]]
    assert [v["superseded"] for v in versions] == [True, True, False]
    # A week from the stop on pays nothing and lists nothing; a week before it is paid.
    after = await run_allowances(api, this_monday())
    assert _not_paid(after, client) == []
    before = await run_allowances(api, this_monday(1))
    assert before["paid"] == 1 and before["total"] == "20.00", before


async def test_r_pay_3_short_of_funds_then_paid_by_a_later_run_of_the_week(
    api: Api, session: AsyncSession
) -> None:
    client = await community_client_id(api)
    await fund_client(session, client, 1_000)
    await approved_allowance(api, client, weekly="30.00")
    short = await run_allowances(api)
    (unpaid,) = _not_paid(short, client)
    assert unpaid["code"] == "INSUFFICIENT_FUNDS" and unpaid["amount"] == "30.00", unpaid
    assert await cms_balance(api, client) == "10.00"
    await fund_client(session, client, 5_000)
    later = await run_allowances(api)
    assert later["paid"] == 1 and _not_paid(later, client) == [], later
    assert await cms_balance(api, client) == "30.00"


async def test_a_week_is_a_monday_begun_and_a_key_replays(api: Api) -> None:
    bad = await run_allowances(api, this_monday(1) + timedelta(days=1))  # a Tuesday
    assert bad["__typename"] == "ValidationProblem", bad
    future = await run_allowances(api, this_monday() + timedelta(weeks=1))
    assert future["__typename"] == "ValidationProblem", future
    key = new_key()
    first = await run_allowances(api, key=key)
    again = await run_allowances(api, key=key)
    assert again["replayed"] is True and first["replayed"] is False


async def test_the_weekly_run_for_500_clients_in_one_call(
    api: Api, session: AsyncSession, db: RolledBackDatabase
) -> None:
    """Issue 14 'what it must show': 500 clients paid in one call; a second run for the same
    week pays nothing and writes nothing (no payment, transfer, run or audit row)."""
    week = this_monday()
    ids = await allowance_caseload(session, 500, weekly=2_500, balance=10_000, starts_on=week)
    start = time.perf_counter()
    first = await run_allowances(api, week)
    first_s = time.perf_counter() - start
    assert first["__typename"] == "WeeklyAllowanceRunPayload", first
    assert first["paid"] == 500 and first["total"] == "12500.00" and first["notPaid"] == []
    assert await cms_balance(api, encode_id("Client", ids[0])) == "75.00"
    written = await _rows_written(db)
    start = time.perf_counter()
    second = await run_allowances(api, week)
    second_s = time.perf_counter() - start
    assert second["paid"] == 0 and second["paidBefore"] == 500, second
    assert await _rows_written(db) == written
    assert await ledger_sound(api)
    print(f"500 clients: first run {first_s:.2f} s, second {second_s:.2f} s")
