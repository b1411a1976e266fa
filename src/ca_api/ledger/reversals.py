"""Reversals: a mistake corrected by a new transfer moving the same money back (R-AUD-2), never
by editing the transfer. ``reverse`` runs inside the caller's transaction; ``reverse_transfer``
is the use case of its own (audited, SAP told, once per idempotency key)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common import idempotency
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.ledger import repository
from ca_api.ledger.models import Transfer
from ca_api.ledger.rules import AccountKind, Category, TransferKind
from ca_api.ledger.transfers import Movement, insert

# Client accounts whose money is with the Court Funds Office or an institution (R-INV-2).
INVESTED = frozenset({AccountKind.CLIENT_COURT_FUNDS.value, AccountKind.CLIENT_PLACEMENT.value})


async def reverse(
    session: AsyncSession, actor: Actor, transfer_id: uuid.UUID, reason: str
) -> Transfer:
    """Correct a mistake with a new transfer moving the same money back (R-AUD-2)."""
    if not reason.strip():
        raise ValidationFailed({"reason": "is required: say what the mistake was"})
    original = await repository.get_transfer(session, transfer_id)
    if original is None:
        raise RecordNotFound("transfer", str(transfer_id))
    if original.kind not in (TransferKind.POSTED, TransferKind.POST_PENDING):
        raise InvalidState("only money that moved can be reversed; void a hold instead")
    if original.reverses_id is not None:
        raise InvalidState("a reversal is not reversed: record the transfer again instead")
    closed = await repository.closed_clients_of(
        session, [original.from_account_id, original.to_account_id]
    )
    if closed:  # a wound-up case stays at zero once closed (issue 13 item 5)
        raise InvalidState(
            f"the case of client {', '.join(closed)} is closed, every account at zero: no money "
            "moves in or out of it, by a reversal or otherwise"
        )
    source = await repository.get_account(session, original.from_account_id)
    if source is not None and source.kind in INVESTED:
        # Reversing money brought back would send it to the Court Funds Office or an
        # institution past the surplus rule (R-INV-2): that is a new lodgement or placement.
        raise InvalidState(
            "money brought back from the Court Funds Office or a placement is not sent back by "
            "a reversal: propose a lodgement or a placement, which the surplus rule judges "
            "(R-INV-2)"
        )
    m = Movement(
        from_account_id=original.to_account_id,
        to_account_id=original.from_account_id,
        amount=original.amount,
        value_date=clock.today(),
        category=Category(original.category),
        description=f"Reversal: {original.description}",
        reference=original.reference,
        reason=reason.strip(),
    )
    return await insert(session, actor, TransferKind.POSTED, m, reverses_id=transfer_id)


@dataclass(frozen=True)
class Reversal:
    transfer: Transfer
    replayed: bool  # a repeat of the idempotency key: nothing new was done


async def reverse_transfer(
    session: AsyncSession,
    actor: Actor,
    transfer_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> Transfer:
    """The use case: reverse a transfer in its own transaction, audited, once per key."""
    done = await reverse_transfer_once(
        session, actor, transfer_id, reason, idempotency_key=idempotency_key
    )
    return done.transfer


async def reverse_transfer_once(
    session: AsyncSession,
    actor: Actor,
    transfer_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> Reversal:
    """``reverse_transfer``, saying whether it replayed an earlier request with the key."""

    async def work() -> Reversal:
        from ca_api.outbox.reversals import tell_reversal  # outbox reads the ledger's models

        reversal = await reverse(session, actor, transfer_id, reason)
        # SAP booked the original from its event: it hears of the reversal (issue 17 item 3).
        told = await tell_reversal(session, actor, transfer_id, reversal)
        after: dict[str, Any] = {"reversal_id": str(reversal.id), "amount": reversal.amount}
        if told:
            after["outbox_message_ids"] = [str(m) for m in told]
        await audit.record(
            session,
            actor,
            "transfer",
            reversal.id,
            "reverse",
            before={"transfer_id": str(transfer_id)},
            after=after,
            reason=reason.strip(),
            client_id=reversal.client_id,
        )
        return Reversal(reversal, replayed=False)

    async def replay(result: dict[str, object]) -> Reversal:
        found = await repository.get_transfer(session, uuid.UUID(str(result["transfer_id"])))
        assert found is not None
        return Reversal(found, replayed=True)

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "reverseTransfer",
        {"transfer_id": str(transfer_id), "reason": reason},
        work,
        remember=lambda r: {"transfer_id": str(r.transfer.id)},
        replay=replay,
    )
