"""Idempotency keys for every mutation that moves money.

The first request with a key claims it inside its own transaction; a repeat with the same key
and the same input replays the first result and does nothing again; the same key with different
input is refused (IDEMPOTENCY_KEY_REUSED). A repeat that arrives while the first is still running
waits on the key's row and then replays. Keys are scoped to the principal: an integration's keys
are its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.actor import Actor
from ca_api.common import idempotency_repository as repository
from ca_api.db import unit_of_work
from ca_api.errors import ErrorCode, MoneyProblem, ValidationFailed

T = TypeVar("T")

MIN_KEY, MAX_KEY = 8, 200


class KeyReused(MoneyProblem):
    def __init__(self, key: str) -> None:
        super().__init__(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            f"idempotency key {key!r} was used before for a different request",
            key=key,
        )


def request_hash(operation: str, payload: Any) -> bytes:
    canonical = json.dumps([operation, payload], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).digest()


async def claim(
    session: AsyncSession,
    principal: str,
    key: str,
    operation: str,
    payload: Any,
    result: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Claim ``key`` in the current transaction. Returns None when this request is the first
    (go ahead, then ``complete``, unless its ``result`` was known and stored with the claim),
    or the stored result of the first request to replay."""
    if not MIN_KEY <= len(key) <= MAX_KEY:
        raise ValidationFailed(
            {"idempotency_key": f"must be {MIN_KEY} to {MAX_KEY} characters (a UUID is ideal)"}
        )
    digest = request_hash(operation, payload)
    if await repository.insert_claim(session, principal, key, operation, digest, result):
        return None
    row = await repository.get_key(session, principal, key)
    if row.operation != operation or row.request_hash != digest or row.result is None:
        raise KeyReused(key)
    return dict(row.result)


async def complete(session: AsyncSession, principal: str, key: str, result: dict[str, Any]) -> None:
    await repository.store_result(session, principal, key, result)


async def run_once(
    session: AsyncSession,
    principal: str,
    key: str,
    operation: str,
    payload: Any,
    work: Callable[[], Awaitable[T]],
    *,
    remember: Callable[[T], dict[str, Any]],
    replay: Callable[[dict[str, Any]], Awaitable[T]],
    known: dict[str, Any] | None = None,
) -> T:
    """Do ``work`` once per key, in one transaction with the key's claim; a repeat replays.
    ``known``: what ``remember`` will say of the outcome, when the request names it (a step of
    one payment's life is remembered by the payment's id): stored with the claim, one
    statement fewer than storing it after the work."""
    async with unit_of_work(session):
        prior = await claim(session, principal, key, operation, payload, known)
        if prior is None:
            value = await work()
            remembered = remember(value)
            if known is None:
                await complete(session, principal, key, remembered)
            elif remembered != known:  # pragma: no cover (a use case remembering another id)
                raise RuntimeError(f"stored {known} with the claim; the outcome: {remembered}")
            return value
    return await replay(prior)


async def run_recorded(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: Any,
    work: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """``run_once`` for a use case whose work answers what it wrote as a JSON-able dict (the
    ids to read it back by): that dict, and on a repeat of the key the stored one with
    ``"replayed": True``."""

    async def replayed(stored: dict[str, Any]) -> dict[str, Any]:
        return stored | {"replayed": True}

    return await run_once(
        session,
        actor.principal.subject,
        key,
        operation,
        payload,
        work,
        remember=lambda value: value,
        replay=replayed,
    )
