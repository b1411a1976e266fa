"""The migrations run forwards and backwards on an empty database (the schema is built by
Alembic, never by create_all)."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ca_api.db import async_url
from ca_api.migrate import alembic_config, split_sql
from tests.support import fresh_database


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return {r[0] for r in rows}
    finally:
        await engine.dispose()


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    with fresh_database("ca_api_migr", revision=None, admin_url=database_url) as url:
        cfg = alembic_config(url)
        command.upgrade(cfg, "head")
        assert {"audit_log", "client", "client_version", "deputyship_version"} <= asyncio.run(
            _tables(url)
        )
        command.downgrade(cfg, "base")
        assert asyncio.run(_tables(url)) == {"alembic_version"}
        command.upgrade(cfg, "head")
        assert "audit_log" in asyncio.run(_tables(url))


def test_split_sql_keeps_function_bodies_and_drops_comments() -> None:
    script = """
    -- a comment; with a semicolon and an apostrophe's
    CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
    INSERT INTO t VALUES ('a;b');
    """
    assert split_sql(script) == [
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$",
        "INSERT INTO t VALUES ('a;b')",
    ]
