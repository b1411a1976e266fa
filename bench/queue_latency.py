"""Live approval queue latency across processes: two ``ca-api serve`` processes on one database;
a senior officer subscribed (graphql-transport-ws) on process 1; ``--payments`` standing
payments raised one at a time by an assistant through process 2. For each, the time from just
before the HTTP request is sent, and from its response (the commit is done by then), to the
ENTERED event's arrival at the subscriber. The event can beat the response: PostgreSQL delivers
the NOTIFY at commit, while the response still has to be written and read.

    .venv/bin/python bench/queue_latency.py [--payments 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_database, client, gql, server

from ca_api import demo
from ca_api.db import Database

CHANGES = "subscription { approvalQueueChanges { type kind itemId } }"
RAISE = """
mutation($input: RaisePaymentInput!) {
  raisePayment(input: $input) {
    __typename ... on PaymentPayload { payment { id } } ... on Problem { code message }
  }
}"""
IDS = """{ clients(first: 1) { edges { node { id } } }
  counterparties(search: "British Gas") { nodes { id } } }"""


async def _load_demo(url: str) -> None:
    db = Database(url, pool_size=2)
    try:
        await demo.load(db)  # clients and British Gas; the servers then load nothing
    finally:
        await db.dispose()


async def _live(http: Any) -> None:
    """Until the subscription is live on its process (LISTEN in place, queue read)."""
    for _ in range(200):
        if "ca_api_approval_queue_subscribers 1.0" in (await http.get("/metrics")).text:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the subscription never went live")


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def run(one: Any, two: Any, payments: int) -> tuple[list[float], list[float]]:
    arrived: dict[str, float] = {}
    waiting: dict[str, asyncio.Event] = {}
    sco = one.token("senior_officer", "olu.scao")
    ast = two.token("assistant", "ash.assistant")
    ws_url = one.url.replace("http://", "ws://") + "/graphql"
    async with (
        client(two.url, 1) as http,
        client(one.url, 1) as http1,
        websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws,  # type: ignore[list-item]
    ):
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {sco}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": CHANGES}}))
        await _live(http1)

        async def reader() -> None:
            async for raw in ws:
                now = time.perf_counter()
                msg = json.loads(raw)
                if msg.get("type") != "next":
                    raise RuntimeError(f"unexpected message: {msg}")
                event = msg["payload"]["data"]["approvalQueueChanges"]
                if event["type"] == "ENTERED":
                    arrived[event["itemId"]] = now
                    waiting.setdefault(event["itemId"], asyncio.Event()).set()

        task = asyncio.create_task(reader())
        ids = await gql(http, ast, IDS, {})
        base = {
            "clientId": ids["clients"]["edges"][0]["node"]["id"],
            "payeeId": ids["counterparties"]["nodes"][0]["id"],
            "category": "OUT_GAS",
            "description": "Gas bill",
            "standing": True,
        }
        from_send: list[float] = []
        from_response: list[float] = []
        try:
            for n in range(payments):
                variables = {
                    "input": base
                    | {
                        "amount": f"{1 + n % 400}.{n % 100:02d}",
                        "idempotencyKey": str(uuid.uuid4()),
                    }
                }
                sent = time.perf_counter()
                data = await gql(http, ast, RAISE, variables)
                responded = time.perf_counter()
                pid = data["raisePayment"]["payment"]["id"]
                await asyncio.wait_for(waiting.setdefault(pid, asyncio.Event()).wait(), 10)
                from_send.append(arrived[pid] - sent)
                from_response.append(arrived[pid] - responded)
        finally:
            task.cancel()
    return from_send, from_response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payments", type=int, default=300)
    args = parser.parse_args()
    with bench_database() as url:
        asyncio.run(_load_demo(url))
        with server(url) as one, server(url) as two:
            from_send, from_response = asyncio.run(run(one, two, args.payments))
    ms = 1000.0
    print(
        f"raise sent -> ENTERED at the subscriber on the other process ({args.payments} "
        f"payments, one at a time): median {statistics.median(from_send) * ms:.1f} ms, "
        f"p99 {_pct(from_send, 99) * ms:.1f} ms"
    )
    print(
        f"raise response received -> ENTERED: median {statistics.median(from_response) * ms:.1f}"
        f" ms, p99 {_pct(from_response, 99) * ms:.1f} ms (negative: the event came first)"
    )
    print(
        f"queue latency across processes: median {statistics.median(from_send) * ms:.1f} ms, "
        f"p99 {_pct(from_send, 99) * ms:.1f} ms from raise sent to event received"
    )


if __name__ == "__main__":
    main()
