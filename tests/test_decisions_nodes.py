"""Decisions as Relay nodes (issue 11 item 3): a Decision refetched by node(id:) is the one
decision(id:) gives; a decision's client and the decision it replaced, and an approval queue
item's client, are objects, not only ids. Through the real endpoint. Denials: tests/test_node.py.
"""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import (
    PROPOSER,
    approve,
    decision_input,
    deputy_client,
    new_client,
    new_key,
    proposed_lodgement,
    raised,
    with_seed_plan,
)
from tests.factories import SUPERSEDE_DECISION as SUPERSEDE

DECISION = """
query ($id: ID!) {
  decision(id: $id) { id kind status amount clientReference raisedBy }
}
"""
NODE = """
query ($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Decision { kind status amount clientReference raisedBy }
  }
}
"""
REFERENCES = """
query ($id: ID!) {
  decision(id: $id) {
    clientId client { id reference }
    supersedesId supersedes { id status }
  }
}
"""
SUCCESSOR = "query ($id: ID!) { decision(id: $id) { events { supersededBy successor { id } } } }"
QUEUE = (
    "{ approvalQueue(first: 100) { edges { node { itemId clientId client { id reference } } } } }"
)


async def test_a_decision_is_refetched_by_node_as_by_its_lookup(api: Api) -> None:
    client = await new_client(api)
    made = await raised(api, decision_input(client, "BEST_INTEREST", "40.00"), **PROPOSER)
    own = (await api.data(DECISION, {"id": made["id"]}, role="auditor"))["decision"]
    found = (await api.data(NODE, {"id": made["id"]}, role="auditor"))["node"]
    assert found == {"__typename": "Decision", **own}
    assert own["clientReference"] == client["reference"]


async def test_a_decision_names_its_client_and_the_decision_it_replaced(api: Api) -> None:
    client = await new_client(api)
    old = await raised(api, decision_input(client, "FINANCIAL_PLAN", "4000.00"), **PROPOSER)
    changed = decision_input(client, "FINANCIAL_PLAN", "4500.00")
    variables = {
        "input": {
            **changed,
            "id": old["id"],
            "reason": "Gas prices rose",
            "idempotencyKey": new_key(),
        }
    }
    new = (await api.data(SUPERSEDE, variables, **PROPOSER))["supersedeDecision"]["decision"]
    seen = (await api.data(REFERENCES, {"id": new["id"]}, role="senior_officer"))["decision"]
    assert seen == {
        "clientId": client["id"],
        "client": client,
        "supersedesId": old["id"],
        "supersedes": {"id": old["id"], "status": "SUPERSEDED"},
    }
    first = (await api.data(REFERENCES, {"id": old["id"]}, role="auditor"))["decision"]
    assert (first["client"], first["supersedes"]) == (client, None)
    events = (await api.data(SUCCESSOR, {"id": old["id"]}, role="auditor"))["decision"]["events"]
    assert events == [{"supersededBy": new["id"], "successor": {"id": new["id"]}}]


async def test_an_approval_queue_item_names_its_client(api: Api) -> None:
    client = await new_client(api)
    made = await raised(api, decision_input(client, "BEST_INTEREST", "10.00"), **PROPOSER)
    data = await api.data(QUEUE, role="senior_officer", sub="olu.scao")
    items = [e["node"] for e in data["approvalQueue"]["edges"]]
    (item,) = [i for i in items if i["itemId"] == made["id"]]
    assert item == {"itemId": made["id"], "clientId": client["id"], "client": client}


LIMITS = """
query ($id: ID!) {
  decision(id: $id) {
    approvalLimitVersionId approvalLimitVersion { id effectiveFrom limits { subject role } }
    events { limitVersionId limitVersion { id } }
  }
}
"""


async def test_an_approval_names_the_approval_limits_it_was_judged_under(api: Api) -> None:
    client = await new_client(api)
    made = await raised(api, decision_input(client, "BEST_INTEREST", "30.00"), **PROPOSER)
    waiting = (await api.data(LIMITS, {"id": made["id"]}, role="auditor"))["decision"]
    assert waiting == {"approvalLimitVersionId": None, "approvalLimitVersion": None, "events": []}
    assert (await approve(api, made["id"], "senior_officer"))["__typename"] == "DecisionPayload"
    seen = (await api.data(LIMITS, {"id": made["id"]}, role="auditor"))["decision"]
    version = seen["approvalLimitVersion"]
    assert version["id"] == seen["approvalLimitVersionId"] is not None
    in_force = (await api.data(VERSIONS, {"on": version["effectiveFrom"]}, role="auditor"))[
        "approvalLimits"
    ]
    assert [version] == in_force
    assert seen["events"] == [
        {"limitVersionId": version["id"], "limitVersion": {"id": version["id"]}}
    ]


VERSIONS = """
query ($on: Date) { approvalLimits(on: $on) { id effectiveFrom limits { subject role } } }
"""


PLAN = """
query ($id: ID!) {
  decision(id: $id) { surplusContext { planId plan { id clientId } } }
}
"""


async def test_an_investment_plans_surplus_names_the_budget_plan_it_comes_from(api: Api) -> None:
    client = await deputy_client(api, surplus=None)
    seed = await with_seed_plan(api, client, "c")
    lodgement = await proposed_lodgement(api, client, "100000.00")
    seen = (await api.data(PLAN, {"id": lodgement["decisionId"]}, role="auditor"))["decision"]
    assert seen["surplusContext"] == {
        "planId": seed["id"],
        "plan": {"id": seed["id"], "clientId": client},
    }
