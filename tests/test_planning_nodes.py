"""Budget plans and asset declarations are Relay nodes (issue 11 item 3): node(id:) gives what
their own lookup or list gives; a plan's revision, its approving decision and the plan a review
or a threshold flag is about are objects, not only ids. Through the real endpoint."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api
from tests.factories import (
    approve_plan,
    client_with_orders,
    record_plan,
    record_seed_plan,
)

PLAN = """
query ($id: ID!) { budgetPlan(id: $id) { id clientId planYearStart surplus supersedesId } }
"""
PLAN_NODE = """
query ($id: ID!) {
  node(id: $id) {
    __typename id
    ... on BudgetPlan { clientId planYearStart surplus supersedesId }
  }
}
"""
PLAN_REFS = """
query ($id: ID!) {
  budgetPlan(id: $id) {
    id supersedesId supersededById decisionId
    supersedes { id planYearStart supersededBy { id } }
    supersededBy { id }
    decision { id status }
  }
}
"""
DECLARE = """
mutation($input: DeclareClientAssetsInput!) {
  declareClientAssets(input: $input) {
    ... on ClientAssetDeclarationPayload { declaration { id clientId declaredOn property note } }
  }
}
"""
DECLARATION_NODE = """
query ($id: ID!) {
  node(id: $id) {
    __typename id
    ... on ClientAssetDeclaration { clientId declaredOn property note }
  }
}
"""
FLAGS = """
query($on: Date) {
  thresholdFlags(on: $on, first: 100) {
    nodes { clientId planId plan { id surplus } declaration { id } }
  }
}
"""
REVIEWS = """
query($on: Date!) {
  budgetPlanReviews(on: $on, first: 100) { nodes { clientId planId plan { id planYearStart } } }
}
"""


def revision(plan: dict[str, Any], client: str, opening: str) -> dict[str, Any]:
    return {
        "clientId": client,
        "planYearStart": plan["planYearStart"],
        "openingBalance": opening,
        "income": [{"item": "DWP benefits", "annualAmount": "9000.00"}],
        "expenditure": [{"item": "Care and living", "annualAmount": "9000.00"}],
        "supersedes": plan["id"],
    }


async def test_a_budget_plan_is_refetched_by_node_as_by_its_lookup(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "a")
    looked_up = (await api.data(PLAN, {"id": plan["id"]}, role="auditor"))["budgetPlan"]
    found = (await api.data(PLAN_NODE, {"id": plan["id"]}, role="auditor"))["node"]
    assert found == {"__typename": "BudgetPlan"} | looked_up
    assert found["surplus"] == "4295.15"  # R-BUD-3, the seed's plan A


async def test_a_revision_and_the_plan_it_revises_refer_to_each_other(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    first = await record_seed_plan(api, client, "a")
    second = await record_plan(api, revision(first, client, "100.00"))
    refs = (await api.data(PLAN_REFS, {"id": second["id"]}, role="senior_officer"))["budgetPlan"]
    assert refs["supersedes"] == {
        "id": first["id"],
        "planYearStart": first["planYearStart"],
        "supersededBy": {"id": second["id"]},
    }
    assert refs["supersededBy"] is None
    assert refs["decision"] is None and refs["decisionId"] is None
    old = (await api.data(PLAN_REFS, {"id": first["id"]}, role="senior_officer"))["budgetPlan"]
    assert (old["supersedes"], old["supersededBy"]) == (None, {"id": second["id"]})


async def test_a_submitted_plan_refers_to_its_approving_decision(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await approve_plan(api, await record_seed_plan(api, client, "a"))
    refs = (await api.data(PLAN_REFS, {"id": plan["id"]}, role="auditor"))["budgetPlan"]
    assert refs["decision"] == {"id": refs["decisionId"], "status": "APPROVED"}


async def test_an_asset_declaration_is_refetched_by_node_as_the_mutation_gave_it(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, appointee_from=date(2013, 1, 7))
    declared = {
        "clientId": client,
        "capital": False,
        "property": True,
        "privatePension": False,
        "note": "Owns a flat found at the home visit",
        "declaredOn": "2014-05-01",
    }
    made = await api.data(DECLARE, {"input": declared}, role="assistant")
    declaration = made["declareClientAssets"]["declaration"]
    found = (await api.data(DECLARATION_NODE, {"id": declaration["id"]}, role="auditor"))["node"]
    assert found == {"__typename": "ClientAssetDeclaration"} | declaration
    flags = (await api.data(FLAGS, {"on": "2014-05-01"}, role="senior_officer"))["thresholdFlags"]
    [flag] = [f for f in flags["nodes"] if f["clientId"] == client]
    assert flag["declaration"] == {"id": declaration["id"]}


async def test_a_threshold_flag_and_a_plan_review_refer_to_the_plan_in_force(
    api: Api, session: AsyncSession
) -> None:
    client = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    plan = await record_seed_plan(api, client, "c")  # over the lodgement threshold (R-INV-2)
    flags = (await api.data(FLAGS, {"on": "2014-06-01"}, role="senior_officer"))["thresholdFlags"]
    [flag] = [f for f in flags["nodes"] if f["clientId"] == client]
    assert flag["plan"] == {"id": plan["id"], "surplus": "111165.39"}
    assert flag["planId"] == plan["id"]
    data = await api.data(REVIEWS, {"on": "2015-04-01"}, role="auditor")
    [review] = [r for r in data["budgetPlanReviews"]["nodes"] if r["clientId"] == client]
    assert review["plan"] == {"id": plan["id"], "planYearStart": "2014-04-01"}
    assert review["planId"] == plan["id"]
