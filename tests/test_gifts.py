"""Gifts through the real /graphql endpoint: only where the deputyship in force grants the power
(R-ORD-1, R-DEC-3); within the order's yearly limit counting gifts already approved in the same
gift year, which runs from the order's anniversary; never to a council employee (R-ROLE-3), by
the register or by a counterparty's flag, checked when raised and again when approved; the
approver sees the gift against the client's estate and past giving. Also the register itself.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.decisions.rules import gift_year
from ca_api.employees.rules import Employee, matches_employee, normalise_name
from tests.conftest import Api, RolledBackDatabase, error_codes
from tests.factories import (
    CREATE_COUNTERPARTY,
    DECISION,
    approve,
    decision_input,
    fund,
    gift_client,
    new_client,
    new_counterparty,
    powers,
    raise_decision,
    raised,
    record_deputyship,
)

ADD_EMPLOYEE = """
mutation($input: AddCouncilEmployeeInput!) {
  addCouncilEmployee(input: $input) {
    __typename
    ... on CouncilEmployeePayload { employee { id name employeeNumber dateOfBirth leftOn } }
    ... on Problem { code message }
    ... on ValidationProblem { fields { field message } }
  }
}
"""
LEAVER = """
mutation($input: RecordCouncilEmployeeLeaverInput!) {
  recordCouncilEmployeeLeaver(input: $input) {
    __typename
    ... on CouncilEmployeePayload { employee { id leftOn } }
    ... on Problem { code message }
  }
}
"""
EMPLOYEES = """
query($first: Int, $after: String) {
  councilEmployees(first: $first, after: $after) {
    edges { node { id name employeeNumber leftOn } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
GIFT_CONTEXT = """
query($id: ID!) { decision(id: $id) { giftContext {
  on totalBalance availableBalance makesGifts yearlyLimit yearStart yearEnd approvedThisYear
  approvedLastFiveYears remainingAllowance } } }
"""


@pytest.fixture(name="client")
async def client_fixture(api: Api) -> dict[str, Any]:
    return await gift_client(api)


_numbers = iter(range(1, 1_000_000))


async def add_employee(api: Api, name: str, dob: str | None = None, **who: Any) -> dict[str, Any]:
    variables = {"input": {"name": name, "employeeNumber": f"E{next(_numbers):06d}",
                           "dateOfBirth": dob}}  # fmt: skip
    who = who or {"role": "governance_manager", "sub": "grace.tgm"}
    data = await api.data(ADD_EMPLOYEE, variables, **who)
    result: dict[str, Any] = data["addCouncilEmployee"]
    return result


def fields(problem: dict[str, Any]) -> dict[str, str]:
    assert problem["__typename"] == "ValidationProblem", problem
    return {f["field"]: f["message"] for f in problem["fields"]}


# --- the order's power (R-ORD-1, R-DEC-3) ---------------------------------------------------


@pytest.mark.parametrize("order", ["none", "no_power", "ended"])
async def test_no_power_no_gift(api: Api, order: str) -> None:
    client = await new_client(api)
    if order == "no_power":
        await record_deputyship(
            api, client["id"], powers=powers(makeGifts=False, giftYearlyLimit=None)
        )
    elif order == "ended":
        day = (clock.today() - timedelta(days=30)).isoformat()
        await record_deputyship(api, client["id"], endDate=day)
    problem = await raise_decision(api, decision_input(client, "GIFT", "10.00"))
    message = fields(problem)["kind"]
    assert "R-ORD-1" in message and "R-DEC-3" in message


# --- the yearly limit (R-DEC-3) -------------------------------------------------------------


async def test_yearly_limit_counts_earlier_gifts(api: Api) -> None:
    client = await gift_client(api, giftYearlyLimit="250.00")
    first = await raised(api, decision_input(client, "GIFT", "100.00"))
    assert (await approve(api, first["id"], "senior_officer"))["__typename"] == "DecisionPayload"
    over = await raise_decision(api, decision_input(client, "GIFT", "150.01"))
    assert "R-DEC-3" in fields(over)["amount"] and "150.00 remains" in fields(over)["amount"]
    exact = await raised(api, decision_input(client, "GIFT", "150.00"))  # up to the limit
    # Two gifts that each fit when raised: the second approved is judged with the first.
    other = await raised(api, decision_input(client, "GIFT", "0.01"))
    ok = await approve(api, exact["id"], "governance_manager")
    assert ok["__typename"] == "DecisionPayload", ok
    late = await approve(api, other["id"], "senior_officer")
    assert "amount" in fields(late)
    still = (await api.data(DECISION, {"id": other["id"]}, role="auditor"))["decision"]
    assert still["status"] == "RAISED"


async def test_gift_year_runs_from_the_order_anniversary(api: Api, today: Any) -> None:
    today.set(date(2026, 3, 14))
    client = await new_client(api)

    result = await record_deputyship(
        api,
        client["id"],
        orderDate="2025-03-15",
        powers=powers(makeGifts=True, giftYearlyLimit="100.00"),
    )
    assert result["__typename"] == "DeputyshipPayload", result
    last_day = await raised(api, decision_input(client, "GIFT", "100.00"))
    assert (await approve(api, last_day["id"], "senior_officer"))["__typename"] == (
        "DecisionPayload"
    )
    ctx = (await api.data(GIFT_CONTEXT, {"id": last_day["id"]}, role="auditor"))["decision"]
    assert ctx["giftContext"]["yearStart"] == "2025-03-15"
    assert ctx["giftContext"]["yearEnd"] == "2026-03-14"
    assert ctx["giftContext"]["remainingAllowance"] == "0.00"
    assert "amount" in fields(await raise_decision(api, decision_input(client, "GIFT", "0.01")))
    today.set(date(2026, 3, 15))  # the anniversary: a new gift year
    next_year = await raised(api, decision_input(client, "GIFT", "100.00"))
    assert (await approve(api, next_year["id"], "senior_officer"))["__typename"] == (
        "DecisionPayload"
    )
    ctx = (await api.data(GIFT_CONTEXT, {"id": next_year["id"]}, role="auditor"))["decision"]
    assert ctx["giftContext"]["approvedThisYear"] == "100.00"
    assert ctx["giftContext"]["approvedLastFiveYears"] == "200.00"


def test_gift_year_rule() -> None:
    assert gift_year(date(2020, 2, 29), date(2023, 2, 28)) == (date(2023, 2, 28), date(2024, 2, 28))
    assert gift_year(date(2020, 2, 29), date(2023, 2, 27)) == (date(2022, 2, 28), date(2023, 2, 27))
    assert gift_year(date(2024, 1, 1), date(2024, 12, 31)) == (date(2024, 1, 1), date(2024, 12, 31))


# --- never to a council employee (R-ROLE-3) -------------------------------------------------


async def test_gift_to_employee_on_register_refused(api: Api, client: dict[str, Any]) -> None:
    added = await add_employee(api, "Jane O'Neill", "1980-02-01")
    assert added["__typename"] == "CouncilEmployeePayload", added
    for written in ("jane o'neill", "  Mrs JANE  O NEILL ", "Jane O\u2019Neill"):
        problem = await raise_decision(
            api, decision_input(client, "GIFT", "10.00", recipientName=written)
        )
        assert "R-ROLE-3" in fields(problem)["recipientName"], written
    # A namesake with another date of birth is someone else.
    namesake = await raise_decision(
        api,
        decision_input(
            client, "GIFT", "10.00", recipientName="Jane O'Neill", recipientDateOfBirth="1950-06-01"
        ),
    )
    assert namesake["__typename"] == "DecisionPayload", namesake


async def test_gift_to_employee_counterparty_refused(api: Api, client: dict[str, Any]) -> None:

    variables = {"input": {"kind": "OTHER", "name": "Pat Staff", "isCouncilEmployee": True}}
    cp = await api.data(CREATE_COUNTERPARTY, variables, role="senior_officer", sub="olu.scao")
    cp_id = cp["createCounterparty"]["counterparty"]["id"]
    problem = await raise_decision(
        api,
        decision_input(
            client, "GIFT", "10.00", recipientName="P Staff", recipientCounterpartyId=cp_id
        ),
    )
    assert "R-ROLE-3" in fields(problem)["recipientCounterpartyId"]
    plain = await new_counterparty(api, "OTHER")
    ok = await raised(
        api, decision_input(client, "GIFT", "10.00", recipientName="P Friend",
                            recipientCounterpartyId=plain)
    )  # fmt: skip
    assert ok["recipient"]["counterparty"]["id"] == plain


async def test_employee_checked_again_at_approval(api: Api, client: dict[str, Any]) -> None:
    gift = await raised(api, decision_input(client, "GIFT", "20.00", recipientName="Tom Baker"))
    await add_employee(api, "Tom Baker")
    problem = await approve(api, gift["id"], "senior_officer")
    assert "R-ROLE-3" in fields(problem)["recipientName"]


async def test_leaver_no_longer_bars(api: Api, client: dict[str, Any], today: Any) -> None:
    added = await add_employee(api, "Lee Leaver")
    eid = added["employee"]["id"]
    left_on = today.value.isoformat()
    leaver = {"input": {"id": eid, "leftOn": left_on, "reason": "Retired"}}
    data = await api.data(LEAVER, leaver, role="head_of_service")
    assert data["recordCouncilEmployeeLeaver"]["employee"]["leftOn"] == left_on
    again = await api.data(LEAVER, leaver, role="head_of_service")
    assert again["recordCouncilEmployeeLeaver"]["__typename"] == "InvalidStateProblem"
    barred = await raise_decision(
        api, decision_input(client, "GIFT", "5.00", recipientName="Lee Leaver")
    )
    assert barred["__typename"] == "ValidationProblem"  # still in post on their last day
    today.set(today.value + timedelta(days=1))
    ok = await raise_decision(
        api, decision_input(client, "GIFT", "5.00", recipientName="Lee Leaver")
    )
    assert ok["__typename"] == "DecisionPayload", ok


def test_name_rules() -> None:
    assert normalise_name("Dr  Zoë O'Neill-Smith") == "zoe o neill smith"
    staff = [Employee("ann lee", date(1970, 1, 1), None)]
    assert matches_employee("ann lee", None, staff, date(2026, 1, 1))
    assert not matches_employee("ann lee", date(1971, 1, 1), staff, date(2026, 1, 1))
    assert not matches_employee("ann leigh", None, staff, date(2026, 1, 1))


# --- what the approver sees (R-DEC-3) -------------------------------------------------------


async def test_gift_context(api: Api, session: AsyncSession) -> None:
    client = await gift_client(api, giftYearlyLimit="250.00")
    await fund(session, api, client, 100000)
    given = await raised(api, decision_input(client, "GIFT", "60.00"))
    await approve(api, given["id"], "senior_officer")
    pending = await raised(api, decision_input(client, "GIFT", "25.00"))
    ctx = await api.data(GIFT_CONTEXT, {"id": pending["id"]}, role="senior_officer")
    c = ctx["decision"]["giftContext"]
    assert c["totalBalance"] == "1000.00" and c["availableBalance"] == "1000.00"
    assert c["makesGifts"] is True and c["yearlyLimit"] == "250.00"
    assert c["approvedThisYear"] == "60.00" and c["approvedLastFiveYears"] == "60.00"
    assert c["remainingAllowance"] == "190.00"
    other = await raised(api, decision_input(client, "BEST_INTEREST", "1.00"))
    none = await api.data(GIFT_CONTEXT, {"id": other["id"]}, role="auditor")
    assert none["decision"]["giftContext"] is None


# --- the register ---------------------------------------------------------------------------


async def test_register(api: Api, db: RolledBackDatabase) -> None:
    a = await add_employee(api, "Aaron Aardvark", role="head_of_service", sub="hari.head")
    assert a["__typename"] == "CouncilEmployeePayload", a
    number = a["employee"]["employeeNumber"]
    dup = await api.data(
        ADD_EMPLOYEE,
        {"input": {"name": "Someone Else", "employeeNumber": number}},
        role="governance_manager",
    )
    assert "employeeNumber" in fields(dup["addCouncilEmployee"])
    blank = await add_employee(api, "  ")
    assert "name" in fields(blank)
    page = (await api.data(EMPLOYEES, {"first": 1}, role="auditor"))["councilEmployees"]
    assert len(page["edges"]) == 1
    with pytest.raises(DBAPIError):
        async with db.connection.begin_nested():
            await db.connection.execute(text("UPDATE council_employee SET name = 'x'"))


@pytest.mark.parametrize(
    "role",
    ["support_assistant", "assistant", "senior_assistant", "senior_officer", "auditor",
     "reporting", "social_worker", "integration_controcc", "integration_sap"],
)  # fmt: skip
async def test_register_write_denied(api: Api, role: str) -> None:
    body = await api.gql(
        ADD_EMPLOYEE, {"input": {"name": "N", "employeeNumber": "E1"}}, role=role, sub="x"
    )
    assert error_codes(body) == ["FORBIDDEN"]
    body = await api.gql(LEAVER, {"input": {"id": "Q291bmNpbEVtcGxveWVlOng",
                                            "leftOn": "2026-01-01", "reason": "Retired"}},
                         role=role, sub="x")  # fmt: skip
    assert error_codes(body) == ["FORBIDDEN"]


@pytest.mark.parametrize("role", ["reporting", "social_worker", "integration_sap"])
async def test_register_read_denied(api: Api, role: str) -> None:
    assert error_codes(await api.gql(EMPLOYEES, {}, role=role, sub="x")) == ["FORBIDDEN"]
