"""The receipts' node types (issue 11 item 3): a receipt and a CMS interest run refetched by
node(id:) as their own lists show them; a receipt's client as an object field. Through the real
endpoint; denials are tests/test_node.py's."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.factories import care_client_id, new_payer, receipt_input, record_receipt

NODE = "query ($id: ID!) { node(id: $id) { __typename id ...F } }"
RECEIPT = """fragment F on Receipt {
  clientId amount valueDate category benefit method receivedOn bankedOn recordedBy reversed
  payer { id } transfer { id }
}"""
RUN = "fragment F on InterestRun { periodStart periodEnd accounts total runBy }"


async def _node(api: Api, fragment: str, global_id: str) -> dict[str, Any]:
    data = await api.data(f"{NODE}\n{fragment}", {"id": global_id}, role="auditor", sub="aud")
    node: dict[str, Any] = data["node"]
    return node


async def test_a_receipt_is_refetched_by_node_as_receipts_lists_it(api: Api) -> None:
    client_id = await care_client_id(api)
    dwp = await new_payer(api, "DWP")
    made = (await record_receipt(api, receipt_input(client_id, dwp)))["receipt"]
    listed = await api.data(
        """query ($id: ID!) { receipts(clientId: $id) { edges { node { id
             clientId amount valueDate category benefit method receivedOn bankedOn recordedBy
             reversed payer { id } transfer { id } } } } }""",
        {"id": client_id},
        role="auditor",
    )
    [receipt] = [e["node"] for e in listed["receipts"]["edges"]]
    assert receipt["id"] == made["id"]
    assert await _node(api, RECEIPT, made["id"]) == {"__typename": "Receipt", **receipt}


async def test_a_receipt_refers_to_its_client(api: Api) -> None:
    client_id = await care_client_id(api)
    other = await care_client_id(api, givenName="Beatrice", familyName="Bexhill")
    dwp = await new_payer(api, "DWP")
    await record_receipt(api, receipt_input(client_id, dwp))
    await record_receipt(api, receipt_input(other, dwp))
    data = await api.data(
        "{ receipts(first: 100) { edges { node { clientId client { id reference } } } } }",
        role="auditor",
    )
    by_client = {e["node"]["clientId"]: e["node"]["client"] for e in data["receipts"]["edges"]}
    assert by_client[client_id]["id"] == client_id
    assert by_client[other]["id"] == other
    assert by_client[client_id]["reference"] != by_client[other]["reference"]


async def test_an_interest_run_is_refetched_by_node_as_interestruns_lists_it(api: Api) -> None:
    made = await api.data(
        """mutation { postInterest(input: {periodStart: "2025-01-01", periodEnd: "2025-01-31"}) {
             __typename ... on InterestRunPayload { run { id } } } }""",
        role="senior_officer",
        sub="olu.scao",
    )
    run_id = made["postInterest"]["run"]["id"]
    listed = await api.data(
        """{ interestRuns(first: 100) { edges { node {
             id periodStart periodEnd accounts total runBy } } } }""",
        role="auditor",
    )
    [run] = [e["node"] for e in listed["interestRuns"]["edges"] if e["node"]["id"] == run_id]
    assert await _node(api, RUN, run_id) == {"__typename": "InterestRun", **run}
