"""The committee's caseload and money-held reports (issue 16 items 1, 2, 7; R-REP-1, R-REP-2,
R-ROLE `reporting`, R-DATA), through the real /graphql endpoint and the CSV endpoint.

Seed 002 Appendix 1 is reproduced from records dated to its two dates. How the history is
built: the caseload comes in through the API's own ``importCaseload`` mutation (the governance
manager's, one request: 428 clients with their appointeeships and deputyships, each order with
its own past start and end dates, each client's situation as first recorded); then the changes
between the two dates go through the API's own mutations with past effective dates:
``recordDeath`` + ``confirmDeath`` (a second officer, R-ROLE-2) with the date of death, and
``recordCircumstanceChange`` ADMITTED_TO_RESIDENTIAL_CARE with the day it happened. Orders
starting or ending between the dates carry their own dates. Nothing is inserted by hand.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import graphql
import pytest
import strawberry

from ca_api.config import Settings
from ca_api.graphql import build_schema
from ca_api.reports import money_held_repository, rules
from ca_api.reports.csv_endpoint import REPORTS
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import GM, amend_client, confirmed_death, new_key, record_change

A, B = "2013-11-26", "2014-04-30"
BETWEEN = "2014-01-15"
CUT_OVER = "2014-04-30"
COUNTERPARTY = "Legacy caseload system (cut-over)"

IMPORT = """mutation($input: ImportCaseloadInput!) { importCaseload(input: $input) {
  __typename
  ... on ImportCaseloadPayload { files { file created alreadyPresent } }
  ... on ImportRefusedProblem { code message more rows { file row column reason } }
  ... on ValidationProblem { code message fields { field message } }
} }"""

COUNT = "{ count suppressed }"
ROLE = (
    f"{{ role community {COUNT} residentialCare {COUNT} deceasedWindingUp {COUNT} total {COUNT} }}"
)
CASELOAD = f"""query($asAt: Date!, $comparedWith: Date) {{
  caseload(asAt: $asAt, comparedWith: $comparedWith) {{
    asAt deputy {ROLE} appointee {ROLE} total {COUNT} deceasedWindingUp {COUNT}
    comparedWith totalThen {COUNT} change changePercent suppressedBelow
  }} }}"""
SERIES = f"""query($from: Date!, $to: Date!) {{ caseloadSeries(from: $from, to: $to) {{
  asAt total {COUNT} comparedWith change changePercent }} }}"""
MONEY = f"""query($asAt: Date!) {{ moneyHeld(asAt: $asAt) {{
  asAt total clients {COUNT}
  deputy {{ role clients {COUNT} held average }}
  appointee {{ role clients {COUNT} held average }}
  lodgementThreshold lodgementThresholdFrom deputyClientsOverThreshold {COUNT}
  suppressedBelow }} }}"""
MONEY_SERIES = """query($from: Date!, $to: Date!) { moneyHeldSeries(from: $from, to: $to) {
  asAt total } }"""

REPORTING = {"role": "reporting", "sub": "dash.board"}
OFFICER = {"role": "senior_officer", "sub": "olu.scao"}


# --- building a caseload through importCaseload ----------------------------------------------


def _surname(i: int) -> str:
    letters = ""
    n = i
    for _ in range(4):
        letters += "abcdefghijklmnopqrstuvwxyz"[n % 26]
        n //= 26
    return "Report" + letters


class Caseload:
    """Rows of the import's files, and the references of each group of clients."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.clients: list[str] = []
        self.appointeeships: list[str] = []
        self.deputyships: list[str] = []
        self.accounts: list[str] = []
        self.groups: dict[str, list[str]] = {}
        self.n = 0

    def add(
        self,
        group: str,
        count: int,
        situation: str,
        *,
        deputy: str | None = None,
        appointee: str | None = None,
        appointee_end: str | None = None,
        status: str = "ACTIVE",
        balance: str | None = None,
    ) -> list[str]:
        refs = []
        for _ in range(count):
            self.n += 1
            ref = f"{self.prefix}{self.n:05d}"
            born = date(1930, 1, 1) + timedelta(days=self.n)
            self.clients.append(
                f"{ref},Test,{_surname(self.n)},{born.isoformat()},{situation},{status}"
            )
            if appointee is not None:
                self.appointeeships.append(f"{ref},{appointee},{appointee_end or ''}")
            if deputy is not None:
                self.deputyships.append(f"{ref},COP{self.n:06d},{deputy},2,Y,Y,Y,N,N,N")
            if balance is not None:
                self.accounts.append(f"{ref},CMS,{balance}")
            refs.append(ref)
        self.groups.setdefault(group, []).extend(refs)
        return refs

    def files(self) -> dict[str, str | None]:
        def text(header: str, rows: list[str]) -> str | None:
            return header + "\n" + "\n".join(rows) + "\n" if rows else None

        return {
            "clients": text(
                "reference,given_name,family_name,date_of_birth,situation,status", self.clients
            ),
            "appointeeships": text("client_reference,start_date,end_date", self.appointeeships),
            "deputyships": text(
                "client_reference,case_number,order_date,supervision_type,receive_income,"
                "manage_accounts,manage_capital,sell_property,let_property,make_gifts",
                self.deputyships,
            ),
            "accounts": text("client_reference,account,opening_balance", self.accounts),
            "investments": None,
            "invoices": None,
            "budgetPlans": None,
        }


async def run_import(api: Api, caseload: Caseload) -> None:
    variables = {
        "input": {
            "cutOver": CUT_OVER,
            "counterparty": COUNTERPARTY,
            **caseload.files(),
            "idempotencyKey": new_key(),
        }
    }
    data = await api.data(IMPORT, variables, **GM)
    assert data["importCaseload"]["__typename"] == "ImportCaseloadPayload", data


async def client_ids(api: Api, prefix: str) -> dict[str, str]:
    query = """query($s: String, $after: String) { clients(filter: {search: $s}, first: 100,
      after: $after) { nodes { id reference } pageInfo { hasNextPage endCursor } } }"""
    out: dict[str, str] = {}
    after = None
    while True:
        data = await api.data(query, {"s": prefix, "after": after}, role="auditor", sub="audrey")
        page = data["clients"]
        out.update({n["reference"]: n["id"] for n in page["nodes"]})
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


def appendix_1() -> Caseload:
    """The caseload of seed 002 Appendix 1 on 26/11/2013, and its changes to 30/04/2014."""
    c = Caseload("RA")
    old_dep, old_app = "2012-03-01", "2011-09-01"
    # Deputy clients on 26/11/2013: community 60, residential 212, deceased 17 (289).
    c.add("dep_c_stable", 31, "COMMUNITY", deputy=old_dep)
    # Holding both orders: counted once, as deputy clients (Appendix 1's totals).
    c.add("dep_c_both", 20, "COMMUNITY", deputy=old_dep, appointee=old_app)
    c.add("dep_c_die", 4, "COMMUNITY", deputy=old_dep)
    c.add("dep_c_move", 5, "COMMUNITY", deputy=old_dep)
    c.add("dep_r_stable", 201, "RESIDENTIAL_CARE", deputy=old_dep)
    c.add("dep_r_die_later", 1, "RESIDENTIAL_CARE", deputy=old_dep)  # dies after 30/04/2014
    c.add("dep_r_die", 10, "RESIDENTIAL_CARE", deputy=old_dep)
    c.add("dep_d", 17, "DECEASED_WINDING_UP", deputy=old_dep)
    # New deputy clients between the dates: 16 community, 12 residential.
    c.add("dep_new_c", 16, "COMMUNITY", deputy="2014-02-01")
    c.add("dep_new_r", 12, "RESIDENTIAL_CARE", deputy="2014-03-01")
    # Appointee clients on 26/11/2013: community 10, residential 79, deceased 23 (112).
    c.add("app_c_stable", 7, "COMMUNITY", appointee=old_app)
    c.add("app_to_dep", 3, "COMMUNITY", appointee=old_app, deputy="2014-01-10")
    c.add("app_r_stable", 76, "RESIDENTIAL_CARE", appointee=old_app)
    c.add("app_r_die", 3, "RESIDENTIAL_CARE", appointee=old_app)
    c.add("app_d_stay", 15, "DECEASED_WINDING_UP", appointee=old_app)
    # Wound up between the dates: the appointeeship ends.
    c.add("app_d_leave", 8, "DECEASED_WINDING_UP", appointee=old_app, appointee_end="2014-01-31")
    # New appointee clients between the dates: 9 community, 6 residential.
    c.add("app_new_c", 9, "COMMUNITY", appointee="2014-02-15")
    c.add("app_new_r", 6, "RESIDENTIAL_CARE", appointee="2014-03-15")
    # Never counted on either date: closed, or an order that ended before 26/11/2013.
    c.add("closed", 2, "COMMUNITY", deputy=old_dep, status="CLOSED")
    c.add("ended", 3, "COMMUNITY", appointee=old_app, appointee_end="2013-06-30")
    return c


def counts_of(report: dict[str, Any]) -> tuple[list[int | None], ...]:
    def role(r: dict[str, Any]) -> list[int | None]:
        keys = ("community", "residentialCare", "deceasedWindingUp", "total")
        return [r[k]["count"] for k in keys]

    return role(report["deputy"]), role(report["appointee"]), [report["total"]["count"]]


async def get_csv(api: Api, path: str, role: str | None = "reporting") -> Any:
    headers = {"Authorization": f"Bearer {api.token(role)}"} if role else {}
    return await api.client.get(path, headers=headers)


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- Appendix 1 -------------------------------------------------------------------------------


async def test_appendix_1_reproduced_from_records_dated_to_its_two_dates(api: Api) -> None:
    """R-REP-1, seed 002 Appendix 1: 289 deputies and 112 appointees (401) on 26/11/2013; 320
    and 116 (436) on 30/04/2014; up 35, 9%. Read as the reporting role (no cell is small)."""
    c = appendix_1()
    await run_import(api, c)
    ids = await client_ids(api, "RA")
    for ref in c.groups["dep_c_move"]:
        moved = await record_change(
            api, ids[ref], "ADMITTED_TO_RESIDENTIAL_CARE", occurredOn=BETWEEN
        )
        assert moved["__typename"] == "CircumstanceChangePayload", moved
    for group in ("dep_c_die", "dep_r_die", "app_r_die"):
        for ref in c.groups[group]:
            await confirmed_death(api, ids[ref], "2014-02-20")
    await confirmed_death(api, ids[c.groups["dep_r_die_later"][0]], "2014-06-10")

    then = (await api.data(CASELOAD, {"asAt": A}, **REPORTING))["caseload"]
    assert counts_of(then) == ([60, 212, 17, 289], [10, 79, 23, 112], [401])
    assert then["deceasedWindingUp"]["count"] == 40  # 17 + 23 (the seed's column says 401)
    assert then["suppressedBelow"] == 5

    now = (await api.data(CASELOAD, {"asAt": B, "comparedWith": A}, **REPORTING))["caseload"]
    assert counts_of(now) == ([70, 219, 31, 320], [16, 82, 18, 116], [436])
    assert now["deceasedWindingUp"]["count"] == 49  # 31 + 18
    assert now["totalThen"] == {"count": 401, "suppressed": False}
    assert (now["change"], now["changePercent"]) == (35, "9.0000")

    # The same through the CSV endpoint, as a dashboard reads it.
    resp = await get_csv(api, f"/reports/caseload.csv?asAt={B}&comparedWith={A}")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    rows = {(r["role"], r["situation"]): r for r in parse_csv(resp.text)}
    assert rows[("DEPUTY", "COMMUNITY")]["clients"] == "70"
    assert rows[("DEPUTY", "ALL")]["clients"] == "320"
    assert rows[("APPOINTEE", "RESIDENTIAL_CARE")]["clients"] == "82"
    assert rows[("APPOINTEE", "ALL")]["clients"] == "116"
    assert rows[("ALL", "DECEASED_WINDING_UP")]["clients"] == "49"
    assert rows[("ALL", "ALL")]["clients"] == "436"
    assert rows[("ALL", "CHANGE")]["clients"] == "35"
    assert rows[("ALL", "CHANGE_PERCENT")]["clients"] == "9"
    assert {r["suppressed"] for r in rows.values()} == {"false"}

    # Officers read the same figures (unsuppressed: nothing small here either).
    officer = (await api.data(CASELOAD, {"asAt": A}, **OFFICER))["caseload"]
    assert counts_of(officer) == counts_of(then)
    assert officer["suppressedBelow"] is None

    # The month-end series: each month compared with the one before; November 2013 ends at 401
    # (nothing changes between the 26th and the 30th), April 2014 at 436.
    series = (await api.data(SERIES, {"from": "2013-11-01", "to": B}, **REPORTING))[
        "caseloadSeries"
    ]
    assert [s["asAt"] for s in series] == [
        "2013-11-30",
        "2013-12-31",
        "2014-01-31",
        "2014-02-28",
        "2014-03-31",
        "2014-04-30",
    ]
    assert series[0]["total"]["count"] == 401 and series[0]["comparedWith"] == "2013-10-31"
    assert series[-1]["total"]["count"] == 436
    assert sum(s["change"] for s in series[1:]) == 35


async def test_a_client_counts_from_the_day_their_order_is_in_force(api: Api) -> None:
    """An order's own dates decide (order_in_force): counted from the order's first day, as a
    deputy from the deputyship's; an ended appointeeship no longer counts (R-REP-1)."""
    c = Caseload("RB")
    c.add("app", 6, "COMMUNITY", appointee="2014-01-10", appointee_end="2014-03-31")
    c.add("dep", 6, "RESIDENTIAL_CARE", appointee="2013-06-01", deputy="2014-02-01")
    await run_import(api, c)

    async def figures(on: str) -> Any:
        return counts_of((await api.data(CASELOAD, {"asAt": on}, **OFFICER))["caseload"])

    assert await figures("2014-01-09") == ([0, 0, 0, 0], [0, 6, 0, 6], [6])
    assert await figures("2014-01-10") == ([0, 0, 0, 0], [6, 6, 0, 12], [12])
    assert await figures("2014-02-01") == ([0, 6, 0, 6], [6, 0, 0, 6], [12])
    assert await figures("2014-04-01") == ([0, 6, 0, 6], [0, 0, 0, 0], [6])


# --- small counts (issue 16 item 7) -----------------------------------------------------------


async def test_small_counts_are_suppressed_for_reporting_and_shown_to_officers(api: Api) -> None:
    """Counts 1 to 4 are null with suppressed true for the reporting role; a hidden cell cannot
    be worked back from its role's total (the next smallest cell is hidden too); zero is shown.
    Officers see every count."""
    c = Caseload("RC")
    c.add("c", 20, "COMMUNITY", deputy="2012-01-01")
    c.add("r", 8, "RESIDENTIAL_CARE", deputy="2012-01-01")
    c.add("d", 2, "DECEASED_WINDING_UP", deputy="2012-01-01")
    c.add("a", 7, "RESIDENTIAL_CARE", appointee="2012-01-01")
    await run_import(api, c)
    on = {"asAt": "2014-04-30"}

    seen = (await api.data(CASELOAD, on, **REPORTING))["caseload"]
    dep = seen["deputy"]
    assert dep["deceasedWindingUp"] == {"count": None, "suppressed": True}
    assert dep["residentialCare"] == {"count": None, "suppressed": True}  # 30 - 20 - ? = 2
    assert dep["community"] == {"count": 20, "suppressed": False}
    assert dep["total"] == {"count": 30, "suppressed": False}
    assert seen["appointee"]["community"] == {"count": 0, "suppressed": False}
    assert seen["appointee"]["residentialCare"] == {"count": 7, "suppressed": False}
    assert seen["deceasedWindingUp"] == {"count": None, "suppressed": True}

    plain = (await api.data(CASELOAD, on, **OFFICER))["caseload"]
    assert plain["deputy"]["deceasedWindingUp"] == {"count": 2, "suppressed": False}
    assert plain["deceasedWindingUp"] == {"count": 2, "suppressed": False}

    resp = await get_csv(api, "/reports/caseload.csv?asAt=2014-04-30")
    rows = {(r["role"], r["situation"]): r for r in parse_csv(resp.text)}
    assert rows[("DEPUTY", "DECEASED_WINDING_UP")] | {} == {
        "as_at": "2014-04-30",
        "role": "DEPUTY",
        "situation": "DECEASED_WINDING_UP",
        "clients": "",
        "suppressed": "true",
    }


def test_suppression_rules() -> None:
    """rules.suppress_groups: small cells hidden, then the complement in each group."""
    counts = {"T": 30, "a": 20, "b": 8, "c": 2}
    cells = rules.suppress_groups(counts, [("T", ["a", "b", "c"])], 5)
    assert {k: v.suppressed for k, v in cells.items()} == {
        "T": False,
        "a": False,
        "b": True,
        "c": True,
    }
    # Only one non-zero cell beside the hidden one would be the total itself: hide the total.
    cells = rules.suppress_groups({"T": 3, "a": 3, "b": 0}, [("T", ["a", "b"])], 5)
    assert cells["T"].suppressed and cells["a"].suppressed and not cells["b"].suppressed
    assert not rules.is_small(0, 5) and rules.is_small(4, 5) and not rules.is_small(5, 5)


def test_percent_change_half_up() -> None:
    assert rules.percent_change(401, 436) == 9  # seed 002 Appendix 1: 8.73%
    assert rules.percent_change(200, 201) == 1  # 0.5% -> 1, half-up
    assert rules.percent_change(200, 199) == -1  # -0.5% -> -1, away from zero
    assert rules.percent_change(0, 10) is None
    assert rules.average(100, 3) == 33 and rules.average(101, 2) == 51  # 50.5 -> 51
    assert rules.average(0, 0) is None
    assert rules.month_ends(date(2013, 11, 26), date(2014, 2, 1)) == [
        date(2013, 11, 30),
        date(2013, 12, 31),
        date(2014, 1, 31),
        date(2014, 2, 28),
    ]


# --- money held (R-REP-2, seed 002 1.4) ---------------------------------------------------------


async def test_money_held_by_role_average_and_the_lodgement_threshold_both_ways(
    api: Api, db: RolledBackDatabase
) -> None:
    """Posted money value-dated on or before the date, by role (a client with both orders a
    deputy's), the average half-up at the penny; deputy clients holding the lodgement
    threshold in force (£25,000 from 2014-04-01, R-INV-2) or more: at it counts, a penny under
    does not."""
    c = Caseload("RD")
    c.add("at", 1, "COMMUNITY", deputy="2013-01-01", balance="25000.00")
    c.add("over", 1, "RESIDENTIAL_CARE", deputy="2013-01-01", balance="30000.01")
    c.add("under", 1, "RESIDENTIAL_CARE", deputy="2013-01-01", balance="24999.99")
    c.add("both", 1, "COMMUNITY", deputy="2013-01-01", appointee="2012-01-01", balance="100.00")
    c.add("dep_none", 1, "COMMUNITY", deputy="2013-01-01")
    c.add("app", 2, "RESIDENTIAL_CARE", appointee="2012-01-01", balance="1000.00")
    c.add("app_odd", 1, "COMMUNITY", appointee="2012-01-01", balance="0.01")
    c.add("closed", 1, "COMMUNITY", deputy="2013-01-01", status="CLOSED", balance="500.00")
    await run_import(api, c)

    held = (await api.data(MONEY, {"asAt": CUT_OVER}, **OFFICER))["moneyHeld"]
    assert held["deputy"] == {
        "role": "DEPUTY",
        "clients": {"count": 5, "suppressed": False},
        "held": "80100.00",
        "average": "16020.00",
    }
    # 2000.01 over three clients: 666.67 (666.67 exactly is 666.6700; half-up at the penny).
    assert held["appointee"] == {
        "role": "APPOINTEE",
        "clients": {"count": 3, "suppressed": False},
        "held": "2000.01",
        "average": "666.67",
    }
    assert held["total"] == "82100.01"  # the closed client's 500.00 is not the caseload's
    assert held["lodgementThreshold"] == "25000.00"
    assert held["lodgementThresholdFrom"] == "2014-04-01"
    assert held["deputyClientsOverThreshold"] == {"count": 2, "suppressed": False}

    # The day before the cut-over nothing was held yet; before 2014-04-01 no threshold.
    before = (await api.data(MONEY, {"asAt": "2014-03-31"}, **OFFICER))["moneyHeld"]
    assert before["total"] == "0.00"
    assert before["lodgementThreshold"] is None
    assert before["deputyClientsOverThreshold"] is None

    # For the reporting role: the appointees (3) and the over-threshold count (2) are small, and
    # so are the money figures resting on them.
    seen = (await api.data(MONEY, {"asAt": CUT_OVER}, **REPORTING))["moneyHeld"]
    assert seen["appointee"] == {
        "role": "APPOINTEE",
        "clients": {"count": None, "suppressed": True},
        "held": None,
        "average": None,
    }
    assert seen["deputyClientsOverThreshold"] == {"count": None, "suppressed": True}
    # The deputies (5) are hidden too, or the total (8) less them would give the appointees;
    # with both roles hidden the total of eight clients shows.
    assert seen["deputy"]["clients"] == {"count": None, "suppressed": True}
    assert seen["deputy"]["held"] is None and seen["deputy"]["average"] is None
    assert seen["clients"] == {"count": 8, "suppressed": False}
    assert seen["total"] == "82100.01"
    assert seen["suppressedBelow"] == 5

    # Through the CSV endpoint: money as decimal strings.
    resp = await get_csv(api, f"/reports/money-held.csv?asAt={CUT_OVER}", role="auditor")
    assert resp.status_code == 200, resp.text
    rows = {r["role"]: r for r in parse_csv(resp.text)}
    assert rows["DEPUTY"]["held"] == "80100.00" and rows["DEPUTY"]["average"] == "16020.00"
    assert rows["APPOINTEE"]["average"] == "666.67"
    assert rows["ALL"]["held"] == "82100.01"
    assert rows["ALL"]["over_lodgement_threshold"] == "2"
    assert rows["ALL"]["lodgement_threshold"] == "25000.00"

    # The two reads of the ledger (money moved up to the date; balances now less what moved
    # after it) agree, on either side of the cut-over.
    session = db.session()
    for day in (date(2014, 4, 29), date(2014, 4, 30), date(2014, 5, 1)):
        up_to = await money_held_repository.money_by_role(session, day, 2_500_000, up_to=True)
        now_less = await money_held_repository.money_by_role(session, day, 2_500_000, up_to=False)
        assert sorted(map(tuple, up_to)) == sorted(map(tuple, now_less))
    await session.close()

    series = (await api.data(MONEY_SERIES, {"from": "2014-03-01", "to": CUT_OVER}, **OFFICER))[
        "moneyHeldSeries"
    ]
    assert [(s["asAt"], s["total"]) for s in series] == [
        ("2014-03-31", "0.00"),
        ("2014-04-30", "82100.01"),
    ]


# --- who may read, and what they can reach (issue 16 item 7) -----------------------------------

PERSONAL = ("name", "dateofbirth", "birth", "ninumber", "address", "postcode", "reference")


def test_no_field_reachable_from_the_reports_carries_personal_data(settings: Settings) -> None:
    """Walk every type reachable from the report fields: no field is named like a name, date
    of birth, NI number, address, reference or client id, and none returns a client (or any
    Node: a record with an id to look up)."""
    schema: strawberry.Schema = build_schema(settings)
    gql = schema._schema
    query = gql.query_type
    assert query is not None
    seen: set[str] = set()
    todo: list[graphql.GraphQLNamedType] = []
    for name in ("caseload", "caseloadSeries", "moneyHeld", "moneyHeldSeries"):
        todo.append(graphql.get_named_type(query.fields[name].type))
    while todo:
        t = todo.pop()
        if t.name in seen:
            continue
        seen.add(t.name)
        assert t.name != "Client"
        if isinstance(t, graphql.GraphQLObjectType):
            assert not any(i.name == "Node" for i in t.interfaces), t.name
            for fname, f in t.fields.items():
                flat = fname.lower().replace("_", "")
                assert not any(p in flat for p in PERSONAL), f"{t.name}.{fname}"
                assert flat not in ("id", "clientid"), f"{t.name}.{fname}"
                todo.append(graphql.get_named_type(f.type))
        elif isinstance(t, graphql.GraphQLUnionType | graphql.GraphQLInterfaceType):
            pytest.fail(f"{t.name}: a report returns plain numbers, not {t}")
    assert {"Caseload", "CaseloadByRole", "ReportCount", "MoneyHeld", "MoneyHeldByRole"} <= seen


@pytest.mark.parametrize("role", ["social_worker", "integration_controcc", "integration_sap"])
@pytest.mark.parametrize("name", sorted(REPORTS))
async def test_the_csv_endpoint_refuses_a_role_that_may_not_read_the_report(
    api: Api, role: str, name: str
) -> None:
    """The same roles as the GraphQL field (R-ROLE-1): 403 FORBIDDEN, no CSV."""
    resp = await get_csv(api, f"/reports/{name}.csv?asAt=2014-04-30", role=role)
    assert resp.status_code == 403
    assert error_codes(resp.json()) == ["FORBIDDEN"]


async def test_the_csv_endpoint_needs_a_token_a_known_report_and_good_dates(api: Api) -> None:
    resp = await get_csv(api, "/reports/caseload.csv", role=None)
    assert resp.status_code == 401 and error_codes(resp.json()) == ["UNAUTHENTICATED"]
    resp = await get_csv(api, "/reports/nothing.csv")
    assert resp.status_code == 404 and error_codes(resp.json()) == ["NOT_FOUND"]
    resp = await get_csv(api, "/reports/caseload.csv?asAt=30/04/2014")
    assert resp.status_code == 400 and error_codes(resp.json()) == ["BAD_REQUEST"]
    resp = await get_csv(api, "/reports/caseload.csv?from=2014-01-01")
    assert resp.status_code == 400
    resp = await get_csv(api, "/reports/caseload.csv?from=2000-01-01&to=2014-01-01")
    assert resp.status_code == 400  # over 120 months
    resp = await get_csv(api, "/reports/caseload.csv?from=2014-01-01&to=2014-03-01")
    assert resp.status_code == 200
    assert {r["as_at"] for r in parse_csv(resp.text)} == {
        "2014-01-31",
        "2014-02-28",
        "2014-03-31",
    }


async def test_a_series_range_is_checked(api: Api) -> None:
    body = await api.gql(SERIES, {"from": "2014-05-01", "to": "2014-01-01"}, **REPORTING)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    body = await api.gql(SERIES, {"from": "2000-01-01", "to": "2014-01-01"}, **REPORTING)
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_move_stands_until_the_situation_is_recorded_again(api: Api) -> None:
    """A move into residential care recorded as a change of circumstances (the details keep
    COMMUNITY) counts from the day it happened; a later amendment of the name does not undo
    it; a move home again counts from its own day."""
    c = Caseload("RE")
    refs = c.add("dep", 5, "COMMUNITY", deputy="2012-01-01")
    await run_import(api, c)
    ids = await client_ids(api, "RE")
    for ref in refs:
        moved = await record_change(
            api, ids[ref], "ADMITTED_TO_RESIDENTIAL_CARE", occurredOn=BETWEEN
        )
        assert moved["__typename"] == "CircumstanceChangePayload", moved
    first = ids[refs[0]]
    done = await amend_client(api, first, {"givenName": "Tess"}, reason="known as Tess")
    assert done["__typename"] == "ClientPayload", done

    async def deputies(on: str) -> list[int | None]:
        return counts_of((await api.data(CASELOAD, {"asAt": on}, **OFFICER))["caseload"])[0]

    today_ = date.today().isoformat()
    assert await deputies("2014-01-14") == [5, 0, 0, 5]
    assert await deputies(BETWEEN) == [0, 5, 0, 5]
    assert await deputies(today_) == [0, 5, 0, 5]  # the name amendment undoes nothing

    # Home again on 1 March 2014, recorded as a change of circumstances too.
    back = await record_change(api, first, "LEFT_RESIDENTIAL_CARE", occurredOn="2014-03-01")
    assert back["__typename"] == "CircumstanceChangePayload", back
    assert await deputies("2014-02-28") == [0, 5, 0, 5]
    assert await deputies("2014-03-01") == [1, 4, 0, 5]
    assert await deputies(today_) == [1, 4, 0, 5]


async def test_the_committees_other_reports_are_served_as_csv_to_the_dashboards(
    api: Api,
) -> None:
    """Issue 16 item 7: the deadlines, workload and exceptions register read as CSV by the
    `reporting` role, with no names; the year's cost and income before any cost table is in
    force is refused with its code (R-DATA: a figure missing is never guessed)."""
    resp = await get_csv(api, "/reports/deadlines.csv?from=2026-01-01&to=2026-02-28")
    assert resp.status_code == 200, resp.text
    rows = parse_csv(resp.text)
    assert {r["measure"] for r in rows} >= {"OPG_REPORT", "INVOICE_PAYMENT", "ANNUAL_REVIEW"}
    resp = await get_csv(api, "/reports/workload.csv?asAt=2026-01-31")
    assert resp.status_code == 200 and resp.text.startswith("as_at,role,clients")
    resp = await get_csv(api, "/reports/policy-exceptions.csv")
    assert resp.status_code == 200
    resp = await get_csv(api, "/reports/cost-and-income.csv?asAt=1999-06-01")
    assert resp.status_code == 409 and error_codes(resp.json()) == ["POLICY_MISSING"]
