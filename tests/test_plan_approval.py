"""A budget plan is approved as a "financial plans and budgets" decision (R-CARE-2, R-DEC):
for its annual expenditure, by a senior officer up to £5,000 and the governance manager above,
never by whoever submitted it (R-ROLE-2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api
from tests.test_budget_plans import key, new_client, record_seed_plan

SUBMIT = """
mutation($plan: ID!, $key: String!) {
  submitBudgetPlan(planId: $plan, consulted: "The client's sister", clientInvolved: true,
                   idempotencyKey: $key) {
    __typename
    ... on BudgetPlanPayload { plan { id decisionId approvalStatus } }
    ... on Problem { code message }
  }
}"""
APPROVE = """
mutation($id: ID!, $key: String!) {
  approveDecision(id: $id, idempotencyKey: $key) { __typename ... on Problem { code } }
}"""
PLAN = "query($id: ID!) { budgetPlan(id: $id) { approvalStatus } }"


async def submit(api: Api, plan_id: str, k: str | None = None) -> dict[str, Any]:
    data = await api.data(
        SUBMIT, {"plan": plan_id, "key": k or key()}, role="assistant", sub="ash.assistant"
    )
    result: dict[str, Any] = data["submitBudgetPlan"]
    return result


async def test_a_plan_is_approved_by_the_governance_manager_above_five_thousand(
    api: Api, session: AsyncSession
) -> None:
    client = await new_client(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "a")  # expenditure 14,009.31
    submitted = await submit(api, plan["id"])
    assert submitted["__typename"] == "BudgetPlanPayload", submitted
    assert submitted["plan"]["approvalStatus"] == "RAISED"
    decision = submitted["plan"]["decisionId"]

    async def approve(role: str, sub: str) -> str:
        data = await api.data(APPROVE, {"id": decision, "key": key()}, role=role, sub=sub)
        result = data["approveDecision"]
        return str(result.get("code") or result["__typename"])

    assert await approve("senior_officer", "olu.scao") == "OVER_APPROVAL_LIMIT"
    assert await approve("governance_manager", "grace.tgm") != "OVER_APPROVAL_LIMIT"
    status = await api.data(PLAN, {"id": plan["id"]})
    assert status["budgetPlan"]["approvalStatus"] == "APPROVED"


async def test_whoever_submits_a_plan_cannot_approve_it(api: Api, session: AsyncSession) -> None:
    client = await new_client(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "a")
    data = await api.data(
        SUBMIT, {"plan": plan["id"], "key": key()}, role="governance_manager", sub="grace.tgm"
    )
    decision = data["submitBudgetPlan"]["plan"]["decisionId"]
    own = await api.data(
        APPROVE, {"id": decision, "key": key()}, role="governance_manager", sub="grace.tgm"
    )
    assert own["approveDecision"]["code"] == "FOUR_EYES"


async def test_submitting_twice_links_one_decision(api: Api, session: AsyncSession) -> None:
    client = await new_client(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "c")
    k = key()
    first = await submit(api, plan["id"], k)
    again = await submit(api, plan["id"], k)
    other_key = await submit(api, plan["id"])
    assert first["plan"]["decisionId"] == again["plan"]["decisionId"]
    assert other_key["plan"]["decisionId"] == first["plan"]["decisionId"]
