"""The outbox relay (issue 17 item 4): ``ca-api relay`` publishes the outbox to NATS JetStream
for systems that would rather be pushed to than poll their feed.

- One stream for the service (``CA_API_NATS_STREAM``, default ``CA_API_OUTBOX``), created here
  if missing with the subjects ``<prefix>.>`` and a de-duplication window; each message goes to
  ``<prefix>.<recipient>.<topic>`` in lower case (``ca_api.outbox.sap.appointed``), so a
  broker account can be let read only its own system's subjects (R-ROLE: an integration reads
  only its own flows, as ``outbox.repository.visible`` does for the GraphQL feed).
- The body is the message as an event (``event_of``: the fields the feed's ``OutboxMessage``
  gives, under the same names and ids); the header ``Nats-Msg-Id`` is the message's id, so
  JetStream stores a message once however often it is published within its window.
- Messages are read in ``sequence`` (commit) order after the stream's offset, published as a
  batch (asynchronous publishes, then every acknowledgement awaited), and only then is the
  batch's offset appended (``outbox_relay_offset``). A relay stopped anywhere (SIGKILL, a lost
  connection, a broker that does not answer) resumes after the last offset stored: it loses
  nothing and repeats at most the batch it was publishing, which the stream's window hides
  (the acknowledgement says ``duplicate``; the offset row counts them). Delivery is
  at-least-once: a consumer that can see a repeat (outside the window) de-duplicates by id.
- The relay records no SENT delivery rows: SENT is what the recipient's deliverer records
  (``rules.DELIVERERS``: an officer's e-mail to a team, the integration's own acknowledgement of
  its feed), and a broker holding a message is not the recipient having it. Which messages the
  stream holds is the offset table's: every message up to the greatest ``through_sequence``.
- One relay per stream: it holds an advisory lock on a connection of its own; a second one
  waits as a standby. It polls every ``poll_interval`` seconds when it has caught up, and stops
  cleanly on SIGTERM or SIGINT (the batch in flight is finished and its offset stored).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import PubAck, StorageType
from sqlalchemy.exc import DBAPIError

from ca_api.common.ids import node_id
from ca_api.config import Settings
from ca_api.db import Database
from ca_api.outbox import relay_repository
from ca_api.outbox.models import OutboxMessage

log = logging.getLogger(__name__)

MESSAGE_ID_HEADER = "Nats-Msg-Id"
# Waits between attempts after an error (the broker or the database away), in seconds.
_BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class RelayError(Exception):
    """The relay cannot run as configured (the stream is not the one it publishes to, another
    relay holds the stream in a catch-up run)."""


def event_of(message: OutboxMessage) -> dict[str, Any]:
    """The message as an event: what the feed's ``OutboxMessage`` gives, under its GraphQL
    names, its ids the GraphQL ids (so a consumer may look any of them up through the API).
    The one rendering of a message for a consumer outside the service."""
    return {
        "id": str(node_id("OutboxMessage", message.id)),
        "sequence": message.sequence,
        "topic": message.topic,
        "recipient": message.recipient,
        "clientId": str(node_id("Client", message.client_id)),
        "subjectType": message.subject_type,
        "subjectId": str(node_id(message.subject_type, message.subject_id)),
        "payload": message.payload,
        "createdAt": message.created_at.isoformat(),
    }


def subject_of(prefix: str, message: OutboxMessage) -> str:
    """``<prefix>.<recipient>.<topic>``, lower case: a subject per flow."""
    return f"{prefix}.{message.recipient.lower()}.{message.topic.lower()}"


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True)
class RelayConfig:
    stream: str
    subject_prefix: str
    duplicate_window: float = 3600.0
    batch_size: int = 500
    poll_interval: float = 0.5
    # How long a batch's acknowledgements are awaited before it is published again.
    ack_timeout: float = 10.0
    recorded_by: str = "relay"

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RelayConfig:
        values: dict[str, Any] = {
            "stream": settings.nats_stream,
            "subject_prefix": settings.nats_subject_prefix,
            "duplicate_window": float(settings.nats_duplicate_window_seconds),
            "recorded_by": f"relay:{socket.gethostname()}:{os.getpid()}",
        }
        return cls(**(values | overrides))


@dataclass(frozen=True)
class Batch:
    """A batch the stream acknowledged: the offset stored, how many, how many it had already."""

    through_sequence: int
    message_count: int
    duplicate_count: int


@dataclass
class Totals:
    batches: int = 0
    published: int = 0
    duplicates: int = 0
    offset: int = 0

    def add(self, batch: Batch) -> None:
        self.batches += 1
        self.published += batch.message_count
        self.duplicates += batch.duplicate_count
        self.offset = batch.through_sequence


async def ensure_stream(js: JetStreamContext, config: RelayConfig) -> None:
    """The stream, created if missing; an existing one must take the relay's subjects (its
    other settings, the de-duplication window among them, are the operator's)."""
    subjects = f"{config.subject_prefix}.>"
    try:
        info = await js.stream_info(config.stream)
    except nats.js.errors.NotFoundError:
        await js.add_stream(
            name=config.stream,
            description="ca_api's outbox, published by `ca-api relay`",
            subjects=[subjects],
            storage=StorageType.FILE,
            duplicate_window=config.duplicate_window,
        )
        log.info("created stream %s for %s", config.stream, subjects)
        return
    if subjects not in (info.config.subjects or []):
        raise RelayError(
            f"stream {config.stream} exists without the subjects {subjects}: "
            f"it has {info.config.subjects}"
        )


async def publish(
    js: JetStreamContext, config: RelayConfig, messages: Sequence[OutboxMessage]
) -> list[PubAck]:
    """Publish the messages in order (asynchronously, on one connection, so the stream stores
    them in this order) and await every acknowledgement."""
    pending = []
    for message in messages:
        event = event_of(message)
        pending.append(
            await js.publish_async(
                subject_of(config.subject_prefix, message),
                encode(event),
                headers={MESSAGE_ID_HEADER: event["id"]},
                stream=config.stream,
            )
        )
    return list(await asyncio.wait_for(asyncio.gather(*pending), config.ack_timeout))


async def relay_batch(db: Database, js: JetStreamContext, config: RelayConfig) -> Batch | None:
    """The next batch after the stream's offset published and, once acknowledged, its offset
    stored; None when there is nothing to publish. No transaction is held while publishing."""
    async with db.session() as session:
        after = await relay_repository.offset(session, config.stream)
        messages = await relay_repository.messages_after(session, after, config.batch_size)
    if not messages:
        return None
    acks = await publish(js, config, messages)
    batch = Batch(
        through_sequence=messages[-1].sequence,
        message_count=len(messages),
        duplicate_count=sum(1 for ack in acks if ack.duplicate),
    )
    async with db.session() as session, session.begin():
        await relay_repository.record_offset(
            session,
            stream=config.stream,
            through_sequence=batch.through_sequence,
            message_count=batch.message_count,
            duplicate_count=batch.duplicate_count,
            recorded_by=config.recorded_by,
        )
    log.debug(
        "published through %s: %s messages, %s already in the stream",
        batch.through_sequence,
        batch.message_count,
        batch.duplicate_count,
    )
    return batch


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


# What the relay waits out and tries again: the broker or the database away for a while.
_TRANSIENT = (nats.errors.Error, TimeoutError, DBAPIError, OSError)


async def run(
    db: Database,
    js: JetStreamContext,
    config: RelayConfig,
    stop: asyncio.Event,
    *,
    until_idle: bool = False,
) -> Totals:
    """Publish until ``stop`` is set (or, ``until_idle``, until nothing is left: a catch-up run
    that raises rather than waits on an error or another relay)."""
    totals = Totals()
    await ensure_stream(js, config)
    async with db.engine.connect() as conn:
        lock = await conn.execution_options(isolation_level="AUTOCOMMIT")
        try:
            while not await relay_repository.try_relay_lock(lock, config.stream):
                if until_idle:
                    raise RelayError(f"another relay is publishing stream {config.stream}")
                log.info("another relay is publishing stream %s: standing by", config.stream)
                if await _stopped_within(stop, max(config.poll_interval, 1.0)):
                    return totals
            failures = 0
            while not stop.is_set():
                try:
                    batch = await relay_batch(db, js, config)
                except _TRANSIENT as exc:
                    if until_idle:
                        raise
                    wait = _BACKOFF[min(failures, len(_BACKOFF) - 1)]
                    failures += 1
                    log.warning("relay batch failed (%r): trying again in %ss", exc, wait)
                    await _stopped_within(stop, wait)
                    continue
                failures = 0
                if batch is None:
                    if until_idle:
                        break
                    await _stopped_within(stop, config.poll_interval)
                    continue
                totals.add(batch)
        finally:
            # The lock goes with the connection: closed, never handed back to the pool.
            await lock.invalidate()
    return totals


async def _log_error(exc: Exception) -> None:
    log.warning("broker connection: %r", exc)


async def connect(settings: Settings, stop: asyncio.Event, *, until_idle: bool) -> Any:
    """The broker's connection; None when stopped first. A long-running relay started before
    the broker is up waits for it (and reconnects for ever after); a catch-up run gives up after
    a few attempts."""
    assert settings.nats_url
    options: dict[str, Any] = {
        "name": "ca-api relay",
        "max_reconnect_attempts": 3 if until_idle else -1,
        "error_cb": _log_error,
    }
    if settings.nats_credentials_file is not None:
        options["user_credentials"] = str(settings.nats_credentials_file)
    connecting = asyncio.ensure_future(nats.connect(settings.nats_url, **options))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if not connecting.done():
        connecting.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await connecting
        return None
    try:
        return connecting.result()
    except (nats.errors.Error, OSError, TimeoutError) as exc:
        raise RelayError(f"no broker answers at {settings.nats_url} ({exc!r})") from exc


async def main(
    db: Database, settings: Settings, config: RelayConfig, *, until_idle: bool = False
) -> Totals:
    """Connect to the broker and run until SIGTERM or SIGINT (or, ``until_idle``, caught up)."""
    if not settings.nats_url:
        raise RelayError("no broker configured (CA_API_NATS_URL)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        nc = await connect(settings, stop, until_idle=until_idle)
        if nc is None:
            return Totals()
        try:
            log.info(
                "relay publishing the outbox to %s subjects %s.>",
                config.stream,
                config.subject_prefix,
            )
            return await run(db, nc.jetstream(), config, stop, until_idle=until_idle)
        finally:
            await nc.drain()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
