"""Relay's Node interface (issue 11 item 3): every object with a global id implements Node;
node(id:) and nodes(ids:) refetch it with the permissions of its type's own lookup. Through the
real endpoint."""

from __future__ import annotations

import uuid

import pytest
from graphql import GraphQLObjectType, build_schema

from ca_api.auth.permissions import allowed_roles
from ca_api.auth.principal import Role
from ca_api.common.ids import encode_id
from ca_api.graphql import NODE_TYPES, Query, export_sdl
from tests.conftest import Api, error_codes
from tests.factories import new_key

TYPES = {t.name: t for group in NODE_TYPES for t in group}
NODE = "query ($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
ADD_EMPLOYEE = """
mutation ($input: AddCouncilEmployeeInput!) {
  addCouncilEmployee(input: $input) { ... on CouncilEmployeePayload { employee { id name } } }
}
"""


def test_every_object_with_a_global_id_implements_node() -> None:
    schema = build_schema(export_sdl())
    lacking = [
        t.name
        for t in schema.type_map.values()
        if isinstance(t, GraphQLObjectType)
        and not t.name.startswith("__")
        and str(getattr(t.fields.get("id"), "type", "")) == "ID!"
        and schema.type_map["Node"] not in t.interfaces
    ]
    installed = set(TYPES)
    implementing = {
        t.name
        for t in schema.type_map.values()
        if isinstance(t, GraphQLObjectType) and schema.type_map["Node"] in t.interfaces
    }
    assert implementing <= installed, "a Node type node(id:) cannot fetch"
    assert lacking == [] or set(lacking) - installed == set(lacking)  # reported by the lint


def test_node_roles_are_the_roles_of_the_types_own_lookup() -> None:
    """A type's node lookup grants exactly what its root lookup field grants (``x(id:)``)."""
    lookups = TYPES
    for f in Query.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        args = [a.python_name for a in f.arguments]
        target = getattr(f.type, "__strawberry_definition__", None)
        if args != ["id"] or target is None or target.name not in lookups:
            continue
        assert allowed_roles(f.extensions) == lookups[target.name].roles, f.python_name


@pytest.mark.parametrize("type_name", sorted(TYPES))
async def test_a_role_that_may_not_read_a_type_is_refused_its_nodes(
    api: Api, type_name: str
) -> None:
    roles = TYPES[type_name].roles
    denied = sorted(r.value for r in Role if r not in roles)
    if not denied:
        pytest.skip(f"every role may read a {type_name}")
    key = 1 if type_name == "AuditEntry" else uuid.uuid4()  # an entry's key is its number
    some_id = encode_id(type_name, key)
    body = await api.gql(NODE, {"id": some_id}, role=denied[0])
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["data"] == {"node": None}
    body = await api.gql(NODES, {"ids": [some_id]}, role=denied[0])
    assert error_codes(body) == ["FORBIDDEN"]


async def test_an_employee_is_refetched_by_node_as_by_its_list(api: Api) -> None:
    made = await api.data(
        ADD_EMPLOYEE,
        {"input": {"name": "Kim Node", "employeeNumber": f"E{new_key()[:8]}"}},
        role="governance_manager",
    )
    employee = made["addCouncilEmployee"]["employee"]
    found = await api.data(NODE, {"id": employee["id"]}, role="senior_officer")
    assert found["node"] == {"__typename": "CouncilEmployee", "id": employee["id"]}
    both = await api.data(
        NODES,
        {"ids": [employee["id"], encode_id("CouncilEmployee", uuid.uuid4())]},
        role="senior_officer",
    )
    assert both["nodes"] == [found["node"], None]


AUDIT_LOG = """query ($who: String) {
  auditLog(first: 100, filter: {principal: $who}) { nodes { id action entityType principalRoles } }
}"""
AUDIT_NODE = """query ($ids: [ID!]!) {
  nodes(ids: $ids) { __typename id ... on AuditEntry { action entityType principalRoles } }
}"""


async def test_an_audit_entry_is_refetched_by_node_for_whoever_reads_the_trail(api: Api) -> None:
    """issue 11 item 4: AuditEntry implements Node, with the roles of auditLog (AUDIT_READ)."""
    await api.data(
        ADD_EMPLOYEE,
        {"input": {"name": "Kim Audit", "employeeNumber": f"E{new_key()[:8]}"}},
        role="governance_manager",
        sub="kim.gm",
    )
    entries = await api.data(AUDIT_LOG, {"who": "kim.gm"}, role="auditor")
    (entry,) = entries["auditLog"]["nodes"]
    missing = encode_id("AuditEntry", 10**15)
    for role in ("auditor", "governance_manager", "head_of_service"):
        found = await api.data(AUDIT_NODE, {"ids": [entry["id"], missing]}, role=role)
        assert found["nodes"] == [{"__typename": "AuditEntry", **entry}, None]
    assert entry["principalRoles"] == ["GOVERNANCE_MANAGER"]
    body = await api.gql(NODE, {"id": entry["id"]}, role="senior_officer")
    assert error_codes(body) == ["FORBIDDEN"]
    for bad in (encode_id("AuditEntry", uuid.uuid4()), encode_id("AuditEntry", "-1")):
        body = await api.gql(NODE, {"id": bad}, role="auditor")
        assert error_codes(body) == ["BAD_ID"], bad


async def test_an_id_of_no_node_type_or_no_id_at_all_is_bad(api: Api) -> None:
    for bad in ("not-an-id", encode_id("NoSuchType", uuid.uuid4())):
        body = await api.gql(NODE, {"id": bad}, role="senior_officer")
        assert error_codes(body) == ["BAD_ID"], bad


async def test_nodes_takes_at_most_a_page_of_ids(api: Api) -> None:
    ids = [
        encode_id("CouncilEmployee", uuid.uuid4()) for _ in range(api.settings.max_page_size + 1)
    ]
    body = await api.gql(NODES, {"ids": ids}, role="senior_officer")
    assert error_codes(body) == ["BAD_USER_INPUT"]
