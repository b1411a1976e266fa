"""One machinery for a deadline read as of today, never stored (issue 10): the clocks of the DWP
appointeeship application (R-REF-5, ``appointee_applications``) and of the Court of Protection
deputyship application (R-REF-6, R-INV-1, ``deputyship_applications``), which had each a copy.

- ``state_on``: whether the promise was kept (DUE, MET, MISSED), given the due date.
- ``Deadline``: the read model each clock extends with what it is of; its id is the id of what
  started the clock, the tie-break of the list's order (soonest due first).
- ``page``: the deadlines of the caseload are worked out in memory (the state depends on today),
  filtered by state and paged; ``connection`` is the GraphQL list of them.
- ``recorded_once``: what a clock waits for is recorded once, never changed (R-AUD-2).
- ``Outcome`` and ``once``: a change to a deadline answers the deadline as it now stands, and a
  repeat of its idempotency key reads it again (``approvals.mechanism.run_once``).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals.mechanism import Once
from ca_api.common.keyset import Seek, seek_rows
from ca_api.common.pagination import Connection, Page, PageRequest
from ca_api.errors import InvalidState

__all__ = [
    "Deadline",
    "DeadlineState",
    "Outcome",
    "connection",
    "once",
    "page",
    "recorded_once",
    "state_on",
]

SortKey = tuple[date, uuid.UUID]


class DeadlineState(enum.StrEnum):
    DUE = "DUE"
    MET = "MET"
    MISSED = "MISSED"


def state_on(due_on: date, done_on: date | None, today: date) -> DeadlineState:
    """MET: done on or before the due date; MISSED: done after it, or not done and the due date
    has passed; DUE: not done and the due date is today or later."""
    if done_on is not None:
        return DeadlineState.MET if done_on <= due_on else DeadlineState.MISSED
    return DeadlineState.DUE if today <= due_on else DeadlineState.MISSED


@dataclass(frozen=True)
class Deadline:
    """A deadline as of today: what started the clock (``source_id``), the day it is due and
    its state. A clock's own read model extends it with what the deadline is of."""

    source_id: uuid.UUID
    due_on: date
    state: DeadlineState

    def sort_key(self) -> SortKey:
        return self.due_on, self.source_id

    def cursor(self) -> list[str]:
        return [self.due_on.isoformat(), str(self.source_id)]


D = TypeVar("D", bound=Deadline)
N = TypeVar("N")


def page(every: Iterable[D], *, state: DeadlineState | None, seek: Seek[SortKey]) -> list[D]:
    """A page of the deadlines, by due date then id, only those in ``state`` if it is given.
    The state depends on today, so the caseload's deadlines (its hundreds) are worked out in
    memory, then paged."""
    ordered = sorted(every, key=Deadline.sort_key)
    if state is not None:
        ordered = [d for d in ordered if d.state is state]
    return seek_rows(ordered, seek, key=Deadline.sort_key)


async def connection(
    asked: Page,
    read: Callable[[Seek[SortKey]], Awaitable[Sequence[D]]],
    node: Callable[[D], N],
) -> Connection[N]:
    """The GraphQL list of the deadlines ``read`` pages (``page``), soonest due first."""
    return await asked.connection(
        cursor=PageRequest.date_id, fetch=read, key=Deadline.cursor, node=node
    )


def recorded_once(on: date | None, what: str, field: str) -> None:
    """INVALID_STATE if what is recorded once (the application a clock waits for, a notice
    sent) was recorded already, ``on`` that day: ``what`` names it as the message says it ("the
    application was recorded as sent"), and the problem's detail ``field`` carries the day."""
    if on is not None:
        raise InvalidState(f"{what} already, on {on.isoformat()}", **{field: on.isoformat()})


@dataclass(frozen=True)
class Outcome(Generic[D]):
    """The deadline as a change left it; ``replayed`` when the change was a repeat."""

    deadline: D
    replayed: bool = False


def once(
    remember_as: str, read: Callable[[AsyncSession, uuid.UUID], Awaitable[D]]
) -> Once[Outcome[D]]:
    """A clock's changes remembered by the deadline's id under ``remember_as``; a repeat
    ``read``s the deadline again, as it now stands."""

    async def replay(session: AsyncSession, source_id: uuid.UUID) -> Outcome[D]:
        return Outcome(await read(session, source_id), replayed=True)

    return Once(remember_as=remember_as, ident=lambda o: o.deadline.source_id, replay=replay)
