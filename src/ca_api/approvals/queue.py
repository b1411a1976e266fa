"""The approval queue: every item the caller may approve now, across every registered source,
and the live changes to it.

Each event is judged for the subscriber: the item is re-read with the subscriber's principal
through its source's ``one()``, in a database session opened for that event and closed after
(a websocket lives for hours; a session must not). A payload carries only the item's kind and
id, so nothing the subscriber may not see ever reaches it.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import uuid
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals import listener as listener_mod
from ca_api.approvals.listener import Message, Notice, Resync
from ca_api.approvals.sources import SOURCES, QueueItem, SortKey, sort_key
from ca_api.auth.principal import Principal
from ca_api.common.keyset import Seek
from ca_api.db import Database

log = logging.getLogger("ca_api.approvals")

Key = tuple[str, uuid.UUID]


async def awaiting(session: AsyncSession, principal: Principal) -> list[QueueItem]:
    """Every item the principal may approve now, from every source, oldest first."""
    items: list[QueueItem] = []
    for source in list(SOURCES.values()):
        items.extend(await source.awaiting(session, principal))
    items.sort(key=sort_key)
    return items


async def page(
    session: AsyncSession, principal: Principal, *, seek: Seek[SortKey]
) -> list[QueueItem]:
    """The page ``seek`` asks for: up to ``seek.limit`` items after the cursor's sort key (or,
    backward, before it, nearest first). Each source reads its own page (a shared service's
    queue holds a thousand items and more: judging them all took most of a page's time); the
    pages are merged and cut here. An item may have left the queue since its cursor was
    issued: the cursor still marks a place in the order."""
    items: list[QueueItem] = []
    for source in list(SOURCES.values()):
        items.extend(await source.page(session, principal, seek))
    items.sort(key=sort_key, reverse=seek.backward)
    return items[: seek.limit]


class EventType(enum.Enum):
    ENTERED = "ENTERED"
    LEFT = "LEFT"
    CHANGED = "CHANGED"


@dataclass(frozen=True)
class QueueEvent:
    type: EventType
    kind: str
    item_id: uuid.UUID
    item: QueueItem | None  # None when it LEFT


def _diff(known: dict[Key, QueueItem], current: list[QueueItem]) -> list[QueueEvent]:
    """Events taking ``known`` to ``current``; ``known`` is updated in place."""
    now = {(i.kind, i.id): i for i in current}
    events = [
        QueueEvent(EventType.LEFT, kind, ident, None)
        for (kind, ident) in list(known)
        if (kind, ident) not in now
    ]
    for key, item in now.items():
        before = known.get(key)
        if before is None:
            events.append(QueueEvent(EventType.ENTERED, item.kind, item.id, item))
        elif before != item:
            events.append(QueueEvent(EventType.CHANGED, item.kind, item.id, item))
    known.clear()
    known.update(now)
    return events


def _judge(
    known: dict[Key, QueueItem], notice: Notice, item: QueueItem | None
) -> QueueEvent | None:
    key = (notice.kind, notice.id)
    before = known.get(key)
    if item is None:
        if before is None:
            return None  # never in this subscriber's queue: nothing to say
        del known[key]
        return QueueEvent(EventType.LEFT, notice.kind, notice.id, None)
    known[key] = item
    if before is None:
        return QueueEvent(EventType.ENTERED, item.kind, item.id, item)
    if before != item:
        return QueueEvent(EventType.CHANGED, item.kind, item.id, item)
    return None


async def changes(
    database: Database, principal: Callable[[], Principal]
) -> AsyncGenerator[QueueEvent, None]:
    """The caller's queue as it changes: ENTERED, LEFT and CHANGED events, from the moment the
    subscription is live (LISTEN in place and the current queue read). ``principal`` is asked
    for the caller at every event: it raises once the token has expired."""
    listener = listener_mod.listener_for(database)
    async with listener.subscribe() as inbox:
        known: dict[Key, QueueItem] = {}
        async with database.session() as session:
            _diff(known, await awaiting(session, principal()))
        listener_mod.SUBSCRIBERS.inc()
        try:
            pending: Message | None = None
            while True:
                message = pending if pending is not None else await inbox.get()
                pending = None
                who = principal()
                try:
                    async with database.session() as session:
                        if isinstance(message, Resync):
                            found = _diff(known, await awaiting(session, who))
                        else:
                            source = SOURCES.get(message.kind)
                            if source is None:
                                log.warning("no queue source for kind %r", message.kind)
                                continue
                            event = _judge(
                                known, message, await source.one(session, who, message.id)
                            )
                            found = [event] if event is not None else []
                except Exception:  # a failed re-read must not end the stream: compare later
                    log.exception("re-reading the approval queue failed; will resync")
                    pending = listener_mod.RESYNC
                    await asyncio.sleep(1.0)
                    continue
                for event in found:
                    yield event
        finally:
            listener_mod.SUBSCRIBERS.dec()
