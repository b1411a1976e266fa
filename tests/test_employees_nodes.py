"""The council employee register's entries as Relay nodes (issue 11 item 3): an entry refetched
by node(id:) is the one the register's list gives. Denials: tests/test_node.py."""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import new_key

FIELDS = "id name employeeNumber dateOfBirth leftOn recordedBy"
ADD = f"""
mutation ($input: AddCouncilEmployeeInput!) {{
  addCouncilEmployee(input: $input) {{
    ... on CouncilEmployeePayload {{ employee {{ {FIELDS} }} }}
  }}
}}
"""
LIST = f"{{ councilEmployees(first: 100) {{ edges {{ node {{ {FIELDS} }} }} }} }}"
NODE = (
    f"query ($id: ID!) {{ node(id: $id) {{ __typename ... on CouncilEmployee {{ {FIELDS} }} }} }}"
)


async def test_an_employee_is_refetched_by_node_as_the_register_lists_them(api: Api) -> None:
    employee = {"name": "Aaron Aardvark", "employeeNumber": f"E{new_key()[:8]}"}
    made = await api.data(
        ADD, {"input": employee | {"dateOfBirth": "1980-02-03"}}, role="governance_manager"
    )
    entry = made["addCouncilEmployee"]["employee"]
    listed = (await api.data(LIST, role="auditor"))["councilEmployees"]["edges"]
    (own,) = [e["node"] for e in listed if e["node"]["id"] == entry["id"]]
    found = (await api.data(NODE, {"id": entry["id"]}, role="auditor"))["node"]
    assert found == {"__typename": "CouncilEmployee", **own}
    assert own["dateOfBirth"] == "1980-02-03" and own["leftOn"] is None
