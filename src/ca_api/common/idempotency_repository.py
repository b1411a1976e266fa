"""The SQL of idempotency keys (``common.idempotency`` holds the rules around it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.idempotency_models import IdempotencyKey


async def insert_claim(
    session: AsyncSession,
    principal: str,
    key: str,
    operation: str,
    digest: bytes,
    result: dict[str, Any] | None = None,
) -> bool:
    """Whether this transaction claimed the key (False: someone claimed it first; a concurrent
    claimer waits here on the key's row until the first one ends). ``result``: what the
    request will answer, when it is known before its work (it commits with the work or not
    at all, as one stored after it would)."""
    values: dict[str, Any] = dict(
        principal=principal, key=key, operation=operation, request_hash=digest
    )
    if result is not None:
        values["result"] = result
    claimed = await session.execute(_CLAIM, values)
    return claimed.scalar_one_or_none() is not None


# Built once (every money-moving mutation claims a key), its values sent as parameters.
_CLAIM = insert(IdempotencyKey).on_conflict_do_nothing().returning(IdempotencyKey.key)


async def get_key(session: AsyncSession, principal: str, key: str) -> IdempotencyKey:
    stmt = select(IdempotencyKey).where(
        IdempotencyKey.principal == principal, IdempotencyKey.key == key
    )
    return (await session.execute(stmt)).scalar_one()


async def store_result(
    session: AsyncSession, principal: str, key: str, result: dict[str, Any]
) -> None:
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.principal == principal, IdempotencyKey.key == key)
        .values(result=result)
    )
