"""Use cases of benefit overpayments after a client's death (issue 13 item 3, R-DEATH-2, seed
002 B 29.2: "Overpayments of benefits should be repaid upon request from the relevant agency").
Each is one transaction with its audit rows (R-AUD-1), once per idempotency key.

- **Flagged and held** (``holding``): in the transaction confirming the death, and in the one
  recording a benefit for a client whose death is confirmed.
- **Repaid on request**: the paying agency's request (its reference, the date it asked, the
  amount) covers overpayments of one client and one payer, for no more than is flagged on them.
  In the same transaction their holds are voided, any remainder the agency did not ask for is
  held again, and the repayment is raised (``payments.raising.raise_for_winding_up``, basis
  REPAYMENT, to the agency): it is approved and made by approvePayment / makePayment (the one
  approval mechanism: four eyes, limits, the hold at approval), so the request needs no
  approval of its own.
- **Repayment cancelled**: cancelPayment voids the payment's hold and the overpayment is
  outstanding again (REPAYMENT_CANCELLED), its money no longer held (re-holding it would need
  the payments module to call back here). It stays protected because the wind-up fee
  (``deaths.spending.outstanding_before_fee``) and the estate's door
  (``deaths.spending.refuse_estate_before_wind_up_fee``) refuse while an overpayment is
  outstanding and not held; a fresh request, or a release, settles it.
- **Released** by a senior officer with a reason (the agency confirms nothing is owed): its hold
  voided, the money joins the estate.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.keyset import Seek, seek_rows
from ca_api.deaths import reads as deaths
from ca_api.deaths.rules import WindingUpBasis
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import reads as ledger_reads
from ca_api.ledger import transfers as ledger
from ca_api.ledger.rules import Category
from ca_api.money import format_money
from ca_api.overpayments import reads, repository, rules
from ca_api.overpayments.holding import HOLD_CATEGORY
from ca_api.overpayments.models import RepaymentRequest
from ca_api.overpayments.reads import OverpaymentView
from ca_api.overpayments.rules import OPEN_TO_REQUEST, OverpaymentStatus
from ca_api.payments import raising as payments
from ca_api.payments.views import PaymentView

TYPE_NAME = "BenefitOverpayment"
ENTITY = "benefit_overpayment"
REQUEST_ENTITY = "overpayment_repayment_request"
REPAYMENT_CATEGORY = Category.OUT_OTHER

outstanding_of_clients = reads.outstanding_of_clients
outstanding = reads.outstanding


# --- reads ----------------------------------------------------------------------------------


async def of_client(
    session: AsyncSession, client_id: uuid.UUID, *, outstanding: bool, seek: Seek[Any]
) -> list[OverpaymentView]:
    """A page of the client's overpayments, oldest receipt first (only outstanding ones with
    ``outstanding``)."""
    every = (await reads.of_clients(session, [client_id])).get(client_id, [])
    if outstanding:
        every = [v for v in every if v.outstanding]
    return seek_rows(every, seek, key=OverpaymentView.sort_key)


async def overpayments_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, OverpaymentView]:
    return await reads.by_id(session, ids)


# --- repaid on request ----------------------------------------------------------------------


@dataclass(frozen=True)
class RequestOutcome:
    request: RepaymentRequest
    overpayments: list[OverpaymentView]
    payment: PaymentView
    replayed: bool = False


async def _locked_views(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> tuple[uuid.UUID, list[OverpaymentView]]:
    """The overpayments, read again under their client's lock: (client, views, oldest first)."""
    found = await reads.by_id(session, ids)
    for i in ids:
        if i not in found:
            raise RecordNotFound.of(TYPE_NAME, i)
    client_ids = {v.row.client_id for v in found.values()}
    if len(client_ids) != 1:
        raise ValidationFailed({"overpayment_ids": "must all be of one client"})
    client_id = next(iter(client_ids))
    await clients.lock_client(session, client_id)
    again = await reads.by_id(session, ids)
    return client_id, sorted(again.values(), key=OverpaymentView.sort_key)


async def request_repayment(
    session: AsyncSession,
    actor: Actor,
    overpayment_ids: Sequence[uuid.UUID],
    agency_reference: str,
    requested_on: date,
    amount: int,
    *,
    idempotency_key: str,
) -> RequestOutcome:
    """Record the paying agency's request to repay overpayments (R-DEATH-2, B 29.2) and raise
    the repayment to it, in one transaction: the overpayments all of one client and one payer,
    open (HELD, or REPAYMENT_CANCELLED), the amount no more than is flagged on them."""
    ids = list(dict.fromkeys(overpayment_ids))
    if not ids:
        raise ValidationFailed({"overpayment_ids": "name at least one overpayment"})
    reference = agency_reference.strip()

    async def work() -> dict[str, Any]:
        client_id, views = await _locked_views(session, ids)
        if len({v.row.payer_id for v in views}) != 1:
            raise ValidationFailed(
                {
                    "overpayment_ids": "must all be of one paying agency: each agency asks "
                    "for its own (R-DEATH-2)"
                }
            )
        for v in views:
            if v.status not in OPEN_TO_REQUEST:
                raise InvalidState(
                    f"the overpayment of {format_money(v.row.amount_flagged)} is "
                    f"{v.status.value}: only a HELD one, or one whose repayment was cancelled, "
                    "is requested",
                    status=v.status.value,
                )
        died_on = await deaths.confirmed_death_date(session, client_id)
        assert died_on is not None  # an overpayment is flagged only after a confirmed death
        flagged = [v.row.amount_flagged for v in views]
        problems = rules.request_problems(
            amount, sum(flagged), requested_on, died_on, clock.today(), reference
        )
        if problems:
            raise ValidationFailed(problems)
        payer_id = views[0].row.payer_id
        payer = await ledger_reads.counterparty(session, payer_id)
        assert payer is not None
        why = f"repayment requested by {payer.name} (their reference {reference})"
        for v in views:  # what is held is held again below: the share apart, the remainder
            for hold_id in v.current_hold_ids:
                await ledger.void_pending(session, actor, hold_id, why)
        shares = rules.allocate(amount, flagged)
        description = (
            f"Repayment of benefit overpayment to {payer.name} (their reference {reference}, "
            f"asked on {requested_on.isoformat()}; seed 002 B 29.2)"
        )
        payment_id = await payments.raise_for_winding_up(
            session,
            actor,
            client_id=client_id,
            payee_id=payer_id,
            amount=amount,
            category=REPAYMENT_CATEGORY,
            description=description,
            basis=WindingUpBasis.REPAYMENT,
        )
        request = await repository.insert_request(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "payer_id": payer_id,
                "agency_reference": reference,
                "requested_on": requested_on,
                "amount": amount,
                "payment_id": payment_id,
                "recorded_by": actor.principal.subject,
            },
        )
        cms = await ledger_accounts.client_account(session, client_id)
        payee = await ledger_counterparties.counterparty_account(session, payer_id)
        items: list[dict[str, Any]] = []
        changes: list[audit.Change] = []
        for v, share in zip(views, shares, strict=True):
            remainder = max(0, v.held_now - share)  # what the agency did not ask for
            share_held = v.held_now - remainder  # the share asked for, as far as it was held

            async def hold_back(amount: int, what: str, v: OverpaymentView = v) -> Any:
                if amount <= 0:
                    return None
                hold = await ledger.hold(
                    session,
                    actor,
                    ledger.Movement(
                        from_account_id=cms.id,
                        to_account_id=payee.id,
                        amount=amount,
                        value_date=clock.today(),
                        category=HOLD_CATEGORY,
                        description=f"Held back: {what} ({payer.name}, {reference})",
                        reference=f"overpayment:{v.row.receipt_transfer_id}",
                    ),
                )
                return hold.id

            # The share stays held until the repayment's approval takes it over
            # (holding.hand_over_to_payment): no other payment can use it meanwhile.
            share_hold = await hold_back(
                share_held, "a benefit overpayment the agency asked for, until repaid"
            )
            hold_id = await hold_back(
                remainder, "remainder of a likely benefit overpayment not asked for"
            )
            items.append(
                {
                    "request_id": request.id,
                    "overpayment_id": v.row.id,
                    "amount": share,
                    "remainder_held": remainder,
                    "remainder_hold_transfer_id": hold_id,
                    "share_hold_transfer_id": share_hold,
                }
            )
            changes.append(
                audit.Change(
                    ENTITY,
                    v.row.id,
                    "request_repayment",
                    before={"status": v.status.value, "held": v.held_now},
                    after={
                        "status": OverpaymentStatus.REPAYMENT_REQUESTED.value,
                        "request_id": str(request.id),
                        "amount_requested": share,
                        "share_held": share_held,
                        "share_hold_transfer_id": str(share_hold) if share_hold else None,
                        "remainder_held": remainder,
                        "remainder_hold_transfer_id": str(hold_id) if hold_id else None,
                    },
                    client_id=client_id,
                )
            )
        await repository.insert_items(session, items)
        changes.append(
            audit.Change(
                REQUEST_ENTITY,
                request.id,
                "record",
                after={
                    "agency": payer.name,
                    "agency_reference": reference,
                    "requested_on": requested_on.isoformat(),
                    "amount": amount,
                    "overpayment_ids": [str(v.row.id) for v in views],
                    "receipt_ids": [str(v.row.receipt_transfer_id) for v in views],
                    "payment_id": str(payment_id),
                    "winding_up_basis": WindingUpBasis.REPAYMENT.value,
                },
                reason="seed 002 B 29.2: overpayments repaid upon request from the agency",
                client_id=client_id,
            )
        )
        await audit.record_many(session, actor, changes)
        return {"request_id": str(request.id)}

    payload = {
        "overpayment_ids": sorted(str(i) for i in ids),
        "agency_reference": reference,
        "requested_on": requested_on.isoformat(),
        "amount": amount,
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "requestOverpaymentRepayment", payload, work
    )
    return await request_outcome(
        session, uuid.UUID(str(result["request_id"])), replayed=bool(result.get("replayed"))
    )


async def request_outcome(
    session: AsyncSession, request_id: uuid.UUID, *, replayed: bool = False
) -> RequestOutcome:
    request = await repository.get_request(session, request_id)
    if request is None:
        raise RecordNotFound.of("OverpaymentRepaymentRequest", request_id)
    views = await overpayments_of_request(session, request_id)
    payment = await payments.payment_outcome(session, request.payment_id)
    return RequestOutcome(request, views, payment.payment, replayed)


# --- released -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseOutcome:
    overpayment: OverpaymentView
    replayed: bool = False


async def release_overpayment(
    session: AsyncSession,
    actor: Actor,
    overpayment_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> ReleaseOutcome:
    """Release an overpayment the agency says is not owed, with why: its hold voided, the money
    joins the estate. Once; not while its repayment is requested (cancel that payment first)
    nor once repaid with nothing held."""
    text = reason.strip()
    if not text:
        raise ValidationFailed({"reason": "is required: say why nothing is owed"})
    if len(text) > rules.MAX_REASON:
        raise ValidationFailed({"reason": f"is longer than {rules.MAX_REASON} characters"})

    async def work() -> dict[str, Any]:
        client_id, views = await _locked_views(session, [overpayment_id])
        v = views[0]
        if v.release is not None:
            raise InvalidState("the overpayment was released already", status=v.status.value)
        if v.status is OverpaymentStatus.REPAYMENT_REQUESTED:
            raise InvalidState(
                "its repayment is requested: cancel the payment first (cancelPayment)",
                status=v.status.value,
            )
        if v.status is OverpaymentStatus.REPAID and v.held_now == 0:
            raise InvalidState("the overpayment was repaid: nothing to release", status="REPAID")
        void_id = None
        for hold_id in v.current_hold_ids:
            void = await ledger.void_pending(session, actor, hold_id, text)
            void_id = void.id
        await repository.insert_release(
            session,
            {"overpayment_id": v.row.id, "reason": text, "recorded_by": actor.principal.subject},
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            v.row.id,
            "release",
            before={"status": v.status.value, "held": v.held_now},
            after={
                "status": OverpaymentStatus.RELEASED.value
                if v.status is not OverpaymentStatus.REPAID
                else OverpaymentStatus.REPAID.value,
                "released": v.held_now,
                "void_transfer_id": str(void_id) if void_id else None,
            },
            reason=text,
            client_id=client_id,
        )
        return {"overpayment_id": str(v.row.id)}

    result = await idempotency.run_recorded(
        session,
        actor,
        idempotency_key,
        "releaseBenefitOverpayment",
        {"overpayment_id": str(overpayment_id), "reason": text},
        work,
    )
    found = await reads.by_id(session, [overpayment_id])
    return ReleaseOutcome(found[overpayment_id], bool(result.get("replayed")))


async def overpayments_of_request(
    session: AsyncSession, request_id: uuid.UUID
) -> list[OverpaymentView]:
    """The overpayments (receipts) a request covers, oldest receipt first."""
    ids = await repository.overpayments_of_request(session, request_id)
    return sorted((await reads.by_id(session, ids)).values(), key=OverpaymentView.sort_key)
