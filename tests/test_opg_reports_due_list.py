"""The list of OPG reports coming due (issue 18 item 1; R-OPG, R-ROLE), through /graphql.

``opgReportsComingDue`` pages what the deprecated ``opgReportsDue`` lists whole: every client
with a deputyship in force on the day and their next report (the one opened and not yet
submitted, else the next period's), soonest due first, then by client. Here: the pages read
forward and backward are the old list, row for row; each filter (due state, due by, client) is
the old list filtered; the rows are the ones the rules give (periods a year less a day, a
29 February order ending on 28 February, due on the 56th day after); roles without casework or
audit are refused. The SQL that repeats the rules (migration 0054, ``repository.due_state_is``)
is held equal to ``rules.py`` over every start day of twelve years and a grid of days.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Date, column, select, text, values
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.opg_reports import repository, rules
from ca_api.opg_reports.rules import OpgReportDueState
from tests.conftest import Api, RolledBackDatabase
from tests.factories import KEYED_PROBLEMS, assert_forbidden, new_client, new_deputyship, new_key
from tests.support import statements

TODAY = date(2026, 6, 15)
CASEWORKER = {"role": "assistant", "sub": "ash.assistant"}
CHECKER = {"role": "senior_officer", "sub": "olu.scao"}
ROW = "clientId periodStart periodEnd dueOn dueState report { id status }"
OLD = f"""query($d: Date) {{ opgReportsDue(asOf: $d) {{ {ROW} }} }}"""
NEW = f"""query($d: Date, $s: OpgReportDueState, $by: Date, $c: ID,
               $first: Int, $after: String, $last: Int, $before: String) {{
  opgReportsComingDue(asOf: $d, dueState: $s, dueBy: $by, clientId: $c,
                      first: $first, after: $after, last: $last, before: $before) {{
    edges {{ cursor node {{ {ROW} client {{ reference givenName familyName }} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"""


def _mutation(name: str, input_type: str) -> str:
    return f"""mutation($input: {input_type}!) {{ {name}(input: $input) {{
      __typename ... on OpgReportPayload {{ report {{ id status periodStart }} }}
      {KEYED_PROBLEMS} }} }}"""


async def _ok(api: Api, name: str, who: dict[str, str], **input: Any) -> dict[str, Any]:
    query = _mutation(name, name[0].upper() + name[1:] + "Input")
    data = await api.data(query, {"input": input | {"idempotencyKey": new_key()}}, **who)
    result = data[name]
    assert result["__typename"] == "OpgReportPayload", result
    report: dict[str, Any] = result["report"]
    return report


@pytest.fixture(autouse=True)
def _on_the_day(today: Any) -> None:
    today.set(TODAY)


async def _deputy(api: Api, order_date: date, **deputyship: Any) -> str:
    client = await new_client(api)
    await new_deputyship(api, client["id"], orderDate=order_date.isoformat(), **deputyship)
    return client["id"]


async def _caseload(api: Api) -> dict[str, Any]:
    """Deputy clients in every due state, one with its report opened, one whose first report
    was submitted, one ordered on 29 February, one whose order ended: their ids by name, and
    the opened and the submitted reports' ids."""
    c = {
        "overdue": await _deputy(api, TODAY - timedelta(days=500)),
        "due": await _deputy(api, TODAY - timedelta(days=400)),
        "not_due": await _deputy(api, TODAY - timedelta(days=100)),
        "leap": await _deputy(api, date(2024, 2, 29)),
        "opened": await _deputy(api, TODAY - timedelta(days=380)),
        "submitted": await _deputy(api, TODAY - timedelta(days=420)),
        "ended": await _deputy(
            api, TODAY - timedelta(days=450), endDate=(TODAY - timedelta(days=10)).isoformat()
        ),
    }
    c["opened_report"] = (await _ok(api, "openOpgReport", CASEWORKER, clientId=c["opened"]))["id"]
    rid = (await _ok(api, "openOpgReport", CASEWORKER, clientId=c["submitted"]))["id"]
    await _ok(api, "generateOpgReport", CASEWORKER, reportId=rid)
    await _ok(api, "prepareOpgReport", CASEWORKER, reportId=rid)
    await _ok(api, "approveOpgReport", CHECKER, reportId=rid)
    done = await _ok(
        api,
        "markOpgReportSubmitted",
        CHECKER,
        reportId=rid,
        submittedOn=TODAY.isoformat(),
        opgReference="OPG-1",
    )
    assert done["status"] == "SUBMITTED"
    c["submitted_report"] = rid
    return c


async def _old(api: Api, as_of: date | None = None) -> list[dict[str, Any]]:
    d = as_of.isoformat() if as_of else None
    rows: list[dict[str, Any]] = (await api.data(OLD, {"d": d}, **CASEWORKER))["opgReportsDue"]
    return rows


async def _page(api: Api, **args: Any) -> dict[str, Any]:
    page: dict[str, Any] = (await api.data(NEW, args, **CASEWORKER))["opgReportsComingDue"]
    return page


def _rows(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's rows as the old list shows them (without the client)."""
    return [{k: v for k, v in e["node"].items() if k != "client"} for e in page["edges"]]


async def _forward(api: Api, size: int, **args: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        page = await _page(api, first=size, after=after, **args)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        out += _rows(page)
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


async def _backward(api: Api, size: int, **args: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    before = None
    while True:
        page = await _page(api, last=size, before=before, **args)
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        out = _rows(page) + out
        if not page["pageInfo"]["hasPreviousPage"]:
            return out
        before = page["pageInfo"]["startCursor"]


def _expected(client_id: str, start: date, state: str, report: Any = None) -> dict[str, Any]:
    end = rules.period_end(start)
    return {
        "clientId": client_id,
        "periodStart": start.isoformat(),
        "periodEnd": end.isoformat(),
        "dueOn": rules.due_on(end).isoformat(),
        "dueState": state,
        "report": report,
    }


async def test_the_pages_forward_and_backward_are_the_old_list_with_the_rules_rows(
    api: Api,
) -> None:
    """R-OPG, issue 18: the new list paged two at a time either way is the old list whole;
    each client's row is the one the rules give."""
    c = await _caseload(api)
    old = await _old(api)
    assert await _forward(api, 2) == old
    assert await _backward(api, 2) == old
    assert await _forward(api, 50) == old
    mine = {r["clientId"]: r for r in old}
    assert c["ended"] not in mine  # its order is not in force today
    first_end = rules.period_end(TODAY - timedelta(days=420))
    assert [mine[c[k]] for k in ("overdue", "due", "not_due", "leap", "opened", "submitted")] == [
        _expected(c["overdue"], TODAY - timedelta(days=500), "OVERDUE"),
        _expected(c["due"], TODAY - timedelta(days=400), "DUE"),
        _expected(c["not_due"], TODAY - timedelta(days=100), "NOT_DUE"),
        _expected(c["leap"], date(2024, 2, 29), "OVERDUE"),
        _expected(
            c["opened"],
            TODAY - timedelta(days=380),
            "DUE",
            {"id": c["opened_report"], "status": "OPEN"},
        ),
        _expected(c["submitted"], first_end + timedelta(days=1), "NOT_DUE"),
    ]
    assert mine[c["leap"]]["periodEnd"] == "2025-02-28" and mine[c["leap"]]["dueOn"] == "2025-04-25"
    order = [(r["dueOn"], r["clientId"]) for r in old]
    assert [r["dueOn"] for r in old] == sorted(r["dueOn"] for r in old)
    assert len(set(order)) == len(order)


async def test_each_filter_is_the_old_list_filtered(api: Api) -> None:
    """The due state on the day (SUBMITTED: none, the list is of reports still to submit), a
    last due date, one client, and together."""
    c = await _caseload(api)
    old = await _old(api)
    for state in OpgReportDueState:
        got = await _forward(api, 2, s=state.value)
        assert got == [r for r in old if r["dueState"] == state.value], state
    assert {r["dueState"] for r in old} == {"NOT_DUE", "DUE", "OVERDUE"}
    by = (TODAY + timedelta(days=10)).isoformat()
    assert await _forward(api, 3, by=by) == [r for r in old if r["dueOn"] <= by]
    assert await _backward(api, 3, by=by, s="DUE") == [
        r for r in old if r["dueOn"] <= by and r["dueState"] == "DUE"
    ]
    one = await _page(api, c=c["opened"])
    assert _rows(one) == [r for r in old if r["clientId"] == c["opened"]]
    assert _rows(one)[0]["report"] == {"id": c["opened_report"], "status": "OPEN"}
    assert one["edges"][0]["node"]["client"]["givenName"] == "Ada"
    assert _rows(await _page(api, c=c["ended"])) == []
    assert _rows(await _page(api, c=c["opened"], s="OVERDUE")) == []


async def test_the_day_asked_about_moves_the_states_and_who_is_in_force(api: Api) -> None:
    """R-OPG: a report is NOT_DUE to its period's end, DUE to its due date, OVERDUE after; a
    client is listed on the days their order is in force. On each day the new list is the old."""
    c = await _caseload(api)
    end = rules.period_end(TODAY - timedelta(days=400))
    due = rules.due_on(end)
    states = {}
    for day in (end, end + timedelta(days=1), due, due + timedelta(days=1)):
        old = await _old(api, day)
        assert await _forward(api, 2, d=day.isoformat()) == old
        states[day] = next(r["dueState"] for r in old if r["clientId"] == c["due"])
        for s in ("NOT_DUE", "DUE", "OVERDUE"):
            got = await _forward(api, 25, d=day.isoformat(), s=s)
            assert got == [r for r in old if r["dueState"] == s]
    assert list(states.values()) == ["NOT_DUE", "DUE", "DUE", "OVERDUE"]
    before_order = TODAY - timedelta(days=101)
    listed = {r["clientId"] for r in await _forward(api, 25, d=before_order.isoformat())}
    assert c["not_due"] not in listed and c["ended"] in listed


async def test_a_page_is_the_same_statements_whatever_its_size(
    api: Api, db: RolledBackDatabase
) -> None:
    """N+1 is a bug (issue 18): the page's rows in one statement, its opened reports and its
    clients each read once for the page, whatever its size."""

    async def opened() -> None:
        client = await _deputy(api, TODAY - timedelta(days=380))
        await _ok(api, "openOpgReport", CASEWORKER, clientId=client)

    await opened()
    with statements(db) as few:
        assert len((await _page(api, first=100))["edges"]) == 1
    for _ in range(3):
        await opened()
    with statements(db) as many:
        assert len((await _page(api, first=100))["edges"]) == 4
    assert len(many) == len(few), many


@pytest.mark.parametrize(
    "role", ["reporting", "social_worker", "integration_controcc", "integration_sap"]
)
async def test_roles_without_casework_or_audit_are_refused(api: Api, role: str) -> None:
    """R-ROLE: deny by default; reporting reads aggregates only."""
    body = await api.gql(NEW, {}, role=role, sub=f"{role}.x")
    assert_forbidden(body, ["opgReportsComingDue"])


async def test_the_auditor_reads_the_list(api: Api) -> None:
    """R-AUD-3: audit reads what officers read."""
    c = await _caseload(api)
    page = (await api.data(NEW, {"c": c["due"]}, role="auditor", sub="a"))["opgReportsComingDue"]
    assert [e["node"]["clientId"] for e in page["edges"]] == [c["due"]]


# --- the SQL that repeats the rules (migration 0054, repository.due_state_is) ---------------


async def test_the_sql_period_and_due_date_are_the_rules_for_every_start_day(
    session: AsyncSession,
) -> None:
    """Every start day from 2019 to 2030 (three 29 Februaries): the period's end and due date
    in SQL are ``rules.period_end`` and ``rules.due_on``."""
    first, last = date(2019, 1, 1), date(2030, 12, 31)
    rows = (
        await session.execute(
            text(
                "SELECT d::date, opg_report_period_end(d::date),"
                " opg_report_due_on(opg_report_period_end(d::date))"
                " FROM generate_series(CAST(:a AS date), CAST(:b AS date), interval '1 day') d"
            ),
            {"a": first, "b": last},
        )
    ).all()
    assert len(rows) == (last - first).days + 1
    wrong = [
        (start, end, due)
        for start, end, due in rows
        if (end, due) != (rules.period_end(start), rules.due_on(rules.period_end(start)))
    ]
    assert wrong == []
    leap = {start: end for start, end, _ in rows if (start.month, start.day) == (2, 29)}
    assert leap == {
        date(2020, 2, 29): date(2021, 2, 28),
        date(2024, 2, 29): date(2025, 2, 28),
        date(2028, 2, 29): date(2029, 2, 28),
    }


async def test_the_sql_due_states_are_the_rules_on_a_grid_of_days(session: AsyncSession) -> None:
    """For periods ending from 80 days before to 80 days after each day asked about, the SQL
    filter of each due state holds exactly the periods ``rules.due_state`` puts in it."""
    today = date(2024, 2, 20)
    ends = [today + timedelta(days=k) for k in range(-80, 81)]
    grid = values(column("period_end", Date), column("due_on", Date), name="grid").data(
        [(e, rules.due_on(e)) for e in ends]
    )
    for day in (today, date(2024, 2, 29), date(2024, 3, 1)):
        for state in OpgReportDueState:
            cond = repository.due_state_is(state, day, grid.c.period_end, grid.c.due_on)
            got = set((await session.execute(select(grid.c.period_end).where(cond))).scalars())
            want = {
                e
                for e in ends
                if rules.due_state(e, rules.due_on(e), day, submitted=False) is state
            }
            assert got == want, (day, state)
