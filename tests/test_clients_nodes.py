"""Clients as Relay nodes (issue 11 item 3): node(id:) refetches a client as client(id:) gives
it, with the same row scoping (a social worker: only their own referrals). Through the real
endpoint."""

from __future__ import annotations

import uuid
from typing import Any

from ca_api.common.ids import encode_id
from tests.conftest import Api
from tests.factories import community_client_id, community_person, new_key, refer_client

CLIENT_FIELDS = "id reference version givenName familyName situation status legalRole"
NODE = f"query ($id: ID!) {{ node(id: $id) {{ __typename ... on Client {{ {CLIENT_FIELDS} }} }} }}"
NODES = f"query ($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Client {{ {CLIENT_FIELDS} }} }} }}"
CLIENT = f"query ($id: ID!) {{ client(id: $id) {{ {CLIENT_FIELDS} }} }}"


async def test_a_client_is_refetched_by_node_as_by_its_lookup(api: Api) -> None:
    client_id = await community_client_id(api)
    own = await api.data(CLIENT, {"id": client_id}, role="senior_officer")
    found = await api.data(NODE, {"id": client_id}, role="auditor")
    assert found["node"] == {"__typename": "Client", **own["client"]}
    other = await community_client_id(api)
    both = await api.data(
        NODES,
        {"ids": [client_id, encode_id("Client", uuid.uuid4()), other]},
        role="senior_officer",
    )
    assert both["nodes"][0] == own["client"]
    assert both["nodes"][1] is None
    assert both["nodes"][2]["id"] == other


async def test_a_social_worker_refetches_only_their_own_referrals(api: Api) -> None:
    mine = await refer_client(api, "sam.social")
    theirs = await refer_client(api, "kit.social")
    found = await api.data(NODES, {"ids": [mine, theirs]}, role="social_worker", sub="sam.social")
    assert [n and n["id"] for n in found["nodes"]] == [mine, None]


async def test_each_social_worker_reads_with_their_own_name_through_the_one_statement(
    api: Api,
) -> None:
    """The read of clients by id is built once for every social worker (issue 18 item 3), their
    name bound when it runs: one after another, each reads their own referral, not the other's
    nor the first reader's."""
    sam = await refer_client(api, "sam.social")
    kit = await refer_client(api, "kit.social")

    async def read(sub: str) -> list[str | None]:
        found = await api.data(NODES, {"ids": [sam, kit]}, role="social_worker", sub=sub)
        return [n and n["id"] for n in found["nodes"]]

    assert await read("sam.social") == [sam, None]
    assert await read("kit.social") == [None, kit]
    assert await read("sam.social") == [sam, None]
    assert await read("ali.social") == [None, None]


DUPLICATE = """mutation ($input: CreateClientInput!) {
  createClient(input: $input) { __typename
    ... on ClientPayload { client { id reference } }
    ... on DuplicateClientProblem { existingClientId existingClient { id reference } } } }"""


def keyed(person: dict[str, Any]) -> dict[str, Any]:
    """DUPLICATE's variables: the person, with a fresh idempotency key."""
    return {"input": person | {"idempotencyKey": new_key()}}


async def test_a_duplicate_names_the_client_it_duplicates(api: Api) -> None:
    person = community_person()
    first = await api.data(DUPLICATE, keyed(person), role="senior_officer")
    known = first["createClient"]["client"]
    again = await api.data(DUPLICATE, keyed(person), role="senior_officer")
    problem = again["createClient"]
    assert problem["__typename"] == "DuplicateClientProblem"
    assert problem["existingClientId"] == known["id"]
    assert problem["existingClient"] == known
    # A social worker is told only that the person is known.
    referred = await api.data(
        DUPLICATE.replace("createClient", "referClient").replace("Create", "Refer"),
        keyed(person),
        role="social_worker",
        sub="sam.social",
    )
    assert referred["referClient"]["existingClient"] is None
