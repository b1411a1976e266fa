"""Test fixtures: one PostgreSQL database per test process (a run, or each pytest-xdist worker
of it), built with the real migrations; each test in a transaction that is rolled back; requests
through the real /graphql endpoint with real tokens.

The server: ``CA_API_TEST_DATABASE_URL`` (an admin URL) if set; else the machine's PostgreSQL on
127.0.0.1:5432 if it answers; else the embedded server under ``.ca_api/test-pgdata``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from ca_api import clock
from ca_api.app import create_app
from ca_api.auth.tokens import SigningKey, TokenVerifier, load_or_create_dev_key, mint_token
from ca_api.config import Settings
from ca_api.db import Database, SerialSession, async_url
from ca_api.graphql import build_schema
from ca_api.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _admin_url() -> str:
    if url := os.environ.get("CA_API_TEST_DATABASE_URL"):
        return url
    if _port_open("127.0.0.1", 5432):
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    from ca_api.embedded import embedded_url

    return embedded_url(ROOT / ".ca_api" / "test")


async def _admin(url: str, sql: str) -> None:
    engine = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    admin = _admin_url()
    name = f"ca_api_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(environment="test", data_dir=tmp_path_factory.mktemp("ca_api"))


@pytest.fixture(scope="session")
def signing_key(settings: Settings) -> SigningKey:
    return load_or_create_dev_key(settings.dev_key_file)


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, pool_size=5)
    yield db
    await db.dispose()


class RolledBackDatabase(Database):
    """Every session joins one connection's transaction, which the test rolls back: services
    still 'commit' (to savepoints), and nothing outlives the test."""

    def __init__(self, base: Database, connection: AsyncConnection) -> None:
        self.url = base.url
        self.engine = base.engine
        self.connection = connection

    def session(self) -> AsyncSession:
        return SerialSession(
            bind=self.connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        )


@pytest.fixture
async def db(database: Database) -> AsyncIterator[RolledBackDatabase]:
    async with database.engine.connect() as conn:
        trans = await conn.begin()
        try:
            yield RolledBackDatabase(database, conn)
        finally:
            await trans.rollback()


@pytest.fixture
async def session(db: RolledBackDatabase) -> AsyncIterator[AsyncSession]:
    s = db.session()
    try:
        yield s
    finally:
        await s.close()


@dataclass
class Api:
    """Sends GraphQL to the real endpoint with a real signed token."""

    client: httpx.AsyncClient
    key: SigningKey
    settings: Settings

    def token(self, role: str | list[str], sub: str = "tester", **kw: Any) -> str:
        roles = [role] if isinstance(role, str) else role
        return mint_token(self.key, settings=self.settings, subject=sub, roles=roles, **kw)

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        role: str | list[str] | None = "head_of_service",
        sub: str = "tester",
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        hdrs = dict(headers or {})
        if token is None and role is not None:
            token = self.token(role, sub)
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=hdrs
        )

    async def gql(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        """The response body of a request expected to reach GraphQL (HTTP 200)."""
        resp = await self.post(query, variables, **kw)
        assert resp.status_code == 200, resp.text
        return resp.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        """The data of a request expected to succeed without errors."""
        body = await self.gql(query, variables, **kw)
        assert "errors" not in body, body["errors"]
        return body["data"]


@asynccontextmanager
async def api_on(
    database: Database, settings: Settings, signing_key: SigningKey
) -> AsyncIterator[Api]:
    """The real endpoint, in the test's loop, on ``database``."""
    verifier = TokenVerifier(signing_key.public_keyset(), settings)
    app = create_app(settings, database.url, verifier=verifier, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(client=client, key=signing_key, settings=settings)


@pytest.fixture
async def api(
    db: RolledBackDatabase, settings: Settings, signing_key: SigningKey
) -> AsyncIterator[Api]:
    async with api_on(db, settings, signing_key) as endpoint:
        yield endpoint


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


@pytest.fixture(name="today")
def today_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set the council's date (ca_api.clock.today) for the test: ``today.set(date(...))``."""

    class Today:
        value = clock.today()

        def set(self, day: date) -> None:
            self.value = day

    t = Today()
    monkeypatch.setattr(clock, "today", lambda: t.value)
    yield t


def dates_counted_from(day: date) -> Any:
    """An autouse fixture for a module whose dates are constants worked out at import
    (``DIED = days_ago(20)``): each of its tests runs on ``day`` (the ``today`` fixture), so a
    run that crosses midnight between collecting the module and running a test still sees the
    dates it was written for. In the module: ``COUNTED_FROM = clock.today()``, its constants
    worked out from that, and ``_dates = dates_counted_from(COUNTED_FROM)``."""

    @pytest.fixture(autouse=True)
    def _on_the_day_counted_from(today: Any) -> None:
        today.set(day)

    return _on_the_day_counted_from


@pytest.fixture(scope="session", autouse=True)
def one_schema_per_settings() -> Iterator[None]:
    """Each test's app (the ``api`` fixture) would build the schema again: about 70 ms, more
    than most tests' requests, a minute and a half over the suite. The schema is a pure function
    of the settings (extensions are made per request), so every app built from the same settings
    shares one. A test that builds a schema on purpose calls ``ca_api.graphql.build_schema``."""
    built: dict[str, strawberry.Schema] = {}

    def cached(settings: Settings) -> strawberry.Schema:
        key = settings.model_dump_json()
        if key not in built:
            built[key] = build_schema(settings)
        return built[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("ca_api.app.build_schema", cached)
        yield
