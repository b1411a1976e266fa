"""A raised payment approved by someone else within the limits (R-ROLE-2, R-DEC-4, the money
held, R-PAY-3, or refused funds short), made (the hold posted, SAP told) or cancelled.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import rules as approval_rules
from ca_api.approvals import steps
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.db import unit_of_work
from ca_api.deaths.rules import WindingUpBasis
from ca_api.debts.rules import DebtStage
from ca_api.errors import InvalidState, ValidationFailed
from ca_api.invoices import checks as invoice_checks
from ca_api.invoices import events as invoices
from ca_api.invoices import holds as invoice_holds
from ca_api.invoices.rules import InvoiceStatus
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import reads as ledger_reads
from ca_api.ledger import transfers as ledger
from ca_api.ledger.rules import Category, CounterpartyKind
from ca_api.ledger.transfers import InsufficientFunds, Movement
from ca_api.money import format_money
from ca_api.outbox import events
from ca_api.outbox.rules import Recipient, Topic
from ca_api.overpayments import holding as overpayment_holding
from ca_api.payments import rules
from ca_api.payments.models import Payment, PaymentEvent
from ca_api.payments.raising import refuse_after_death
from ca_api.payments.rules import PaymentEventKind, PaymentStatus
from ca_api.payments.views import PAYMENT_ONCE, PAYMENTS, PaymentOutcome, claim, outcome


async def _authors(session: AsyncSession, payment: Payment) -> frozenset[str]:
    """Who wrote what the payment pays (R-ROLE-2, issue 9 item 8): whoever raised it and, for
    an invoice, whoever recorded the invoice (the payee, amount and category are the invoice's
    as recorded). Whoever recorded the checks is not an author: they verified it."""
    recorder = None
    if payment.invoice_id is not None:
        recorder = await invoices.recorded_by(session, payment.invoice_id)
    return approval_rules.authors_of(payment.raised_by, [recorder])


async def _refuse_payment_after_death(
    session: AsyncSession, payment: Payment, *, order_at: DebtStage | None = None
) -> None:
    basis = WindingUpBasis(payment.winding_up_basis) if payment.winding_up_basis else None
    await refuse_after_death(
        session,
        payment.client_id,
        basis,
        payment.standing,
        payment.invoice_id,
        order_at=order_at,
    )


def _hold_of(events: Sequence[PaymentEvent]) -> uuid.UUID:
    for e in events:
        if e.event == PaymentEventKind.APPROVED and e.transfer_id is not None:
            return e.transfer_id
    raise InvalidState("the approved payment has no hold")  # pragma: no cover


async def _still_decided(session: AsyncSession, payment: Payment) -> None:
    """A one-off payment an approved decision authorises (``raise_for_decision``: a funeral plan,
    seed 002 B 28.2; a debt found on appointment, B 14.4) is approved only while that decision
    stands APPROVED (``wills.funeral.refuse_unless_decided``,
    ``outstanding_debts.repayments.refuse_unless_agreed``). Imported when called, since both build
    on payments."""
    if payment.invoice_id is not None or payment.standing or payment.winding_up_basis:
        return
    from ca_api.outstanding_debts import repayments as outstanding_debts
    from ca_api.wills import funeral as wills

    await wills.refuse_unless_decided(session, payment.id)
    await outstanding_debts.refuse_unless_agreed(session, payment.id)


async def _still_recovered(session: AsyncSession, payment: Payment) -> None:
    """A one-off payment handing a client's money back to them (R-ORD-5, seed 002 B 27) is
    approved and made only after the court's order that they can manage their affairs is
    recorded (``recovery.handover.refuse_unless_recovered``; it is raised only then). Imported
    when called, since recovery builds on payments."""
    if payment.invoice_id is not None or payment.standing or payment.winding_up_basis:
        return
    from ca_api.recovery import handover as recovery

    await recovery.refuse_unless_recovered(session, payment.id)


async def _still_payable(session: AsyncSession, payment: Payment) -> str | None:
    if payment.invoice_id is None:
        return None
    invoice, status = await invoices.locked(session, payment.invoice_id)
    if status is InvoiceStatus.CANCELLED:
        raise InvalidState("the invoice was cancelled", status=status.value)
    await invoice_checks.ready_to_pay(session, invoice)
    return invoice.supplier_invoice_number


# What each step of a payment's life is called in its audit row (and, as ``<action>Payment``,
# its mutation).
_ACTIONS = {
    PaymentEventKind.APPROVED: "approve",
    PaymentEventKind.MADE: "make",
    PaymentEventKind.CANCELLED: "cancel",
}


# A step of a payment's life (approve, make, cancel), once per idempotency key
# (``approvals.steps``): a payment that awaited approval leaves the queues.
STEPS = steps.Steps(
    agg=PAYMENTS,
    once=PAYMENT_ONCE,
    entity="payment",
    awaiting=PaymentStatus.RAISED,
    actions=_ACTIONS,
    operations={event: f"{action}Payment" for event, action in _ACTIONS.items()},
    read=outcome,
)
Held = approvals.Held[Payment, PaymentStatus]
Moved = tuple[dict[str, Any], PaymentStatus]


async def approve_payment(
    session: AsyncSession, actor: Actor, payment_id: uuid.UUID, *, idempotency_key: str
) -> PaymentOutcome:
    """Approve a raised payment: not by whoever raised it or recorded its invoice (its authors,
    R-ROLE-2), within the approval limits
    in force today, recorded with the version judged under (R-DEC-4); the money is held from the
    client's account (R-PAY-3). Funds short: refused, and the invoice marked FUNDS_SHORT."""

    async def approve(held: Held) -> Moved:
        payment = held.row
        today = clock.today()
        authors = await _authors(session, payment)
        version = await approvals.authorise(
            session,
            actor,
            PAYMENTS,
            claim(payment, authors),
            what=format_money(payment.amount),
            on=today,
        )
        reference = await _still_payable(session, payment)  # checks again (R-PAY-2, R-PAY-5)
        # seed 002 B 29; debts in R-DEBT-1's order, the money held in that order (R-PAY-3)
        await _refuse_payment_after_death(session, payment, order_at=DebtStage.APPROVED)
        await _still_decided(session, payment)  # a funeral plan's decision (B 28.2, R-CARE-5)
        await _still_recovered(session, payment)  # a handover's court order (R-ORD-5, B 27)
        if payment.winding_up_basis == WindingUpBasis.REPAYMENT.value:
            # a benefit overpayment's share, held since the agency asked, becomes this hold
            await overpayment_holding.hand_over_to_payment(session, actor, payment.id)
        payee = await ledger_counterparties.counterparty_account(session, payment.payee_id)
        hold = await ledger.hold(
            session,
            actor,
            Movement(
                from_account_id=payment.from_account_id,
                to_account_id=payee.id,
                amount=payment.amount,
                value_date=today,
                category=Category(payment.category),
                description=payment.description,
                reference=reference,
            ),
        )
        await approvals.append_event(
            session,
            PAYMENTS,
            payment_id,
            PaymentEventKind.APPROVED,
            actor,
            transfer_id=hold.id,
            limit_version_id=version.id,
        )
        done = {"hold_transfer_id": hold.id, "limit_version_id": version.id}
        return done | {"amount": payment.amount}, PaymentStatus.APPROVED

    try:
        return await steps.run(
            STEPS,
            session,
            actor,
            payment_id,
            PaymentEventKind.APPROVED,
            approve,
            idempotency_key=idempotency_key,
        )
    except InsufficientFunds as exc:
        # The approval rolled back (nothing held, nothing moved); the refusal and the mark on
        # the invoice are committed on their own, so the sender is contacted (R-PAY-3).
        await _record_funds_short(session, actor, payment_id, exc)
        raise


async def _record_funds_short(
    session: AsyncSession, actor: Actor, payment_id: uuid.UUID, exc: InsufficientFunds
) -> None:
    message = (
        f"approval refused: {format_money(exc.available)} available, "
        f"{format_money(exc.wanted)} needed; contact the sender (R-PAY-3)"
    )
    async with unit_of_work(session):
        held = await approvals.locked(session, PAYMENTS, payment_id)
        payment = held.row
        if held.status is not PaymentStatus.RAISED:
            return  # someone else approved or cancelled it meanwhile: nothing to mark
        refused = PaymentEventKind.REFUSED_FUNDS_SHORT
        event_id = await approvals.append_event(
            session, PAYMENTS, payment_id, refused, actor, reason=message
        )
        after = {"available": exc.available, "wanted": exc.wanted, "event_id": event_id}
        await audit.record(
            session,
            actor,
            "payment",
            payment_id,
            "approval_refused_funds_short",
            after=after,
            reason=message,
            client_id=payment.client_id,
        )
        if payment.invoice_id is not None:
            await invoices.mark_funds_short(
                session, actor, payment.invoice_id, payment.client_id, message
            )
            await invoices.tell_funds_short(session, actor, payment.invoice_id, payment_id, message)


async def make_payment(
    session: AsyncSession, actor: Actor, payment_id: uuid.UUID, *, idempotency_key: str
) -> PaymentOutcome:
    """Make an approved payment: its hold is posted and the money leaves; not while its
    invoice is on hold (R-REF-7)."""

    async def make(held: Held) -> Moved:
        await _refuse_payment_after_death(session, held.row)  # seed 002 B 29
        await _still_recovered(session, held.row)  # a handover's court order (R-ORD-5, B 27)
        if held.row.invoice_id is not None:  # no money moves for an invoice on hold (R-REF-7)
            await invoices.locked(session, held.row.invoice_id)
            await invoice_holds.refuse_if_held(session, held.row.invoice_id)
        else:  # nor to a council whose charges for the client are held (R-REF-7)
            row = held.row
            await invoice_holds.refuse_if_charges_held(
                session, row.client_id, row.payee_id, row.category
            )
        posted = await ledger.post_pending(session, actor, _hold_of(held.events), clock.today())
        told = await _tell_of_payment_made(session, actor, held.row, posted.id)
        await approvals.append_event(
            session, PAYMENTS, payment_id, PaymentEventKind.MADE, actor, transfer_id=posted.id
        )
        return {"transfer_id": posted.id, "outbox_messages": told}, PaymentStatus.MADE

    made = PaymentEventKind.MADE
    return await steps.run(
        STEPS, session, actor, payment_id, made, make, idempotency_key=idempotency_key
    )


async def _tell_of_payment_made(
    session: AsyncSession, actor: Actor, payment: Payment, transfer_id: uuid.UUID
) -> list[str]:
    """A payment made to the council is told to SAP in the payment's transaction (issue 17 item
    3: SAP clears its invoice, R-PAY-4): a small estate kept by the council (R-DEATH-4) as
    ESTATE_KEPT, anything else (a council invoice, a standing payment of its charges) as
    PAYMENT_MADE_TO_COUNCIL. Made once per payment (``steps``: a retried makePayment replays),
    and told once (``emit`` writes a topic once per subject). The ids of the messages."""
    payee = await ledger_reads.counterparty(session, payment.payee_id)
    if payee is None or payee.kind != CounterpartyKind.COUNCIL.value:
        return []
    invoice = None
    if payment.invoice_id is not None:
        invoice, _ = await invoices.locked(session, payment.invoice_id)
    estate = payment.winding_up_basis == WindingUpBasis.ESTATE.value
    facts = {
        "payment_id": str(payment.id),
        "amount": payment.amount,
        "value_date": clock.today().isoformat(),
        "category": payment.category,
        "method": payment.method,
        "description": payment.description,
        "payee_id": str(payee.id),
        "payee_name": payee.name,
        "payee_reference": payee.reference,
        "invoice_id": str(invoice.id) if invoice is not None else None,
        "supplier_invoice_number": invoice.supplier_invoice_number if invoice else None,
        "invoice_kind": invoice.kind if invoice is not None else None,
        "transfer_id": str(transfer_id),
    }
    event = events.Event(
        Topic.ESTATE_KEPT if estate else Topic.PAYMENT_MADE_TO_COUNCIL,
        payment.client_id,
        "Payment",
        payment.id,
        facts,
        related=(payee.id, *([invoice.id] if invoice is not None else [])),
    )
    return [str(m) for m in await events.tell(session, actor, [event], [Recipient.SAP])]


async def cancel_payment(
    session: AsyncSession,
    actor: Actor,
    payment_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> PaymentOutcome:
    """Cancel a payment not yet made; an approved one's hold is voided (nothing moves)."""
    text = reason.strip()
    if not text:
        raise ValidationFailed({"reason": "is required: say why the payment is cancelled"})
    if len(text) > rules.MAX_NOTE:
        raise ValidationFailed({"reason": f"is longer than {rules.MAX_NOTE} characters"})

    async def cancel(held: Held) -> Moved:
        void_id: uuid.UUID | None = None
        if held.status is PaymentStatus.APPROVED:
            void = await ledger.void_pending(session, actor, _hold_of(held.events), text)
            void_id = void.id
        await approvals.append_event(
            session,
            PAYMENTS,
            payment_id,
            PaymentEventKind.CANCELLED,
            actor,
            transfer_id=void_id,
            reason=text,
        )
        return {"void_transfer_id": void_id}, PaymentStatus.CANCELLED

    return await steps.run(
        STEPS,
        session,
        actor,
        payment_id,
        PaymentEventKind.CANCELLED,
        cancel,
        idempotency_key=idempotency_key,
        payload={"reason": text},
        reason=text,
    )
