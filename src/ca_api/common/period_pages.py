"""A page of a list of periods (fee runs, bank statements, interest runs), newest period first:
the cursor such a list reads and the key it issues, (period start, id), kept together so that
they cannot drift apart. The repository orders by ``period_start desc, id desc``."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Protocol, TypeVar

from ca_api.common.keyset import Seek
from ca_api.common.pagination import Connection, Page, PageRequest


class PeriodRow(Protocol):
    """A row of a period list: the first day of its period and its id."""

    @property
    def period_start(self) -> date: ...

    @property
    def id(self) -> uuid.UUID: ...


R = TypeVar("R", bound=PeriodRow)
T = TypeVar("T")


async def newest_period_first(
    page: Page,
    fetch: Callable[[Seek[tuple[date, uuid.UUID]]], Awaitable[Sequence[R]]],
    node: Callable[[R], T],
) -> Connection[T]:
    """The page of a period list asked for: ``fetch(seek)`` reads the rows from the cursor's
    (period start, id) on, ``node`` makes each row's GraphQL object."""
    return await page.connection(
        cursor=PageRequest.date_id,
        fetch=fetch,
        key=lambda r: [r.period_start.isoformat(), str(r.id)],
        node=node,
    )
