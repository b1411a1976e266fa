"""Deputyships and appointeeships as Relay nodes (issue 11 item 3), refetched by node(id:) as a
client's deputyships and appointeeships give them, and each order's client. Through the real
endpoint."""

from __future__ import annotations

from tests.conftest import Api, error_codes
from tests.factories import community_client_id, new_deputyship, record_appointeeship

DEPUTYSHIP = "id version caseNumber orderDate supervisionType inForce supersedes"
APPOINTEESHIP = "id version dwpReference startDate inForce supersedes"
NODE = f"""query ($id: ID!) {{ node(id: $id) {{ __typename
  ... on Deputyship {{ {DEPUTYSHIP} client {{ id }} }}
  ... on Appointeeship {{ {APPOINTEESHIP} client {{ id }} }} }} }}"""
CLIENT_ORDERS = f"""query ($id: ID!) {{ client(id: $id) {{
  deputyships {{ {DEPUTYSHIP} }} appointeeships {{ {APPOINTEESHIP} }} }} }}"""


async def test_orders_are_refetched_by_node_as_a_clients_orders(api: Api) -> None:
    client_id = await community_client_id(api)
    deputyship = await new_deputyship(api, client_id)
    result = await record_appointeeship(api, client_id)
    assert result["__typename"] == "AppointeeshipPayload", result
    own = (await api.data(CLIENT_ORDERS, {"id": client_id}, role="auditor"))["client"]
    found = await api.data(NODE, {"id": deputyship["id"]}, role="auditor")
    assert found["node"] == {"__typename": "Deputyship", **own["deputyships"][0]} | {
        "client": {"id": client_id}
    }
    appointeeship = own["appointeeships"][0]
    found = await api.data(NODE, {"id": appointeeship["id"]}, role="support_assistant")
    assert found["node"] == {"__typename": "Appointeeship", **appointeeship} | {
        "client": {"id": client_id}
    }


async def test_a_social_worker_may_not_refetch_orders(api: Api) -> None:
    client_id = await community_client_id(api)
    deputyship = await new_deputyship(api, client_id)
    body = await api.gql(NODE, {"id": deputyship["id"]}, role="social_worker", sub="sam.social")
    assert error_codes(body) == ["FORBIDDEN"]
