"""Placements as Relay nodes (issue 11 item 3), through the real endpoint: node(id:) refetches a
placement as a client's list gives it, and a placement's institution, product and decision are
objects, not only ids. Denials: tests/test_node.py, for every node type."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api
from tests.factories import (
    PLACEMENT_FIELDS,
    PLACEMENTS,
    add_institution,
    add_product,
    deputy_client,
    give_back,
    placed,
    placement_fund,
    placement_input,
    proposed,
    with_surplus,
)

NODE = f"""
query($id: ID!) {{
  node(id: $id) {{
    __typename id
    ... on Placement {{
      {PLACEMENT_FIELDS}
      institution {{ id name }}
      product {{ id name rate institutionId }}
      decision {{ id kind status clientId }}
    }}
  }}
}}
"""


async def a_proposed_placement(api: Api, session: AsyncSession) -> dict[str, Any]:
    client = {"id": await deputy_client(api, surplus=None)}
    await placement_fund(session, client["id"], "300000.00")
    await with_surplus(api, client["id"], "300000.00")
    institution = await add_institution(api)
    product = await add_product(api, institution["id"], rate="1.5000")
    placement = await proposed(api, placement_input(client, product, "30000.00", "2025-06-02"))
    return placement | {"institution": institution}


async def test_a_placement_is_refetched_by_node_as_by_its_list(
    api: Api, session: AsyncSession
) -> None:
    placement = await a_proposed_placement(api, session)
    listed = await api.data(PLACEMENTS, {"clientId": placement["clientId"]}, role="auditor")
    (edge,) = listed["placements"]["edges"]
    found = (await api.data(NODE, {"id": placement["id"]}, role="auditor"))["node"]
    assert found["__typename"] == "Placement"
    assert {k: found[k] for k in edge["node"]} == edge["node"]


async def test_a_placement_names_its_institution_product_and_decision(
    api: Api, session: AsyncSession
) -> None:
    placement = await a_proposed_placement(api, session)
    found = (await api.data(NODE, {"id": placement["id"]}, role="senior_officer"))["node"]
    assert found["institution"] == {
        "id": placement["institutionId"],
        "name": placement["institution"]["name"],
    }
    assert found["product"] == {
        "id": placement["productId"],
        "name": "Cash ISA",
        "rate": "1.5000",
        "institutionId": placement["institutionId"],
    }
    assert found["decision"] == {
        "id": placement["decisionId"],
        "kind": "INVESTMENT_PLAN",
        "status": placement["decisionStatus"],
        "clientId": placement["clientId"],
    }


MONEY = """
query($id: ID!) {
  node(id: $id) {
    ... on Placement {
      clientId accountId placedTransferId returnedTransferId interestTransferId
      client { id }
      account { id kind balance }
      placedTransfer { id amount }
      returnedTransfer { id amount }
      interestTransfer { id amount }
    }
  }
}
"""


async def test_a_placement_names_its_client_account_and_transfers(
    api: Api, session: AsyncSession
) -> None:
    client = {"id": await deputy_client(api, surplus=None)}
    await placement_fund(session, client["id"], "300000.00")
    await with_surplus(api, client["id"], "300000.00")
    institution = await add_institution(api)
    product = await add_product(api, institution["id"], rate="1.5000")
    p = await placed(api, placement_input(client, product, "10000.00", "2025-06-02"))
    before = (await api.data(MONEY, {"id": p["id"]}, role="auditor"))["node"]
    assert before["client"] == {"id": client["id"]}
    assert before["account"] == {
        "id": p["accountId"],
        "kind": "CLIENT_PLACEMENT",
        "balance": "10000.00",
    }
    assert before["placedTransfer"] == {"id": p["placedTransferId"], "amount": "10000.00"}
    assert before["returnedTransfer"] is None and before["interestTransfer"] is None
    back = await give_back(api, p["id"], "2026-06-02")
    assert back["__typename"] == "PlacementPayload", back
    after = (await api.data(MONEY, {"id": p["id"]}, role="auditor"))["node"]
    assert after["returnedTransfer"] == {"id": after["returnedTransferId"], "amount": "10000.00"}
    assert after["interestTransfer"] == {"id": after["interestTransferId"], "amount": "150.00"}
    assert after["account"]["balance"] == "0.00"
