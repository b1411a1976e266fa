"""Payments raised: of a checked invoice, standing, or one-off for winding up (R-DEATH-3/4) or
an approved decision (B 28.2), each refused after the client's death but as winding up allows.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.deaths import spending as deaths
from ca_api.deaths.reads import confirmed_death_date
from ca_api.deaths.rules import WindingUpBasis
from ca_api.debts import service as debts
from ca_api.debts.rules import DebtStage
from ca_api.errors import ValidationFailed
from ca_api.invoices import events as invoices
from ca_api.ledger import accounts as ledger
from ca_api.ledger.rules import Category
from ca_api.payments import particulars, repository, rules
from ca_api.payments.particulars import PaymentRequest
from ca_api.payments.rules import PaymentStatus
from ca_api.payments.views import PAYMENT_ONCE, PAYMENTS, PaymentOutcome, outcome

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
        await refuse_after_death(
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
        return await outcome(session, payment_id)

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
    from ca_api.outstanding_debts import repayments as found_debts  # a cycle at import
    from ca_api.wills import funeral as wills  # a cycle at import

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
    return await outcome(session, payment_id)


async def refuse_after_death(
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
        died_on = await confirmed_death_date(session, client_id)
        assert died_on is not None  # the basis is refused for the living, above
        await debts.refuse_out_of_order(session, invoice, died_on, order_at)
