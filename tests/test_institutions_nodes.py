"""Approved institutions and their products as Relay nodes (issue 11 item 3), through the real
endpoint: node(id:) refetches each as the register (approvedInstitutions) gives it, and a
product's institution is an object. Denials: tests/test_node.py, for every node type."""

from __future__ import annotations

from ca_api.common.ids import encode_id
from tests.conftest import Api
from tests.factories import add_institution, add_product

REGISTER = """
query {
  approvedInstitutions {
    id name approvedOn note counterpartyId
    products { id institutionId name rate notice minimum maximum effectiveFrom }
  }
}
"""

NODES = """
query($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename id
    ... on ApprovedInstitution {
      name approvedOn note counterpartyId
      products { id institutionId name rate notice minimum maximum effectiveFrom }
    }
    ... on InstitutionProduct {
      institutionId name rate notice minimum maximum effectiveFrom
      institution { id name }
    }
  }
}
"""


async def test_an_institution_and_its_product_are_refetched_by_node(api: Api) -> None:
    institution = await add_institution(api)
    product_id = await add_product(api, institution["id"], rate="2.2500", maximum="50000.00")
    register = (await api.data(REGISTER, role="auditor"))["approvedInstitutions"]
    (listed,) = [i for i in register if i["id"] == institution["id"]]
    (listed_product,) = listed["products"]
    missing = encode_id("InstitutionProduct", "00000000-0000-0000-0000-000000000000")
    found = (
        await api.data(NODES, {"ids": [institution["id"], product_id, missing]}, role="auditor")
    )["nodes"]
    assert found[0] == {"__typename": "ApprovedInstitution"} | listed
    assert found[1] == {"__typename": "InstitutionProduct"} | listed_product | {
        "institution": {"id": institution["id"], "name": institution["name"]}
    }
    assert found[2] is None


COUNTERPARTY = """
query($id: ID!) {
  node(id: $id) { ... on ApprovedInstitution { name counterpartyId counterparty { id name kind } } }
}
"""


async def test_an_institution_names_its_counterparty(api: Api) -> None:
    institution = await add_institution(api)
    found = (await api.data(COUNTERPARTY, {"id": institution["id"]}, role="auditor"))["node"]
    assert found["counterparty"] == {
        "id": institution["counterpartyId"],
        "name": institution["name"],
        "kind": "INSTITUTION",
    }
