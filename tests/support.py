"""Database helpers the test modules share (issue 10 item 6): a database of a test's own that
commits for real, the app on it, and the SQL-statement counter.

The per-test database that rolls back is in ``tests/conftest.py``; the builders of clients,
money and approvals in ``tests/factories.py``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url

from ca_api import demo
from ca_api.app import create_app
from ca_api.auth.tokens import SigningKey, TokenVerifier
from ca_api.config import Settings
from ca_api.db import Database
from ca_api.migrate import upgrade
from tests.conftest import Api, RolledBackDatabase, _admin, _admin_url

T = TypeVar("T")


def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Call ``fn`` in another thread: the admin statements and the migrations run their own
    event loops (asyncio.run), which must not disturb the tests' loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


async def _load_demo(url: str) -> None:
    db = Database(url, pool_size=2)
    try:
        await demo.load(db)  # clients with money, British Gas, ...
    finally:
        await db.dispose()


@contextmanager
def fresh_database(
    prefix: str,
    *,
    revision: str | None = "head",
    with_demo: bool = False,
    admin_url: str | None = None,
) -> Iterator[str]:
    """A new database of its own, dropped afterwards: built by the real migrations up to
    ``revision`` (None: left empty), with the demo data when ``with_demo``. Safe to enter from
    a test's event loop or from none."""
    admin = admin_url or _admin_url()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    off_loop(asyncio.run, _admin(admin, f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        if revision is not None:
            off_loop(upgrade, url, revision)
        if with_demo:
            off_loop(asyncio.run, _load_demo(url))
        yield url
    finally:
        off_loop(asyncio.run, _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@asynccontextmanager
async def app_on(
    url: str, settings: Settings, signing_key: SigningKey, *, pool_size: int
) -> AsyncIterator[tuple[Api, Database]]:
    """The real endpoint on a database that commits (each request its own connection), in the
    test's loop; the database is disposed of afterwards."""
    database = Database(url, pool_size=pool_size)
    verifier = TokenVerifier(signing_key.public_keyset(), settings)
    app = create_app(settings, url, verifier=verifier, database=database)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client=client, key=signing_key, settings=settings), database
    finally:
        await database.dispose()


@contextmanager
def statements(db: RolledBackDatabase) -> Iterator[list[str]]:
    """The SQL statements sent on the test's connection while the block runs."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    target = db.connection.sync_connection
    assert target is not None
    event.listen(target, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(target, "before_cursor_execute", record)
