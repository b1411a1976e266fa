"""The approval queue reads a page, not the whole queue (issue 18): each source reads from the
cursor on, a page at a time, until enough items pass the mutation's own test (R-DEC limits,
R-ROLE-2 four-eyes). Items a reader may not approve, however many stand before the ones they
may, are passed over, and the pages walked forward and backward are exactly the queue read in
one page. Through the real endpoint."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.factories import PROPOSER, decision_input, new_client, raised
from tests.test_backward_pagination import (
    ARGS,
    INFO,
    VARS,
    Listing,
    assert_walks_backward,
    entries,
    forward_walk,
)

SENIOR = {"role": "senior_officer", "sub": "olu.scao"}
WHOLE = "{ approvalQueue(first: 100) { edges { node { kind itemId amount } } } }"
QUEUE = Listing(
    f"""query({VARS}) {{
      approvalQueue({ARGS}) {{ edges {{ cursor node {{ kind itemId amount }} }} {INFO} }}
    }}""",
    ("approvalQueue",),
    SENIOR["role"],
    {},
    sub=SENIOR["sub"],
)


async def _whole(api: Api) -> list[dict[str, Any]]:
    data = await api.data(WHOLE, **SENIOR)
    return [e["node"] for e in data["approvalQueue"]["edges"]]


async def test_a_page_passes_over_the_items_the_reader_may_not_approve(api: Api) -> None:
    client = await new_client(api)
    # Oldest first: seven the senior officer's limit does not cover (R-DEC: a best interests
    # decision over their limit is the governance manager's), then three it does.
    over = [
        await raised(api, decision_input(client, "BEST_INTEREST", "5000.00"), **PROPOSER)
        for _ in range(7)
    ]
    within = [
        await raised(api, decision_input(client, "BEST_INTEREST", "10.00"), **PROPOSER)
        for _ in range(3)
    ]
    whole = await _whole(api)
    ids = [i["itemId"] for i in whole]
    assert not {d["id"] for d in over} & set(ids)
    assert [d["id"] for d in within] == [i for i in ids if i in {d["id"] for d in within}]

    # Pages of two: the first read of each source (three rows) holds only refused decisions,
    # the next reads go on past them; every page is full but the last, nothing twice.
    pages = await forward_walk(api, QUEUE, 2)
    walked = [node for p in pages for _, node in entries(p)]
    assert walked == whole
    assert all(len(p["edges"]) == 2 for p in pages[:-1])


async def test_the_queue_pages_backward_past_refused_items(api: Api) -> None:
    client = await new_client(api)
    for amount in ("10.00", "5000.00", "5000.00", "10.00", "5000.00", "5000.00", "10.00"):
        await raised(api, decision_input(client, "BEST_INTEREST", amount), **PROPOSER)
    for amount in ("5000.00", "5000.00", "5000.00", "10.00"):
        await raised(api, decision_input(client, "BEST_INTEREST", amount), **PROPOSER)
    assert len(await _whole(api)) >= 4
    await assert_walks_backward(api, QUEUE, size=2, at_least=4)
    await assert_walks_backward(api, QUEUE, size=3, at_least=4)
