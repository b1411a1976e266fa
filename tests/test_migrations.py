"""The migrations run forwards and backwards on an empty database (the schema is built by
Alembic, never by create_all)."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ca_api.db import async_url
from ca_api.ledger.opg_categories import opg_category
from ca_api.ledger.rules import Category
from ca_api.migrate import alembic_config, split_sql
from tests.support import fresh_database

OWN_ACCOUNTS = Category.TRANSFER_BETWEEN_OWN_ACCOUNTS


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


# --- 0038 (issue 15): new categories and reclassification leave the ledger as it was ---------


async def _sql(url: str, *statements: str) -> list[list[tuple[Any, ...]]]:
    """Each statement's rows, run in one transaction that commits."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            out = []
            for statement in statements:
                result = await conn.execute(text(statement))
                out.append([tuple(r) for r in result] if result.returns_rows else [])
            return out
    finally:
        await engine.dispose()


# Entries written at 0037, as issue 15 found them: glasses and vet fees in OUT_OTHER, wages in
# IN_OTHER, a reversal; on a client's CMS account that has money (the demo's).
WRITE_AT_0037 = """
WITH cms AS (
  SELECT id, client_id FROM ledger_account
   WHERE kind = 'CLIENT_CMS' AND posted >= 10000 ORDER BY id LIMIT 1),
party AS (SELECT id FROM ledger_account WHERE kind = 'COUNTERPARTY' ORDER BY id LIMIT 1)
INSERT INTO transfer (id, kind, from_account_id, to_account_id, amount, value_date, category,
                      description, client_id, recorded_by)
SELECT gen_random_uuid(), 'POSTED', f, t, amount, DATE '2026-01-15', category, description,
       cms.client_id, 'migration.test'
  FROM cms, party, LATERAL (VALUES
    (cms.id, party.id, 12500, 'OUT_OTHER', 'Glasses'),
    (cms.id, party.id, 4000, 'OUT_OTHER', 'Vet fees'),
    (party.id, cms.id, 40000, 'IN_OTHER', 'Wages')) AS v(f, t, amount, category, description)
"""
REVERSE_AT_0037 = """
INSERT INTO transfer (id, kind, from_account_id, to_account_id, amount, value_date, category,
                      description, client_id, recorded_by, reason, reverses_id)
SELECT gen_random_uuid(), 'POSTED', to_account_id, from_account_id, amount, value_date,
       category, 'Reversal: ' || description, client_id, 'migration.test', 'paid twice', id
  FROM transfer WHERE description = 'Vet fees' AND recorded_by = 'migration.test'
"""
LEDGER = (
    "SELECT t::text FROM transfer t ORDER BY seq",
    "SELECT a::text FROM ledger_account a ORDER BY id",
)


def test_0038_leaves_the_ledger_unchanged(database_url: str) -> None:
    """R-AUD-2, R-OPG-1: the migration adding reclassification changes no transfer and no
    balance, byte for byte; every category recorded maps to an OPG category; an entry reports
    the category it was recorded with until an officer reclassifies it (none is guessed)."""
    with fresh_database(
        "ca_api_m38", revision="head", with_demo=True, admin_url=database_url
    ) as url:
        cfg = alembic_config(url)
        command.downgrade(cfg, "0037")
        assert "transfer_reclassification" not in asyncio.run(_tables(url))
        asyncio.run(_sql(url, WRITE_AT_0037, REVERSE_AT_0037))
        transfers, accounts = asyncio.run(_sql(url, *LEDGER))
        assert len(transfers) > 10 and any("Glasses" in r[0] for r in transfers)
        command.upgrade(cfg, "0038")
        assert asyncio.run(_sql(url, *LEDGER)) == [transfers, accounts]
        [categories, reported] = asyncio.run(
            _sql(
                url,
                "SELECT DISTINCT category FROM transfer",
                "SELECT count(*) FROM transfer t JOIN transfer_reported_category v "
                "ON v.transfer_id = t.id WHERE v.reported_category = t.category",
            )
        )
        recorded = {Category(c) for (c,) in categories}
        assert {Category.OUT_OTHER, Category.IN_OTHER} <= recorded
        assert all(opg_category(c) is not None for c in recorded - {OWN_ACCOUNTS})
        assert reported == [(len(transfers),)]
        command.upgrade(cfg, "head")
