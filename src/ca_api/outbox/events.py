"""The events the council's systems hear (issue 17 item 3): what each door that changes
something SAP or Controcc cares about writes to the outbox, in the door's own transaction
(``service.emit``), in one stable, versioned shape (docs/integration_events.md):

    {"topic": ..., "version": 1, "occurred_at": ..., "occurred_on": ...,
     "client_id": ..., "client_reference": ..., "external_references": {kind: value},
     "facts": {...}}

``external_references`` are the recipient system's own references of the records the event
is about (the client, the counterparty, the invoice), when it has them
(``integrations.references.references_for``). No personal data beyond the client's council
reference: never a name, date of birth, NI number or address (R-ROLE: an integration reads its
own flows only). Money in pence, as integers.

Which system hears which topic, and each topic's version, is ``rules.INTEGRATION_TOPICS``: a
door tells only the systems that care (``tell`` drops the others).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.common.ids import encode_id
from ca_api.integrations import references as integrations
from ca_api.integrations.rules import ExternalSystem
from ca_api.outbox import repository, rules
from ca_api.outbox.rules import Recipient, Topic


@dataclass(frozen=True)
class Event:
    """One event about one record (its subject) of one client, before it is addressed."""

    topic: Topic
    client_id: uuid.UUID
    subject_type: str
    subject_id: uuid.UUID
    facts: dict[str, Any]
    # other records it concerns (a counterparty, an invoice): their external references too
    related: tuple[uuid.UUID, ...] = field(default=())


def cares(recipient: Recipient, topic: Topic) -> bool:
    return topic in rules.INTEGRATION_TOPICS.get(recipient, {})


def envelope(
    event: Event,
    recipient: Recipient,
    client_reference: str,
    references: dict[uuid.UUID, dict[Any, str]],
) -> dict[str, Any]:
    """The event as ``recipient`` reads it (docs/integration_events.md): its facts exactly as
    documented (``rules.FACTS``), or a programming error."""
    if set(event.facts) != set(rules.FACTS[event.topic]):
        raise RuntimeError(
            f"{event.topic.value} carries {sorted(event.facts)}, not the documented "
            f"{sorted(rules.FACTS[event.topic])}"
        )
    external: dict[str, str] = {}
    for record_id in (event.client_id, event.subject_id, *event.related):
        for kind, value in references.get(record_id, {}).items():
            external[str(getattr(kind, "value", kind))] = value
    return {
        "topic": event.topic.value,
        "version": rules.INTEGRATION_TOPICS[recipient][event.topic],
        "occurred_at": datetime.now(UTC).isoformat(),
        "occurred_on": clock.today().isoformat(),
        "client_id": encode_id("Client", event.client_id),
        "client_reference": client_reference,
        "external_references": external,
        "facts": {k: _fact(k, event.facts) for k in rules.FACTS[event.topic]},
    }


def _fact(name: str, facts: dict[str, Any]) -> Any:
    """A fact as told: a record's id as the API's opaque id of its type (``rules.id_type``)."""
    value = facts[name]
    kind = rules.id_type(name, facts)
    return encode_id(kind, value) if kind is not None and value is not None else value


async def tell(
    session: AsyncSession,
    actor: Actor,
    events: Sequence[Event],
    recipients: Collection[Recipient | None],
) -> list[uuid.UUID]:
    """Write each event to each recipient that cares about its topic, in the caller's
    transaction, in one statement (a replay writes nothing twice): the ids of the messages
    written. Call it after the door's own row locks and before its audit row, as ``emit``."""
    wanted = [
        (e, r)
        for e in events
        for r in dict.fromkeys(recipients)
        if r is not None and cares(r, e.topic)
    ]
    if not wanted:
        return []
    if not session.in_transaction():
        raise RuntimeError("outbox events are written inside the caller's transaction")
    refs = await repository.client_references(session, [e.client_id for e, _ in wanted])
    by_system: dict[Recipient, dict[uuid.UUID, dict[Any, str]]] = {}
    for recipient in {r for _, r in wanted}:
        ids = {
            i for e, r in wanted if r is recipient for i in (e.client_id, e.subject_id, *e.related)
        }
        by_system[recipient] = await integrations.references_for(
            session, ExternalSystem(recipient.value), sorted(ids)
        )
    rows = [
        {
            "id": uuid.uuid4(),
            "topic": e.topic.value,
            "recipient": r.value,
            "client_id": e.client_id,
            "subject_type": e.subject_type,
            "subject_id": e.subject_id,
            "payload": envelope(e, r, refs.get(e.client_id, ""), by_system[r]),
            "created_by": actor.principal.subject,
        }
        for e, r in wanted
    ]
    await repository.take_feed_lock(session)
    return await repository.insert_messages(session, rows)
