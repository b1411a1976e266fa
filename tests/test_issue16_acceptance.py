"""Acceptance tests for issue 16 (reports the committee and the dashboards run on), written from
the policy (R-REP-1..4, R-ROLE `reporting`, R-DATA), seed 002, the issue, schema.graphql and
docs/reports.md, docs/deadline_measures.md, docs/service_costs.md; not from the code.

Each test builds small cases in its own rolled-back transaction. Counts are judged against the
figures read before the case was built (a baseline), so a figure that is not the test's own
cannot disturb them; the tests of small-count suppression need an empty caseload on the dates
they read and skip otherwise.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clients.rules import Situation
from ca_api.common.ids import encode_id
from tests.conftest import Api, error_codes
from tests.factories import (
    FEE_FUNDER,
    GM,
    amend_client,
    client_with_orders,
    confirm_death,
    create_client,
    credit_benefits,
    named_payer,
    new_key,
    record_appointeeship,
    record_change,
    record_death,
    record_deputyship,
    record_will,
    record_will_notice,
    referral_valid_on,
)

GOVERNANCE: dict[str, Any] = dict(GM)
A = "2013-11-26"  # Appendix 1's first date
B = "2014-04-30"  # and its second

OFFICER: dict[str, Any] = {"role": "head_of_service", "sub": "hos.reports"}
REPORTING: dict[str, Any] = {"role": "reporting", "sub": "dash.board"}

COUNT = "{ count suppressed }"
BY_ROLE = f"role community {COUNT} residentialCare {COUNT} deceasedWindingUp {COUNT} total {COUNT}"
CASELOAD_FIELDS = f"""
  asAt comparedWith change changePercent suppressedBelow
  deputy {{ {BY_ROLE} }} appointee {{ {BY_ROLE} }}
  total {COUNT} deceasedWindingUp {COUNT} totalThen {COUNT}
"""
CASELOAD = f"""query($asAt: Date!, $cw: Date) {{
  caseload(asAt: $asAt, comparedWith: $cw) {{ {CASELOAD_FIELDS} }} }}"""
CASELOAD_SERIES = f"""query($f: Date!, $t: Date!) {{
  caseloadSeries(from: $f, to: $t) {{ {CASELOAD_FIELDS} }} }}"""
MONEY_FIELDS = f"""
  asAt total clients {COUNT} lodgementThreshold lodgementThresholdFrom
  deputyClientsOverThreshold {COUNT} suppressedBelow
  deputy {{ role clients {COUNT} held average }}
  appointee {{ role clients {COUNT} held average }}
"""
MONEY_HELD = f"query($asAt: Date!) {{ moneyHeld(asAt: $asAt) {{ {MONEY_FIELDS} }} }}"
MONEY_SERIES = f"""query($f: Date!, $t: Date!) {{
  moneyHeldSeries(from: $f, to: $t) {{ {MONEY_FIELDS} }} }}"""
DC = "{ count suppressed }"
DEADLINE_FIELDS = f"""from to asOf suppressedBelow
  measures {{ measure due {DC} met {DC} missed {DC} open {DC} }}"""
DEADLINES = f"""query($f: Date!, $t: Date!) {{
  deadlinesReport(from: $f, to: $t) {{ {DEADLINE_FIELDS} }} }}"""
DEADLINES_SERIES = f"""query($f: Date!, $t: Date!) {{
  deadlinesSeries(from: $f, to: $t) {{ {DEADLINE_FIELDS} }} }}"""
COST_AND_INCOME = """query($y: Int!) { serviceCostAndIncome(financialYear: $y) {
  __typename
  ... on ServiceCostAndIncome {
    financialYear costsEffectiveFrom fte payrollAndOnCosts overheads staffCost bankCharges
    totalCost shortfall income { courtFixedCosts windUpFees smallEstatesKept total }
    lines { role fte payrollAndOnCosts overheads overheadsAsStated total }
  }
  ... on Problem { code message }
} }"""
COST_TABLES = """{ serviceCostTables { id effectiveFrom overheadRate bankCharges note
  roles { title fte payrollAndOnCosts overheads } recordedBy } }"""
RECORD_COSTS = """mutation($input: RecordServiceCostsInput!) { recordServiceCosts(input: $input) {
  __typename
  ... on ServiceCostsPayload { replayed table { id effectiveFrom overheadRate bankCharges } }
  ... on Problem { code message }
} }"""
WORKLOAD = """query($d: Date!) { workload(asAt: $d) { asAt clients fte clientsPerFte
  officers { officer role payments decisions policyExceptions openItems } } }"""
EXCEPTION_FIELDS = """id policyReference summary clientId submittedOn submittedBy submittedByRole
  submittedTo outcome reason referredTo decidedOn decidedBy decidedByRole"""
RECORD_EXCEPTION = f"""mutation($input: RecordPolicyExceptionInput!) {{
  recordPolicyException(input: $input) {{
    __typename ... on PolicyExceptionPayload {{ exception {{ {EXCEPTION_FIELDS} }} }}
    ... on Problem {{ code message }} }} }}"""
DECIDE_EXCEPTION = f"""mutation($input: DecidePolicyExceptionInput!) {{
  decidePolicyException(input: $input) {{
    __typename ... on PolicyExceptionPayload {{ exception {{ {EXCEPTION_FIELDS} }} }}
    ... on Problem {{ code message }} }} }}"""
EXCEPTIONS = f"""query($f: Date, $t: Date) {{ policyExceptions(from: $f, to: $t) {{
  {EXCEPTION_FIELDS} }} }}"""

# Every report in docs/reports.md's table, with a query string that is valid for it.
CSV_REPORTS = {
    "caseload": f"asAt={B}&comparedWith={A}",
    "money-held": f"asAt={B}",
    "deadlines": "from=2026-09-01&to=2026-09-30",
    "cost-and-income": "asAt=2014-06-30",
    "workload": f"asAt={B}",
    "policy-exceptions": "from=2026-01-01&to=2026-12-31",
}
OUTSIDE_POLICY = ["social_worker", "integration_controcc", "integration_sap"]


def half_up_percent(change: int, then: int) -> int:
    return int((Decimal(change) * 100 / Decimal(then)).quantize(Decimal(1), ROUND_HALF_UP))


async def caseload(api: Api, as_at: str, compared_with: str | None = None, **who: Any) -> Any:
    data = await api.data(CASELOAD, {"asAt": as_at, "cw": compared_with}, **(who or OFFICER))
    return data["caseload"]


def cells(c: dict[str, Any]) -> dict[str, int | None]:
    """The caseload's counts by (role, situation)."""
    out: dict[str, int | None] = {}
    for role in ("deputy", "appointee"):
        for sit in ("community", "residentialCare", "deceasedWindingUp", "total"):
            out[f"{role}.{sit}"] = c[role][sit]["count"]
    out["total"] = c["total"]["count"]
    out["deceasedWindingUp"] = c["deceasedWindingUp"]["count"]
    return out


def diff(after: dict[str, int | None], before: dict[str, int | None]) -> dict[str, int]:
    return {k: (after[k] or 0) - (before[k] or 0) for k in after if after[k] != before[k]}


async def get_csv(api: Api, path: str, role: str | None = "reporting", sub: str = "dash") -> Any:
    headers = {"Authorization": f"Bearer {api.token(role, sub)}"} if role else {}
    return await api.client.get(path, headers=headers)


def parse_csv(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


async def deputy_client(
    session: AsyncSession, order: date, situation: Situation = Situation.COMMUNITY
) -> str:
    return await client_with_orders(session, deputy_from=order, situation=situation)


async def appointee_client(
    session: AsyncSession, start: date, situation: Situation = Situation.COMMUNITY
) -> str:
    return await client_with_orders(session, appointee_from=start, situation=situation)


async def credit(session: AsyncSession, client_id: str, pence: int, on: date) -> None:
    payer = await named_payer(session, "Issue 16 acceptance DWP")
    await credit_benefits(
        session, FEE_FUNDER, payer, client_id, pence, value_date=on, description="benefits"
    )


async def empty_on(api: Api, *days: str) -> bool:
    for day in days:
        if (await caseload(api, day))["total"]["count"]:
            return False
    return True


# --- 1. Caseload as at a past date, from versioned records (R-REP-1, Appendix 1) ------------


async def test_caseload_as_at_past_dates_reads_the_records_as_they_stood(
    api: Api, session: AsyncSession
) -> None:
    before_a, before_b = cells(await caseload(api, A)), cells(await caseload(api, B))

    # Community on A; moved into residential care (a dated change) between A and B.
    mover = (await create_client(api, situation="COMMUNITY"))["id"]
    assert (await record_deputyship(api, mover, orderDate="2013-01-10"))[
        "__typename"
    ] == "DeputyshipPayload"
    moved = await record_change(api, mover, "ADMITTED_TO_RESIDENTIAL_CARE", occurredOn="2014-01-15")
    assert moved["__typename"] == "CircumstanceChangePayload", moved
    # Both orders: once, as a deputy client.
    both = (await create_client(api, situation="RESIDENTIAL_CARE"))["id"]
    await record_appointeeship(api, both, startDate="2012-06-01")
    await record_deputyship(api, both, orderDate="2013-02-01")
    # An appointee client in care, who died between A and B (confirmed by a second officer).
    died = (await create_client(api, situation="RESIDENTIAL_CARE"))["id"]
    assert (await record_appointeeship(api, died, startDate="2013-03-01"))[
        "__typename"
    ] == "AppointeeshipPayload"
    assert (await record_death(api, died, "2014-02-01"))["__typename"] == "DeathPayload"
    assert (await confirm_death(api, died))["__typename"] == "DeathPayload"
    # A deputyship made between A and B: not on A.
    late = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_deputyship(api, late, orderDate="2014-01-02")

    on_a, on_b = await caseload(api, A), await caseload(api, B)
    assert diff(cells(on_a), before_a) == {
        "deputy.community": 1,
        "deputy.residentialCare": 1,
        "deputy.total": 2,
        "appointee.residentialCare": 1,
        "appointee.total": 1,
        "total": 3,
    }
    assert diff(cells(on_b), before_b) == {
        "deputy.community": 1,  # the late order
        "deputy.residentialCare": 2,  # the mover and the client with both orders
        "deputy.total": 3,
        "appointee.deceasedWindingUp": 1,
        "appointee.total": 1,
        "total": 4,
        "deceasedWindingUp": 1,
    }
    assert on_b["suppressedBelow"] is None  # an officer sees every count


async def test_a_closed_case_is_not_counted(api: Api, session: AsyncSession) -> None:
    today = date.today().isoformat()
    before = cells(await caseload(api, today))
    client = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_deputyship(api, client, orderDate="2013-01-10")
    assert diff(cells(await caseload(api, today)), before)["total"] == 1
    closed = await amend_client(
        api, client, {"status": "CLOSED"}, reason="case closed", role="senior_officer", sub="o"
    )
    assert closed["__typename"] == "ClientPayload", closed
    assert diff(cells(await caseload(api, today)), before) == {}


async def test_change_in_number_and_percent_half_up(api: Api, session: AsyncSession) -> None:
    """8 clients on A, 9 on B: up 1, 12.5% rounded half-up to 13 (not 12)."""
    if not await empty_on(api, A, B):
        pytest.skip("the caseload is not empty on the appendix's dates")
    for _ in range(8):
        await deputy_client(session, date(2013, 1, 1))
    await appointee_client(session, date(2014, 1, 6))
    c = await caseload(api, B, A)
    assert (c["total"]["count"], c["totalThen"]["count"]) == (9, 8)
    assert (c["change"], c["changePercent"]) == (1, "13.0000")
    assert c["comparedWith"] == A
    # and the seed's own example: 35 on 401 is 8.73% -> 9
    assert half_up_percent(35, 401) == 9


async def test_a_fall_is_negative_and_rounded_away_from_zero(
    api: Api, session: AsyncSession
) -> None:
    """8 clients on A, 7 on B (an order ended): down 1, -12.5% -> -13 (away from zero)."""
    if not await empty_on(api, A, B):
        pytest.skip("the caseload is not empty on the appendix's dates")
    for _ in range(7):
        await deputy_client(session, date(2013, 1, 1))
    ended = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_appointeeship(api, ended, startDate="2013-01-01", endDate="2014-01-31")
    c = await caseload(api, B, A)
    assert (c["total"]["count"], c["totalThen"]["count"]) == (7, 8)
    assert (c["change"], c["changePercent"]) == (-1, "-13.0000")


# --- 2. Money held as at a date, from the ledger (R-REP-2, section 1.4) ---------------------


async def test_money_held_as_at_a_date_by_role_with_the_average_to_the_penny(
    api: Api, session: AsyncSession
) -> None:
    if not await empty_on(api, B):
        pytest.skip("the caseload is not empty on 2014-04-30")
    d1 = await deputy_client(session, date(2013, 1, 1))
    d2 = await client_with_orders(
        session, deputy_from=date(2013, 1, 1), appointee_from=date(2012, 1, 1)
    )
    a1 = await appointee_client(session, date(2013, 1, 1))
    await credit(session, d1, 100_000, date(2014, 1, 1))
    await credit(session, d1, 50_000, date(2014, 5, 1))  # value-dated after: not counted
    await credit(session, d2, 33_333, date(2014, 4, 30))  # on the day: counted
    await credit(session, a1, 30_001, date(2014, 4, 1))
    m = (await api.data(MONEY_HELD, {"asAt": B}, **OFFICER))["moneyHeld"]
    assert m["deputy"]["clients"]["count"] == 2
    assert m["deputy"]["held"] == "1333.33"
    assert m["deputy"]["average"] == "666.67"  # 666.665 half-up
    assert m["appointee"]["clients"]["count"] == 1
    assert (m["appointee"]["held"], m["appointee"]["average"]) == ("300.01", "300.01")
    assert m["total"] == "1633.34"
    assert m["clients"]["count"] == 3
    later = (await api.data(MONEY_HELD, {"asAt": "2014-05-01"}, **OFFICER))["moneyHeld"]
    assert later["deputy"]["held"] == "1833.33"


async def test_money_of_a_client_not_in_the_caseload_is_not_counted(
    api: Api, session: AsyncSession
) -> None:
    before = (await api.data(MONEY_HELD, {"asAt": B}, **OFFICER))["moneyHeld"]
    later_order = await deputy_client(session, date(2014, 6, 1))  # no order on B
    await credit(session, later_order, 1_000_000, date(2014, 1, 1))
    after = (await api.data(MONEY_HELD, {"asAt": B}, **OFFICER))["moneyHeld"]
    assert after["total"] == before["total"]
    assert after["clients"] == before["clients"]


async def test_deputy_accounts_at_the_lodgement_threshold_count_both_ways(
    api: Api, session: AsyncSession
) -> None:
    """£25,000.00 and above (from 2014-04-01) counts; £24,999.99 does not; before the figure's
    first day there is no threshold."""
    before = (await api.data(MONEY_HELD, {"asAt": B}, **OFFICER))["moneyHeld"]
    at = await deputy_client(session, date(2013, 1, 1))
    under = await deputy_client(session, date(2013, 1, 1))
    appointee = await appointee_client(session, date(2013, 1, 1))
    await credit(session, at, 2_500_000, date(2014, 1, 1))
    await credit(session, under, 2_499_999, date(2014, 1, 1))
    await credit(session, appointee, 9_000_000, date(2014, 1, 1))  # not a deputy account
    m = (await api.data(MONEY_HELD, {"asAt": B}, **OFFICER))["moneyHeld"]
    assert m["lodgementThreshold"] == "25000.00"
    assert m["lodgementThresholdFrom"] == "2014-04-01"
    was = before["deputyClientsOverThreshold"]["count"]
    assert m["deputyClientsOverThreshold"]["count"] == was + 1
    old = (await api.data(MONEY_HELD, {"asAt": "2014-03-31"}, **OFFICER))["moneyHeld"]
    assert old["lodgementThreshold"] is None
    assert old["deputyClientsOverThreshold"] is None


# --- 3. Deadlines at the boundary day (R-REP-4, B 31, D 3) -----------------------------------


def measure(report: dict[str, Any], name: str) -> dict[str, int | None]:
    (m,) = [m for m in report["measures"] if m["measure"] == name]
    return {k: m[k]["count"] for k in ("due", "met", "missed", "open")}


async def deadlines(api: Api, f: str, t: str, **who: Any) -> Any:
    return (await api.data(DEADLINES, {"f": f, "t": t}, **(who or OFFICER)))["deadlinesReport"]


async def will_found(api: Api, on: str) -> str:
    client = await create_client(api)
    result = await record_will(api, client["id"], foundOn=on)
    assert result["__typename"] == "WillsPayload", result
    (will,) = result["willsAndFuneral"]["wills"]
    return str(will["willId"])


async def test_will_notices_met_on_the_due_day_missed_the_day_after_open_and_next_period(
    api: Api, today: Any
) -> None:
    today.set(date(2026, 9, 10))
    period = ("2026-09-07", "2026-09-10")
    before = measure(await deadlines(api, *period), "WILL_COURT_NOTICE")
    before_short = measure(await deadlines(api, "2026-09-07", "2026-09-09"), "WILL_COURT_NOTICE")
    on_time = await will_found(api, "2026-09-07")
    assert (await record_will_notice(api, on_time, "2026-09-07"))["__typename"] == "WillsPayload"
    late = await will_found(api, "2026-09-08")
    assert (await record_will_notice(api, late, "2026-09-09"))["__typename"] == "WillsPayload"
    await will_found(api, "2026-09-09")  # not sent, due yesterday: missed
    await will_found(api, "2026-09-10")  # not sent, due today: open
    after = measure(await deadlines(api, *period), "WILL_COURT_NOTICE")
    assert {k: after[k] - before[k] for k in after} == {  # type: ignore[operator]
        "due": 4,
        "met": 1,
        "missed": 2,
        "open": 1,
    }
    # The period to the 9th: the will due on the 10th belongs to the next one.
    shorter = measure(await deadlines(api, "2026-09-07", "2026-09-09"), "WILL_COURT_NOTICE")
    assert shorter["due"] - before_short["due"] == 3  # type: ignore[operator]
    assert shorter["open"] == before_short["open"]


async def test_dwp_application_five_working_days_over_a_bank_holiday(
    api: Api, session: AsyncSession, today: Any
) -> None:
    """Valid on Friday 28 August 2026; Monday 31 August is a bank holiday: due Monday
    7 September. Sent that day: met; another not sent: open on the 7th, missed on the 8th; one
    sent on the 8th: missed."""
    today.set(date(2026, 9, 7))
    period = ("2026-09-07", "2026-09-07")
    before = measure(await deadlines(api, *period), "DWP_APPOINTEESHIP_APPLICATION")
    friday = date(2026, 8, 28)
    sent_on_time, _ = await referral_valid_on(api, session, friday)
    unsent, _ = await referral_valid_on(api, session, friday)
    sent_late, _ = await referral_valid_on(api, session, friday)
    send = """mutation($input: RecordAppointeeApplicationSentInput!) {
      recordAppointeeApplicationSent(input: $input) { __typename ... on Problem { message } } }"""
    ok = await api.data(
        send,
        {
            "input": {
                "referralId": sent_on_time,
                "sentOn": "2026-09-07",
                "idempotencyKey": new_key(),
            }
        },
        role="senior_officer",
        sub="sol.senior",
    )
    assert ok["recordAppointeeApplicationSent"]["__typename"] == "AppointeeApplicationPayload", ok
    after = measure(await deadlines(api, *period), "DWP_APPOINTEESHIP_APPLICATION")
    assert {k: after[k] - before[k] for k in after} == {  # type: ignore[operator]
        "due": 3,
        "met": 1,
        "missed": 0,
        "open": 2,
    }
    # A working day is not a bank holiday: nothing was due on Friday 4 September.
    friday_4 = measure(
        await deadlines(api, "2026-09-04", "2026-09-04"), "DWP_APPOINTEESHIP_APPLICATION"
    )
    before_4 = friday_4
    today.set(date(2026, 9, 8))
    late = await api.data(
        send,
        {"input": {"referralId": sent_late, "sentOn": "2026-09-08", "idempotencyKey": new_key()}},
        role="senior_officer",
        sub="sol.senior",
    )
    assert late["recordAppointeeApplicationSent"]["__typename"] == "AppointeeApplicationPayload"
    later = measure(await deadlines(api, *period), "DWP_APPOINTEESHIP_APPLICATION")
    assert {k: later[k] - before[k] for k in later} == {  # type: ignore[operator]
        "due": 3,
        "met": 1,
        "missed": 2,
        "open": 0,
    }
    assert (
        measure(await deadlines(api, "2026-09-04", "2026-09-04"), "DWP_APPOINTEESHIP_APPLICATION")
        == before_4
    )
    del unsent


# --- 4. The reporting role: aggregates only, no personal data, small counts hidden ----------

PERSONAL = re.compile(
    r"name|birth|dob|ninumber|nationalinsurance|address|postcode|reference|clientid|client$"
    r"|^clients?\b(?!count)|givenname|familyname",
    re.I,
)
REPORT_FIELDS = [
    "caseload",
    "caseloadSeries",
    "moneyHeld",
    "moneyHeldSeries",
    "deadlinesReport",
    "deadlinesSeries",
    "serviceCostAndIncome",
    "workload",
    "policyExceptions",
]


async def test_no_type_reachable_from_a_report_has_a_personal_field_or_returns_a_client(
    api: Api,
) -> None:
    intro = await api.data(
        """{ __schema { queryType { name } types { name kind
             fields { name type { name kind ofType { name kind ofType { name kind ofType {
               name kind ofType { name kind } } } } } }
             possibleTypes { name } } } }""",
        role="reporting",
    )
    types = {t["name"]: t for t in intro["__schema"]["types"]}

    def named(t: dict[str, Any]) -> str:
        while t.get("ofType"):
            t = t["ofType"]
        return str(t["name"])

    query = types[intro["__schema"]["queryType"]["name"]]
    start = [named(f["type"]) for f in query["fields"] if f["name"] in REPORT_FIELDS]
    assert len(start) == len(REPORT_FIELDS)
    seen: set[str] = set()
    stack = list(start)
    bad: list[str] = []
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        t = types[name]
        if name in {"Client", "Person", "Address"}:
            bad.append(name)
        for p in t.get("possibleTypes") or []:
            stack.append(p["name"])
        for f in t.get("fields") or []:
            low = f["name"].lower()
            if any(
                w in low for w in ("name", "birth", "ninumber", "address", "postcode", "clientid")
            ) or low in {"reference", "clientreference", "client"}:
                bad.append(f"{name}.{f['name']}")
            stack.append(named(f["type"]))
    # policyExceptions is documented to carry clientId and the summary, hidden (null) for
    # reporting; the other reports must not carry such fields at all.
    # (a Problem's `name` is the name of a missing policy figure, not a person's)
    bad = [
        b for b in bad if not b.startswith("PolicyException.") and b != "PolicyMissingProblem.name"
    ]
    assert bad == [], bad


async def test_reporting_sees_small_caseload_counts_suppressed_in_graphql_csv_and_series(
    api: Api, session: AsyncSession
) -> None:
    if not await empty_on(api, A, B):
        pytest.skip("the caseload is not empty on the appendix's dates")
    for _ in range(7):
        await deputy_client(session, date(2013, 1, 1), Situation.RESIDENTIAL_CARE)
    for _ in range(2):
        await deputy_client(session, date(2013, 1, 1), Situation.COMMUNITY)
    for _ in range(6):
        await appointee_client(session, date(2013, 1, 1), Situation.RESIDENTIAL_CARE)
    officer = await caseload(api, B)
    assert officer["deputy"]["community"] == {"count": 2, "suppressed": False}
    c = await caseload(api, B, **REPORTING)
    assert c["suppressedBelow"] == 5
    assert c["deputy"]["community"] == {"count": None, "suppressed": True}
    # 2 hidden in 2 + 7 = 9 beside its total: another cell or the total is hidden too.
    d = c["deputy"]
    shown = [d[k]["count"] for k in ("community", "residentialCare", "deceasedWindingUp", "total")]
    assert shown.count(None) >= 2
    assert d["deceasedWindingUp"] == {"count": 0, "suppressed": False}  # zero is shown
    # Worked back from the other cells nothing gives the 2.
    if d["total"]["count"] is not None and d["residentialCare"]["count"] is not None:
        pytest.fail("the hidden count can be worked back")
    if c["total"]["count"] is not None and c["appointee"]["total"]["count"] is not None:
        assert d["total"]["count"] is None or d["residentialCare"]["count"] is None
    # The CSV, with the same token, hides it too.
    resp = await get_csv(api, f"/reports/caseload.csv?asAt={B}")
    assert resp.status_code == 200, resp.text
    rows = {(r["role"], r["situation"]): r for r in parse_csv(resp.text)}
    assert rows[("DEPUTY", "COMMUNITY")]["clients"] == ""
    assert rows[("DEPUTY", "COMMUNITY")]["suppressed"] == "true"
    assert "2" not in {r["clients"] for (role, _), r in rows.items() if role == "DEPUTY"}
    # And the time series.
    series = (await api.data(CASELOAD_SERIES, {"f": "2014-04-01", "t": B}, **REPORTING))[
        "caseloadSeries"
    ]
    assert series[-1]["deputy"]["community"] == {"count": None, "suppressed": True}
    resp = await get_csv(api, "/reports/caseload.csv?from=2014-03-01&to=2014-04-30")
    assert resp.status_code == 200, resp.text
    for r in parse_csv(resp.text):
        if (r["role"], r["situation"]) == ("DEPUTY", "COMMUNITY"):
            assert (r["clients"], r["suppressed"]) == ("", "true"), r


async def test_reporting_sees_money_resting_on_a_small_count_hidden(
    api: Api, session: AsyncSession
) -> None:
    if not await empty_on(api, B):
        pytest.skip("the caseload is not empty on 2014-04-30")
    for _ in range(6):
        d = await deputy_client(session, date(2013, 1, 1))
        await credit(session, d, 10_000, date(2014, 1, 1))
    lone = await appointee_client(session, date(2013, 1, 1))
    await credit(session, lone, 123_456, date(2014, 1, 1))
    m = (await api.data(MONEY_HELD, {"asAt": B}, **REPORTING))["moneyHeld"]
    assert m["appointee"]["clients"] == {"count": None, "suppressed": True}
    assert (m["appointee"]["held"], m["appointee"]["average"]) == (None, None)
    # The total less the deputies' must not give the one appointee's money away.
    if m["total"] is not None and m["deputy"]["held"] is not None:
        pytest.fail(f"1234.56 worked back from {m['total']} - {m['deputy']['held']}")
    if m["clients"]["count"] is not None and m["deputy"]["clients"]["count"] is not None:
        pytest.fail("the one appointee client worked back from the total and the deputies")
    resp = await get_csv(api, f"/reports/money-held.csv?asAt={B}")
    assert resp.status_code == 200, resp.text
    assert "1234.56" not in resp.text
    series = (await api.data(MONEY_SERIES, {"f": "2014-04-01", "t": B}, **REPORTING))[
        "moneyHeldSeries"
    ]
    assert series[-1]["appointee"]["held"] is None
    assert "1234.56" not in str(series)


async def test_reporting_sees_small_deadline_counts_suppressed(api: Api, today: Any) -> None:
    today.set(date(2026, 9, 10))
    period = ("2026-09-07", "2026-09-10")
    plain = measure(await deadlines(api, *period), "WILL_COURT_NOTICE")
    if plain["due"]:
        pytest.skip("wills already due in the period")
    w = await will_found(api, "2026-09-07")
    await record_will_notice(api, w, "2026-09-07")
    report = await deadlines(api, *period, **REPORTING)
    assert report["suppressedBelow"] == 5
    (m,) = [m for m in report["measures"] if m["measure"] == "WILL_COURT_NOTICE"]
    assert m["met"] == {"count": None, "suppressed": True}
    assert m["due"]["count"] is None
    resp = await get_csv(api, "/reports/deadlines.csv?from=2026-09-07&to=2026-09-10")
    assert resp.status_code == 200, resp.text
    (row,) = [r for r in parse_csv(resp.text) if r["measure"] == "WILL_COURT_NOTICE"]
    assert (row["met"], row["met_suppressed"]) == ("", "true")
    series = await api.data(DEADLINES_SERIES, {"f": "2026-09-01", "t": "2026-09-30"}, **REPORTING)
    (sm,) = [
        m for m in series["deadlinesSeries"][0]["measures"] if m["measure"] == "WILL_COURT_NOTICE"
    ]
    assert sm["met"]["suppressed"] is True


async def test_no_csv_report_carries_personal_data_for_reporting(
    api: Api, session: AsyncSession, today: Any
) -> None:
    today.set(date(2026, 9, 10))
    person = await create_client(
        api,
        givenName="Zebedee",
        familyName="Quixotic",
        dateOfBirth="1931-02-03",
        niNumber="AB 98 76 54 C",
        situation="COMMUNITY",
        address={"line1": "7 Marmalade Lane", "town": "Lewes", "postcode": "BN7 2QQ"},
    )
    await record_deputyship(api, person["id"], orderDate="2013-01-10")
    await credit(session, person["id"], 99_999, date(2014, 1, 1))
    w = await record_will(api, person["id"], foundOn="2026-09-07")
    assert w["__typename"] == "WillsPayload"
    exc = await api.data(
        RECORD_EXCEPTION,
        {
            "input": {
                "summary": "Zebedee Quixotic's rent at 7 Marmalade Lane",
                "policyReference": "B 22.1",
                "clientId": person["id"],
                "idempotencyKey": new_key(),
            }
        },
        role="assistant",
        sub="ash.assistant",
    )
    assert exc["recordPolicyException"]["__typename"] == "PolicyExceptionPayload", exc
    secrets = [
        "Zebedee",
        "Quixotic",
        "1931-02-03",
        "AB987654C",
        "AB 98 76 54 C",
        "Marmalade",
        "BN7 2QQ",
        person["reference"],
        person["id"],
        "ash.assistant",
    ]
    for name, query in CSV_REPORTS.items():
        resp = await get_csv(api, f"/reports/{name}.csv?{query}")
        if name == "cost-and-income":
            assert resp.status_code in (200, 409), (name, resp.text)
        else:
            assert resp.status_code == 200, (name, resp.text)
        for s in secrets:
            assert s.lower() not in resp.text.lower(), (name, s)
    # and the GraphQL the role can reach
    reached = await api.gql(
        f"""{{ caseload(asAt: "{B}") {{ {CASELOAD_FIELDS} }}
              moneyHeld(asAt: "{B}") {{ {MONEY_FIELDS} }}
              workload(asAt: "2026-09-10") {{ officers {{ officer role openItems }} }}
              policyExceptions {{ {EXCEPTION_FIELDS} }}
              deadlinesReport(from: "2026-09-01", to: "2026-09-30") {{ {DEADLINE_FIELDS} }} }}""",
        **REPORTING,
    )
    assert "errors" not in reached, reached
    text = str(reached).lower()
    for s in secrets:
        assert s.lower() not in text, s


async def test_the_reporting_role_cannot_reach_the_clients(api: Api) -> None:
    body = await api.gql("{ clients(first: 5) { edges { node { id } } } }", **REPORTING)
    assert error_codes(body) and set(error_codes(body)) <= {
        "FORBIDDEN",
        "GRAPHQL_VALIDATION_FAILED",
    }


# --- 5. Roles outside the policy are refused ------------------------------------------------


@pytest.mark.parametrize("role", OUTSIDE_POLICY)
async def test_roles_outside_the_policy_are_refused_every_report(api: Api, role: str) -> None:
    queries = {
        "caseload": f'caseload(asAt: "{B}") {{ asAt }}',
        "caseloadSeries": f'caseloadSeries(from: "{A}", to: "{B}") {{ asAt }}',
        "moneyHeld": f'moneyHeld(asAt: "{B}") {{ asAt }}',
        "moneyHeldSeries": f'moneyHeldSeries(from: "{A}", to: "{B}") {{ asAt }}',
        "deadlinesReport": 'deadlinesReport(from: "2026-09-01", to: "2026-09-30") { asOf }',
        "deadlinesSeries": 'deadlinesSeries(from: "2026-09-01", to: "2026-09-30") { asOf }',
        "serviceCostAndIncome": "serviceCostAndIncome(financialYear: 2014) { __typename }",
        "workload": f'workload(asAt: "{B}") {{ clients }}',
        "policyExceptions": "policyExceptions { id }",
        "serviceCostTables": "serviceCostTables { id }",
    }
    for field, selection in queries.items():
        body = await api.gql(f"{{ {selection} }}", role=role, sub="outsider")
        assert error_codes(body) == ["FORBIDDEN"], (field, body)
        assert (body.get("data") or {}).get(field) is None, (field, body)
    for name, query in CSV_REPORTS.items():
        resp = await get_csv(api, f"/reports/{name}.csv?{query}", role=role)
        assert resp.status_code == 403, (name, resp.text)
        assert "FORBIDDEN" in resp.text


async def test_csv_needs_a_token_and_a_known_report(api: Api) -> None:
    resp = await get_csv(api, "/reports/caseload.csv", role=None)
    assert resp.status_code == 401
    resp = await get_csv(api, "/reports/clients.csv")
    assert resp.status_code == 404
    resp = await get_csv(api, "/reports/caseload.csv?asAt=30/04/2014")
    assert resp.status_code == 400
    resp = await get_csv(api, f"/reports/caseload.csv?asAt={B}")
    assert resp.headers["content-type"].startswith("text/csv")
    assert "\r\n" in resp.text


# --- 6. Cost and income: maintained by the governance manager, effective-dated -------------

SEED_ROLES = [
    ("Chief Finance Officer", "0.01", "1296.46", None),
    ("Head of Financial Programmes and Projects", "0.03", "2099.53", "233.88"),
    ("Transformation and Governance Manager", "0.20", "10973.51", None),
    ("Senior Client Affairs Officer", "1.00", "35902.28", "3999.63"),
    ("Senior Client Affairs Assistant", "1.00", "24179.09", None),
    ("Client Affairs Assistant", "1.00", "21694.94", None),
    ("Client Affairs Support Assistant", "1.00", "21076.74", None),
]


def cost_table(effective: str, bank: str = "3000.00", rate: str = "11.1400") -> dict[str, Any]:
    return {
        "input": {
            "effectiveFrom": effective,
            "note": "seed 002 Appendix 5",
            "overheadRate": rate,
            "bankCharges": bank,
            "roles": [
                {"title": t, "fte": f, "payrollAndOnCosts": p, "overheads": o}
                for t, f, p, o in SEED_ROLES
            ],
            "idempotencyKey": new_key(),
        }
    }


async def test_only_the_governance_manager_records_the_cost_table(api: Api) -> None:
    for role in [
        "head_of_service",
        "senior_officer",
        "assistant",
        "auditor",
        "reporting",
        "social_worker",
        "integration_sap",
    ]:
        body = await api.gql(RECORD_COSTS, cost_table("2014-04-01"), role=role, sub="x")
        assert error_codes(body) == ["FORBIDDEN"], (role, body)
    ok = await api.data(RECORD_COSTS, cost_table("2014-04-01"), **GOVERNANCE)
    assert ok["recordServiceCosts"]["__typename"] == "ServiceCostsPayload", ok


async def test_cost_and_income_reproduces_the_appendix_cost_and_is_effective_dated(
    api: Api,
) -> None:
    first = await api.data(RECORD_COSTS, cost_table("2014-04-01"), **GOVERNANCE)
    assert first["recordServiceCosts"]["__typename"] == "ServiceCostsPayload", first
    r = (await api.data(COST_AND_INCOME, {"y": 2014}, **REPORTING))["serviceCostAndIncome"]
    assert r["__typename"] == "ServiceCostAndIncome", r
    assert r["fte"] in ("4.24", "4.2400")
    assert r["staffCost"] == "130281.26"
    assert r["bankCharges"] == "3000.00"
    assert r["totalCost"] == "133281.26"
    assert Decimal(r["shortfall"]) == Decimal(r["totalCost"]) - Decimal(r["income"]["total"])
    lines = {line["role"]: line for line in r["lines"]}
    assert lines["Chief Finance Officer"]["overheads"] == "144.43"  # 11.14% half-up
    assert lines["Senior Client Affairs Officer"]["overheads"] == "3999.63"
    assert lines["Senior Client Affairs Officer"]["overheadsAsStated"] is True
    assert lines["Client Affairs Support Assistant"]["total"] == "23424.69"
    # Before any table is in force: the policy is missing, not guessed.
    none = (await api.data(COST_AND_INCOME, {"y": 2013}, **REPORTING))["serviceCostAndIncome"]
    assert none["__typename"] == "PolicyMissingProblem", none
    # A later table from 2015-04-01 leaves 2014/15 as it was.
    later = await api.data(RECORD_COSTS, cost_table("2015-04-01", bank="3500.00"), **GOVERNANCE)
    assert later["recordServiceCosts"]["__typename"] == "ServiceCostsPayload"
    again = (await api.data(COST_AND_INCOME, {"y": 2014}, **OFFICER))["serviceCostAndIncome"]
    assert again["totalCost"] == "133281.26"
    y15 = (await api.data(COST_AND_INCOME, {"y": 2015}, **OFFICER))["serviceCostAndIncome"]
    assert (y15["bankCharges"], y15["totalCost"]) == ("3500.00", "133781.26")


async def test_a_correction_is_a_new_version_never_an_edit(api: Api) -> None:
    tables = (await api.data(COST_TABLES, **OFFICER))["serviceCostTables"]
    first = await api.data(RECORD_COSTS, cost_table("2014-04-01"), **GOVERNANCE)
    fixed = await api.data(RECORD_COSTS, cost_table("2014-04-01", bank="3100.00"), **GOVERNANCE)
    ids = {first["recordServiceCosts"]["table"]["id"], fixed["recordServiceCosts"]["table"]["id"]}
    assert len(ids) == 2
    after = (await api.data(COST_TABLES, **OFFICER))["serviceCostTables"]
    assert len(after) == len(tables) + 2
    kept = {t["id"]: t for t in after}
    assert kept[first["recordServiceCosts"]["table"]["id"]]["bankCharges"] == "3000.00"
    r = (await api.data(COST_AND_INCOME, {"y": 2014}, **OFFICER))["serviceCostAndIncome"]
    assert r["bankCharges"] == "3100.00"  # the later record for the same date supersedes
    # No mutation edits or deletes a table in place.
    intro = await api.data("{ __schema { mutationType { fields { name } } } }", **OFFICER)
    names = {f["name"] for f in intro["__schema"]["mutationType"]["fields"]}
    assert not [n for n in names if "ServiceCost" in n and n != "recordServiceCosts"], names


async def test_income_counts_a_wind_up_fee_in_its_financial_year(
    api: Api, session: AsyncSession, today: Any
) -> None:
    from tests.factories import charged_wind_up_fee, confirmed_death, fund, new_client

    year = date.today().year if date.today().month >= 4 else date.today().year - 1
    await api.data(RECORD_COSTS, cost_table(f"{year}-04-01"), **GOVERNANCE)
    before = (await api.data(COST_AND_INCOME, {"y": year}, **OFFICER))["serviceCostAndIncome"]
    client = await new_client(api)
    await fund(session, api, client, 100_000)
    await confirmed_death(api, client["id"], (date.today().replace(day=1)).isoformat())
    await charged_wind_up_fee(api, client["id"])
    after = (await api.data(COST_AND_INCOME, {"y": year}, **OFFICER))["serviceCostAndIncome"]
    gained = Decimal(after["income"]["windUpFees"]) - Decimal(before["income"]["windUpFees"])
    assert gained > 0
    assert Decimal(after["income"]["total"]) - Decimal(before["income"]["total"]) == gained
    assert Decimal(before["shortfall"]) - Decimal(after["shortfall"]) == gained


# --- 7. The exceptions register (D 1.3) -----------------------------------------------------


async def submitted_exception(api: Api, **who: Any) -> dict[str, Any]:
    data = await api.data(
        RECORD_EXCEPTION,
        {
            "input": {
                "summary": "Pay the rent from capital",
                "policyReference": "B 22.1",
                "idempotencyKey": new_key(),
            }
        },
        **(who or {"role": "assistant", "sub": "ash.assistant"}),
    )
    result = data["recordPolicyException"]
    assert result["__typename"] == "PolicyExceptionPayload", result
    exception: dict[str, Any] = result["exception"]
    return exception


def decision(exception_id: str, outcome: str = "APPROVED") -> dict[str, Any]:
    return {
        "input": {
            "exceptionId": exception_id,
            "outcome": outcome,
            "reason": "agreed",
            "referredTo": ["BSD_DMT"],
            "idempotencyKey": new_key(),
        }
    }


async def test_exceptions_go_to_and_are_decided_by_the_governance_manager_only(
    api: Api,
) -> None:
    e = await submitted_exception(api)
    assert e["submittedTo"] == "GOVERNANCE_MANAGER"
    assert e["outcome"] is None
    for role in ["assistant", "senior_officer", "head_of_service", "auditor", "reporting"]:
        body = await api.gql(DECIDE_EXCEPTION, decision(e["id"]), role=role, sub="someone")
        assert error_codes(body) == ["FORBIDDEN"], (role, body)
    done = await api.data(DECIDE_EXCEPTION, decision(e["id"]), **GOVERNANCE)
    result = done["decidePolicyException"]
    assert result["__typename"] == "PolicyExceptionPayload", result
    assert result["exception"]["outcome"] == "APPROVED"
    assert result["exception"]["referredTo"] == ["BSD_DMT"]
    assert result["exception"]["decidedByRole"] == "GOVERNANCE_MANAGER"
    twice = await api.data(DECIDE_EXCEPTION, decision(e["id"], "REFUSED"), **GOVERNANCE)
    assert twice["decidePolicyException"]["__typename"] == "InvalidStateProblem", twice


async def test_the_governance_manager_cannot_decide_their_own_exception(api: Api) -> None:
    e = await submitted_exception(api, **GOVERNANCE)
    own = await api.data(DECIDE_EXCEPTION, decision(e["id"]), **GOVERNANCE)
    assert own["decidePolicyException"]["__typename"] == "FourEyesProblem", own
    other = await api.data(
        DECIDE_EXCEPTION, decision(e["id"]), role="governance_manager", sub="gill.tgm2"
    )
    assert other["decidePolicyException"]["__typename"] == "PolicyExceptionPayload", other


async def test_the_register_for_reporting_hides_free_text_clients_and_officers(
    api: Api,
) -> None:
    e = await submitted_exception(api)
    await api.data(DECIDE_EXCEPTION, decision(e["id"]), **GOVERNANCE)
    rows = (await api.data(EXCEPTIONS, {"f": None, "t": None}, **REPORTING))["policyExceptions"]
    (mine,) = [r for r in rows if r["id"] == e["id"]]
    assert (mine["summary"], mine["reason"], mine["clientId"]) == (None, None, None)
    assert (mine["submittedBy"], mine["decidedBy"]) == (None, None)
    assert (mine["policyReference"], mine["outcome"]) == ("B 22.1", "APPROVED")


async def test_workload_shows_reporting_roles_not_officers(api: Api) -> None:
    await submitted_exception(api)
    today = date.today().isoformat()
    w = (await api.data(WORKLOAD, {"d": today}, **REPORTING))["workload"]
    assert all(o["officer"] is None for o in w["officers"]), w["officers"]
    assert sum(o["policyExceptions"] for o in w["officers"]) >= 1, w
    plain = (await api.data(WORKLOAD, {"d": today}, **OFFICER))["workload"]
    assert any(o["officer"] == "ash.assistant" for o in plain["officers"])


# --- 8. Further edges: situations, deaths, ended orders, holds, work-back ------------------


async def test_an_amendment_recorded_today_does_not_rewrite_a_past_date(api: Api) -> None:
    today = date.today().isoformat()
    before_b, before_t = cells(await caseload(api, B)), cells(await caseload(api, today))
    client = (await create_client(api, situation="RESIDENTIAL_CARE"))["id"]
    await record_deputyship(api, client, orderDate="2013-01-10")
    changed = await amend_client(
        api, client, {"situation": "COMMUNITY"}, reason="went home", role="senior_officer", sub="o"
    )
    assert changed["__typename"] == "ClientPayload", changed
    assert diff(cells(await caseload(api, B)), before_b) == {
        "deputy.residentialCare": 1,
        "deputy.total": 1,
        "total": 1,
    }
    assert diff(cells(await caseload(api, today)), before_t) == {
        "deputy.community": 1,
        "deputy.total": 1,
        "total": 1,
    }


async def test_a_move_out_of_care_and_a_corrected_move_are_read_by_their_dates(
    api: Api,
) -> None:
    before = cells(await caseload(api, B))
    # Admitted in 2013, left care before B: community on B.
    left = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_deputyship(api, left, orderDate="2013-01-10")
    await record_change(api, left, "ADMITTED_TO_RESIDENTIAL_CARE", occurredOn="2013-06-01")
    out = await record_change(api, left, "LEFT_RESIDENTIAL_CARE", occurredOn="2014-03-01")
    assert out["__typename"] == "CircumstanceChangePayload", out
    # A move first recorded as after B, corrected to before it: residential on B.
    corrected = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_deputyship(api, corrected, orderDate="2013-01-10")
    wrong = await record_change(
        api, corrected, "ADMITTED_TO_RESIDENTIAL_CARE", occurredOn="2014-06-01"
    )
    fixed = await record_change(
        api,
        corrected,
        "ADMITTED_TO_RESIDENTIAL_CARE",
        occurredOn="2014-04-10",
        corrects=wrong["change"]["id"],
        reason="the date was misread",
    )
    assert fixed["__typename"] == "CircumstanceChangePayload", fixed
    assert diff(cells(await caseload(api, B)), before) == {
        "deputy.community": 1,
        "deputy.residentialCare": 1,
        "deputy.total": 2,
        "total": 2,
    }


async def test_only_a_confirmed_death_on_or_before_the_date_makes_a_client_deceased(
    api: Api,
) -> None:
    before = cells(await caseload(api, B))
    unconfirmed = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_deputyship(api, unconfirmed, orderDate="2013-01-10")
    assert (await record_death(api, unconfirmed, "2014-02-01"))["__typename"] == "DeathPayload"
    after_b = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_deputyship(api, after_b, orderDate="2013-01-10")
    await record_death(api, after_b, "2014-05-01")
    assert (await confirm_death(api, after_b))["__typename"] == "DeathPayload"
    assert diff(cells(await caseload(api, B)), before) == {
        "deputy.community": 2,
        "deputy.total": 2,
        "total": 2,
    }
    on_may = diff(cells(await caseload(api, "2014-05-01")), cells(await caseload(api, B)))
    assert on_may.get("deceasedWindingUp") == 1, on_may


async def test_a_deceased_client_is_counted_until_the_case_is_closed(
    api: Api, session: AsyncSession
) -> None:
    from tests.factories import charged_wind_up_fee, fund, notify_everyone

    today = date.today().isoformat()
    before = cells(await caseload(api, today))
    client = (await create_client(api, situation="RESIDENTIAL_CARE"))["id"]
    await record_appointeeship(api, client, startDate="2013-01-10")
    await record_death(api, client, "2015-02-01")
    await confirm_death(api, client)
    assert diff(cells(await caseload(api, today)), before) == {
        "appointee.deceasedWindingUp": 1,
        "appointee.total": 1,
        "total": 1,
        "deceasedWindingUp": 1,
    }
    # Wound up: the fee taken, everyone told, then the case closed.
    await fund(session, api, {"id": client}, 37_500)  # the fee, and nothing left
    await charged_wind_up_fee(api, client)
    await notify_everyone(api, client)
    closed = await api.data(
        """mutation($input: CloseWoundUpCaseInput!) { closeWoundUpCase(input: $input) {
             __typename ... on Problem { message } } }""",
        {"input": {"clientId": client, "idempotencyKey": new_key()}},
        role="senior_officer",
        sub="olu.scao",
    )
    assert closed["closeWoundUpCase"]["__typename"] == "EstatePayload", closed
    assert diff(cells(await caseload(api, today)), before) == {}


async def test_an_ended_order_is_not_counted_after_its_end(api: Api) -> None:
    before_a, before_b = cells(await caseload(api, A)), cells(await caseload(api, B))
    client = (await create_client(api, situation="COMMUNITY"))["id"]
    result = await record_appointeeship(api, client, startDate="2013-01-10", endDate="2014-01-31")
    assert result["__typename"] == "AppointeeshipPayload", result
    assert diff(cells(await caseload(api, A)), before_a)["appointee.community"] == 1
    assert diff(cells(await caseload(api, B)), before_b) == {}


async def test_a_hold_is_not_money_moved_and_a_payment_made_is(
    api: Api, session: AsyncSession
) -> None:
    from tests.factories import (
        approve_payment,
        fund,
        make_payment,
        new_counterparty,
        payable_invoice,
        raised_payment,
    )

    today = date.today().isoformat()
    client = await create_client(api, situation="COMMUNITY")
    await record_deputyship(api, client["id"], orderDate="2013-01-10")
    before = (await api.data(MONEY_HELD, {"asAt": today}, **OFFICER))["moneyHeld"]
    await fund(session, api, client, 100_000)
    supplier = await new_counterparty(api)
    invoice = await payable_invoice(api, client, supplier, amount="120.00")
    payment = await raised_payment(api, invoice["id"])
    assert (await approve_payment(api, payment["id"]))["__typename"] == "PaymentPayload"
    accounts = await api.data(
        "query($id: ID!) { clientAccounts(clientId: $id) { kind balance held } }",
        {"id": client["id"]},
        role="auditor",
        sub="audrey",
    )
    assert any(a["held"] not in (None, "0.00") for a in accounts["clientAccounts"]), accounts
    held = (await api.data(MONEY_HELD, {"asAt": today}, **OFFICER))["moneyHeld"]
    assert Decimal(held["deputy"]["held"] or 0) - Decimal(before["deputy"]["held"] or 0) == Decimal(
        "1000.00"
    )
    assert (await make_payment(api, payment["id"]))["__typename"] == "PaymentPayload"
    paid = (await api.data(MONEY_HELD, {"asAt": today}, **OFFICER))["moneyHeld"]
    assert Decimal(paid["deputy"]["held"] or 0) - Decimal(before["deputy"]["held"] or 0) == Decimal(
        "880.00"
    )


async def test_a_deceased_deputy_client_being_wound_up_counts_over_the_threshold(
    api: Api, session: AsyncSession
) -> None:
    before = (await api.data(MONEY_HELD, {"asAt": B}, **OFFICER))["moneyHeld"]
    client = (await create_client(api, situation="RESIDENTIAL_CARE"))["id"]
    await record_deputyship(api, client, orderDate="2013-01-10")
    await credit(session, client, 3_000_000, date(2014, 1, 1))
    await record_death(api, client, "2014-03-01")
    await confirm_death(api, client)
    m = (await api.data(MONEY_HELD, {"asAt": B}, **OFFICER))["moneyHeld"]
    was = before["deputyClientsOverThreshold"]["count"]
    assert m["deputyClientsOverThreshold"]["count"] == was + 1


GROUPS = [
    ("D.comm", "D.res", "D.dec", "=D.total"),
    ("A.comm", "A.res", "A.dec", "=A.total"),
    ("D.total", "A.total", "=total"),
    ("D.comm", "D.res", "D.dec", "A.comm", "A.res", "A.dec", "=total"),
    ("D.dec", "A.dec", "=dec"),
]


def worked_back(c: dict[str, Any]) -> dict[str, int]:
    """The hidden counts that the shown ones and the documented sums give away."""
    keys = {
        "D.comm": c["deputy"]["community"],
        "D.res": c["deputy"]["residentialCare"],
        "D.dec": c["deputy"]["deceasedWindingUp"],
        "D.total": c["deputy"]["total"],
        "A.comm": c["appointee"]["community"],
        "A.res": c["appointee"]["residentialCare"],
        "A.dec": c["appointee"]["deceasedWindingUp"],
        "A.total": c["appointee"]["total"],
        "total": c["total"],
        "dec": c["deceasedWindingUp"],
    }
    known = {k: v["count"] for k, v in keys.items() if v["count"] is not None}
    hidden = {k for k, v in keys.items() if v["count"] is None}
    changed = True
    while changed:
        changed = False
        for group in GROUPS:
            parts = [g for g in group if not g.startswith("=")]
            total = group[-1][1:]
            unknown = [g for g in (*parts, total) if g not in known]
            if len(unknown) != 1:
                continue
            (u,) = unknown
            if u == total:
                known[u] = sum(known[p] for p in parts)
            else:
                known[u] = known[total] - sum(known[p] for p in parts if p != u)
            changed = True
    return {k: known[k] for k in hidden if k in known}


@pytest.mark.parametrize(
    "shape",
    [
        # (deputy community, residential, deceased), (appointee ...)
        ((6, 6, 1), (6, 6, 0)),
        ((0, 7, 0), (0, 0, 3)),
        ((5, 0, 2), (5, 0, 2)),
        ((6, 6, 0), (1, 0, 0)),
        ((0, 0, 1), (0, 0, 0)),
        ((5, 5, 5), (4, 0, 0)),
        ((6, 0, 0), (0, 0, 4)),
    ],
)
async def test_a_suppressed_count_cannot_be_worked_back_from_the_cells_beside_it(
    api: Api, session: AsyncSession, shape: tuple[tuple[int, int, int], ...]
) -> None:
    if not await empty_on(api, B):
        pytest.skip("the caseload is not empty on 2014-04-30")
    (dc, dr, dd), (ac, ar, ad) = shape
    for role, (comm, res, dead) in (("D", (dc, dr, dd)), ("A", (ac, ar, ad))):
        for situation, n in ((Situation.COMMUNITY, comm), (Situation.RESIDENTIAL_CARE, res)):
            for _ in range(n):
                if role == "D":
                    await deputy_client(session, date(2013, 1, 1), situation)
                else:
                    await appointee_client(session, date(2013, 1, 1), situation)
        for _ in range(dead):
            if role == "D":
                cid = await deputy_client(session, date(2013, 1, 1))
            else:
                cid = await appointee_client(session, date(2013, 1, 1))
            await record_death(api, cid, "2014-02-01")
            assert (await confirm_death(api, cid))["__typename"] == "DeathPayload"
    plain = await caseload(api, B)
    assert plain["total"]["count"] == dc + dr + dd + ac + ar + ad
    shown = await caseload(api, B, **REPORTING)
    for role in ("deputy", "appointee"):
        for sit in ("community", "residentialCare", "deceasedWindingUp"):
            n = plain[role][sit]["count"]
            if 1 <= n <= 4:
                assert shown[role][sit] == {"count": None, "suppressed": True}, (role, sit)
    leaks = {k: v for k, v in worked_back(shown).items() if v != 0}
    assert leaks == {}, leaks
    # The CSV the dashboards read gives no more away.
    resp = await get_csv(api, f"/reports/caseload.csv?asAt={B}")
    rows = {(r["role"], r["situation"]): r for r in parse_csv(resp.text)}

    def cell(role: str, situation: str) -> dict[str, Any]:
        value = rows[(role, situation)]["clients"]
        return {"count": int(value) if value else None}

    from_csv = {
        "deputy": {
            "community": cell("DEPUTY", "COMMUNITY"),
            "residentialCare": cell("DEPUTY", "RESIDENTIAL_CARE"),
            "deceasedWindingUp": cell("DEPUTY", "DECEASED_WINDING_UP"),
            "total": cell("DEPUTY", "ALL"),
        },
        "appointee": {
            "community": cell("APPOINTEE", "COMMUNITY"),
            "residentialCare": cell("APPOINTEE", "RESIDENTIAL_CARE"),
            "deceasedWindingUp": cell("APPOINTEE", "DECEASED_WINDING_UP"),
            "total": cell("APPOINTEE", "ALL"),
        },
        "total": cell("ALL", "ALL"),
        "deceasedWindingUp": cell("ALL", "DECEASED_WINDING_UP"),
    }
    leaks = {k: v for k, v in worked_back(from_csv).items() if v != 0}
    assert leaks == {}, leaks


# --- 9. Invoices at the boundary day, node reach, more disclosure, cost table dates --------


async def paid_on(api: Api, today: Any, invoice: dict[str, Any], day: date) -> None:
    from tests.factories import approve_payment, check_all, make_payment, raised_payment

    await check_all(api, invoice["id"])
    payment = await raised_payment(api, invoice["id"])
    assert (await approve_payment(api, payment["id"]))["__typename"] == "PaymentPayload"
    today.set(day)
    made = await make_payment(api, payment["id"])
    assert made["__typename"] == "PaymentPayload", made


async def test_invoices_paid_on_the_due_day_are_met_the_day_after_missed(
    api: Api, session: AsyncSession, today: Any
) -> None:
    from datetime import timedelta

    from tests.factories import fund, new_counterparty, recorded

    today.set(date(2026, 8, 3))
    client = await create_client(api, situation="COMMUNITY")
    await record_deputyship(api, client["id"], orderDate="2013-01-10")
    await fund(session, api, client, 1_000_000)
    supplier = await new_counterparty(api)
    on_time = await recorded(api, client, supplier, amount="10.00")
    late = await recorded(api, client, supplier, amount="11.00")
    unpaid = await recorded(api, client, supplier, amount="12.00")
    due = date.fromisoformat(on_time["dueOn"])
    assert late["dueOn"] == unpaid["dueOn"] == on_time["dueOn"]
    # 21 working days after Monday 3 August, Monday 31 August (a bank holiday) not one of them
    assert due == date(2026, 9, 2)
    period = (due.isoformat(), due.isoformat())
    today.set(due)
    before = measure(await deadlines(api, *period), "INVOICE_PAYMENT")
    await paid_on(api, today, on_time, due)
    today.set(due)
    now = measure(await deadlines(api, *period), "INVOICE_PAYMENT")
    assert now["met"] - before["met"] == 1  # type: ignore[operator]
    assert now["open"] - before["open"] == -1  # type: ignore[operator]
    await paid_on(api, today, late, due + timedelta(days=1))
    after = measure(await deadlines(api, *period), "INVOICE_PAYMENT")
    assert {k: after[k] - before[k] for k in after} == {  # type: ignore[operator]
        "due": 0,
        "met": 1,
        "missed": 2,  # paid the day after, and not paid by the day after
        "open": -3,
    }


async def test_the_reporting_role_cannot_read_a_client_or_an_exception_through_node(
    api: Api,
) -> None:
    client = await create_client(api, familyName="Nodewalker")
    exc = await api.data(
        RECORD_EXCEPTION,
        {
            "input": {
                "summary": "Nodewalker's rent",
                "policyReference": "B 22.1",
                "clientId": client["id"],
                "idempotencyKey": new_key(),
            }
        },
        role="assistant",
        sub="ash.assistant",
    )
    exception_id = exc["recordPolicyException"]["exception"]["id"]
    body = await api.gql(
        """query($c: ID!, $e: ID!) {
          a: node(id: $c) { id ... on Client { familyName dateOfBirth niNumber } }
          b: node(id: $e) { id ... on PolicyException { summary clientId submittedBy } }
          c: nodes(ids: [$c, $e]) { id ... on Client { familyName }
                                     ... on PolicyException { summary submittedBy } } }""",
        {"c": client["id"], "e": exception_id},
        **REPORTING,
    )
    text = str(body.get("data"))
    for secret in ("Nodewalker", "ash.assistant", client["id"]):
        assert secret not in text, (secret, body)


async def test_a_small_count_over_the_lodgement_threshold_is_suppressed_for_reporting(
    api: Api, session: AsyncSession
) -> None:
    if not await empty_on(api, B):
        pytest.skip("the caseload is not empty on 2014-04-30")
    rich = await deputy_client(session, date(2013, 1, 1))
    await credit(session, rich, 3_000_000, date(2014, 1, 1))
    for _ in range(6):
        await deputy_client(session, date(2013, 1, 1))
    m = (await api.data(MONEY_HELD, {"asAt": B}, **REPORTING))["moneyHeld"]
    assert m["deputyClientsOverThreshold"] == {"count": None, "suppressed": True}
    resp = await get_csv(api, f"/reports/money-held.csv?asAt={B}")
    (row,) = [r for r in parse_csv(resp.text) if r["role"] == "ALL"]
    assert row["over_lodgement_threshold"] == "", row


async def test_a_suppressed_deadline_count_cannot_be_worked_back_from_due(
    api: Api, today: Any
) -> None:
    today.set(date(2026, 9, 10))
    period = ("2026-09-01", "2026-09-09")
    if measure(await deadlines(api, *period), "WILL_COURT_NOTICE")["due"]:
        pytest.skip("wills already due in the period")
    for day in range(1, 7):
        w = await will_found(api, f"2026-09-0{day}")
        await record_will_notice(api, w, f"2026-09-0{day}")
    await will_found(api, "2026-09-08")  # one missed
    (m,) = [
        m
        for m in (await deadlines(api, *period, **REPORTING))["measures"]
        if m["measure"] == "WILL_COURT_NOTICE"
    ]
    assert m["missed"] == {"count": None, "suppressed": True}
    values = [m[k]["count"] for k in ("due", "met", "missed", "open")]
    assert values.count(None) >= 2, m  # else missed = due - met - open
    assert m["open"] == {"count": 0, "suppressed": False}


async def test_a_cost_table_from_mid_year_applies_from_the_next_financial_year(api: Api) -> None:
    await api.data(RECORD_COSTS, cost_table("2014-06-01"), **GOVERNANCE)
    y14 = (await api.data(COST_AND_INCOME, {"y": 2014}, **OFFICER))["serviceCostAndIncome"]
    assert y14["__typename"] == "PolicyMissingProblem", y14
    y15 = (await api.data(COST_AND_INCOME, {"y": 2015}, **OFFICER))["serviceCostAndIncome"]
    assert (y15["__typename"], y15["costsEffectiveFrom"]) == ("ServiceCostAndIncome", "2014-06-01")
    resp = await get_csv(api, "/reports/cost-and-income.csv?asAt=2014-06-30")
    assert resp.status_code == 409, resp.text
    assert "POLICY_MISSING" in resp.text
    resp = await get_csv(api, "/reports/cost-and-income.csv?asAt=2015-06-30")
    assert resp.status_code == 200, resp.text
    rows = parse_csv(resp.text)
    assert [r["amount"] for r in rows if r["item"] == "total cost"] == ["133281.26"]


async def test_a_series_has_a_point_at_each_month_end_compared_with_the_one_before(
    api: Api, session: AsyncSession
) -> None:
    await deputy_client(session, date(2014, 3, 15))
    series = (await api.data(CASELOAD_SERIES, {"f": "2014-02-10", "t": "2014-04-02"}, **OFFICER))[
        "caseloadSeries"
    ]
    assert [p["asAt"] for p in series] == ["2014-02-28", "2014-03-31", "2014-04-30"]
    assert [p["comparedWith"] for p in series[1:]] == ["2014-02-28", "2014-03-31"]
    for p in series[1:]:
        assert p["change"] == p["total"]["count"] - p["totalThen"]["count"]
    assert series[1]["change"] >= 1


async def test_the_first_point_of_a_series_is_compared_with_the_month_end_before_it(
    api: Api,
) -> None:
    series = (await api.data(CASELOAD_SERIES, {"f": "2014-02-10", "t": "2014-04-02"}, **OFFICER))[
        "caseloadSeries"
    ]
    assert series[0]["comparedWith"] == "2014-01-31"
    assert series[0]["change"] is not None


# --- 10. More promises, the register's dates, workload, future-dated money -----------------


async def test_council_invoices_are_due_in_21_calendar_days_and_a_hold_still_counts(
    api: Api, session: AsyncSession, today: Any
) -> None:
    from tests.factories import council_invoice, fund, new_counterparty

    today.set(date(2026, 8, 25))
    day = ("2026-08-24", "2026-08-24")
    before = measure(await deadlines(api, *day), "COUNCIL_INVOICE_PAYMENT")
    today.set(date(2026, 8, 3))
    client = await create_client(api, situation="RESIDENTIAL_CARE")
    await record_deputyship(api, client["id"], orderDate="2013-01-10")
    await fund(session, api, client, 1_000_000)
    council = await new_counterparty(api, "COUNCIL")
    invoice_id = await council_invoice(api, client, council, amount="50.00")
    view = await api.data(
        "query($id: ID!) { invoice(id: $id) { dueOn receivedOn } }",
        {"id": invoice_id},
        role="assistant",
        sub="ash",
    )
    assert view["invoice"]["dueOn"] == "2026-08-24"  # 21 calendar days
    today.set(date(2026, 8, 25))
    after = measure(await deadlines(api, *day), "COUNCIL_INVOICE_PAYMENT")
    assert {k: after[k] - before[k] for k in after} == {  # type: ignore[operator]
        "due": 1,
        "met": 0,
        "missed": 1,  # not paid by the day after
        "open": 0,
    }


async def test_investment_statement_due_three_months_after_the_order(api: Api, today: Any) -> None:
    from tests.factories import statement_deputy_client, statement_input, submit

    today.set(date(2026, 6, 3))
    period = ("2026-09-03", "2026-09-03")
    before = measure(await deadlines(api, *period), "INVESTMENT_STATEMENT")
    on_time, d1 = await statement_deputy_client(api, "2026-06-03")
    await statement_deputy_client(api, "2026-06-03")  # none submitted
    today.set(date(2026, 9, 3))
    done = await submit(api, statement_input(on_time, d1))
    assert "InvestmentStatement" in done["__typename"], done
    now = measure(await deadlines(api, *period), "INVESTMENT_STATEMENT")
    assert {k: now[k] - before[k] for k in now} == {  # type: ignore[operator]
        "due": 2,
        "met": 1,
        "missed": 0,
        "open": 1,
    }
    today.set(date(2026, 9, 4))
    later = measure(await deadlines(api, *period), "INVESTMENT_STATEMENT")
    assert later["missed"] - before["missed"] == 1  # type: ignore[operator]
    assert later["open"] == before["open"]


async def test_the_register_is_by_the_day_submitted_both_days_included(
    api: Api, today: Any
) -> None:
    today.set(date(2026, 9, 10))
    e = await submitted_exception(api)
    assert e["submittedOn"] == "2026-09-10"
    assert e["submittedByRole"] == "ASSISTANT"
    for f, t, present in [
        ("2026-09-10", "2026-09-10", True),
        ("2026-09-11", None, False),
        (None, "2026-09-09", False),
    ]:
        rows = (await api.data(EXCEPTIONS, {"f": f, "t": t}, **OFFICER))["policyExceptions"]
        assert (e["id"] in {r["id"] for r in rows}) is present, (f, t)
    resp = await get_csv(api, "/reports/policy-exceptions.csv?from=2026-09-10&to=2026-09-10")
    assert resp.status_code == 200, resp.text
    assert "B 22.1" in resp.text
    assert "Pay the rent" not in resp.text and "ash.assistant" not in resp.text


async def test_workload_counts_each_client_once_against_the_fte_in_force(
    api: Api, session: AsyncSession
) -> None:
    await api.data(RECORD_COSTS, cost_table("2014-04-01"), **GOVERNANCE)
    before = (await api.data(WORKLOAD, {"d": B}, **OFFICER))["workload"]
    await client_with_orders(session, deputy_from=date(2013, 1, 1), appointee_from=date(2013, 1, 1))
    await deputy_client(session, date(2014, 6, 1))  # not yet on B
    w = (await api.data(WORKLOAD, {"d": B}, **OFFICER))["workload"]
    assert w["clients"] - before["clients"] == 1
    assert Decimal(w["fte"]) == Decimal("4.24")
    expected = (Decimal(w["clients"]) / Decimal("4.24")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert Decimal(w["clientsPerFte"]) == expected


async def test_money_value_dated_in_the_future_is_not_held_today(
    api: Api, session: AsyncSession
) -> None:
    today = date.today()
    before = (await api.data(MONEY_HELD, {"asAt": today.isoformat()}, **OFFICER))["moneyHeld"]
    client = await deputy_client(session, date(2013, 1, 1))
    await credit(session, client, 10_000, today)
    await credit(session, client, 70_000, date(today.year + 1, 1, 5))
    m = (await api.data(MONEY_HELD, {"asAt": today.isoformat()}, **OFFICER))["moneyHeld"]
    gained = Decimal(m["deputy"]["held"]) - Decimal(before["deputy"]["held"] or 0)
    assert gained == Decimal("100.00")


async def test_the_change_is_hidden_when_a_total_is_hidden(api: Api, session: AsyncSession) -> None:
    if not await empty_on(api, A, B):
        pytest.skip("the caseload is not empty on the appendix's dates")
    for _ in range(3):
        await deputy_client(session, date(2013, 1, 1))
    await deputy_client(session, date(2014, 1, 1))
    c = await caseload(api, B, A, **REPORTING)
    assert c["total"] == {"count": None, "suppressed": True}
    assert (c["change"], c["changePercent"]) == (None, None)
    resp = await get_csv(api, f"/reports/caseload.csv?asAt={B}&comparedWith={A}")
    rows = {(r["role"], r["situation"]): r for r in parse_csv(resp.text)}
    assert rows[("ALL", "CHANGE")]["clients"] == ""
    assert rows[("ALL", "CHANGE_PERCENT")]["clients"] == ""


# --- 11. What else the reporting role can reach ---------------------------------------------


async def test_the_caseload_summary_reporting_can_read_suppresses_small_counts(
    api: Api, session: AsyncSession
) -> None:
    """caseloadSummary (today's caseload by legal role and situation) is the other caseload
    figure the reporting role can read; a cell of one client identifies that client."""
    summary = "{ caseloadSummary { total counts { legalRole situation clients } } }"
    before = (await api.data(summary, **OFFICER))["caseloadSummary"]
    if any(c["legalRole"] == "BOTH" and c["clients"] for c in before["counts"]):
        pytest.skip("clients with both orders already on the books")
    await client_with_orders(
        session,
        deputy_from=date(2013, 1, 1),
        appointee_from=date(2013, 1, 1),
        situation=Situation.COMMUNITY,
    )
    body = await api.gql(summary, **REPORTING)
    cells_ = (body.get("data") or {}).get("caseloadSummary") or {"counts": []}
    small = [c for c in cells_["counts"] if 1 <= (c["clients"] or 0) <= 4]
    assert small == [], small


async def test_the_cost_tables_do_not_name_the_officer_who_recorded_them_to_reporting(
    api: Api,
) -> None:
    await api.data(RECORD_COSTS, cost_table("2014-04-01"), **GOVERNANCE)
    tables = (await api.data(COST_TABLES, **REPORTING))["serviceCostTables"]
    assert tables
    assert {t["recordedBy"] for t in tables} <= {None}, tables


# --- 12. Annual reviews, withdrawn deaths, a closure's day, limits and validation -----------


async def test_annual_review_met_on_the_anniversary_missed_the_day_after(
    api: Api, today: Any
) -> None:
    from tests.factories import record_review

    today.set(date(2026, 9, 7))
    period = ("2026-09-07", "2026-09-07")
    before = measure(await deadlines(api, *period), "ANNUAL_REVIEW")
    reviewed = (await create_client(api, situation="RESIDENTIAL_CARE"))["id"]
    await record_deputyship(api, reviewed, orderDate="2025-09-07")
    waiting = (await create_client(api, situation="RESIDENTIAL_CARE"))["id"]
    await record_deputyship(api, waiting, orderDate="2025-09-07")
    done = await record_review(api, reviewed, reviewedOn="2026-09-07")
    assert done["__typename"] == "AnnualReviewPayload", done
    now = measure(await deadlines(api, *period), "ANNUAL_REVIEW")
    assert {k: now[k] - before[k] for k in now} == {  # type: ignore[operator]
        "due": 2,
        "met": 1,
        "missed": 0,
        "open": 1,
    }
    today.set(date(2026, 9, 8))
    later = measure(await deadlines(api, *period), "ANNUAL_REVIEW")
    assert {k: later[k] - before[k] for k in later} == {  # type: ignore[operator]
        "due": 2,
        "met": 1,
        "missed": 1,
        "open": 0,
    }


async def test_a_withdrawn_death_does_not_make_a_client_deceased(api: Api) -> None:
    before = cells(await caseload(api, B))
    client = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_deputyship(api, client, orderDate="2013-01-10")
    assert (await record_death(api, client, "2014-02-01"))["__typename"] == "DeathPayload"
    withdrawn = await api.data(
        """mutation($input: WithdrawDeathInput!) { withdrawDeath(input: $input) {
             __typename ... on Problem { message } } }""",
        {"input": {"clientId": client, "reason": "wrong client", "idempotencyKey": new_key()}},
        role="senior_officer",
        sub="olu.scao",
    )
    assert withdrawn["withdrawDeath"]["__typename"].endswith("Payload"), withdrawn
    assert diff(cells(await caseload(api, B)), before) == {
        "deputy.community": 1,
        "deputy.total": 1,
        "total": 1,
    }


async def test_a_closure_counts_from_its_own_day_not_before(api: Api) -> None:
    from datetime import timedelta

    today = date.today()
    yesterday = (today - timedelta(days=1)).isoformat()
    before = cells(await caseload(api, yesterday))
    client = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_deputyship(api, client, orderDate="2013-01-10")
    await amend_client(
        api, client, {"status": "CLOSED"}, reason="case closed", role="senior_officer", sub="o"
    )
    assert diff(cells(await caseload(api, yesterday)), before).get("total") == 1


async def test_a_series_longer_than_120_months_is_refused(api: Api) -> None:
    body = await api.gql(
        'query { caseloadSeries(from: "2000-01-01", to: "2014-04-30") { asAt } }', **REPORTING
    )
    assert "errors" in body or body.get("data") is None, body
    resp = await get_csv(api, "/reports/money-held.csv?from=2000-01-01&to=2014-04-30")
    assert resp.status_code == 400, resp.text


async def test_the_money_held_csv_series_has_a_row_per_month_and_role(api: Api) -> None:
    resp = await get_csv(api, "/reports/money-held.csv?from=2014-02-01&to=2014-04-30")
    assert resp.status_code == 200, resp.text
    rows = parse_csv(resp.text)
    assert {r["as_at"] for r in rows} == {"2014-02-28", "2014-03-31", "2014-04-30"}
    assert {r["role"] for r in rows} >= {"DEPUTY", "APPOINTEE", "ALL"}
    assert list(rows[0]) == [
        "as_at",
        "role",
        "clients",
        "held",
        "average",
        "suppressed",
        "over_lodgement_threshold",
        "lodgement_threshold",
    ]


async def test_a_cost_table_must_be_sound(api: Api) -> None:
    bad = cost_table("2014-04-01", bank="-1.00")
    result = (await api.data(RECORD_COSTS, bad, **GOVERNANCE))["recordServiceCosts"]
    assert result["__typename"] == "ValidationProblem", result
    empty = cost_table("2014-04-01")
    empty["input"]["roles"] = []
    result = (await api.data(RECORD_COSTS, empty, **GOVERNANCE))["recordServiceCosts"]
    assert result["__typename"] == "ValidationProblem", result
    negative = cost_table("2014-04-01")
    negative["input"]["roles"][0]["fte"] = "-0.01"
    result = (await api.data(RECORD_COSTS, negative, **GOVERNANCE))["recordServiceCosts"]
    assert result["__typename"] == "ValidationProblem", result
    same = cost_table("2014-04-01")
    first = (await api.data(RECORD_COSTS, same, **GOVERNANCE))["recordServiceCosts"]
    again = (await api.data(RECORD_COSTS, same, **GOVERNANCE))["recordServiceCosts"]
    assert (again["replayed"], again["table"]["id"]) == (True, first["table"]["id"])


async def test_the_role_is_the_role_on_the_date(api: Api, session: AsyncSession) -> None:
    """An appointee client whose deputyship came between A and B is an appointee client on A
    and a deputy client on B; a deputy client whose deputyship ended between them, with an
    appointeeship going on, is a deputy client on A and an appointee client on B. Their money
    follows the role."""
    before_a, before_b = cells(await caseload(api, A)), cells(await caseload(api, B))
    money_a = (await api.data(MONEY_HELD, {"asAt": A}, **OFFICER))["moneyHeld"]
    money_b = (await api.data(MONEY_HELD, {"asAt": B}, **OFFICER))["moneyHeld"]
    became = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_appointeeship(api, became, startDate="2012-06-01")
    await record_deputyship(api, became, orderDate="2014-01-02")
    ended = (await create_client(api, situation="COMMUNITY"))["id"]
    await record_appointeeship(api, ended, startDate="2012-06-01")
    result = await record_deputyship(api, ended, orderDate="2013-01-02", endDate="2014-01-31")
    assert result["__typename"] == "DeputyshipPayload", result
    await credit(session, became, 10_000, date(2013, 1, 1))
    await credit(session, ended, 20_000, date(2013, 1, 1))
    assert diff(cells(await caseload(api, A)), before_a) == {
        "deputy.community": 1,
        "deputy.total": 1,
        "appointee.community": 1,
        "appointee.total": 1,
        "total": 2,
    }
    assert diff(cells(await caseload(api, B)), before_b) == {
        "deputy.community": 1,
        "deputy.total": 1,
        "appointee.community": 1,
        "appointee.total": 1,
        "total": 2,
    }

    def held(m: dict[str, Any], role: str) -> Decimal:
        return Decimal(m[role]["held"] or 0)

    on_a = (await api.data(MONEY_HELD, {"asAt": A}, **OFFICER))["moneyHeld"]
    on_b = (await api.data(MONEY_HELD, {"asAt": B}, **OFFICER))["moneyHeld"]
    assert held(on_a, "deputy") - held(money_a, "deputy") == Decimal("200.00")
    assert held(on_a, "appointee") - held(money_a, "appointee") == Decimal("100.00")
    assert held(on_b, "deputy") - held(money_b, "deputy") == Decimal("100.00")
    assert held(on_b, "appointee") - held(money_b, "appointee") == Decimal("200.00")


async def test_a_review_falling_due_after_the_clients_death_is_not_counted(
    api: Api, today: Any
) -> None:
    today.set(date(2026, 9, 8))
    period = ("2026-09-07", "2026-09-07")
    before = measure(await deadlines(api, *period), "ANNUAL_REVIEW")
    client = (await create_client(api, situation="RESIDENTIAL_CARE"))["id"]
    await record_deputyship(api, client, orderDate="2025-09-07")
    assert (await record_death(api, client, "2026-08-01"))["__typename"] == "DeathPayload"
    assert (await confirm_death(api, client))["__typename"] == "DeathPayload"
    assert measure(await deadlines(api, *period), "ANNUAL_REVIEW") == before


async def test_the_deadlines_csv_defaults_to_the_financial_year_by_month(
    api: Api, today: Any
) -> None:
    today.set(date(2026, 9, 10))
    resp = await get_csv(api, "/reports/deadlines.csv?asAt=2026-09-10")
    assert resp.status_code == 200, resp.text
    rows = parse_csv(resp.text)
    assert min(r["from"] for r in rows) == "2026-04-01"
    assert max(r["to"] for r in rows) == "2026-09-10"
    assert len({r["from"] for r in rows}) == 6  # April to September
    assert {"WILL_COURT_NOTICE", "DWP_APPOINTEESHIP_APPLICATION", "INVOICE_PAYMENT"} <= {
        r["measure"] for r in rows
    }


@pytest.mark.parametrize("role", ["reporting", "social_worker", "integration_sap", "auditor"])
async def test_only_officers_submit_exceptions(api: Api, role: str) -> None:
    body = await api.gql(
        RECORD_EXCEPTION,
        {
            "input": {
                "summary": "Pay the rent from capital",
                "policyReference": "B 22.1",
                "idempotencyKey": new_key(),
            }
        },
        role=role,
        sub="not.an.officer",
    )
    assert error_codes(body) == ["FORBIDDEN"], body


async def test_court_fixed_costs_are_the_fee_runs_charges_not_the_opg_fee(
    api: Api, session: AsyncSession, today: Any
) -> None:
    from tests.factories import deputy, run_fees

    today.set(date(2015, 3, 31))  # the run inside the year: its charges are value-dated today
    await api.data(RECORD_COSTS, cost_table("2014-04-01"), **GOVERNANCE)
    before = (await api.data(COST_AND_INCOME, {"y": 2014}, **OFFICER))["serviceCostAndIncome"]
    await deputy(api, session, "2013-06-10", "TYPE_2", 2_000_000)  # first anniversary: 700.00
    run = await run_fees(api, "2014-04-01", "2015-03-31")
    assert run["__typename"] == "FeeRunPayload", run
    after = (await api.data(COST_AND_INCOME, {"y": 2014}, **REPORTING))["serviceCostAndIncome"]
    gained = Decimal(after["income"]["courtFixedCosts"]) - Decimal(
        before["income"]["courtFixedCosts"]
    )
    assert gained == Decimal("700.00")  # the OPG's 320.00 supervision fee is not income
    assert Decimal(after["shortfall"]) == Decimal(before["shortfall"]) - gained


async def test_an_exception_needs_a_reason_and_a_real_client(api: Api) -> None:
    e = await submitted_exception(api)
    no_reason = decision(e["id"])
    no_reason["input"]["reason"] = "  "
    result = (await api.data(DECIDE_EXCEPTION, no_reason, **GOVERNANCE))["decidePolicyException"]
    assert result["__typename"] == "ValidationProblem", result
    ghost = encode_id("Client", uuid.uuid4())  # no such client
    body = await api.gql(
        RECORD_EXCEPTION,
        {
            "input": {
                "summary": "x",
                "policyReference": "B 22.1",
                "clientId": ghost,
                "idempotencyKey": new_key(),
            }
        },
        role="assistant",
        sub="ash.assistant",
    )
    assert body["data"]["recordPolicyException"]["__typename"] == "NotFoundProblem", body


async def test_workload_counts_an_officers_open_payment_until_it_is_made(
    api: Api, session: AsyncSession
) -> None:
    from tests.factories import (
        approve_payment,
        fund,
        make_payment,
        new_counterparty,
        payable_invoice,
        raised_payment,
    )

    today = date.today().isoformat()

    async def open_payments(who: dict[str, Any]) -> int:
        w = (await api.data(WORKLOAD, {"d": today}, **who))["workload"]
        if who is OFFICER:
            return sum(o["payments"] for o in w["officers"] if o["officer"] == "ash.assistant")
        return sum(o["payments"] for o in w["officers"])

    before, before_all = await open_payments(OFFICER), await open_payments(REPORTING)
    client = await create_client(api, situation="COMMUNITY")
    await record_deputyship(api, client["id"], orderDate="2013-01-10")
    await fund(session, api, client, 100_000)
    invoice = await payable_invoice(api, client, await new_counterparty(api), amount="20.00")
    payment = await raised_payment(api, invoice["id"])  # by ash.assistant
    assert await open_payments(OFFICER) == before + 1
    assert await open_payments(REPORTING) == before_all + 1
    await approve_payment(api, payment["id"])
    assert (await make_payment(api, payment["id"]))["__typename"] == "PaymentPayload"
    assert await open_payments(OFFICER) == before


async def test_an_invoice_on_hold_keeps_its_due_date_and_counts(
    api: Api, session: AsyncSession, today: Any
) -> None:
    from tests.factories import fund, new_counterparty, recorded

    today.set(date(2026, 9, 3))
    day = ("2026-09-02", "2026-09-02")
    before = measure(await deadlines(api, *day), "INVOICE_PAYMENT")
    today.set(date(2026, 8, 3))
    client = await create_client(api, situation="COMMUNITY")
    await record_deputyship(api, client["id"], orderDate="2013-01-10")
    await fund(session, api, client, 100_000)
    invoice = await recorded(api, client, await new_counterparty(api), amount="30.00")
    held = await api.data(
        """mutation($input: HoldInvoiceInput!) { holdInvoice(input: $input) {
             __typename ... on Problem { message } } }""",
        {"input": {"invoiceId": invoice["id"], "reason": "disputed", "idempotencyKey": new_key()}},
        role="senior_officer",
        sub="olu.scao",
    )
    assert "Problem" not in held["holdInvoice"]["__typename"], held
    today.set(date(2026, 9, 3))
    after = measure(await deadlines(api, *day), "INVOICE_PAYMENT")
    assert {k: after[k] - before[k] for k in after} == {  # type: ignore[operator]
        "due": 1,
        "met": 0,
        "missed": 1,
        "open": 0,
    }
