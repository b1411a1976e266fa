"""The approval queue across server processes: two real ``ca-api serve`` processes on one
database; a subscriber on process 1 receives, within seconds, the ENTERED event of a payment
raised through process 2 (a NOTIFY on commit, heard by process 1's LISTEN connection), and a
subscriber whose role may not approve receives nothing. Both processes are always stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from ca_api.auth.tokens import load_or_create_dev_key, mint_token
from ca_api.config import Settings
from tests.support import fresh_database

ROOT = Path(__file__).resolve().parents[1]

CHANGES = "subscription { approvalQueueChanges { type kind itemId item { amount raisedBy } } }"
RAISE = """
mutation($input: RaisePaymentInput!) {
  raisePayment(input: $input) {
    __typename ... on PaymentPayload { payment { id } }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def database_url_of_our_own() -> Iterator[str]:
    """A fresh database, migrated, with the demo data (clients with money, British Gas), so
    neither server loads it (``serve`` loads demo data only into an empty database)."""
    with fresh_database("ca_api_test_xproc", with_demo=True) as url:
        yield url


@contextlib.contextmanager
def two_servers(database_url: str, data_dir: Path) -> Iterator[list[str]]:
    """Two ``python -m ca_api.cli serve`` processes, started together; terminated (killed if
    need be) however the test ends."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CA_API_DATA_DIR": str(data_dir),
        "CA_API_ENVIRONMENT": "development",
        "CA_API_LOG_LEVEL": "WARNING",
    }
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for _ in range(2):
            port = _free_port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "ca_api.cli", "serve", "--port", str(port)],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        # Each server migrates and loads the demo data first (development mode): on a loaded
        # 2-core machine that took over 30 s (issue 10's runs); the wait is bounded, not timed.
        deadline = time.monotonic() + 120
        for proc, url in zip(procs, urls, strict=True):
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise RuntimeError(f"server did not start: {err[-2000:]}")
                time.sleep(0.1)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stderr:
                proc.stderr.close()


async def _subscribers(http: httpx.AsyncClient, base: str) -> float:
    for line in (await http.get(f"{base}/metrics")).text.splitlines():
        if line.startswith("ca_api_approval_queue_subscribers "):
            return float(line.split()[1])
    return 0.0


@contextlib.asynccontextmanager
async def subscription(base: str, token: str) -> AsyncIterator[Any]:
    ws_url = base.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": CHANGES}}))
        yield ws


async def test_a_raise_on_one_process_reaches_a_subscriber_on_the_other(
    database_url_of_our_own: str, tmp_path: Path
) -> None:
    settings = Settings(environment="development", data_dir=tmp_path)
    key = load_or_create_dev_key(settings.dev_key_file)  # both servers read this key

    def token(role: str, sub: str) -> str:
        return mint_token(key, settings=settings, subject=sub, roles=[role], expires_in=600)

    with two_servers(database_url_of_our_own, tmp_path) as (one, two):
        async with httpx.AsyncClient(timeout=10) as http:

            async def gql(base: str, query: str, variables: dict[str, Any], tok: str) -> Any:
                resp = await http.post(
                    f"{base}/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {tok}"},
                )
                body = resp.json()
                assert resp.status_code == 200 and "errors" not in body, body
                return body["data"]

            q = (
                "{ clients(first: 1) { edges { node { id } } } "
                'counterparties(search: "British Gas") { nodes { id } } }'
            )
            data = await gql(two, q, {}, token("auditor", "audrey.audit"))
            client_id = data["clients"]["edges"][0]["node"]["id"]  # funded by the demo data
            payee_id = data["counterparties"]["nodes"][0]["id"]

            async with (
                subscription(one, token("senior_officer", "olu.scao")) as approver,
                subscription(one, token("assistant", "sasha.other")) as bystander,
            ):
                deadline = time.monotonic() + 10
                while await _subscribers(http, one) != 2:
                    assert time.monotonic() < deadline, "the subscriptions never went live"
                    await asyncio.sleep(0.05)

                raised = await gql(
                    two,
                    RAISE,
                    {
                        "input": {
                            "clientId": client_id,
                            "payeeId": payee_id,
                            "amount": "42.00",
                            "category": "OUT_GAS",
                            "description": "Gas bill",
                            "standing": True,
                            "idempotencyKey": str(uuid.uuid4()),
                        },
                    },
                    token("assistant", "ash.assistant"),  # a second officer raises it
                )
                payment_id = raised["raisePayment"]["payment"]["id"]

                message = json.loads(await asyncio.wait_for(approver.recv(), 5))
                assert message["type"] == "next", message
                event = message["payload"]["data"]["approvalQueueChanges"]
                assert event["type"] == "ENTERED"
                assert event["kind"] == "PAYMENT"
                assert event["itemId"] == payment_id
                assert event["item"] == {"amount": "42.00", "raisedBy": "ash.assistant"}

                # The assistant may not approve: the same NOTIFY reached process 1's listener,
                # and nothing was sent to them.
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(bystander.recv(), 1.0)
