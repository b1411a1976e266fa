"""Investment statements on a new deputy order through the real /graphql endpoint (R-INV-3):
due within three calendar months of the order date, raised as an INVESTMENT_PLAN decision the
governance manager approves (R-DEC, never the proposer R-ROLE-2); investmentStatementsDue shows
every deputy order in force with its due date and status (DUE, OVERDUE, SUBMITTED, APPROVED) on
a date. Month ends: the order date's day in the third month, or that month's last day when it
has no such day (30 November -> 28/29 February; 31 August -> 30 November)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ca_api.common.rules import add_months
from ca_api.investment_statements.rules import statement_due
from tests.conftest import Api, error_codes
from tests.factories import (
    GM,
    PROPOSER,
    RECORD,
    approve_as,
    new_key,
    refused_for,
    statement_deputy_client,
    statement_input,
    submit,
)

DUE = """
query($on: Date, $clientId: ID, $first: Int, $after: String) {
  investmentStatementsDue(on: $on, clientId: $clientId, first: $first, after: $after) {
    edges { node {
      deputyshipId clientId clientReference caseNumber orderDate dueDate status daysOverdue
      submittedOn approvedOn statement { id decisionStatus }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

APPROVE_ONLY = """
mutation($input: ApproveDecisionInput!) {
  approveDecision(input: $input) { __typename }
}
"""

REFUSE = """
mutation($input: RefuseDecisionInput!) {
  refuseDecision(input: $input) {
    __typename ... on DecisionPayload { decision { status } }
  }
}
"""


async def due_for(api: Api, client: dict[str, Any], on: str) -> dict[str, Any]:
    data = await api.data(DUE, {"on": on, "clientId": client["id"]}, role="auditor")
    edges = data["investmentStatementsDue"]["edges"]
    assert len(edges) == 1, edges
    node: dict[str, Any] = edges[0]["node"]
    return node


def test_due_date_is_three_calendar_months_month_ends_clamped() -> None:
    assert statement_due(date(2026, 8, 31)) == date(2026, 11, 30)
    assert statement_due(date(2025, 11, 30)) == date(2026, 2, 28)
    assert statement_due(date(2023, 11, 30)) == date(2024, 2, 29)
    assert statement_due(date(2025, 1, 15)) == date(2025, 4, 15)
    assert add_months(date(2025, 12, 31), 2) == date(2026, 2, 28)


async def test_due_then_overdue_on_the_day_after(api: Api, today: Any) -> None:
    today.set(date(2026, 11, 23))
    client, dep = await statement_deputy_client(api, "2025-11-30")
    on_due = await due_for(api, client, "2026-02-28")
    assert (on_due["orderDate"], on_due["dueDate"], on_due["status"], on_due["daysOverdue"]) == (
        "2025-11-30",
        "2026-02-28",
        "DUE",
        0,
    )
    after = await due_for(api, client, "2026-03-01")
    assert (after["status"], after["daysOverdue"], after["statement"]) == ("OVERDUE", 1, None)
    assert after["deputyshipId"] == dep
    # Before the order it is not in force, so not listed.
    data = await api.data(DUE, {"on": "2025-11-29", "clientId": client["id"]}, role="auditor")
    assert data["investmentStatementsDue"]["edges"] == []


async def test_submitted_then_approved_by_the_governance_manager(api: Api, today: Any) -> None:
    today.set(date(2026, 11, 2))
    client, dep = await statement_deputy_client(api, "2026-08-31")
    assert (await due_for(api, client, "2026-11-01"))["status"] == "DUE"

    result = await submit(api, statement_input(client, dep))
    assert result["__typename"] == "InvestmentStatementPayload", result
    s = result["statement"]
    assert (s["submittedOn"], s["decisionStatus"], s["surplus"]) == (
        "2026-11-02",
        "RAISED",
        "111165.39",
    )
    before = await due_for(api, client, "2026-11-01")
    assert before["status"] == "DUE"  # as it stood that day
    pending = await due_for(api, client, "2026-12-15")
    assert (pending["status"], pending["submittedOn"], pending["approvedOn"]) == (
        "SUBMITTED",
        "2026-11-02",
        None,
    )
    # Only one awaiting approval per order.
    second = await submit(api, statement_input(client, dep))
    assert second["__typename"] == "InvalidStateProblem"

    # The proposer may not approve it; a senior officer may not either (INVESTMENT_PLAN: TGM).
    body = await api.gql(
        APPROVE_ONLY,
        {"input": {"id": s["decisionId"], "idempotencyKey": new_key()}},
        role="assistant",
        sub="ash.assistant",
    )
    assert error_codes(body) == ["FORBIDDEN"]
    senior = await approve_as(api, s["decisionId"], role="senior_officer", sub="olu.scao")
    assert senior["__typename"] == "OverApprovalLimitProblem"
    today.set(date(2026, 11, 20))
    approved = await approve_as(api, s["decisionId"], **GM)
    assert approved["__typename"] == "DecisionPayload"
    assert approved["decision"]["kind"] == "INVESTMENT_PLAN"
    done = await due_for(api, client, "2026-11-23")
    assert (done["status"], done["approvedOn"], done["daysOverdue"]) == (
        "APPROVED",
        "2026-11-20",
        0,
    )
    assert (await due_for(api, client, "2026-11-19"))["status"] == "SUBMITTED"


async def test_a_repeated_statement_says_it_replayed(api: Api, today: Any) -> None:
    # issue 9 item 12: InvestmentStatementPayload carries `replayed` like the other payloads.
    today.set(date(2026, 11, 2))
    client, dep = await statement_deputy_client(api, "2026-08-31")
    query = RECORD.replace(
        "... on InvestmentStatementPayload {", "... on InvestmentStatementPayload { replayed"
    )
    variables = {"input": {**statement_input(client, dep), "idempotencyKey": new_key()}}
    first = (await api.data(query, variables, **PROPOSER))["recordInvestmentStatement"]
    again = (await api.data(query, variables, **PROPOSER))["recordInvestmentStatement"]
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert first["statement"] == again["statement"]


async def test_a_late_statement_and_a_refused_one(api: Api, today: Any) -> None:
    today.set(date(2026, 11, 23))
    client, dep = await statement_deputy_client(api, "2026-05-01")
    assert (await due_for(api, client, "2026-11-23"))["status"] == "OVERDUE"
    s = (await submit(api, statement_input(client, dep), **GM))["statement"]
    own = await approve_as(api, s["decisionId"], **GM)  # four eyes (R-ROLE-2)
    assert (own["__typename"], own["raisedBy"]) == ("FourEyesProblem", "grace.tgm")
    late = await due_for(api, client, "2026-11-23")
    assert (late["status"], late["daysOverdue"]) == ("SUBMITTED", 114)  # due 2026-08-01
    data = await api.data(
        REFUSE,
        {
            "input": {
                "id": s["decisionId"],
                "reason": "Surplus understated",
                "idempotencyKey": new_key(),
            }
        },
        role="head_of_service",
        sub="hari.head",
    )
    assert data["refuseDecision"]["decision"]["status"] == "REFUSED"
    assert (await due_for(api, client, "2026-11-23"))["status"] == "OVERDUE"
    again = await submit(api, statement_input(client, dep, surplus="120000.00"))
    assert again["__typename"] == "InvestmentStatementPayload", again


async def test_listed_for_every_order_in_force(api: Api, today: Any) -> None:
    today.set(date(2026, 11, 23))
    a, _ = await statement_deputy_client(api, "2026-10-01")
    b, _ = await statement_deputy_client(api, "2026-06-01")
    seen: dict[str, str] = {}
    after = None
    while True:
        data = await api.data(DUE, {"on": "2026-11-23", "first": 1, "after": after}, role="auditor")
        conn = data["investmentStatementsDue"]
        for e in conn["edges"]:
            seen[e["node"]["clientId"]] = e["node"]["status"]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert (seen[a["id"]], seen[b["id"]]) == ("DUE", "OVERDUE")


async def test_the_order_must_be_the_clients(api: Api, today: Any) -> None:
    today.set(date(2026, 11, 23))
    client, _ = await statement_deputy_client(api, "2026-10-01")
    _, other_dep = await statement_deputy_client(api, "2026-10-01")
    result = await submit(api, statement_input(client, other_dep))
    assert refused_for(result, "deputyshipId")
    blank = await submit(api, statement_input(client, other_dep, summary="  "))
    assert refused_for(blank, "summary")


@pytest.mark.parametrize("role", ["social_worker", "reporting", "auditor", "support_assistant"])
async def test_who_may_not_submit(api: Api, role: str, today: Any) -> None:
    today.set(date(2026, 11, 23))
    client, dep = await statement_deputy_client(api, "2026-10-01")
    body = await api.gql(
        RECORD, {"input": {**statement_input(client, dep), "idempotencyKey": new_key()}}, role=role
    )
    assert error_codes(body) == ["FORBIDDEN"]


@pytest.mark.parametrize("role", ["social_worker", "reporting", "integration_sap"])
async def test_who_may_not_read_what_is_due(api: Api, role: str) -> None:
    body = await api.gql(DUE, {"on": "2026-11-23"}, role=role)
    assert error_codes(body) == ["FORBIDDEN"]
