"""Bulk set-up for benchmarks, straight into PostgreSQL (set-up is not what is measured)."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ca_api.common.ids import encode_id
from ca_api.db import async_url

CLIENTS_SQL = text(
    """
    WITH made AS (
      INSERT INTO client (id, reference, created_by)
      SELECT gen_random_uuid(), 'BENCH' || lpad(g::text, 6, '0'), 'bench'
        FROM generate_series(1, :n) g
      RETURNING id, reference
    )
    INSERT INTO client_version (client_id, version, given_name, family_name, date_of_birth,
                                situation, status, recorded_by)
    SELECT id, 1, 'Bench', reference, DATE '1950-01-01', 'RESIDENTIAL_CARE', 'ACTIVE', 'bench'
      FROM made
    RETURNING client_id
    """
)


async def _clients(url: str, n: int) -> list[str]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            rows = await conn.execute(CLIENTS_SQL, {"n": n})
            return [encode_id("Client", r[0]) for r in rows]
    finally:
        await engine.dispose()


def clients(url: str, n: int) -> list[str]:
    """``n`` active clients; their opaque GraphQL ids."""
    return asyncio.run(_clients(url, n))


def new_key() -> str:
    return str(uuid.uuid4())
