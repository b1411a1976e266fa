"""Use cases of the outbox (issue 12 item 3): ``emit`` writes a message inside the caller's
transaction, so a message exists exactly when what it tells of was committed (the transactional
outbox); officers and integrations record a message SENT, then ACKNOWLEDGED, each once, with who
and when (R-AUD-1). Rows are only ever added (R-AUD-2).

A message carries no more personal data than its recipient needs: the client's council
reference and name, the record it is about, and the facts of the event (``handoff_payload``);
never a date of birth, NI number or address.

The relay that publishes messages to other systems (issue 17) reads ``messages`` in sequence
order and records each SENT here; nothing here publishes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.grouping import group_by
from ca_api.common.keyset import Seek
from ca_api.common.pagination import decode_cursor
from ca_api.errors import ApiError, ErrorCode, InvalidState, ValidationFailed, existing
from ca_api.outbox import repository, rules
from ca_api.outbox.models import OutboxAcknowledgement, OutboxDelivery, OutboxMessage
from ca_api.outbox.repository import MessageFilter as MessageFilter
from ca_api.outbox.rules import MessageState, Recipient, Topic


@dataclass(frozen=True)
class MessageView:
    """A message and its delivery rows, oldest first."""

    message: OutboxMessage
    deliveries: tuple[OutboxDelivery, ...] = ()

    @property
    def state(self) -> MessageState:
        return rules.state_of([d.state for d in self.deliveries])

    def step(self, state: MessageState) -> OutboxDelivery | None:
        return next((d for d in self.deliveries if d.state == state.value), None)


@dataclass(frozen=True)
class MessageOutcome:
    message: MessageView
    replayed: bool = False


async def emit(
    session: AsyncSession,
    actor: Actor,
    *,
    topic: Topic,
    recipient: Recipient,
    client_id: uuid.UUID,
    subject_type: str,
    subject_id: uuid.UUID,
    payload: dict[str, Any],
) -> uuid.UUID | None:
    """Write one message in the caller's transaction (no commit of its own): its id, or None
    when a message of this topic to this recipient about this subject was emitted already (a
    replay emits nothing twice). The message row records who and when; the caller's one audit
    row of its change names the messages it emitted (R-AUD-1: one entry per change).

    It takes the feed's advisory lock until commit, so messages are numbered in commit order:
    emit after the change's own row locks and before its audit row, as the callers here do."""
    if not session.in_transaction():
        raise RuntimeError("outbox.emit writes inside the caller's transaction")
    await repository.take_feed_lock(session)
    message_id = uuid.uuid4()
    values = {
        "id": message_id,
        "topic": topic.value,
        "recipient": recipient.value,
        "client_id": client_id,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "payload": payload,
        "created_by": actor.principal.subject,
    }
    if await repository.insert_message(session, values) is None:
        return None
    return message_id


async def emit_handoff(
    session: AsyncSession,
    actor: Actor,
    topic: Topic,
    *,
    client_id: uuid.UUID,
    subject_type: str,
    subject_id: uuid.UUID,
    payload: dict[str, Any],
) -> list[uuid.UUID]:
    """The hand-off to the Financial Assessment and Income Recovery teams (R-REF-7, seed 002
    B 4.1, 4.5): one message to each, in the caller's transaction; the ids of those written."""
    written = []
    for recipient in rules.HANDOFF_RECIPIENTS:
        message_id = await emit(
            session,
            actor,
            topic=topic,
            recipient=recipient,
            client_id=client_id,
            subject_type=subject_type,
            subject_id=subject_id,
            payload=payload,
        )
        if message_id is not None:
            written.append(message_id)
    return written


async def handoff_payload(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, facts: dict[str, Any]
) -> dict[str, Any]:
    """What a team is told of the client: the council's case reference and the name, so it can
    find its own record, and the facts of the event; no date of birth, NI number or address."""
    record = existing(
        await clients.get_client(session, actor.principal, client_id), "Client", client_id
    )
    d = record.details
    return {
        "client_reference": record.reference,
        "client_name": f"{d.given_name} {d.family_name}",
    } | facts


# --- reads --------------------------------------------------------------------------------


async def _views(session: AsyncSession, rows: Sequence[OutboxMessage]) -> list[MessageView]:
    if not rows:
        return []  # no message: no delivery to read
    deliveries = group_by(
        await repository.deliveries_of(session, [m.id for m in rows]), lambda d: d.message_id
    )
    return [MessageView(m, tuple(deliveries.get(m.id, []))) for m in rows]


async def messages_about(
    session: AsyncSession, subject_type: str, subject_ids: Sequence[uuid.UUID]
) -> list[MessageView]:
    """Every message about these subjects (a death's notices, ``deaths``), whoever asks: the
    caller scopes its own read."""
    return await _views(
        session, await repository.messages_about(session, subject_type, subject_ids)
    )


async def messages_by_id(
    session: AsyncSession, principal: Principal | None, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MessageView]:
    """The messages with these ids the principal may read (``None``: the service), by id."""
    views = await _views(session, await repository.messages_by_id(session, ids, principal))
    return {v.message.id: v for v in views}


async def messages(
    session: AsyncSession, principal: Principal, flt: MessageFilter, *, seek: Seek[int]
) -> list[MessageView]:
    """A page of the messages the caller may read, in sequence (commit) order."""
    return await _views(session, await repository.page(session, principal, flt, seek=seek))


# --- deliveries ---------------------------------------------------------------------------


async def _read(session: AsyncSession, message_id: uuid.UUID) -> MessageView:
    found = await messages_by_id(session, None, [message_id])
    return existing(found.get(message_id), "OutboxMessage", message_id)


async def _replayed(session: AsyncSession, message_id: uuid.UUID) -> MessageOutcome:
    return MessageOutcome(await _read(session, message_id), replayed=True)


ONCE = approvals.Once(
    remember_as="message_id", ident=lambda o: o.message.message.id, replay=_replayed
)

# What each step needs before it, and its operation's name.
_BEFORE = {MessageState.SENT: MessageState.PENDING, MessageState.ACKNOWLEDGED: MessageState.SENT}
_OPERATION = {
    MessageState.SENT: "recordOutboxMessageSent",
    MessageState.ACKNOWLEDGED: "recordOutboxMessageAcknowledged",
}


async def record_delivery(
    session: AsyncSession,
    actor: Actor,
    message_id: uuid.UUID,
    state: MessageState,
    note: str | None,
    *,
    idempotency_key: str,
) -> MessageOutcome:
    """The message SENT (from PENDING) or ACKNOWLEDGED (from SENT), once, by whoever may deliver
    to its recipient (``rules.DELIVERERS``): a team e-mail by a senior officer and above, a
    system's message by that system's integration."""
    text = (note or "").strip() or None
    if text is not None and len(text) > rules.MAX_NOTE:
        raise ValidationFailed({"note": f"is longer than {rules.MAX_NOTE} characters"})

    async def work() -> MessageOutcome:
        seen = await repository.messages_by_id(session, [message_id], actor.principal)
        existing(seen[0] if seen else None, "OutboxMessage", message_id)
        message = existing(
            await repository.lock_message(session, message_id), "OutboxMessage", message_id
        )
        recipient = Recipient(message.recipient)
        if not rules.may_deliver(actor.principal.roles, recipient):
            raise ApiError(
                ErrorCode.FORBIDDEN,
                f"your role may not record the delivery of a message to {recipient.value}",
            )
        before = (await _read(session, message_id)).state
        if before is not _BEFORE[state]:
            raise InvalidState(
                f"the message is {before.value}: it is recorded {state.value} only when "
                f"{_BEFORE[state].value}",
                status=before.value,
            )
        delivery_id = await repository.insert_delivery(
            session,
            {
                "message_id": message_id,
                "state": state.value,
                "note": text,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            "outbox_message",
            message_id,
            state.value.lower(),
            before={"state": before.value},
            after={"state": state.value, "delivery_id": delivery_id},
            reason=text,
            client_id=message.client_id,
        )
        return MessageOutcome(await _read(session, message_id))

    payload = {"message_id": str(message_id), "state": state.value, "note": text}
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, _OPERATION[state], payload, work
    )


# --- the change feed of the council's systems (issue 17 item 3) -----------------------------


@dataclass(frozen=True)
class AcknowledgementOutcome:
    acknowledgement: OutboxAcknowledgement
    replayed: bool = False


def feed_of(principal: Principal) -> Recipient:
    """The system whose feed the caller reads and acknowledges: its integration's (R-ROLE)."""
    own = [
        rules.INTEGRATION_RECIPIENT[r] for r in principal.roles if r in rules.INTEGRATION_RECIPIENT
    ]
    if len(own) != 1:
        raise ApiError(
            ErrorCode.FORBIDDEN,
            "only an integration acknowledges its own system's feed (officers record a "
            "message's delivery one at a time)",
        )
    return own[0]


def sequence_of_cursor(cursor: str) -> int:
    """The sequence number an ``outboxMessages`` cursor stands at."""
    try:
        key = decode_cursor(cursor)
    except ApiError:
        key = None
    if key is None or len(key) != 1 or type(key[0]) is not int or key[0] < 1:
        raise ValidationFailed({"up_to": "is not a cursor of outboxMessages"})
    return int(key[0])


async def acknowledge_feed(
    session: AsyncSession, actor: Actor, up_to: str, *, idempotency_key: str
) -> AcknowledgementOutcome:
    """The caller's integration has processed its feed up to this cursor (an ``outboxMessages``
    cursor of one of its own messages): every message of its own numbered at or before it and
    not acknowledged yet is recorded ACKNOWLEDGED (and SENT where it was not), with who and
    when, and the acknowledgement itself once; rows only added (R-AUD-2). Acknowledging less
    than before acknowledges nothing new. Reading ``outboxMessages(after: <this cursor>)`` then
    gives exactly the rest."""
    recipient = feed_of(actor.principal)
    sequence = sequence_of_cursor(up_to)

    async def work() -> dict[str, Any]:
        await repository.take_acknowledgement_lock(session, recipient)
        if not await repository.has_message_numbered(session, recipient, sequence):
            raise ValidationFailed(
                {"up_to": f"is not the cursor of a message in the {recipient.value} feed"}
            )
        note = f"feed acknowledged up to {sequence}"
        count = await repository.acknowledge_up_to(
            session, recipient, sequence, note, actor.principal.subject
        )
        ack_id = uuid.uuid4()
        await repository.insert_acknowledgement(
            session,
            {
                "id": ack_id,
                "recipient": recipient.value,
                "up_to": sequence,
                "messages": count,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            "outbox_acknowledgement",
            ack_id,
            "acknowledge",
            after={"recipient": recipient.value, "up_to": sequence, "messages": count},
        )
        return {"acknowledgement_id": str(ack_id)}

    result = await idempotency.run_recorded(
        session,
        actor,
        idempotency_key,
        "acknowledgeOutboxMessages",
        {"recipient": recipient.value, "up_to": sequence},
        work,
    )
    found = await repository.acknowledgement(session, uuid.UUID(str(result["acknowledgement_id"])))
    assert found is not None
    return AcknowledgementOutcome(found, bool(result.get("replayed")))


async def feed_position(
    session: AsyncSession, principal: Principal
) -> OutboxAcknowledgement | None:
    """Where the caller's integration stands in its feed: its furthest acknowledgement."""
    return await repository.latest_acknowledgement(session, feed_of(principal))
