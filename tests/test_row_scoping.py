"""Row scoping (R-ROLE): a social worker sees only the clients they referred, and a client
outside their scope is NOT_FOUND, as if it did not exist; officers and audit see every client;
reporting sees the caseload only in aggregate."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from ca_api.common.ids import encode_id
from tests.conftest import Api, error_codes
from tests.factories import (
    CLIENT_DETAIL_READERS,
    assert_forbidden,
    community_client_id,
    refer_client,
)

SW_A = "sw.ada"
SW_B = "sw.bob"
CLIENT = "query($id: ID!) { client(id: $id) { id reference givenName familyName status } }"
CLIENTS = """query($filter: ClientFilter, $first: Int) { clients(filter: $filter, first: $first) {
  edges { node { id givenName familyName status } } pageInfo { hasNextPage } } }"""


async def client_ids(api: Api, role: str, sub: str, **filter: Any) -> list[str]:
    data = await api.data(CLIENTS, {"filter": filter or None, "first": 100}, role=role, sub=sub)
    assert not data["clients"]["pageInfo"]["hasNextPage"]
    return [edge["node"]["id"] for edge in data["clients"]["edges"]]


@pytest.fixture
async def caseload(api: Api) -> dict[str, str]:
    """Ada's referral, Bob's referral, and a client the head of service took on directly."""
    return {
        "ada": await refer_client(api, SW_A, givenName="Agnes", familyName="Ashdown"),
        "bob": await refer_client(api, SW_B, givenName="Bertha", familyName="Bexhill"),
        "officer": await community_client_id(api, givenName="Cyril", familyName="Crowborough"),
    }


async def test_a_social_worker_lists_only_the_clients_they_referred(
    api: Api, caseload: dict[str, str]
) -> None:
    assert await client_ids(api, "social_worker", SW_A) == [caseload["ada"]]
    assert await client_ids(api, "social_worker", SW_B) == [caseload["bob"]]
    assert await client_ids(api, "social_worker", "sw.new") == []


async def test_searching_does_not_reach_past_the_scope(api: Api, caseload: dict[str, str]) -> None:
    for search in ("Bexhill", "Crowborough", "CA"):
        ids = await client_ids(api, "social_worker", SW_A, search=search)
        assert caseload["bob"] not in ids
        assert caseload["officer"] not in ids
    assert await client_ids(api, "social_worker", SW_A, search="Ashdown") == [caseload["ada"]]
    # The scope applies before the page is cut: one page of one holds Ada's only client.
    data = await api.data(CLIENTS, {"first": 1}, role="social_worker", sub=SW_A)
    assert [e["node"]["id"] for e in data["clients"]["edges"]] == [caseload["ada"]]
    assert data["clients"]["pageInfo"]["hasNextPage"] is False


async def test_a_client_outside_the_scope_is_not_found_not_forbidden(
    api: Api, caseload: dict[str, str]
) -> None:
    never_existed = encode_id("Client", uuid.uuid4())
    answers: dict[str, dict[str, Any]] = {}
    for name, client_id in (
        ("bob", caseload["bob"]),
        ("officer", caseload["officer"]),
        ("never existed", never_existed),
    ):
        body = await api.gql(CLIENT, {"id": client_id}, role="social_worker", sub=SW_A)
        assert error_codes(body) == ["NOT_FOUND"], (name, body)
        assert body["data"] is None
        error = body["errors"][0]
        assert error["path"] == ["client"]
        # The answer names only the id asked for: nothing tells a real client from none.
        answers[name] = json.loads(json.dumps(error).replace(client_id, "<id>"))
    assert answers["bob"] == answers["officer"] == answers["never existed"]
    assert "Bexhill" not in json.dumps(answers)
    # Their own referral answers.
    data = await api.data(CLIENT, {"id": caseload["ada"]}, role="social_worker", sub=SW_A)
    assert data["client"]["familyName"] == "Ashdown"


async def test_a_social_worker_follows_their_referral_after_an_officer_changes_it(
    api: Api, caseload: dict[str, str]
) -> None:
    data = await api.data(
        """mutation($id: ID!) { amendClient(input: {id: $id, amendment: {status: ACTIVE},
             reason: "taken on"}) { __typename } }""",
        {"id": caseload["ada"]},
        role="head_of_service",
        sub="hari.head",
    )
    assert data["amendClient"]["__typename"] == "ClientPayload"
    data = await api.data(CLIENT, {"id": caseload["ada"]}, role="social_worker", sub=SW_A)
    assert data["client"]["status"] == "ACTIVE"
    assert await client_ids(api, "social_worker", SW_A) == [caseload["ada"]]
    body = await api.gql(CLIENT, {"id": caseload["ada"]}, role="social_worker", sub=SW_B)
    assert error_codes(body) == ["NOT_FOUND"]


@pytest.mark.parametrize("role", sorted(CLIENT_DETAIL_READERS))
async def test_officers_and_audit_see_every_client(
    api: Api, caseload: dict[str, str], role: str
) -> None:
    sub = f"{role}.reader"
    assert set(await client_ids(api, role, sub)) == set(caseload.values())
    for client_id in caseload.values():
        data = await api.data(CLIENT, {"id": client_id}, role=role, sub=sub)
        assert data["client"]["id"] == client_id


CASELOAD = "{ caseloadSummary { total counts { legalRole situation clients } } }"


async def test_reporting_sees_the_caseload_only_in_aggregate(
    api: Api, caseload: dict[str, str]
) -> None:
    for document, variables, path in (
        (CLIENTS, {}, ["clients"]),
        (CLIENT, {"id": caseload["officer"]}, ["client"]),
    ):
        body = await api.gql(document, variables, role="reporting", sub="dash.board")
        assert_forbidden(body, path)

    def counts(data: dict[str, Any]) -> dict[tuple[str, str], int]:
        summary = data["caseloadSummary"]
        by_kind = {(c["legalRole"], c["situation"]): c["clients"] for c in summary["counts"]}
        assert summary["total"] == sum(by_kind.values())
        return by_kind

    # Today's summary gives every cell plainly: officers and audit only; the reporting role
    # reads caseload(asAt:), small counts suppressed (issue 16 item 7).
    assert_forbidden(
        await api.gql(CASELOAD, role="reporting", sub="dash.board"), ["caseloadSummary"]
    )
    before = counts(await api.data(CASELOAD, role="auditor", sub="aud.itor"))
    await community_client_id(api, familyName="Ditchling", situation="RESIDENTIAL_CARE")
    await community_client_id(api, familyName="Eastbourne", situation="RESIDENTIAL_CARE")
    body = await api.gql(CASELOAD, role="auditor", sub="aud.itor")
    assert "errors" not in body, body["errors"]
    after = counts(body["data"])
    key = ("NONE", "RESIDENTIAL_CARE")
    assert after[key] == before.get(key, 0) + 2
    assert {k: v for k, v in after.items() if k != key} == {
        k: v for k, v in before.items() if k != key
    }
    # Only counts: no name, reference or id of any client reaches reporting.
    text = json.dumps(body)
    for word in ("Ashdown", "Bexhill", "Crowborough", "Ditchling", "Eastbourne", "CA0"):
        assert word not in text
    for client_id in caseload.values():
        assert client_id not in text


async def test_the_caseload_summary_type_has_no_field_for_personal_data(api: Api) -> None:
    data = await api.data(
        """{ summary: __type(name: "CaseloadSummary") { fields { name } }
             count: __type(name: "CaseloadCount") { fields { name } } }""",
        role="reporting",
        sub="dash.board",
    )
    assert {f["name"] for f in data["summary"]["fields"]} == {"total", "counts"}
    assert {f["name"] for f in data["count"]["fields"]} == {"legalRole", "situation", "clients"}


DETAILS = """query($id: ID!) { client(id: $id) {
  id status dateOfBirth niNumber address { line1 postcode } referredBy
  appointeeships { id } deputyships { id } history { version } } }"""


async def test_a_social_worker_gets_their_referral_without_the_details_they_may_not_see(
    api: Api,
) -> None:
    """issue 9 item 7, R-ROLE: asked for every field of their own referral, a social worker gets
    what they may see and null for the personal details, with no error beside the data that
    would invite a retry. Officers get the same fields filled in."""
    client_id = await refer_client(
        api, SW_A, givenName="Agnes", familyName="Ashdown", niNumber="AB123456C"
    )
    body = await api.gql(DETAILS, {"id": client_id}, role="social_worker", sub=SW_A)
    assert "errors" not in body, body["errors"]
    assert body["data"]["client"] == {
        "id": client_id,
        "status": "REFERRED",
        "dateOfBirth": None,
        "niNumber": None,
        "address": None,
        "referredBy": None,
        "appointeeships": None,
        "deputyships": None,
        "history": None,
    }
    listed = await api.gql(
        "{ clients { nodes { id niNumber history { version } } } }",
        role="social_worker",
        sub=SW_A,
    )
    assert "errors" not in listed, listed["errors"]
    assert listed["data"]["clients"]["nodes"] == [
        {"id": client_id, "niNumber": None, "history": None}
    ]
    officer = await api.data(DETAILS, {"id": client_id}, role="senior_officer", sub="olu.scao")
    assert officer["client"]["niNumber"] == "AB123456C"
    assert officer["client"]["referredBy"] == SW_A
    assert officer["client"]["history"] == [{"version": 1}]
