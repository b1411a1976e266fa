"""A debt's repayment under an APPROVED financial statement (seed 002 B 14.4), raised through
``payments.raise_for_decision``, and the two checks payments asks of this package: a repayment
approved only while its statement stands APPROVED, a creditor never paid by a plain payment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common import idempotency
from ca_api.debts.rules import FoundDebtKind
from ca_api.decisions import service as decisions
from ca_api.errors import InvalidState, RecordNotFound
from ca_api.ledger.rules import Category
from ca_api.money import format_money
from ca_api.outstanding_debts import repository, rules
from ca_api.outstanding_debts.reads import DEBT, LIVE, DebtsView, debts_of, lock
from ca_api.payments import raising as payments
from ca_api.payments.views import PaymentOutcome

CATEGORY: dict[FoundDebtKind, Category] = {
    FoundDebtKind.CARE_HOME_PERSONAL_ALLOWANCE: Category.OUT_CARE_FEES,
    FoundDebtKind.COUNCIL_CARE_CONTRIBUTION: Category.OUT_LOCAL_AUTHORITY_CARE_CHARGES,
    FoundDebtKind.OTHER_UNSECURED: Category.OUT_OTHER,
}


@dataclass(frozen=True)
class RepaymentOutcome:
    view: DebtsView
    plan_id: uuid.UUID
    payment: PaymentOutcome
    replayed: bool = False


async def raise_repayment(
    session: AsyncSession,
    actor: Actor,
    plan_id: uuid.UUID,
    debt_id: uuid.UUID,
    *,
    idempotency_key: str,
) -> RepaymentOutcome:
    """Raise the payment of a debt's share under an approved statement (B 14.4): its amount the
    plan's allocation (no more than is still owed), to the debt's payee, once per plan and debt
    (a cancelled one may be raised again); approved (four eyes, limits, the hold) and made as
    every payment."""

    async def work() -> dict[str, Any]:
        plan = await repository.plan(session, plan_id, lock=True)
        if plan is None:
            raise RecordNotFound.of("DebtRepaymentPlan", plan_id)
        await lock(session, plan.client_id)
        decision = await approvals.locked(session, decisions.DECISIONS, plan.decision_id)
        view = await debts_of(session, plan.client_id)
        debt = view.debt(debt_id)
        pv = view.plan(plan_id)
        assert pv is not None
        line = next((ln for ln in pv.lines if debt and ln.debt_id == debt.first.id), None)
        if debt is None or line is None:
            raise RecordNotFound.of("OutstandingDebt", debt_id)
        raised = any(r.debt_id == debt.first.id and r.status in LIVE for r in pv.repayments)
        problem = rules.repayment_problem(
            decision.status.value, line.allocated, debt.current.payee_id is not None, raised
        )
        if problem is not None:
            raise InvalidState(problem, status=decision.status.value)
        amount = min(line.allocated, debt.owed)  # repaid meanwhile under another plan
        if amount <= 0:
            raise InvalidState("nothing is still owed on this debt: it is repaid already")
        assert debt.current.payee_id is not None
        payment_id = await payments.raise_for_decision(
            session,
            actor,
            client_id=plan.client_id,
            payee_id=debt.current.payee_id,
            amount=amount,
            category=CATEGORY[FoundDebtKind(debt.current.kind)],
            description=f"Debt to {debt.current.creditor} found on appointment, repaid in "
            f"R-DEBT-1's order (position {line.position}), seed 002 B 14",
        )
        row = await repository.insert_repayment(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": plan.client_id,
                "plan_id": plan.id,
                "debt_id": debt.first.id,
                "amount": amount,
                "payment_id": payment_id,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            DEBT,
            row.id,
            "raise_repayment",
            after={
                "plan_id": str(plan.id),
                "debt_id": str(debt.first.id),
                "payment_id": str(payment_id),
                "amount": amount,
                "decision_status": decision.status.value,
            },
            client_id=plan.client_id,
        )
        return {"client_id": str(plan.client_id), "payment_id": str(payment_id)}

    result = await idempotency.run_recorded(
        session,
        actor,
        idempotency_key,
        "raiseDebtRepayment",
        {"plan_id": str(plan_id), "debt_id": str(debt_id)},
        work,
    )
    done = await payments.payment_outcome(session, uuid.UUID(str(result["payment_id"])))
    view = await debts_of(session, uuid.UUID(str(result["client_id"])))
    return RepaymentOutcome(view, plan_id, done, bool(result.get("replayed")))


async def refuse_unless_agreed(session: AsyncSession, payment_id: uuid.UUID) -> None:
    """Asked by ``payments.approving.approve_payment`` of every one-off decided payment: a
    debt's repayment is approved only while its financial statement stands APPROVED (R-DEBT-3).
    Others pass."""
    link = await repository.repayment_of(session, payment_id)
    if link is None:
        return
    plan = await repository.plan(session, link.plan_id)
    assert plan is not None
    decision = await approvals.locked(session, decisions.DECISIONS, plan.decision_id)
    if decision.status.value != "APPROVED":
        problem = rules.repayment_problem(decision.status.value, 1, True, False)
        assert problem is not None
        raise InvalidState(problem, status=decision.status.value)


async def refuse_paying_a_creditor_by_hand(
    session: AsyncSession, client_id: uuid.UUID, payee_id: uuid.UUID
) -> None:
    """A payment with no invoice (``raisePayment``) to a creditor of a debt found on
    appointment that is still owed: refused, since found debts are repaid through the approved
    plan in R-DEBT-1's order (raiseDebtRepayment, B 14.2), never by a plain payment that could
    pay a later creditor first."""
    if not await repository.owes_payee(session, client_id, payee_id):
        return  # no debt names the payee: nothing to work out
    owed = [
        d
        for d in (await debts_of(session, client_id)).debts
        if d.current.payee_id == payee_id and d.owed > 0
    ]
    if owed:
        raise InvalidState(
            f"the payee is a creditor of a debt found on appointment ({owed[0].current.creditor}, "
            f"{format_money(owed[0].owed)} owed): it is repaid through the approved repayment plan "
            "in R-DEBT-1's order (raiseDebtRepayment, seed 002 B 14.2), not by a plain payment"
        )
