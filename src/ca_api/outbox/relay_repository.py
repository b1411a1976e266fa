"""Every SQL statement of the outbox relay (``outbox/relay.py``): the messages after an offset
in sequence order, the stream's offset, a batch's acknowledgement appended, and the lock that
keeps one relay per stream."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ca_api.outbox.models import OutboxMessage
from ca_api.outbox.relay_models import OutboxRelayOffset

# pg_try_advisory_lock(RELAY_LOCK, hashtext(stream)): one relay publishes a stream at a time (a
# second one started waits as a standby); held by the relay's own connection, so it goes with
# the process however the process ends.
RELAY_LOCK = 0x0B0C_0046


async def offset(session: AsyncSession, stream: str) -> int:
    """The greatest sequence the stream acknowledged; 0 when it has none."""
    stmt = select(func.coalesce(func.max(OutboxRelayOffset.through_sequence), 0)).where(
        OutboxRelayOffset.stream == stream
    )
    return int((await session.execute(stmt)).scalar_one())


async def messages_after(
    session: AsyncSession, sequence: int, limit: int
) -> Sequence[OutboxMessage]:
    """The next ``limit`` committed messages after ``sequence``, in sequence order. Emitters
    number messages under the feed lock (``repository.FEED_LOCK``), so a message committed later
    never has a smaller number than one read here: reading past an offset loses nothing."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.sequence > sequence)
        .order_by(OutboxMessage.sequence)
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


async def record_offset(
    session: AsyncSession,
    *,
    stream: str,
    through_sequence: int,
    message_count: int,
    duplicate_count: int,
    recorded_by: str,
) -> bool:
    """Append the batch's acknowledgement; False when this offset was recorded already (two
    relays raced after a lost lock: the stream holds the messages either way)."""
    stmt = (
        insert(OutboxRelayOffset)
        .values(
            stream=stream,
            through_sequence=through_sequence,
            message_count=message_count,
            duplicate_count=duplicate_count,
            recorded_by=recorded_by,
        )
        .on_conflict_do_nothing(constraint="uq_outbox_relay_offset")
        .returning(OutboxRelayOffset.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def try_relay_lock(conn: AsyncConnection, stream: str) -> bool:
    """The stream's relay lock, taken on this connection until it closes; False when another
    relay holds it."""
    stmt = select(func.pg_try_advisory_lock(RELAY_LOCK, func.hashtext(stream)))
    return bool((await conn.execute(stmt)).scalar_one())
