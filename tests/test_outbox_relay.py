"""The outbox relay to NATS JetStream (issue 17 item 4) against the machine's real nats-server
(127.0.0.1:4222, started by ``.ci/run``) and a database that commits for real: the relay reads
only committed messages.

Each test publishes to a stream and subjects of its own (deleted afterwards), so runs never see
each other's messages. What must hold: every outbox message is in the stream once, under the
subject of its flow (``<prefix>.<recipient>.<topic>``) with its id as ``Nats-Msg-Id`` and the
feed's fields as its body; a relay killed (SIGKILL) mid-stream and started again loses nothing
and republishes only what lay beyond its stored offset, which JetStream's de-duplication hides.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ca_api.auth.tokens import SigningKey
from ca_api.cli import build_parser, cmd_relay
from ca_api.common.ids import node_id
from ca_api.config import Settings
from ca_api.db import Database
from ca_api.outbox import relay, relay_repository
from ca_api.outbox.repository import take_feed_lock
from tests.conftest import _admin, _admin_url
from tests.factories import (
    committed_clients,
    community_client_id,
    outbox_messages,
    record_appointeeship,
)
from tests.support import app_on, fresh_database, off_loop

NATS_URL = "nats://127.0.0.1:4222"
SRC = Path(__file__).resolve().parents[1] / "src"
# The fields of the feed's OutboxMessage an event carries (outbox/relay.py event_of).
EVENT_FIELDS = (
    "id",
    "sequence",
    "topic",
    "recipient",
    "clientId",
    "subjectType",
    "subjectId",
    "payload",
    "createdAt",
)


def _nats_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 4222), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not _nats_answers(),
    reason="no NATS server answers on 127.0.0.1:4222 (.ci/run starts nats-server -js)",
)


@pytest.fixture(scope="module")
async def relay_url(database_url: str, database: Database) -> AsyncIterator[str]:
    """A database of this module's own that commits for real: a copy of the session's migrated
    (and still empty: its tests roll back) database, made in a second by CREATE DATABASE ...
    TEMPLATE rather than migrating again; built by the migrations if the copy is refused."""
    await database.dispose()  # its idle connections would refuse the copy
    admin = _admin_url()
    source = make_url(database_url).database
    name = f"ca_api_relay_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with ExitStack() as stack:
        try:
            await _admin(admin, f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
            url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        except DBAPIError:  # someone is connected to the session's database
            url = stack.enter_context(fresh_database("ca_api_relay"))
            name = ""
        try:
            yield url
        finally:
            if name:
                drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                off_loop(asyncio.run, _admin(admin, drop))


@pytest.fixture
async def js() -> AsyncIterator[JetStreamContext]:
    nc = await nats.connect(NATS_URL)
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


@pytest.fixture
async def stream(js: JetStreamContext) -> AsyncIterator[relay.RelayConfig]:
    """A stream and subject prefix of this test's own, deleted afterwards."""
    tag = uuid.uuid4().hex[:10]
    config = relay.RelayConfig(
        stream=f"CA_API_TEST_{tag}", subject_prefix=f"ca_api_test_{tag}.outbox", batch_size=100
    )
    try:
        yield config
    finally:
        with suppress(nats.js.errors.NotFoundError):
            await js.delete_stream(config.stream)


async def stored(js: JetStreamContext, config: relay.RelayConfig) -> list[Msg]:
    """Every message the stream holds, in its order."""
    info = await js.stream_info(config.stream)
    total = info.state.messages
    sub = await js.pull_subscribe(
        f"{config.subject_prefix}.>",
        stream=config.stream,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE),
    )
    got: list[Msg] = []
    try:
        while len(got) < total:
            got.extend(await sub.fetch(batch=min(1000, total - len(got)), timeout=5))
    finally:
        await sub.unsubscribe()
    return got


def msg_id(message: Msg) -> str:
    assert message.headers is not None
    return message.headers[relay.MESSAGE_ID_HEADER]


async def scalar(db: Database, sql: str, **params: Any) -> Any:
    async with db.session() as session:
        return (await session.execute(text(sql), params)).scalar_one()


async def test_every_event_reaches_the_stream_under_its_flow_with_its_id(
    relay_url: str,
    settings: Settings,
    signing_key: SigningKey,
    js: JetStreamContext,
    stream: relay.RelayConfig,
) -> None:
    """Events written through the endpoint (an appointment tells both teams, R-REF-7, and
    both integrations, issue 17), the
    relay run: each in the stream once, its subject its flow's, its Nats-Msg-Id its id, its
    body the fields the feed gives for it."""
    async with app_on(relay_url, settings, signing_key, pool_size=2) as (api, db):
        client_id = await community_client_id(api)
        assert (await record_appointeeship(api, client_id))["__typename"] == "AppointeeshipPayload"
        feed = await outbox_messages(api, clientId=client_id)
        assert {m["recipient"] for m in feed} == {
            "FINANCIAL_ASSESSMENT",
            "INCOME_RECOVERY",
            "SAP",
            "CONTROCC",
        }
        in_outbox = await scalar(db, "SELECT count(*) FROM outbox_message")

        done = await relay.run(db, js, stream, asyncio.Event(), until_idle=True)
        assert (done.published, done.duplicates) == (in_outbox, 0)
        assert done.offset == await scalar(db, "SELECT max(sequence) FROM outbox_message")

        messages = await stored(js, stream)
        by_id = {msg_id(m): m for m in messages}
        assert len(messages) == len(by_id) == in_outbox
        for m in feed:
            published = by_id[m["id"]]
            assert published.subject == (
                f"{stream.subject_prefix}.{m['recipient'].lower()}.{m['topic'].lower()}"
            )
            assert json.loads(published.data) == {f: m[f] for f in EVENT_FIELDS}
        sequences = [json.loads(m.data)["sequence"] for m in messages]
        assert sequences == sorted(sequences)  # published in commit order

        # Caught up, it publishes nothing again: the offset is stored, nothing is repeated.
        again = await relay.run(db, js, stream, asyncio.Event(), until_idle=True)
        assert (again.published, again.batches) == (0, 0)
        assert (await js.stream_info(stream.stream)).state.messages == in_outbox


MANY = 3000
KILL_AFTER = 400  # published messages seen on the subjects before the relay is killed


async def many_events(db: Database, n: int) -> None:
    """``n`` messages to SAP and Controcc, committed in one statement under the feed lock as
    ``outbox.emit`` writes them (its path is the first test's; here only the volume matters:
    emitting them one by one would take the file's whole time budget)."""
    (client_id,) = await committed_clients(db, 1)
    async with db.session() as session, session.begin():
        await take_feed_lock(session)
        await session.execute(
            text(
                "INSERT INTO outbox_message (id, topic, recipient, client_id, subject_type,"
                " subject_id, payload, created_by)"
                " SELECT gen_random_uuid(), 'CIRCUMSTANCES_CHANGED',"
                " CASE WHEN i % 2 = 0 THEN 'SAP' ELSE 'CONTROCC' END, :client,"
                " 'CircumstanceChange', gen_random_uuid(), jsonb_build_object('n', i), 'sap'"
                " FROM generate_series(1, :n) AS i ORDER BY i"
            ),
            {"client": client_id, "n": n},
        )


def relay_command(url: str, config: relay.RelayConfig, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ca_api.cli", "relay", "--batch-size", "100", *extra]


def relay_env(url: str, config: relay.RelayConfig) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": url,
        "CA_API_NATS_URL": NATS_URL,
        "CA_API_NATS_STREAM": config.stream,
        "CA_API_NATS_SUBJECT_PREFIX": config.subject_prefix,
        "CA_API_ENVIRONMENT": "test",
        "CA_API_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(SRC),
    }


async def caught_up(
    db: Database, js: JetStreamContext, config: relay.RelayConfig, in_outbox: int
) -> bool:
    """The stream holds every message and the stored offset is the last one."""
    if (await js.stream_info(config.stream)).state.messages < in_outbox:
        return False
    offset = await scalar(
        db,
        "SELECT coalesce(max(through_sequence), 0) FROM outbox_relay_offset WHERE stream = :s",
        s=config.stream,
    )
    return bool(offset == await scalar(db, "SELECT max(sequence) FROM outbox_message"))


async def test_a_relay_killed_mid_stream_and_restarted_loses_nothing(
    relay_url: str, js: JetStreamContext, stream: relay.RelayConfig
) -> None:
    db = Database(relay_url, pool_size=2)
    try:
        await many_events(db, MANY)
        in_outbox = await scalar(db, "SELECT count(*) FROM outbox_message")
        env = relay_env(relay_url, stream)

        # `ca-api relay` as a process of its own, SIGKILLed once it is well into the stream.
        seen = 0
        enough = asyncio.Event()

        async def count(msg: Any) -> None:
            nonlocal seen
            seen += 1
            if seen >= KILL_AFTER:
                enough.set()

        watcher = await js._nc.subscribe(f"{stream.subject_prefix}.>", cb=count)
        first = await asyncio.create_subprocess_exec(
            *relay_command(relay_url, stream), env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            await asyncio.wait_for(enough.wait(), 20)
        finally:
            first.kill()
            await first.wait()
            await watcher.unsubscribe()
        assert first.returncode == -signal.SIGKILL

        killed_at = await scalar(
            db,
            "SELECT coalesce(max(through_sequence), 0) FROM outbox_relay_offset WHERE stream = :s",
            s=stream.stream,
        )
        upto = await scalar(
            db, "SELECT count(*) FROM outbox_message WHERE sequence <= :o", o=killed_at
        )
        in_stream = (await js.stream_info(stream.stream)).state.messages
        assert 0 < upto < in_outbox, "killed before the end: the test shows a restart"
        assert in_stream >= upto  # everything the offset claims is in the stream

        # Started again (a relay that polls, stopped by SIGTERM once caught up).
        second = await asyncio.create_subprocess_exec(
            *relay_command(relay_url, stream), env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            async with asyncio.timeout(30):
                while not await caught_up(db, js, stream, in_outbox):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        finally:
            second.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(second.communicate(), 10)
        assert second.returncode == 0, err.decode()  # a clean stop on SIGTERM
        assert b"relay stopped" in err

        # Resumed after its offset: it republished only what lay beyond it, and exactly the
        # ones the stream already had were repeats (acknowledged as duplicates, not stored).
        async with db.session() as session:
            republished, repeats = (
                await session.execute(
                    text(
                        "SELECT sum(message_count), sum(duplicate_count) FROM outbox_relay_offset"
                        " WHERE stream = :s AND through_sequence > :o"
                    ),
                    {"s": stream.stream, "o": killed_at},
                )
            ).one()
        assert republished == in_outbox - upto
        assert repeats == in_stream - upto

        messages = await stored(js, stream)
        ids = [msg_id(m) for m in messages]
        assert len(messages) == len(set(ids)) == in_outbox  # every one, once
        async with db.session() as session:
            rows = (await session.execute(text("SELECT id FROM outbox_message"))).scalars()
            assert set(ids) == {node_id("OutboxMessage", r) for r in rows}
        sequences = [json.loads(m.data)["sequence"] for m in messages]
        assert sequences == sorted(sequences)
    finally:
        await db.dispose()


def test_without_a_broker_the_relay_refuses_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["relay"])
    assert cmd_relay(args, Settings(environment="test", nats_url=None)) == 2
    assert "CA_API_NATS_URL" in capsys.readouterr().err


async def test_one_relay_publishes_a_stream_at_a_time(
    relay_url: str, js: JetStreamContext, stream: relay.RelayConfig
) -> None:
    """A second relay of the same stream stands by (a catch-up run refuses) while the first
    holds the stream's lock; the lock goes with the first one's connection."""
    db = Database(relay_url, pool_size=2)
    try:
        async with db.engine.connect() as conn:
            holder = await conn.execution_options(isolation_level="AUTOCOMMIT")
            assert await relay_repository.try_relay_lock(holder, stream.stream)
            with pytest.raises(relay.RelayError, match="another relay"):
                await relay.run(db, js, stream, asyncio.Event(), until_idle=True)
            await holder.invalidate()
        done = await relay.run(db, js, stream, asyncio.Event(), until_idle=True)
        assert done.offset == await scalar(db, "SELECT max(sequence) FROM outbox_message")
    finally:
        await db.dispose()


async def test_a_stream_without_the_relays_subjects_is_refused(
    relay_url: str, js: JetStreamContext, stream: relay.RelayConfig
) -> None:
    await js.add_stream(name=stream.stream, subjects=[f"{stream.subject_prefix}_other.>"])
    db = Database(relay_url, pool_size=1)
    try:
        with pytest.raises(relay.RelayError, match="without the subjects"):
            await relay.run(db, js, stream, asyncio.Event(), until_idle=True)
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("field", "bad"),
    [("nats_stream", "CA.API"), ("nats_stream", "A B"), ("nats_subject_prefix", "ca_api.>")],
)
def test_a_stream_or_prefix_with_wildcards_or_dots_is_refused(field: str, bad: str) -> None:
    with pytest.raises(ValueError, match=field):
        Settings(**{field: bad})
    assert Settings(nats_stream="CA_API_OUTBOX", nats_subject_prefix="a.b-c.d_e")
