"""Use cases for payments: each is one transaction with its audit rows (R-AUD-1).

A payment pays a checked invoice (``invoices.checks`` says whether it is ready, R-PAY-2,
R-PAY-5) or is a standing payment. It is raised, approved by someone else within the limits in
force (R-ROLE-2, R-DEC-4) which holds the money (R-PAY-3), then made (the hold posted) or
cancelled (the hold voided), through ``approvals.mechanism``. Money-moving use cases run once
per idempotency key.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import rules as approval_rules
from ca_api.approvals import steps
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.common.grouping import group_by
from ca_api.common.keyset import Seek
from ca_api.db import unit_of_work
from ca_api.deaths import spending as deaths
from ca_api.deaths.rules import WindingUpBasis
from ca_api.debts import service as debts
from ca_api.debts.rules import DebtStage
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed, existing
from ca_api.invoices import checks as invoice_checks
from ca_api.invoices import events as invoices
from ca_api.invoices import holds as invoice_holds
from ca_api.invoices.rules import InvoiceStatus
from ca_api.ledger import repository as ledger_repository
from ca_api.ledger import service as ledger
from ca_api.ledger.rules import Category, CounterpartyKind
from ca_api.ledger.service import InsufficientFunds, Movement
from ca_api.money import format_money
from ca_api.outbox import events
from ca_api.outbox.rules import Recipient, Topic
from ca_api.overpayments import holding as overpayment_holding
from ca_api.payments import particulars, repository, rules
from ca_api.payments.models import Payment, PaymentEvent
from ca_api.payments.particulars import PaymentRequest as PaymentRequest
from ca_api.payments.repository import PaymentFilter as PaymentFilter
from ca_api.payments.repository import PaymentKey
from ca_api.payments.rules import PaymentEventKind, PaymentStatus
from ca_api.policy.rules import ApprovalSubject, LimitVersion

# A record named by its GraphQL type: its NotFoundProblem carries the opaque id.
Missing = RecordNotFound.of


# --- what the use cases take and return ---------------------------------------------------


@dataclass(frozen=True)
class PaymentView:
    payment: Payment
    client_reference: str
    status: PaymentStatus
    authors: tuple[str, ...] = ()  # who wrote what it pays, the raiser included (R-ROLE-2)
    invoice_on_hold: bool = False  # what it pays is held (R-REF-7): not approved, not made


@dataclass(frozen=True)
class PaymentOutcome:
    payment: PaymentView
    replayed: bool = False


def _payment_view(row: Any) -> PaymentView:
    payment = row[0]
    authors = approval_rules.authors_of(payment.raised_by, [row.invoice_recorded_by])
    return PaymentView(
        payment=payment,
        client_reference=row.client_reference,
        status=PaymentStatus(row.status),
        authors=tuple(sorted(authors)),
        invoice_on_hold=bool(row.invoice_on_hold),
    )


async def _authors(session: AsyncSession, payment: Payment) -> frozenset[str]:
    """Who wrote what the payment pays (R-ROLE-2, issue 9 item 8): whoever raised it and, for
    an invoice, whoever recorded the invoice (the payee, amount and category are the invoice's
    as recorded). Whoever recorded the checks is not an author: they verified it."""
    recorder = None
    if payment.invoice_id is not None:
        recorder = await invoices.recorded_by(session, payment.invoice_id)
    return approval_rules.authors_of(payment.raised_by, [recorder])


async def _read_payment(session: AsyncSession, payment_id: uuid.UUID) -> PaymentView:
    row = existing(await repository.get_payment(session, payment_id, None), "Payment", payment_id)
    return _payment_view(row)


def claim(payment: Payment, authors: Collection[str]) -> approvals.Claim:
    """What approving the payment is judged on: its authors (R-ROLE-2), its amount (R-DEC-2)."""
    return approvals.Claim(payment.raised_by, authors, ApprovalSubject.PAYMENT, payment.amount)


# --- the approval mechanism's view of a payment (issue 10 item 2) ------------------------

PAYMENTS: approvals.Approvable[Payment, PaymentStatus, PaymentEventKind] = approvals.Approvable(
    type_name="Payment",
    owner_column="payment_id",
    lock=repository.lock_payment,
    events_of=repository.payment_events,
    status=rules.payment_status,
    transition_problem=rules.transition_problem,
    insert_event=repository.insert_payment_event,
    once_index="uq_payment_event_once",
    already=lambda event: f"the payment was {event.lower()} already",
    missing=Missing,
    queue_kind="PAYMENT",
    wording=approvals.Wording(
        raised="you raised this payment",
        authored="you recorded the invoice this payment pays (you are one of its authors)",
        must="approve it",
        may="approve under the limits",
    ),
)


async def _outcome(
    session: AsyncSession, payment_id: uuid.UUID, *, replayed: bool = False
) -> PaymentOutcome:
    return PaymentOutcome(await _read_payment(session, payment_id), replayed)


PAYMENT_ONCE = approvals.Once(
    remember_as="payment_id",
    ident=lambda o: o.payment.payment.id,
    replay=partial(_outcome, replayed=True),
)


# --- payments -----------------------------------------------------------------------------


async def raise_payment(
    session: AsyncSession, actor: Actor, req: PaymentRequest, *, idempotency_key: str
) -> PaymentOutcome:
    """Raise a payment of a checked invoice, or a standing payment; it waits for approval."""
    problems = particulars.shape_problems(req)
    if req.winding_up_basis in particulars.COMPUTED_BASES:
        problems["winding_up_basis"] = particulars.COMPUTED_BASES[req.winding_up_basis]
    if problems:
        raise ValidationFailed(problems)
    if req.invoice_id is None and not rules.may_raise_standing(actor.principal.roles):
        raise particulars.forbidden("this integration raises payments of its own invoices only")
    # Its id is chosen first, so the idempotency key remembers it with the claim.
    payment_id = uuid.uuid4()

    async def work() -> PaymentOutcome:
        if req.invoice_id is not None:
            values = await particulars.invoice_payment(session, actor, req.invoice_id, req.method)
        else:
            values = await particulars.standing_payment(session, req)
            await _refuse_payees_with_their_own_door(session, values["client_id"], req)
        basis = req.winding_up_basis
        await _refuse_after_death(
            session,
            values["client_id"],
            basis,
            values["standing"],
            values.get("invoice_id"),
            order_at=DebtStage.RAISED,
        )
        if basis is not None:
            values["winding_up_basis"] = basis.value
        account = await ledger.client_account(session, values["client_id"])
        values |= {
            "id": payment_id,
            "from_account_id": account.id,
            "raised_by": actor.principal.subject,
        }
        await repository.insert_payment(session, values)
        # It enters the approval queues when this transaction commits (nothing if it rolls back).
        await approvals.notify(session, PAYMENTS, payment_id)
        after = {k: v for k, v in values.items() if k not in ("id", "raised_by")}
        after["status"] = PaymentStatus.RAISED.value
        client_id = values["client_id"]
        await audit.record(
            session, actor, "payment", payment_id, "raise", after=after, client_id=client_id
        )
        return await _outcome(session, payment_id)

    payload = particulars.request_payload(req)
    return await approvals.run_once(
        PAYMENT_ONCE,
        session,
        actor,
        idempotency_key,
        "raisePayment",
        payload,
        work,
        ident=payment_id,
    )


async def _refuse_payees_with_their_own_door(
    session: AsyncSession, client_id: uuid.UUID, req: PaymentRequest
) -> None:
    """A payment with no invoice to a payee whose money has its own door: a creditor of a debt
    found on appointment (the repayment plan, R-DEBT-1), the provider of a proposed funeral plan
    (its decision, B 28.2). Those modules depend on this one, so they are imported when asked."""
    from ca_api.outstanding_debts import service as found_debts  # a cycle at import
    from ca_api.wills import service as wills  # a cycle at import

    assert req.payee_id is not None
    await found_debts.refuse_paying_a_creditor_by_hand(session, client_id, req.payee_id)
    await wills.refuse_paying_a_funeral_plan_by_hand(session, client_id, req.payee_id)


async def raise_for_winding_up(
    session: AsyncSession,
    actor: Actor,
    *,
    client_id: uuid.UUID,
    payee_id: uuid.UUID,
    amount: int,
    category: Category,
    description: str,
    basis: WindingUpBasis,
    method: rules.PaymentMethod = rules.PaymentMethod.BANK_TRANSFER,
) -> uuid.UUID:
    """In the caller's transaction (its use case owns idempotency and its own audit row): raise
    a one-off payment from a deceased client's CMS account that winding up itself computes (a
    benefit overpayment repaid to its agency, the estate to whom R-DEATH-3/4 send it), with no
    invoice. It waits for approval like every payment (the one approval mechanism: limits, four
    eyes, the hold) and is checked again when approved and made
    (``deaths.refuse_spending_after_death`` on its basis)."""
    await deaths.refuse_spending_after_death(session, client_id, basis)
    return await _raise_one_off(
        session,
        actor,
        client_id=client_id,
        payee_id=payee_id,
        amount=amount,
        category=category,
        description=description,
        basis=basis,
        method=method,
    )


async def raise_for_decision(
    session: AsyncSession,
    actor: Actor,
    *,
    client_id: uuid.UUID,
    payee_id: uuid.UUID,
    amount: int,
    category: Category,
    description: str,
    method: rules.PaymentMethod = rules.PaymentMethod.BANK_TRANSFER,
) -> uuid.UUID:
    """In the caller's transaction (its use case owns idempotency, its own audit row and the
    check that its approved decision authorises it): raise a one-off payment from a living
    client's CMS account with no invoice, that an approved decision of the caller's module
    authorises (a funeral plan bought from the client's funds, seed 002 B 28.2). It waits for
    approval like every payment (limits, four eyes, the hold); nothing is committed after the
    client's confirmed death (``deaths.refuse_spending_after_death``)."""
    await deaths.refuse_spending_after_death(session, client_id, commits_new_money=True)
    return await _raise_one_off(
        session,
        actor,
        client_id=client_id,
        payee_id=payee_id,
        amount=amount,
        category=category,
        description=description,
        basis=None,
        method=method,
    )


async def _raise_one_off(
    session: AsyncSession,
    actor: Actor,
    *,
    client_id: uuid.UUID,
    payee_id: uuid.UUID,
    amount: int,
    category: Category,
    description: str,
    basis: WindingUpBasis | None,
    method: rules.PaymentMethod,
) -> uuid.UUID:
    if amount <= 0:
        raise ValidationFailed({"amount": "must be more than 0.00"})
    account = await ledger.client_account(session, client_id)
    payment_id = uuid.uuid4()
    values: dict[str, Any] = {
        "id": payment_id,
        "client_id": client_id,
        "invoice_id": None,
        "payee_id": payee_id,
        "from_account_id": account.id,
        "amount": amount,
        "category": category.value,
        "method": method.value,
        "description": description,
        "standing": False,
        "winding_up_basis": basis.value if basis is not None else None,
        "raised_by": actor.principal.subject,
    }
    await repository.insert_payment(session, values)
    await approvals.notify(session, PAYMENTS, payment_id)
    after = {k: v for k, v in values.items() if k not in ("id", "raised_by")}
    after["status"] = PaymentStatus.RAISED.value
    await audit.record(
        session, actor, "payment", payment_id, "raise", after=after, client_id=client_id
    )
    return payment_id


async def payment_outcome(session: AsyncSession, payment_id: uuid.UUID) -> PaymentOutcome:
    """The payment as it stands (for a use case that raised one with ``raise_for_winding_up``)."""
    return await _outcome(session, payment_id)


async def _refuse_after_death(
    session: AsyncSession,
    client_id: uuid.UUID,
    basis: WindingUpBasis | None,
    standing: bool,
    invoice_id: uuid.UUID | None,
    *,
    order_at: DebtStage | None = None,
) -> None:
    """After the client's confirmed death, only what winding up allows (seed 002 B 29): asked
    when a payment is raised, approved and made (``deaths.spending``, the one check). A debt
    before death is paid in the order of R-DEBT-1 (B 29.2): asked when it is raised and when
    approved (``order_at``; ``debts.service``). A FUNERAL payment is not in that order: the
    funeral's costs come first in law."""
    invoice = None
    if invoice_id is not None:
        invoice, _ = await invoices.locked(session, invoice_id)
    await deaths.refuse_spending_after_death(
        session,
        client_id,
        basis,
        standing=standing,
        invoice_date=invoice.invoice_date if invoice is not None else None,
    )
    if basis is WindingUpBasis.DEBT_BEFORE_DEATH and invoice is not None and order_at:
        died_on = await deaths.confirmed_death_date(session, client_id)
        assert died_on is not None  # the basis is refused for the living, above
        await debts.refuse_out_of_order(session, invoice, died_on, order_at)


async def _refuse_payment_after_death(
    session: AsyncSession, payment: Payment, *, order_at: DebtStage | None = None
) -> None:
    basis = WindingUpBasis(payment.winding_up_basis) if payment.winding_up_basis else None
    await _refuse_after_death(
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
    stands APPROVED (``wills.service.refuse_unless_decided``,
    ``outstanding_debts.service.refuse_unless_agreed``). Imported when called, since both build
    on payments."""
    if payment.invoice_id is not None or payment.standing or payment.winding_up_basis:
        return
    from ca_api.outstanding_debts import service as outstanding_debts
    from ca_api.wills import service as wills

    await wills.refuse_unless_decided(session, payment.id)
    await outstanding_debts.refuse_unless_agreed(session, payment.id)


async def _still_recovered(session: AsyncSession, payment: Payment) -> None:
    """A one-off payment handing a client's money back to them (R-ORD-5, seed 002 B 27) is
    approved and made only after the court's order that they can manage their affairs is
    recorded (``recovery.service.refuse_unless_recovered``; it is raised only then). Imported
    when called, since recovery builds on payments."""
    if payment.invoice_id is not None or payment.standing or payment.winding_up_basis:
        return
    from ca_api.recovery import service as recovery

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
    read=_outcome,
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
        payee = await ledger.counterparty_account(session, payment.payee_id)
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
    payee = await ledger_repository.get_counterparty(session, payment.payee_id)
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


# --- reads --------------------------------------------------------------------------------


async def get_payment(
    session: AsyncSession, principal: Principal, payment_id: uuid.UUID
) -> PaymentView | None:
    row = await repository.get_payment(session, payment_id, principal)
    return _payment_view(row) if row is not None else None


async def payments_by_id(
    session: AsyncSession, principal: Principal, payment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PaymentView]:
    """The payments with these ids that the caller may read, as ``get_payment`` scopes one, in
    one query: node(id:) and nodes(ids:)."""
    rows = await repository.get_payments(session, payment_ids, principal)
    return {row[0].id: _payment_view(row) for row in rows}


async def list_payments(
    session: AsyncSession, principal: Principal, flt: PaymentFilter, *, seek: Seek[PaymentKey]
) -> list[PaymentView]:
    rows = await repository.list_payments(session, principal, flt, seek=seek)
    return [_payment_view(r) for r in rows]


def _invoice_of(view: PaymentView) -> uuid.UUID:
    assert view.payment.invoice_id is not None  # read as a payment of an invoice
    return view.payment.invoice_id


async def payments_by_invoice(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PaymentView]]:
    views = [_payment_view(row) for row in await repository.payments_of_invoices(session, ids)]
    return group_by(views, _invoice_of)


async def events_by_payment(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PaymentEvent]]:
    return group_by(await repository.payment_events(session, ids), lambda e: e.payment_id)


def can_approve(principal: Principal, view: PaymentView, version: LimitVersion | None) -> bool:
    """Whether the caller could approve the payment now: it awaits approval, they neither raised
    it nor recorded its invoice (its authors, R-ROLE-2), and their role covers the amount under
    today's limits (R-DEC-2); and what it pays is not on hold (R-REF-7)."""
    if view.status is not PaymentStatus.RAISED or view.invoice_on_hold:
        return False
    return approvals.may_decide(principal, claim(view.payment, view.authors), version)
