"""Invoices as Relay nodes (issue 11 item 3): refetched by node(id:) and nodes(ids:) as
invoice(id:) gives them, and an invoice's client as an object, not only its id. Through the
real endpoint; the refusals of node(id:) to other roles are tests/test_node.py's."""

from __future__ import annotations

import uuid
from typing import Any

from ca_api.common.ids import encode_id
from tests.conftest import Api
from tests.factories import invoice_input, new_client, new_counterparty, new_key, recorded

FIELDS = "id clientId clientReference supplierInvoiceNumber amount status dueOn"
NODE = f"query ($id: ID!) {{ node(id: $id) {{ __typename ... on Invoice {{ {FIELDS} }} }} }}"
NODES = f"query ($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Invoice {{ {FIELDS} }} }} }}"
INVOICE = f"query ($id: ID!) {{ invoice(id: $id) {{ {FIELDS} }} }}"
RECORD = """
mutation ($input: RecordInvoiceInput!) {
  recordInvoice(input: $input) {
    ... on RecordInvoicePayload { invoice { id clientId %s } }
  }
}
"""
RECORD_WITH_CLIENT = RECORD % "client { id }"
RECORD_WITHOUT_CLIENT = RECORD % ""
CLIENT = """
query ($id: ID!) {
  invoice(id: $id) { clientId client { id reference familyName } }
  invoices(first: 50) { edges { node { id client { id } } } }
}
"""


async def test_an_invoice_is_refetched_by_node_as_by_its_lookup(api: Api) -> None:
    client = await new_client(api)
    invoice = await recorded(api, client, await new_counterparty(api))
    expected = (await api.data(INVOICE, {"id": invoice["id"]}, role="auditor"))["invoice"]
    found = await api.data(NODE, {"id": invoice["id"]}, role="auditor")
    assert found["node"] == {"__typename": "Invoice", **expected}
    assert found["node"]["clientReference"] == client["reference"]


async def test_nodes_refetches_several_invoices_in_order_null_for_none(api: Api) -> None:
    client = await new_client(api)
    supplier = await new_counterparty(api)
    first = await recorded(api, client, supplier)
    second = await recorded(api, client, supplier, amount="7.50")
    missing = encode_id("Invoice", uuid.uuid4())
    ids = [second["id"], missing, first["id"]]
    found = (await api.data(NODES, {"ids": ids}, role="senior_officer"))["nodes"]
    assert [n["id"] if n else None for n in found] == [second["id"], None, first["id"]]
    assert found[0]["amount"] == "7.50"


async def test_an_invoice_names_its_client_as_an_object(api: Api) -> None:
    client = await new_client(api)
    other = await new_client(api)
    supplier = await new_counterparty(api)
    invoice = await recorded(api, client, supplier)
    await recorded(api, other, supplier)
    data = await api.data(CLIENT, {"id": invoice["id"]}, role="assistant")
    assert data["invoice"]["client"]["id"] == client["id"] == data["invoice"]["clientId"]
    assert data["invoice"]["client"]["reference"] == client["reference"]
    by_invoice = {e["node"]["id"]: e["node"]["client"]["id"] for e in data["invoices"]["edges"]}
    assert by_invoice[invoice["id"]] == client["id"]
    assert other["id"] in by_invoice.values()  # each invoice its own client, loaded in a batch


async def test_an_integration_reads_no_client_of_the_invoice_it_recorded(api: Api) -> None:
    """Controcc gets back the invoice it recorded, but not its client: null, withheld from the
    integrations (issue 17: a client's names are casework; clientId and clientReference are
    what its flow needs), with no error."""
    client = await new_client(api)
    provider = await new_counterparty(api, "CARE_PROVIDER")

    def variables() -> dict[str, Any]:
        return {
            "input": invoice_input(client, provider, category="OUT_CARE_FEES")
            | {"idempotencyKey": new_key()}
        }

    body = await api.gql(RECORD_WITH_CLIENT, variables(), role="integration_controcc", sub="cc")
    assert "errors" not in body, body
    assert body["data"]["recordInvoice"]["invoice"]["client"] is None
    body = await api.gql(RECORD_WITHOUT_CLIENT, variables(), role="integration_controcc", sub="cc")
    assert body["data"]["recordInvoice"]["invoice"]["clientId"] == client["id"]
