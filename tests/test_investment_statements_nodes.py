"""Investment statements as Relay nodes (issue 11 item 3), through the real endpoint: node(id:)
refetches a statement as investmentStatementsDue gives it, and its decision is an object.
Denials: tests/test_node.py, for every node type."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.factories import statement_deputy_client, statement_input, submit

FIELDS = """
  id clientId deputyshipId summary investmentsSummary surplus submittedOn decisionId
  decisionStatus approvedOn recordedBy
"""
DUE = f"""
query($clientId: ID) {{
  investmentStatementsDue(clientId: $clientId) {{
    edges {{ node {{
      deputyshipId caseNumber statement {{ {FIELDS} }}
      client {{ id }} deputyship {{ id caseNumber }}
    }} }}
  }}
}}
"""
NODE = f"""
query($id: ID!) {{
  node(id: $id) {{
    __typename
    ... on InvestmentStatement {{
      {FIELDS} decision {{ id kind status clientId }} client {{ id }} deputyship {{ id caseNumber }}
    }}
  }}
}}
"""


async def test_a_statement_is_refetched_by_node_as_by_its_list(api: Api, today: Any) -> None:
    client, deputyship_id = await statement_deputy_client(api, today.value.isoformat())
    result = await submit(api, statement_input(client, deputyship_id))
    assert result["__typename"] == "InvestmentStatementPayload", result
    statement = result["statement"]
    (edge,) = (await api.data(DUE, {"clientId": client["id"]}, role="auditor"))[
        "investmentStatementsDue"
    ]["edges"]
    found = (await api.data(NODE, {"id": statement["id"]}, role="auditor"))["node"]
    assert {k: found[k] for k in edge["node"]["statement"]} == edge["node"]["statement"]
    assert found["__typename"] == "InvestmentStatement"
    assert found["decision"] == {
        "id": statement["decisionId"],
        "kind": "INVESTMENT_PLAN",
        "status": "RAISED",
        "clientId": client["id"],
    }
    assert found["client"] == edge["node"]["client"] == {"id": client["id"]}
    assert found["deputyship"] == edge["node"]["deputyship"]
    assert edge["node"]["deputyship"] == {
        "id": deputyship_id,
        "caseNumber": edge["node"]["caseNumber"],
    }
