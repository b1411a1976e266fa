"""Flagging and holding back benefit overpayments (issue 13 item 3, R-DEATH-2, seed 002 B 29.2),
in the caller's transaction: the death's confirmation (``deaths.recording.confirm_death``) for the
receipts already recorded, and a receipt or benefit run (``receipts.service``) for a client
whose death is confirmed already.

It imports neither ``payments`` nor ``deaths.spending`` (which ``payments.raising`` imports), so
both of those callers can import it; the death is read through ``deaths.reads``.

The flagged share (``rules.flagged_share``) is held in the ledger (``ledger.transfers.hold``: a
PENDING transfer from the client's CMS account to the payer's account), so it counts as spent
and nothing else can use it (the wind-up fee, the estate, a debt). If less is available (money
spent before the death was confirmed) what is available is held and the shortfall recorded."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.deaths import reads as deaths
from ca_api.deaths.models import Death
from ca_api.ledger import transfers as ledger
from ca_api.ledger.models import Transfer
from ca_api.ledger.rules import Category
from ca_api.money import format_money
from ca_api.overpayments import repository, rules
from ca_api.overpayments.models import BenefitOverpayment
from ca_api.receipts.models import Receipt

ENTITY = "benefit_overpayment"
HOLD_CATEGORY = Category.OUT_OTHER  # a hold towards the agency: money out if repaid


def hold_description(died_on: str, receipt: str) -> str:
    return f"Held back: likely benefit overpayment after death on {died_on} ({receipt})"


async def _flag(
    session: AsyncSession,
    actor: Actor,
    death: Death,
    rows: Sequence[Any],
) -> list[BenefitOverpayment]:
    today = clock.today()
    made: list[BenefitOverpayment] = []
    changes: list[audit.Change] = []
    for row in rows:
        receipt: Receipt = row[0]
        t: Transfer = row[1]
        flag = rules.flagged_share(
            Category(t.category),
            t.amount,
            death.died_on,
            value_date=t.value_date,
            period_start=receipt.period_start,
            period_end=receipt.period_end,
        )
        if flag is None:
            continue
        available, payer_id = await repository.available_and_payer(
            session, t.to_account_id, t.from_account_id
        )
        held = rules.holdable(flag.amount, available)
        hold_id: uuid.UUID | None = None
        if held > 0:
            hold = await ledger.hold(
                session,
                actor,
                ledger.Movement(
                    from_account_id=t.to_account_id,
                    to_account_id=t.from_account_id,
                    amount=held,
                    value_date=today,
                    category=HOLD_CATEGORY,
                    description=hold_description(death.died_on.isoformat(), t.description),
                    reference=f"overpayment:{t.id}",
                ),
            )
            hold_id = hold.id
        overpayment = await repository.insert_overpayment(
            session,
            {
                "id": uuid.uuid4(),
                "receipt_transfer_id": t.id,
                "client_id": receipt.client_id,
                "death_id": death.id,
                "payer_id": payer_id,
                "days_after_death": flag.days_after_death,
                "days_in_period": flag.days_in_period,
                "amount_flagged": flag.amount,
                "amount_held": held,
                "hold_transfer_id": hold_id,
                "recorded_by": actor.principal.subject,
            },
        )
        made.append(overpayment)
        after = {
            "receipt_id": str(t.id),
            "died_on": death.died_on.isoformat(),
            "days_after_death": flag.days_after_death,
            "days_in_period": flag.days_in_period,
            "amount_flagged": flag.amount,
            "amount_held": held,
            "shortfall": flag.amount - held,
            "hold_transfer_id": str(hold_id) if hold_id else None,
        }
        reason = "benefit received for days after the date of death (R-DEATH-2, B 29.2)"
        if held < flag.amount:
            reason += (
                f"; only {format_money(held)} was available to hold: "
                f"{format_money(flag.amount - held)} short"
            )
        changes.append(
            audit.Change(
                ENTITY,
                overpayment.id,
                "flag",
                after=after,
                reason=reason,
                client_id=receipt.client_id,
            )
        )
    await audit.record_many(session, actor, changes)
    return made


async def flag_on_confirmation(
    session: AsyncSession, actor: Actor, death: Death
) -> list[BenefitOverpayment]:
    """In the transaction confirming ``death``: flag and hold the client's benefit and pension
    receipts already recorded for days after it."""
    rows = await repository.flaggable_of_client(session, death.client_id)
    return await _flag(session, actor, death, rows)


async def flag_receipts(
    session: AsyncSession, actor: Actor, transfer_ids: Sequence[uuid.UUID]
) -> list[BenefitOverpayment]:
    """In the transaction recording these receipts: flag and hold those of a benefit or pension
    for a client whose death is confirmed already. Nothing for a living client."""
    rows = await repository.flaggable_by_id(session, transfer_ids)
    by_client: dict[uuid.UUID, list[Any]] = {}
    for receipt, transfer in rows:
        by_client.setdefault(receipt.client_id, []).append((receipt, transfer))
    if not by_client:
        return []
    died = await deaths.confirmed_death_dates(session, list(by_client))
    made: list[BenefitOverpayment] = []
    for client_id in sorted(c for c in by_client if c in died):
        death = await deaths.death_of_client(session, client_id)
        assert death is not None
        made += await _flag(session, actor, death, by_client[client_id])
    return made


async def hand_over_to_payment(session: AsyncSession, actor: Actor, payment_id: uuid.UUID) -> int:
    """In the transaction that approves a repayment (``payments.approving.approve_payment``, the
    REPAYMENT basis): release the share holds of the request it pays, so the payment's own hold
    takes the same money over; it stayed held from the agency's request until now (R-DEATH-2).
    What was released, in pence (0 for a repayment that pays no request)."""
    released = 0
    open_ = await repository.open_holds(
        session, await repository.share_holds_of_payment(session, payment_id)
    )
    for hold_id, amount in open_.items():
        await ledger.void_pending(
            session, actor, hold_id, "handed over to the repayment's approval (R-DEATH-2)"
        )
        released += amount
    return released
