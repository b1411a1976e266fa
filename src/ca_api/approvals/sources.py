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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals.mechanism import Claim, limits_on, may_decide
from ca_api.auth.principal import Principal
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


class QueueSource(Protocol):
    kind: str

    async def awaiting(self, session: AsyncSession, principal: Principal) -> list[QueueItem]:
        """Every item of this kind the principal may approve now, oldest first."""
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


class QuerySource:
    """A ``QueueSource`` that reads its items with one query, all of them or the one asked for,
    under the approval limits in force today (none in force: nobody may approve, and nothing is
    read): a subclass names its ``kind`` and writes ``decidable``."""

    kind: str

    async def decidable(
        self, session: AsyncSession, judge: Judge, item_id: uuid.UUID | None
    ) -> list[QueueItem]:
        """The items the judge's principal may approve, oldest first; only ``item_id``'s if
        given."""
        raise NotImplementedError

    async def items(
        self, session: AsyncSession, principal: Principal, item_id: uuid.UUID | None
    ) -> list[QueueItem]:
        """The items the principal may approve now, oldest first; only ``item_id``'s if given."""
        version = await limits_on(session, clock.today())
        if version is None:
            return []  # no limits in force: nobody may approve
        return await self.decidable(session, Judge(principal, version), item_id)

    async def awaiting(self, session: AsyncSession, principal: Principal) -> list[QueueItem]:
        return await self.items(session, principal, None)

    async def one(
        self, session: AsyncSession, principal: Principal, item_id: uuid.UUID
    ) -> QueueItem | None:
        items = await self.items(session, principal, item_id)
        return items[0] if items else None


SOURCES: dict[str, QueueSource] = {}


def install(sources: Iterable[QueueSource]) -> None:
    """Make these the sources the queue reads, by kind (``graphql.build_schema`` calls it). A
    kind that is not a ``QueueKind`` is refused here, at start, never when a queue is read."""
    for source in sources:
        QueueKind(source.kind)
        SOURCES[source.kind] = source
