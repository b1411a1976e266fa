"""/healthz (the process is up), /readyz (the database answers) and /metrics (Prometheus)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from ca_api.app import create_app
from ca_api.auth.tokens import SigningKey, TokenVerifier, mint_token
from ca_api.config import Settings
from ca_api.db import Database
from tests.conftest import Api

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/x"


@pytest.fixture
async def no_db_client(
    settings: Settings, signing_key: SigningKey
) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose database is a closed port."""
    verifier = TokenVerifier(signing_key.public_keyset(), settings)
    database = Database(UNREACHABLE, pool_size=1)
    app = create_app(settings, UNREACHABLE, verifier=verifier, database=database)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await database.dispose()


async def test_healthz_is_ok(api: Api) -> None:
    resp = await api.client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


async def test_readyz_is_ok_when_the_database_answers(api: Api) -> None:
    resp = await api.client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json()["status"] == "ok"


async def test_readyz_is_503_when_the_database_does_not_answer(
    no_db_client: httpx.AsyncClient,
) -> None:
    resp = await no_db_client.get("/readyz")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] != "ok"
    assert "127.0.0.1" not in resp.text and "postgres" not in resp.text  # no connection details


async def test_healthz_is_ok_even_when_the_database_is_down(
    no_db_client: httpx.AsyncClient,
) -> None:
    """Liveness is the process, not its dependencies: a restart would not bring the DB back."""
    resp = await no_db_client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


async def test_a_query_needing_the_database_is_masked_when_it_is_down(
    no_db_client: httpx.AsyncClient, settings: Settings, signing_key: SigningKey
) -> None:
    token = mint_token(signing_key, settings=settings, subject="x", roles=["auditor"])
    resp = await no_db_client.post(
        "/graphql",
        json={"query": "{ clients(first: 1) { edges { cursor } } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert "127.0.0.1" not in resp.text and "Connect" not in resp.text


def _sample(metrics: str, path: str, status: str) -> float:
    labels = f'path="{re.escape(path)}",status="{status}"'
    pattern = r"^ca_api_http_requests_total\{" + labels + r"\} ([0-9.e+]+)$"
    match = re.search(pattern, metrics, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_metrics_count_requests(api: Api) -> None:
    before = (await api.client.get("/metrics")).text
    await api.data("{ me { subject } }")
    await api.post("{ me { subject } }", role=None)  # 401
    await api.client.get("/no/such/path/12345")
    resp = await api.client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    after = resp.text
    assert "# TYPE ca_api_http_requests_total counter" in after
    assert "ca_api_http_request_seconds_bucket" in after
    assert _sample(after, "/graphql", "200") == _sample(before, "/graphql", "200") + 1
    assert _sample(after, "/graphql", "401") == _sample(before, "/graphql", "401") + 1
    # Unknown paths share one label: a scanner cannot blow up the number of series.
    assert _sample(after, "other", "404") == _sample(before, "other", "404") + 1
    assert "no/such/path" not in after
