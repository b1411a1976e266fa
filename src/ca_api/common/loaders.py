"""Per-request DataLoaders over a service's batch reads (N+1 is a bug).

A service offers ``fetch(session, keys) -> {key: value}``; ``one`` and ``many`` make the
request's loader of it, once per ``name`` (``Context.loader``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from ca_api.context import Context

K = TypeVar("K")
V = TypeVar("V")


def one(
    ctx: Context, name: str, fetch: Callable[[Any, Sequence[K]], Awaitable[dict[K, V]]]
) -> DataLoader[K, V | None]:
    """A per-request loader of one record per key (None when there is none)."""

    async def batch(keys: list[K]) -> list[V | None]:
        found = await fetch(ctx.session, keys)
        return [found.get(k) for k in keys]

    return ctx.loader(name, batch)


def many(
    ctx: Context, name: str, fetch: Callable[[Any, Sequence[K]], Awaitable[dict[K, list[V]]]]
) -> DataLoader[K, list[V]]:
    """A per-request loader of a list of records per key."""

    async def batch(keys: list[K]) -> list[list[V]]:
        found = await fetch(ctx.session, keys)
        return [found.get(k, []) for k in keys]

    return ctx.loader(name, batch)
