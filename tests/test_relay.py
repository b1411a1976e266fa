"""Relay connections (issue 11 item 3): PageInfo as the Relay spec has it. Through the real
endpoint."""

from __future__ import annotations

from tests.conftest import Api
from tests.factories import create_client

PAGE = """
query ($after: String) {
  clients(first: 2, after: $after) {
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def test_page_info_has_the_four_relay_fields(api: Api) -> None:
    for _ in range(3):
        await create_client(api)
    first = (await api.data(PAGE, {"after": None}, role="senior_officer"))["clients"]
    info = first["pageInfo"]
    assert info["hasNextPage"] is True
    assert info["hasPreviousPage"] is False
    assert info["startCursor"] == first["edges"][0]["cursor"]
    assert info["endCursor"] == first["edges"][-1]["cursor"]

    second = (await api.data(PAGE, {"after": info["endCursor"]}, role="senior_officer"))["clients"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["pageInfo"]["startCursor"] == second["edges"][0]["cursor"]
    seen = {e["node"]["id"] for e in first["edges"]}
    assert not seen & {e["node"]["id"] for e in second["edges"]}


async def test_an_empty_page_has_no_cursors(api: Api) -> None:
    query = """{ clients(first: 1, filter: {search: "no such client zzzz"}) {
        edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    info = (await api.data(query, role="senior_officer"))["clients"]["pageInfo"]
    assert info == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }
