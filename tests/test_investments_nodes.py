"""Existing investments as Relay nodes (issue 11 item 3), through the real endpoint: node(id:)
refetches a record as a client's list gives it, and a revaluation's revises is the record it
revises. Denials: tests/test_node.py, for every node type."""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import PROPOSER, deputy_client

RECORD = """
mutation($input: RecordExistingInvestmentInput!) {
  recordExistingInvestment(input: $input) {
    __typename ... on ExistingInvestmentPayload { investment { id } }
  }
}
"""
FIELDS = """
  id clientId kind holder units valuation valuedOn documentsHeldAt note revisesId recordedBy
  recordedAt
"""
LIST = f"""
query($id: ID!) {{ investments(clientId: $id, includeRevised: true) {{ {FIELDS} }} }}
"""
NODE = f"""
query($id: ID!) {{
  node(id: $id) {{
    __typename
    ... on ExistingInvestment {{
      {FIELDS} revises {{ id valuation revises {{ id }} }} client {{ id }}
    }}
  }}
}}
"""


async def test_a_record_and_its_revaluation_are_refetched_by_node(api: Api) -> None:
    client_id = await deputy_client(api, surplus=None)
    base = {
        "clientId": client_id,
        "kind": "SHARES",
        "holder": "Computershare: BT Group plc",
        "units": "1500",
        "valuation": "2475.00",
        "valuedOn": "2025-03-31",
        "documentsHeldAt": "Safe 2, envelope CA-17",
    }
    first = (await api.data(RECORD, {"input": base}, **PROPOSER))["recordExistingInvestment"]
    first_id = first["investment"]["id"]
    revalued = base | {"valuation": "2610.50", "valuedOn": "2026-03-31", "revisesId": first_id}
    second = (await api.data(RECORD, {"input": revalued}, **PROPOSER))["recordExistingInvestment"]
    second_id = second["investment"]["id"]
    listed = {
        i["id"]: i for i in (await api.data(LIST, {"id": client_id}, role="auditor"))["investments"]
    }

    old = (await api.data(NODE, {"id": first_id}, role="auditor"))["node"]
    assert old == {"__typename": "ExistingInvestment"} | listed[first_id] | {
        "revises": None,
        "client": {"id": client_id},
    }
    new = (await api.data(NODE, {"id": second_id}, role="senior_officer"))["node"]
    assert {k: new[k] for k in listed[second_id]} == listed[second_id]
    assert new["revises"] == {"id": first_id, "valuation": "2475.00", "revises": None}
