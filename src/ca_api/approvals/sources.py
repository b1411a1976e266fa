"""What can wait in an approval queue, and how each kind of item is read.

Each kind (payments, decisions) has a ``QueueSource``; ``graphql.QUEUE_SOURCES`` lists them
all, in one place, and ``build_schema`` installs them (not an import side effect). The queue query
and the live subscription merge what every source says. A source answers for one principal: only
items that principal may approve now (neither raised nor written by them,
``approvals.rules.four_eyes``: R-ROLE-2; within their limit: R-DEC).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals.mechanism import Claim, limits_on, may_decide
from ca_api.auth.principal import Principal
from ca_api.common.keyset import Seek, beyond
from ca_api.money import Pence
from ca_api.policy.rules import LimitVersion


class QueueKind(enum.StrEnum):
    """Every kind of thing that can wait in the approval queue: a source's ``kind`` is one of
    these, or ``install`` refuses it (the API shows the kind as an enum, issue 11 item 4)."""

    PAYMENT = "PAYMENT"
    DECISION = "DECISION"
    TEMPORARY_ASSISTANCE = "TEMPORARY_ASSISTANCE"


class Raised(Protocol):
    """An approvable aggregate's row, as the queue reads it (a payment, a decision)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def client_id(self) -> uuid.UUID: ...
    @property
    def amount(self) -> Pence: ...
    @property
    def raised_by(self) -> str: ...
    @property
    def raised_at(self) -> datetime: ...


@dataclass(frozen=True)
class QueueItem:
    kind: str  # the source's kind: "PAYMENT", "DECISION"
    id: uuid.UUID
    client_id: uuid.UUID
    client_reference: str
    amount: Pence | None
    summary: str  # e.g. "Payment to British Gas", "Gift to Jane Doe"
    raised_by: str
    raised_at: datetime

    @classmethod
    def of(cls, kind: str, row: Raised, client_reference: str, summary: str) -> QueueItem:
        """The item for an aggregate's row: its id, client, amount, and who raised it when."""
        return cls(
            kind=kind,
            id=row.id,
            client_id=row.client_id,
            client_reference=client_reference,
            amount=row.amount,
            summary=summary,
            raised_by=row.raised_by,
            raised_at=row.raised_at,
        )


# The queue's order: oldest first; ties (one transaction's items) by kind, then id.
SortKey = tuple[datetime, str, uuid.UUID]
# A source's own order: (raised at, id).
SourceKey = tuple[datetime, uuid.UUID]


def sort_key(item: QueueItem) -> SortKey:
    """An item's place in the queue: a total order across every source."""
    return (item.raised_at, item.kind, item.id)


class QueueSource(Protocol):
    kind: str

    async def awaiting(self, session: AsyncSession, principal: Principal) -> list[QueueItem]:
        """Every item of this kind the principal may approve now, oldest first."""
        ...

    async def page(
        self, session: AsyncSession, principal: Principal, seek: Seek[SortKey]
    ) -> list[QueueItem]:
        """Up to ``seek.limit`` of those items after (backward: before) ``seek.key`` in the
        queue's order, nearest first."""
        ...

    async def one(
        self, session: AsyncSession, principal: Principal, item_id: uuid.UUID
    ) -> QueueItem | None:
        """The item, if it awaits approval and the principal may approve it now; else None."""
        ...


@dataclass(frozen=True)
class Judge:
    """Who reads the queue, and the approval limits in force today they are judged under."""

    principal: Principal
    version: LimitVersion

    def may(self, claim: Claim) -> bool:
        """Whether the principal may decide it now: the mutation's own test once more (a
        source's SQL is its shortcut), ``mechanism.may_decide``."""
        return may_decide(self.principal, claim, self.version)


# A page's first read from a source: the page's size; each further read (the judge refused
# some of what was read) twice the one before, up to this.
LARGEST_READ = 1000


class QuerySource:
    """A ``QueueSource`` that reads its items with one query (all of them, the one asked for, or
    a page by (raised at, id)) under the approval limits in force today (none in force: nobody
    may approve, and nothing is read): a subclass names its ``kind`` and writes ``rows`` (the
    SQL's shortcut) and ``item`` (the mutation's own test once more, and the item)."""

    kind: str

    async def rows(
        self,
        session: AsyncSession,
        judge: Judge,
        item_id: uuid.UUID | None,
        seek: Seek[SourceKey] | None,
    ) -> Sequence[Any]:
        """The rows that may be the judge's to approve, oldest first (each with the aggregate's
        row first); only ``item_id``'s if given; only the page ``seek`` asks for if given."""
        raise NotImplementedError

    def item(self, judge: Judge, row: Any) -> QueueItem | None:
        """The row's item, if the judge's principal may approve it; else None."""
        raise NotImplementedError

    async def _judge(self, session: AsyncSession, principal: Principal) -> Judge | None:
        version = await limits_on(session, clock.today())
        return None if version is None else Judge(principal, version)  # None: nobody may

    async def _items(
        self,
        session: AsyncSession,
        judge: Judge,
        item_id: uuid.UUID | None,
        seek: Seek[SourceKey] | None = None,
    ) -> tuple[list[QueueItem], Sequence[Any]]:
        rows = await self.rows(session, judge, item_id, seek)
        return [i for r in rows if (i := self.item(judge, r)) is not None], rows

    async def awaiting(self, session: AsyncSession, principal: Principal) -> list[QueueItem]:
        judge = await self._judge(session, principal)
        return [] if judge is None else (await self._items(session, judge, None))[0]

    async def page(
        self, session: AsyncSession, principal: Principal, seek: Seek[SortKey]
    ) -> list[QueueItem]:
        """Read in (raised at, id) order from the cursor's time on, a page at a time, until
        ``seek.limit`` items past the cursor pass the judge or the rows run out: the cost of a
        page, not of the whole queue (issue 18)."""
        judge = await self._judge(session, principal)
        if judge is None:
            return []
        key: SourceKey | None = None
        if seek.key is not None:  # every row at the cursor's time: its kind and id sort on
            key = (seek.key[0], _LAST_ID if seek.backward else _FIRST_ID)
        found: list[QueueItem] = []
        size = seek.limit
        while True:
            read = Seek(key, size, seek.backward)
            items, rows = await self._items(session, judge, None, read)
            found += [i for i in items if beyond(sort_key(i), seek)]
            if len(found) >= seek.limit or len(rows) < size:
                return found[: seek.limit]
            last = rows[-1][0]
            key, size = (last.raised_at, last.id), min(2 * size, LARGEST_READ)

    async def one(
        self, session: AsyncSession, principal: Principal, item_id: uuid.UUID
    ) -> QueueItem | None:
        judge = await self._judge(session, principal)
        items = [] if judge is None else (await self._items(session, judge, item_id))[0]
        return items[0] if items else None


_FIRST_ID = uuid.UUID(int=0)
_LAST_ID = uuid.UUID(int=2**128 - 1)


SOURCES: dict[str, QueueSource] = {}


def install(sources: Iterable[QueueSource]) -> None:
    """Make these the sources the queue reads, by kind (``graphql.build_schema`` calls it). A
    kind that is not a ``QueueKind`` is refused here, at start, never when a queue is read."""
    for source in sources:
        QueueKind(source.kind)
        SOURCES[source.kind] = source
