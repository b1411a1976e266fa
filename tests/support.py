"""Database helpers the test modules share (issue 10 item 6): a database of a test's own that
commits for real, the app on it, the SQL-statement counter, and a database that fails.

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

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import demo
from ca_api.auth.tokens import SigningKey
from ca_api.config import Settings
from ca_api.db import Database, SerialSession
from ca_api.migrate import upgrade
from tests.conftest import Api, RolledBackDatabase, _admin, _admin_url, api_on

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
    try:
        async with api_on(database, settings, signing_key) as api:
            yield api, database
    finally:
        await database.dispose()


class _FailingSession(SerialSession):
    error: Exception

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error


class FailingDatabase(RolledBackDatabase):
    """The test's database, but every statement a request sends fails with ``error``: what
    the endpoint does with an error no resolver expected, without patching any of them."""

    def __init__(self, base: RolledBackDatabase, error: Exception) -> None:
        super().__init__(base, base.connection)
        self.error = error

    def session(self) -> AsyncSession:
        session = _FailingSession(
            bind=self.connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        )
        session.error = self.error
        return session


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
