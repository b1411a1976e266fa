"""Every SQL statement of the outbox: messages written once (a repeat of the same topic,
recipient and subject writes nothing), their deliveries, their state, and row scoping."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, exists, false, func, literal, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.permissions import OUTBOX_READ_ALL
from ca_api.auth.principal import Principal
from ca_api.common.ids import encode_id
from ca_api.common.keyset import Seek, keyset
from ca_api.db import rows_where_in
from ca_api.outbox.models import OutboxAcknowledgement, OutboxDelivery, OutboxMessage
from ca_api.outbox.rules import INTEGRATION_RECIPIENT, MessageState, Recipient, Topic

# The one advisory lock every emitter takes (pg_advisory_xact_lock): messages are numbered one
# transaction at a time, so sequence order is commit order and a feed never skips a message.
FEED_LOCK = 0x0B0C_0016


def visible(principal: Principal | None) -> ColumnElement[bool]:
    """Senior officers and above and audit read every message; an integration its own system's
    only; ``None``: the service itself."""
    if principal is None or principal.has_any(OUTBOX_READ_ALL):
        return true()
    own = [INTEGRATION_RECIPIENT[r].value for r in principal.roles if r in INTEGRATION_RECIPIENT]
    return OutboxMessage.recipient.in_(own) if own else false()


def state_of(message_id: Any) -> ColumnElement[str]:
    """The message's state in SQL, as ``rules.state_of`` reads it from the delivery rows."""

    def has(state: MessageState) -> ColumnElement[bool]:
        return exists().where(
            OutboxDelivery.message_id == message_id, OutboxDelivery.state == state.value
        )

    return case(
        (has(MessageState.ACKNOWLEDGED), literal(MessageState.ACKNOWLEDGED.value)),
        (has(MessageState.SENT), literal(MessageState.SENT.value)),
        else_=literal(MessageState.PENDING.value),
    )


async def take_feed_lock(session: AsyncSession) -> None:
    await session.execute(select(func.pg_advisory_xact_lock(FEED_LOCK)))


async def insert_message(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """The message's id; None when one of the same topic, recipient and subject exists."""
    stmt = (
        insert(OutboxMessage)
        .values(values)
        .on_conflict_do_nothing(constraint="uq_outbox_message_once")
        .returning(OutboxMessage.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_message(session: AsyncSession, message_id: uuid.UUID) -> OutboxMessage | None:
    """The message, locked FOR UPDATE: its deliveries are recorded one at a time."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_delivery(session: AsyncSession, values: dict[str, Any]) -> int:
    stmt = insert(OutboxDelivery).values(values).returning(OutboxDelivery.id)
    return int((await session.execute(stmt)).scalar_one())


async def messages_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID], principal: Principal | None
) -> Sequence[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.id.in_(set(ids)), visible(principal))
    return (await session.execute(stmt)).scalars().all()


async def messages_about(
    session: AsyncSession, subject_type: str, subject_ids: Sequence[uuid.UUID]
) -> Sequence[OutboxMessage]:
    """The messages about these subjects, in sequence order."""
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.subject_type == subject_type,
            OutboxMessage.subject_id.in_(set(subject_ids)),
        )
        .order_by(OutboxMessage.sequence)
    )
    return (await session.execute(stmt)).scalars().all()


async def deliveries_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> Sequence[OutboxDelivery]:
    return await rows_where_in(
        session, OutboxDelivery, OutboxDelivery.message_id, ids, OutboxDelivery.id
    )


@dataclass(frozen=True)
class MessageFilter:
    recipient: Recipient | None = None
    topic: Topic | None = None
    state: MessageState | None = None
    client_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None


async def page(
    session: AsyncSession, principal: Principal, flt: MessageFilter, *, seek: Seek[int]
) -> Sequence[OutboxMessage]:
    """A page of the messages the caller may read, in sequence order (oldest first)."""
    stmt = select(OutboxMessage).where(visible(principal))
    if flt.recipient is not None:
        stmt = stmt.where(OutboxMessage.recipient == flt.recipient.value)
    if flt.topic is not None:
        stmt = stmt.where(OutboxMessage.topic == flt.topic.value)
    if flt.client_id is not None:
        stmt = stmt.where(OutboxMessage.client_id == flt.client_id)
    if flt.subject_id is not None:
        stmt = stmt.where(OutboxMessage.subject_id == flt.subject_id)
    if flt.state is not None:
        stmt = stmt.where(state_of(OutboxMessage.id) == flt.state.value)
    stmt = keyset(stmt, seek, OutboxMessage.sequence)
    return (await session.execute(stmt)).scalars().all()


# Rows per INSERT: eight parameters a row stays well under the driver's 32,767 (a fee run of
# thousands of clients is written in a few statements).
INSERT_CHUNK = 1000


async def insert_messages(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[uuid.UUID]:
    """Many messages in one statement, in the order given (their sequence numbers follow it):
    the ids of those written (one of the same topic, recipient and subject written already is
    not written again)."""
    written: list[uuid.UUID] = []
    for start in range(0, len(rows), INSERT_CHUNK):
        stmt = (
            insert(OutboxMessage)
            .values(list(rows[start : start + INSERT_CHUNK]))
            .on_conflict_do_nothing(constraint="uq_outbox_message_once")
            .returning(OutboxMessage.id)
        )
        written += (await session.execute(stmt)).scalars().all()
    return written


async def take_acknowledgement_lock(session: AsyncSession, recipient: Recipient) -> None:
    """One acknowledgement of a system's feed at a time (its rows are decided together)."""
    key = FEED_LOCK + 1 + list(Recipient).index(recipient)
    await session.execute(select(func.pg_advisory_xact_lock(key)))


async def acknowledge_up_to(
    session: AsyncSession, recipient: Recipient, up_to: int, note: str, by: str
) -> int:
    """SENT (where not yet) and ACKNOWLEDGED delivery rows for every message to ``recipient``
    numbered ``up_to`` or less and not yet acknowledged, in two statements; how many were
    acknowledged."""
    owned = select(OutboxMessage.id).where(
        OutboxMessage.recipient == recipient.value, OutboxMessage.sequence <= up_to
    )

    def lacking(state: MessageState) -> Any:
        return owned.where(
            ~exists().where(
                OutboxDelivery.message_id == OutboxMessage.id, OutboxDelivery.state == state.value
            )
        )

    for state in (MessageState.SENT, MessageState.ACKNOWLEDGED):
        picked = lacking(state).subquery()
        stmt = insert(OutboxDelivery).from_select(
            ["message_id", "state", "note", "recorded_by"],
            select(picked.c.id, literal(state.value), literal(note), literal(by)),
        )
        result = await session.execute(stmt)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def insert_acknowledgement(
    session: AsyncSession, values: dict[str, Any]
) -> OutboxAcknowledgement:
    stmt = insert(OutboxAcknowledgement).values(values).returning(OutboxAcknowledgement)
    return (await session.execute(stmt)).scalar_one()


async def latest_acknowledgement(
    session: AsyncSession, recipient: Recipient
) -> OutboxAcknowledgement | None:
    stmt = (
        select(OutboxAcknowledgement)
        .where(OutboxAcknowledgement.recipient == recipient.value)
        .order_by(OutboxAcknowledgement.up_to.desc(), OutboxAcknowledgement.recorded_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def has_message_numbered(session: AsyncSession, recipient: Recipient, sequence: int) -> bool:
    """Whether a message to ``recipient`` numbered ``sequence`` is committed (and so every
    message numbered below it: numbers are taken in commit order, ``FEED_LOCK``)."""
    stmt = select(
        exists().where(
            OutboxMessage.recipient == recipient.value, OutboxMessage.sequence == sequence
        )
    )
    return bool((await session.execute(stmt)).scalar_one())


async def messages_created_between(
    session: AsyncSession, recipient: Recipient, topics: Sequence[Topic], start: Any, end: Any
) -> Sequence[OutboxMessage]:
    """The messages to ``recipient`` of these topics written in [start, end), in sequence
    order."""
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.recipient == recipient.value,
            OutboxMessage.created_at >= start,
            OutboxMessage.created_at < end,
            OutboxMessage.topic.in_([t.value for t in topics]),
        )
        .order_by(OutboxMessage.sequence)
    )
    return (await session.execute(stmt)).scalars().all()


async def client_references(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The council's case reference of each client (it never changes: the identity row)."""
    from ca_api.clients.models import Client

    stmt = select(Client.id, Client.reference).where(Client.id.in_(set(client_ids)))
    return {r.id: r.reference for r in await session.execute(stmt)}


async def acknowledgement(session: AsyncSession, ack_id: uuid.UUID) -> OutboxAcknowledgement | None:
    return await session.get(OutboxAcknowledgement, ack_id)


async def first_naming_transfer(
    session: AsyncSession, recipient: Recipient, transfer_id: uuid.UUID
) -> OutboxMessage | None:
    """The first event told to ``recipient`` that names the transfer as its posting."""
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.recipient == recipient.value,
            # facts name records by the API's opaque ids (rules.id_type)
            OutboxMessage.payload["facts"]["transfer_id"].astext
            == encode_id("Transfer", transfer_id),
        )
        .order_by(OutboxMessage.sequence)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
