"""One ``LISTEN`` connection per server process, fanning queue events out to its subscribers.

The connection is asyncpg's own, outside the SQLAlchemy pool (a pooled connection would be
handed back and lose its LISTEN). It is opened on the first subscription and closed with the
app (its lifespan). Each subscriber gets a bounded ``asyncio.Queue``; a payload only names an
item (``{"kind": ..., "id": ...}``) and the subscriber re-reads it with its own principal.

When the connection drops, the listener reconnects (with backoff) and tells every subscriber to
RESYNC: NOTIFYs sent while nobody listened are lost, so each subscriber compares its queue as it
stands with what it last knew. A subscriber that falls more than ``QUEUE_SIZE`` events behind
is told the same instead of growing without bound.

At larger scale the same payloads would go through a broker (Redis pub/sub, NATS): only this
class changes (see README, "Live approval queue").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from prometheus_client import Counter, Gauge
from sqlalchemy.engine import make_url

from ca_api.approvals.events import CHANNEL
from ca_api.db import Database

log = logging.getLogger("ca_api.approvals.listener")

QUEUE_SIZE = 1000
HEALTH_CHECK_SECONDS = 15.0  # how often an idle connection is checked (a silent network drop)
READY_TIMEOUT_SECONDS = 10.0
APPLICATION_NAME = "ca_api_queue_listener"

SUBSCRIBERS = Gauge(
    "ca_api_approval_queue_subscribers", "Live approval-queue subscriptions in this process"
)
NOTICES = Counter("ca_api_approval_queue_notices_total", "Queue NOTIFYs received")
RECONNECTS = Counter("ca_api_approval_queue_listener_reconnects_total", "LISTEN reconnects")


@dataclass(frozen=True)
class Notice:
    kind: str
    id: uuid.UUID


class Resync:
    """Events may have been missed: compare the whole queue with what you knew."""


RESYNC = Resync()
Message = Notice | Resync


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _setter(event: asyncio.Event) -> Callable[[Any], None]:
    return lambda _conn: event.set()


class QueueListener:
    def __init__(self, url: str) -> None:
        self.dsn = _asyncpg_dsn(url)
        self._subscribers: set[asyncio.Queue[Message]] = set()
        self._ready = asyncio.Event()  # set while LISTEN is in place
        self._task: asyncio.Task[None] | None = None
        self._conn: Any = None
        self.connections = 0  # how many times LISTEN was set up (1 + reconnects)

    # --- subscribers -------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Message]]:
        """A queue of notices, registered before LISTEN is known to be in place, so nothing
        committed after this returns is missed."""
        queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            self._start()
            await asyncio.wait_for(self._ready.wait(), READY_TIMEOUT_SECONDS)
            yield queue
        finally:
            self._subscribers.discard(queue)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def _deliver(self, message: Message) -> None:
        for queue in self._subscribers:
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                # Too far behind: drop what it has and make it compare the whole queue.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(RESYNC)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        NOTICES.inc()
        try:
            data = json.loads(payload)
            notice = Notice(kind=str(data["kind"]), id=uuid.UUID(str(data["id"])))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed approval-queue payload: %r", payload[:200])
            return
        self._deliver(notice)

    # --- the connection ----------------------------------------------------------------

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="approval-queue-listener"
            )

    async def _run(self) -> None:
        delay = 0.1
        while True:
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(
                    self.dsn, server_settings={"application_name": APPLICATION_NAME}
                )
            except Exception as exc:  # any failure to connect: retry
                log.warning("approval-queue listener cannot connect (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self._conn = conn
            try:
                conn.add_termination_listener(_setter(lost))
                await conn.add_listener(CHANNEL, self._on_notify)
                self.connections += 1
                if self.connections > 1:
                    RECONNECTS.inc()
                    self._deliver(RESYNC)  # NOTIFYs sent while nobody listened are lost
                self._ready.set()
                delay = 0.1
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), HEALTH_CHECK_SECONDS)
                    if not lost.is_set():
                        await asyncio.wait_for(conn.execute("SELECT 1"), 5)
            except Exception as exc:  # the connection failed in any way: reconnect
                log.warning("approval-queue listener lost its connection (%s)", exc)
            finally:
                self._ready.clear()
                self._conn = None
                if not conn.is_closed():
                    conn.terminate()
            log.warning("approval-queue listener reconnecting")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._ready.clear()


_LISTENERS: weakref.WeakKeyDictionary[Database, QueueListener] = weakref.WeakKeyDictionary()


def listener_for(database: Database) -> QueueListener:
    """The process's listener for this database (one per app), made on first use."""
    listener = _LISTENERS.get(database)
    if listener is None:
        listener = _LISTENERS[database] = QueueListener(database.url)
    return listener


async def stop_listener(database: Database) -> None:
    """Close the LISTEN connection, if one was opened (the app's lifespan, on shutdown)."""
    listener = _LISTENERS.pop(database, None)
    if listener is not None:
        await listener.stop()
