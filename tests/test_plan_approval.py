"""A budget plan is approved as a "financial plans and budgets" decision (R-CARE-2, R-DEC):
for its annual expenditure, by a senior officer up to £5,000 and the governance manager above,
never by whoever submitted it (R-ROLE-2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api
from tests.factories import (
    SUBMIT_PLAN,
    client_with_orders,
    load_fixture,
    new_key,
    plan_input,
    record_plan,
    record_seed_plan,
    submit_plan_variables,
)

APPROVE = """
mutation($input: ApproveDecisionInput!) {
  approveDecision(input: $input) { __typename ... on Problem { code } }
}"""
PLAN = "query($id: ID!) { budgetPlan(id: $id) { approvalStatus } }"
DECIDE = """
mutation($input: ApproveDecisionInput!) {
  approveDecision(input: $input) {
    __typename
    ... on FourEyesProblem { code message raisedBy }
    ... on DecisionPayload { decision { status approvedBy } }
    ... on Problem { code message }
  }
}"""
REFUSE = """
mutation($input: RefuseDecisionInput!) {
  refuseDecision(input: $input) {
    __typename ... on Problem { code }
  }
}"""
DECISION = "query($id: ID!) { decision(id: $id) { status raisedBy authors canApprove } }"
QUEUE = "{ approvalQueue(first: 100) { edges { node { kind itemId } } } }"


async def submit(api: Api, plan_id: str, k: str | None = None) -> dict[str, Any]:
    data = await api.data(
        SUBMIT_PLAN, submit_plan_variables(plan_id, k), role="assistant", sub="ash.assistant"
    )
    result: dict[str, Any] = data["submitBudgetPlan"]
    return result


async def test_a_plan_is_approved_by_the_governance_manager_above_five_thousand(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "a")  # expenditure 14,009.31
    before = await api.data(PLAN, {"id": plan["id"]})
    assert before["budgetPlan"]["approvalStatus"] == "NOT_SUBMITTED"
    submitted = await submit(api, plan["id"])
    assert submitted["__typename"] == "BudgetPlanPayload", submitted
    assert submitted["plan"]["approvalStatus"] == "RAISED"
    decision = submitted["plan"]["decisionId"]

    async def approve(role: str, sub: str) -> str:
        variables = {"input": {"id": decision, "idempotencyKey": new_key()}}
        data = await api.data(APPROVE, variables, role=role, sub=sub)
        result = data["approveDecision"]
        return str(result.get("code") or result["__typename"])

    assert await approve("senior_officer", "sol.scao") == "OVER_APPROVAL_LIMIT"
    assert await approve("governance_manager", "grace.tgm") != "OVER_APPROVAL_LIMIT"
    status = await api.data(PLAN, {"id": plan["id"]})
    assert status["budgetPlan"]["approvalStatus"] == "APPROVED"


async def test_whoever_submits_a_plan_cannot_approve_it(api: Api, session: AsyncSession) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "a")
    data = await api.data(
        SUBMIT_PLAN,
        submit_plan_variables(plan["id"]),
        role="governance_manager",
        sub="grace.tgm",
    )
    decision = data["submitBudgetPlan"]["plan"]["decisionId"]
    own = await api.data(
        APPROVE,
        {"input": {"id": decision, "idempotencyKey": new_key()}},
        role="governance_manager",
        sub="grace.tgm",
    )
    assert own["approveDecision"]["code"] == "FOUR_EYES"


async def test_submitting_twice_links_one_decision(api: Api, session: AsyncSession) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "c")
    k = new_key()
    first = await submit(api, plan["id"], k)
    again = await submit(api, plan["id"], k)
    other_key = await submit(api, plan["id"])
    assert first["plan"]["decisionId"] == again["plan"]["decisionId"]
    assert other_key["plan"]["decisionId"] == first["plan"]["decisionId"]


# --- four eyes on the plan's authors (issue 9 item 8, R-ROLE-2) ------------------------------


async def decide(api: Api, decision: str, sub: str, role: str = "governance_manager") -> Any:
    variables = {"input": {"id": decision, "idempotencyKey": new_key()}}
    data = await api.data(DECIDE, variables, role=role, sub=sub)
    return data["approveDecision"]


async def in_queue_of(api: Api, decision: str, sub: str) -> bool:
    data = await api.data(QUEUE, role="governance_manager", sub=sub)
    return decision in {e["node"]["itemId"] for e in data["approvalQueue"]["edges"]}


async def test_whoever_recorded_the_plan_cannot_approve_it(api: Api, session: AsyncSession) -> None:
    """issue 9 item 8, R-ROLE-2: officer X records a plan, colleague Y submits it, X may not
    approve (or refuse) it, nor see it as approvable; a third officer approves it."""
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plans = load_fixture()["plans"]
    plan = await record_plan(
        api, plan_input(client, plans["a"]), role="governance_manager", sub="grace.tgm"
    )
    submitted = await submit(api, plan["id"])  # by ash.assistant
    decision = submitted["plan"]["decisionId"]

    seen = await api.data(DECISION, {"id": decision}, role="governance_manager", sub="grace.tgm")
    assert seen["decision"] == {
        "status": "RAISED",
        "raisedBy": "ash.assistant",
        "authors": ["ash.assistant", "grace.tgm"],
        "canApprove": False,
    }
    assert not await in_queue_of(api, decision, "grace.tgm")
    own = await decide(api, decision, "grace.tgm")
    assert own["__typename"] == "FourEyesProblem", own
    assert own["code"] == "FOUR_EYES" and "R-ROLE-2" in own["message"]
    refusal = {"id": decision, "reason": "not mine to refuse", "idempotencyKey": new_key()}
    refused = await api.data(REFUSE, {"input": refusal}, role="governance_manager", sub="grace.tgm")
    assert refused["refuseDecision"]["code"] == "FOUR_EYES"
    assert (await api.data(PLAN, {"id": plan["id"]}))["budgetPlan"]["approvalStatus"] == "RAISED"

    assert await in_queue_of(api, decision, "gina.tgm")
    third = await decide(api, decision, "gina.tgm")
    assert third["__typename"] == "DecisionPayload", third
    assert third["decision"]["approvedBy"] == "gina.tgm"
    assert (await api.data(PLAN, {"id": plan["id"]}))["budgetPlan"]["approvalStatus"] == (
        "APPROVED"
    )


async def test_whoever_recorded_a_revision_it_covers_cannot_approve_it(
    api: Api, session: AsyncSession
) -> None:
    """issue 9 item 8, R-ROLE-2: the plan approved is the revision submitted and the revisions
    of the same plan year it replaced; whoever recorded any of them is one of its authors."""
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plans = load_fixture()["plans"]
    first = await record_plan(
        api, plan_input(client, plans["a"]), role="governance_manager", sub="grace.tgm"
    )
    revised = await record_plan(
        api,
        plan_input(client, plans["a"], supersedes=first["id"], notes="gas bill corrected"),
        role="head_of_service",
        sub="hari.head",
    )
    submitted = await submit(api, revised["id"])
    decision = submitted["plan"]["decisionId"]
    seen = await api.data(DECISION, {"id": decision}, role="auditor", sub="audrey.audit")
    assert seen["decision"]["authors"] == ["ash.assistant", "grace.tgm", "hari.head"]
    assert (await decide(api, decision, "grace.tgm"))["__typename"] == "FourEyesProblem"
    head = await decide(api, decision, "hari.head", role="head_of_service")
    assert head["__typename"] == "FourEyesProblem"
    assert (await decide(api, decision, "gina.tgm"))["__typename"] == "DecisionPayload"
