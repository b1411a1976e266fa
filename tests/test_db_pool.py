"""The connection pool costs no round trip per request and survives the server dropping its
connections (issue 18 item 3): no pre-ping (it sent BEGIN, a statement and ROLLBACK before
every request); a connection the server closed (a restart, a terminated backend) is replaced
when it is next checked out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from ca_api.db import Database


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, pool_size=2)
    yield db
    await db.dispose()


async def _backend_pid(db: Database) -> int:
    async with db.session() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_no_pre_ping(pool: Database) -> None:
    assert pool.engine.sync_engine.pool._pre_ping is False


async def test_a_connection_the_server_closed_is_replaced_on_checkout(
    pool: Database, database: Database
) -> None:
    first = await _backend_pid(pool)
    assert await _backend_pid(pool) == first  # the same pooled connection, reused
    async with database.engine.connect() as admin:
        killed = await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        assert killed.scalar_one() is True
    # asyncpg sees the socket close while the connection waits in the pool (a moment's wait
    # for the event loop to read it); the next request gets a new connection, not an error
    await asyncio.sleep(0.2)
    second = await _backend_pid(pool)
    assert second != first
    assert await _backend_pid(pool) == second


async def test_the_service_s_connections_do_not_jit_compile(pool: Database) -> None:
    """PostgreSQL's JIT compiled every report's statement at issue 18's scale (100-250 ms
    each, more than it saved): the service's connections set it off."""
    async with pool.session() as session:
        assert (await session.execute(text("SHOW jit"))).scalar_one() == "off"
