"""A loader's batch read is bounded (issue 18): a list of 35,000 rows each asking for its client
sent one statement with 35,000 parameters, which took the server's CPU for 50 s and was then
refused by the driver (its limit is 32,767): an internal error for a valid query. Larger
batches go as several reads, each of at most ``LARGEST_BATCH`` keys, and every key is answered.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ca_api.config import Settings
from ca_api.context import LARGEST_BATCH, Context


async def test_a_batch_larger_than_the_largest_is_read_in_several_reads() -> None:
    ctx = Context(scope=None, settings=Settings(environment="development"))  # type: ignore[arg-type]
    reads: list[int] = []

    async def batch(keys: list[int]) -> list[Any]:
        reads.append(len(keys))
        return [k * 2 for k in keys]

    loader = ctx.loader("test.doubles", batch)
    keys = list(range(2 * LARGEST_BATCH + 7))
    got = await asyncio.gather(*(loader.load(k) for k in keys))
    assert got == [k * 2 for k in keys]
    assert max(reads) <= LARGEST_BATCH
    assert sum(reads) == len(keys)
    assert len(reads) == 3
