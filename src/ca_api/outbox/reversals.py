"""A reversal of a posting SAP already heard of (issue 17 item 3: "for every event ask where else
the same thing can happen"): SAP booked a payment made to the council, a fee, a wind-up fee or an
estate kept from the transfer its event names (``facts.transfer_id``); when an approver reverses
that transfer (``reverseTransfer``), SAP must hear it too or its books keep money the client got
back. Told as POSTING_REVERSED, in the reversal's transaction, naming the original event."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.actor import Actor
from ca_api.common.ids import decode_uuid
from ca_api.ledger.models import Transfer
from ca_api.outbox import events, repository, rules
from ca_api.outbox.models import OutboxMessage
from ca_api.outbox.rules import Recipient, Topic

# The ids in an original event's facts that carry the recipient's references (payee, invoice).
_RELATED_FACTS = ("payee_id", "invoice_id")


def _related(original: OutboxMessage) -> tuple[uuid.UUID, ...]:
    facts: dict[str, Any] = original.payload.get("facts", {})
    ids = [original.subject_id]
    for key in _RELATED_FACTS:
        value = facts.get(key)
        kind = rules.id_type(key, facts)
        if value and kind is not None:
            ids.append(decode_uuid(kind, str(value)))
    return tuple(ids)


async def tell_reversal(
    session: AsyncSession, actor: Actor, original_id: uuid.UUID, reversal: Transfer
) -> list[uuid.UUID]:
    """POSTING_REVERSED to SAP when SAP heard of the reversed transfer; else nothing. The ids
    of the messages written. The officer's reason stays with the casework (R-ROLE)."""
    if reversal.client_id is None:
        return []
    original = await repository.first_naming_transfer(session, Recipient.SAP, original_id)
    if original is None:
        return []
    facts = {
        "reversal_transfer_id": str(reversal.id),
        "reverses_transfer_id": str(original_id),
        "reverses_topic": original.topic,
        "reverses_subject_type": original.subject_type,
        "reverses_subject_id": str(original.subject_id),
        "reverses_sequence": original.sequence,
        "amount": reversal.amount,
        "value_date": reversal.value_date.isoformat(),
        "category": reversal.category,
    }
    event = events.Event(
        Topic.POSTING_REVERSED,
        reversal.client_id,
        "Transfer",
        reversal.id,
        facts,
        related=_related(original),
    )
    return await events.tell(session, actor, [event], [Recipient.SAP])
