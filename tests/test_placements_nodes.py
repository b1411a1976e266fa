"""Placements as Relay nodes (issue 11 item 3), through the real endpoint: node(id:) refetches a
placement as a client's list gives it, and a placement's institution, product and decision are
objects, not only ids. Denials: tests/test_node.py, for every node type."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api
from tests.factories import deputy_client, with_surplus
from tests.test_placements import (
    PLACEMENT_FIELDS,
    PLACEMENTS,
    add_institution,
    add_product,
    fund,
    placement_input,
    proposed,
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
    await fund(session, client["id"], "300000.00")
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
