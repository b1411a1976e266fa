"""Bank statements as Relay nodes (issue 11 item 3): node(id:) refetches a statement as
bankStatements lists it; a duplicate import names the statement imported before as an object.
Through the real endpoint."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api

STATEMENT = "id accountName periodStart periodEnd openingBalance closingBalance lineCount"
IMPORT = f"""
mutation ($input: ImportBankStatementInput!) {{
  importBankStatement(input: $input) {{
    __typename
    ... on ImportBankStatementPayload {{ statement {{ {STATEMENT} }} }}
    ... on DuplicateStatementProblem {{ existingStatementId existingStatement {{ {STATEMENT} }} }}
  }}
}}
"""
NODE = (
    f"query ($id: ID!) {{ node(id: $id) {{ __typename ... on BankStatement {{ {STATEMENT} }} }} }}"
)
STATEMENTS = f"{{ bankStatements {{ nodes {{ {STATEMENT} }} }} }}"
CSV = "date,description,reference,amount\n2026-10-05,DWP,,184.30\n"


async def _import(api: Api) -> dict[str, Any]:
    statement = {
        "accountName": "Client Monies Service",
        "periodStart": "2026-10-01",
        "periodEnd": "2026-10-31",
        "openingBalance": "0.00",
        "closingBalance": "184.30",
        "csv": CSV,
    }
    data = await api.data(IMPORT, {"input": statement}, role="senior_assistant", sub="sasha")
    result: dict[str, Any] = data["importBankStatement"]
    return result


async def test_a_statement_is_refetched_by_node_as_listed(api: Api) -> None:
    made = await _import(api)
    statement = made["statement"]
    listed = await api.data(STATEMENTS, role="auditor")
    assert listed["bankStatements"]["nodes"] == [statement]
    found = await api.data(NODE, {"id": statement["id"]}, role="auditor")
    assert found["node"] == {"__typename": "BankStatement", **statement}


async def test_a_duplicate_import_names_the_statement_imported_before(api: Api) -> None:
    first = (await _import(api))["statement"]
    again = await _import(api)
    assert again["__typename"] == "DuplicateStatementProblem"
    assert again["existingStatementId"] == first["id"]
    assert again["existingStatement"] == first
