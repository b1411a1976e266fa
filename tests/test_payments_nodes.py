"""Payments as Relay nodes (issue 11 item 3): refetched by node(id:) and nodes(ids:) as
payment(id:) gives them, and a payment's client as an object, not only its id. Through the
real endpoint; the refusals of node(id:) to other roles are tests/test_node.py's."""

from __future__ import annotations

import uuid

from ca_api.common.ids import encode_id
from tests.conftest import Api
from tests.factories import new_client, new_counterparty, payable_invoice, raised_payment

FIELDS = "id clientId clientReference invoiceId amount status raisedBy authors canApprove"
NODE = f"query ($id: ID!) {{ node(id: $id) {{ __typename ... on Payment {{ {FIELDS} }} }} }}"
NODES = f"query ($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Payment {{ {FIELDS} }} }} }}"
PAYMENT = f"query ($id: ID!) {{ payment(id: $id) {{ {FIELDS} }} }}"
CLIENT = """
query ($id: ID!) {
  payment(id: $id) { clientId client { id reference } invoice { id client { id } } }
  payments(first: 50) { edges { node { id client { id } } } }
}
"""


async def _payment(api: Api, client: dict[str, str]) -> dict[str, object]:
    invoice = await payable_invoice(api, client, await new_counterparty(api))
    return await raised_payment(api, invoice["id"])


async def test_a_payment_is_refetched_by_node_as_by_its_lookup(api: Api) -> None:
    client = await new_client(api)
    payment = await _payment(api, client)
    expected = (await api.data(PAYMENT, {"id": payment["id"]}, role="senior_officer"))["payment"]
    found = await api.data(NODE, {"id": payment["id"]}, role="senior_officer")
    assert found["node"] == {"__typename": "Payment", **expected}
    assert found["node"]["status"] == "RAISED"
    assert found["node"]["clientReference"] == client["reference"]


async def test_nodes_refetches_several_payments_in_order_null_for_none(api: Api) -> None:
    client = await new_client(api)
    first = await _payment(api, client)
    second = await _payment(api, client)
    ids = [second["id"], encode_id("Payment", uuid.uuid4()), first["id"]]
    found = (await api.data(NODES, {"ids": ids}, role="auditor"))["nodes"]
    assert [n["id"] if n else None for n in found] == [second["id"], None, first["id"]]


async def test_a_payment_names_its_client_as_an_object(api: Api) -> None:
    client = await new_client(api)
    other = await new_client(api)
    payment = await _payment(api, client)
    await _payment(api, other)
    data = await api.data(CLIENT, {"id": payment["id"]}, role="auditor")
    got = data["payment"]
    assert got["client"] == {"id": client["id"], "reference": client["reference"]}
    assert got["clientId"] == client["id"] == got["invoice"]["client"]["id"]
    by_payment = {e["node"]["id"]: e["node"]["client"]["id"] for e in data["payments"]["edges"]}
    assert by_payment[payment["id"]] == client["id"]
    assert other["id"] in by_payment.values()  # each payment its own client, loaded in a batch
