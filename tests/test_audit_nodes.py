"""The audit trail's references as objects (issue 11 item 3): an entry about a client names the
client itself, beside its clientId, loaded in batches. Through the real endpoint."""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import community_client_id, new_key

AUDIT_LOG = """query ($filter: AuditLogFilter) { auditLog(filter: $filter, first: 50) {
  nodes { action entityType clientId client { id reference } } } }"""
ADD_EMPLOYEE = """mutation ($input: AddCouncilEmployeeInput!) {
  addCouncilEmployee(input: $input) { __typename } }"""
CLIENT = "query ($id: ID!) { client(id: $id) { id reference } }"


async def test_an_entry_about_a_client_names_the_client(api: Api) -> None:
    first = await community_client_id(api)
    second = await community_client_id(api)
    for client_id in (first, second):
        own = (await api.data(CLIENT, {"id": client_id}, role="auditor"))["client"]
        data = await api.data(AUDIT_LOG, {"filter": {"clientId": client_id}}, role="auditor")
        entries = data["auditLog"]["nodes"]
        assert entries and all(e["clientId"] == client_id for e in entries)
        assert all(e["client"] == own for e in entries)


async def test_an_entry_about_no_client_has_none(api: Api) -> None:
    await api.data(
        ADD_EMPLOYEE,
        {"input": {"name": "Kim Audit", "employeeNumber": f"E{new_key()[:8]}"}},
        role="governance_manager",
    )
    flt = {"entityType": "council_employee"}
    data = await api.data(AUDIT_LOG, {"filter": flt}, role="auditor")
    entries = data["auditLog"]["nodes"]
    assert entries and all(e["clientId"] is None and e["client"] is None for e in entries)
