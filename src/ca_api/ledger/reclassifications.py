"""Reclassifying a ledger entry (issue 15, R-OPG-1, R-AUD-2): the OPG category an entry is
reported under from now on, by a new record that says why, the transfer itself never changed;
and each transfer's reported category and reclassifications as read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common import idempotency
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.ledger import reads, reclassifications_repository, repository, rules
from ca_api.ledger.models import Transfer, TransferReclassification
from ca_api.ledger.rules import AccountKind, Category, TransferKind

MAX_RECLASSIFICATION_REASON = 2000


@dataclass(frozen=True)
class Reclassified:
    transfer: Transfer
    reclassification: TransferReclassification
    replayed: bool  # a repeat of the idempotency key: nothing new was done


async def reported_categories(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Category]:
    """Each transfer's reported OPG category (the view ``transfer_reported_category``)."""
    found = await reclassifications_repository.reported_categories(session, transfer_ids)
    return {k: Category(v) for k, v in found.items()}


async def reclassifications_of(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[TransferReclassification]]:
    """The reclassifications of these transfers, oldest first, by transfer."""
    out: dict[uuid.UUID, list[TransferReclassification]] = {}
    for r in await reclassifications_repository.reclassifications_of(session, transfer_ids):
        out.setdefault(r.transfer_id, []).append(r)
    return out


async def reclassify_entry(
    session: AsyncSession,
    actor: Actor,
    transfer_id: uuid.UUID,
    category: Category,
    reason: str,
    *,
    idempotency_key: str,
) -> Reclassified:
    """Report a ledger entry under another OPG category from now on (R-OPG-1) by a new record
    that says why: the transfer itself, its amount, accounts and recorded category, never
    changes (R-AUD-2), and a reversal of it reports the new category too. Money in stays money
    in and money out stays money out; holds, reversals, moves between own accounts and the
    categories with doors of their own (gifts, deputy and OPG fees, investments) are refused. A
    closed case's entry may be reclassified: nothing moves. Audited; once per key."""
    why = reason.strip()

    async def work() -> Reclassified:
        if not why:
            raise ValidationFailed({"reason": "is required: say why the category was wrong"})
        if len(why) > MAX_RECLASSIFICATION_REASON:
            raise ValidationFailed(
                {"reason": f"is longer than {MAX_RECLASSIFICATION_REASON} characters"}
            )
        await reclassifications_repository.lock_reclassifications(session, transfer_id)
        visible = await reads.transfers_by_id(session, actor.principal, [transfer_id])
        transfer = visible.get(transfer_id)
        if transfer is None:
            raise RecordNotFound.of("Transfer", transfer_id)
        reported = (await reported_categories(session, [transfer_id]))[transfer_id]
        problem = rules.reclassifiable_problem(
            TransferKind(transfer.kind), transfer.reverses_id is not None, reported
        )
        if problem is not None:
            raise InvalidState(problem, transfer_id=str(transfer_id))
        source = await repository.get_account(session, transfer.from_account_id)
        target = await repository.get_account(session, transfer.to_account_id)
        assert source is not None and target is not None
        problem = rules.reclassification_problem(
            reported, category, AccountKind(source.kind), AccountKind(target.kind)
        )
        if problem is not None:
            raise ValidationFailed({"category": problem})
        made = await reclassifications_repository.insert_reclassification(
            session,
            {
                "id": uuid.uuid4(),
                "transfer_id": transfer_id,
                "category": category.value,
                "reason": why,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            "transfer",
            transfer_id,
            "reclassify",
            before={"reported_category": reported.value},
            after={"reported_category": category.value, "reclassification_id": str(made.id)},
            reason=why,
            client_id=transfer.client_id,
        )
        return Reclassified(transfer, made, replayed=False)

    async def replay(result: dict[str, object]) -> Reclassified:
        transfer = await repository.get_transfer(session, transfer_id)
        wanted = uuid.UUID(str(result["reclassification_id"]))
        made = [
            r
            for r in await reclassifications_repository.reclassifications_of(session, [transfer_id])
            if r.id == wanted
        ]
        assert transfer is not None and made
        return Reclassified(transfer, made[0], replayed=True)

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "reclassifyLedgerEntry",
        {"transfer_id": str(transfer_id), "category": category.value, "reason": reason},
        work,
        remember=lambda r: {"reclassification_id": str(r.reclassification.id)},
        replay=replay,
    )
