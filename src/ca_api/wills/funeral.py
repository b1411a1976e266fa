"""The client's funeral (seed 002 B 28, R-CARE-5): the funeral wishes (B 28.1), a plan bought from
the client's funds on its BEST_INTEREST decision and its payment (B 28.2), and the two checks
payments asks of this package (the decision still APPROVED, the provider never paid by hand)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common import idempotency
from ca_api.common.rules import optional_text, text_problem
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import DecisionDraft, DecisionKind, validate_decision
from ca_api.decisions.service import NewDecision
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.ledger import counterparties as ledger
from ca_api.ledger.rules import Category
from ca_api.money import format_money
from ca_api.payments import raising as payments
from ca_api.payments.views import PaymentOutcome
from ca_api.wills import repository, rules
from ca_api.wills.reads import WillsOutcome, WillsView, lock, run, wills_of, wills_of_clients

FUNERAL = "funeral"


@dataclass(frozen=True)
class PlanPaymentOutcome:
    view: WillsView
    plan_id: uuid.UUID
    payment: PaymentOutcome
    replayed: bool = False


async def record_funeral_wishes(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    wishes: str,
    client_involved: bool,
    source: str | None,
    reason: str | None,
    idempotency_key: str,
) -> WillsOutcome:
    """Record the client's funeral wishes (B 28.1: sought with the client where possible; who
    else told us, ``source``). A second record corrects the first, with the reason (R-AUD-2)."""
    wishes = wishes.strip()
    source, reason = optional_text(source), optional_text(reason)

    async def work() -> dict[str, Any]:
        await lock(session, client_id)
        view = await wills_of(session, client_id)
        current = view.wishes[-1] if view.wishes else None
        problems = text_problem("wishes", wishes, required=True, maximum=rules.MAX_TEXT)
        problems |= text_problem("source", source, required=False, maximum=rules.MAX_NAME)
        if not client_involved and source is None:
            problems["source"] = "is required when the client was not involved: who told us"
        if current is not None and reason is None:
            problems["reason"] = "is required: wishes are recorded already; say why this corrects"
        elif current is None and reason is not None:
            problems["reason"] = "is for a correction of wishes recorded before"
        problems |= text_problem("reason", reason, required=False, maximum=rules.MAX_TEXT)
        if problems:
            raise ValidationFailed(problems)
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "wishes": wishes,
            "client_involved": client_involved,
            "source": source,
            "supersedes_id": current.id if current is not None else None,
            "reason": reason,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert_wishes(session, values)
        after = audit.written(values)
        before = {"wishes": current.wishes} if current is not None else None
        await audit.record(
            session,
            actor,
            FUNERAL,
            row.id,
            "correct_wishes" if current is not None else "record_wishes",
            before=before,
            after=after,
            reason=reason,
            client_id=client_id,
        )
        return {"client_id": str(client_id), "wishes_id": str(row.id)}

    payload = {
        "client_id": str(client_id),
        "wishes": wishes,
        "client_involved": client_involved,
        "source": source,
        "reason": reason,
    }
    return await run(session, actor, idempotency_key, "recordFuneralWishes", payload, work)


# --- a funeral plan bought from the client's funds (B 28.2) ---------------------------------------


@dataclass(frozen=True)
class PlanProposal:
    client_id: uuid.UUID
    provider: str
    description: str
    amount: int
    payee_id: uuid.UUID
    best_interests_reason: str
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None
    notes: str | None = None


async def propose_funeral_plan(
    session: AsyncSession, actor: Actor, p: PlanProposal, *, idempotency_key: str
) -> WillsOutcome:
    """Propose buying a funeral plan from the client's funds (B 28.2): a BEST_INTEREST decision
    is raised for it (the senior officer completes it; it is approved within the Appendix 2
    limits by another, R-DEC, R-ROLE-2) and the plan recorded linked to it, in one transaction.
    Refused after the client's confirmed death (no decision then, B 29)."""
    provider, description = p.provider.strip(), p.description.strip()
    problems = text_problem("provider", provider, required=True, maximum=rules.MAX_NAME)
    problems |= text_problem("description", description, required=True, maximum=rules.MAX_TEXT)
    if p.amount <= 0:
        problems["amount"] = "must be more than 0.00"
    new = decisions.tidy(
        NewDecision(
            client_id=p.client_id,
            draft=DecisionDraft(
                kind=DecisionKind.BEST_INTEREST,
                amount=p.amount,
                what_was_decided=rules.what_was_decided(
                    provider, description, format_money(p.amount)
                ),
                best_interests_reason=p.best_interests_reason,
                consulted=p.consulted,
                client_involved=p.client_involved,
                why_client_not_involved=p.why_client_not_involved,
                notes=p.notes,
            ),
        )
    )
    if not problems:
        problems |= validate_decision(new.draft, clock.today())
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        await lock(session, p.client_id)
        try:
            await ledger.counterparty_account(session, p.payee_id)
        except RecordNotFound:
            raise RecordNotFound.of("Counterparty", p.payee_id) from None
        decision_id = await decisions.raise_within(session, actor, new)
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": p.client_id,
            "provider": provider,
            "description": description,
            "amount": p.amount,
            "counterparty_id": p.payee_id,
            "decision_id": decision_id,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert_plan(session, values)
        after = audit.written(values)
        await audit.record(
            session,
            actor,
            FUNERAL,
            row.id,
            "propose_plan",
            after=after,
            reason=new.draft.best_interests_reason,
            client_id=p.client_id,
        )
        return {"client_id": str(p.client_id), "plan_id": str(row.id)}

    payload = audit.jsonable(
        {
            "client_id": p.client_id,
            "provider": provider,
            "description": description,
            "amount": p.amount,
            "payee_id": p.payee_id,
            "best_interests_reason": new.draft.best_interests_reason,
            "consulted": new.draft.consulted,
            "client_involved": p.client_involved,
            "why_client_not_involved": new.draft.why_client_not_involved,
            "notes": new.draft.notes,
        }
    )
    return await run(session, actor, idempotency_key, "proposeFuneralPlan", payload, work)


async def raise_funeral_plan_payment(
    session: AsyncSession, actor: Actor, plan_id: uuid.UUID, *, idempotency_key: str
) -> PlanPaymentOutcome:
    """Raise the payment for a funeral plan from the client's CMS account (B 28.2, R-CARE-5):
    refused unless its best interest decision is APPROVED (``rules.plan_payment_problem``), and
    once (a cancelled payment may be raised again). A second officer approves it
    (approvePayment, which checks the decision again) and it is made (makePayment)."""

    async def work() -> dict[str, Any]:
        plan = await repository.plan(session, plan_id, lock=True)
        if plan is None:
            raise RecordNotFound.of("FuneralPlan", plan_id)
        await lock(session, plan.client_id)
        # Locked as approve, refuse and supersede lock it: its status cannot change under us.
        decision = await approvals.locked(session, decisions.DECISIONS, plan.decision_id)
        view = (await wills_of(session, plan.client_id)).plan(plan_id)
        assert view is not None
        problem = rules.plan_payment_problem(
            decision.status.value, [p.status for p in view.payments]
        )
        if problem is not None:
            raise InvalidState(problem, status=decision.status.value)
        payment_id = await payments.raise_for_decision(
            session,
            actor,
            client_id=plan.client_id,
            payee_id=plan.counterparty_id,
            amount=plan.amount,
            category=Category.OUT_OTHER,
            description=f"Funeral plan: {plan.provider} ({plan.description}), seed 002 B 28.2",
        )
        row = await repository.insert_plan_payment(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": plan.client_id,
                "funeral_plan_id": plan.id,
                "payment_id": payment_id,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {
            "funeral_plan_id": str(plan.id),
            "payment_id": str(payment_id),
            "amount": plan.amount,
            "decision_id": str(plan.decision_id),
            "decision_status": decision.status.value,
        }
        await audit.record(
            session,
            actor,
            FUNERAL,
            row.id,
            "raise_plan_payment",
            after=after,
            client_id=plan.client_id,
        )
        return {"client_id": str(plan.client_id), "payment_id": str(payment_id)}

    result = await idempotency.run_recorded(
        session,
        actor,
        idempotency_key,
        "raiseFuneralPlanPayment",
        {"plan_id": str(plan_id)},
        work,
    )
    done = await payments.payment_outcome(session, uuid.UUID(str(result["payment_id"])))
    view = await wills_of(session, uuid.UUID(str(result["client_id"])))
    return PlanPaymentOutcome(view, plan_id, done, bool(result.get("replayed")))


async def refuse_unless_decided(session: AsyncSession, payment_id: uuid.UUID) -> None:
    """Asked by ``payments.approving.approve_payment`` of every payment: a funeral plan's payment is
    approved only while its best interest decision stands APPROVED (superseded meanwhile: not
    paid, B 28.2, R-CARE-5). Other payments pass."""
    link = await repository.plan_payment_of(session, payment_id)
    if link is None:
        return
    plan = await repository.plan(session, link.funeral_plan_id)
    assert plan is not None
    decision = await approvals.locked(session, decisions.DECISIONS, plan.decision_id)
    if decision.status.value != "APPROVED":
        problem = rules.plan_payment_problem(decision.status.value, [])
        assert problem is not None
        raise InvalidState(problem, status=decision.status.value)


async def refuse_paying_a_funeral_plan_by_hand(
    session: AsyncSession, client_id: uuid.UUID, payee_id: uuid.UUID
) -> None:
    """A payment with no invoice (``raisePayment``) to the provider of a funeral plan proposed
    for the client: refused, since a plan is bought only on its approved best-interest decision,
    through raiseFuneralPlanPayment (R-CARE-5, seed 002 B 28.2)."""
    if not await repository.plan_provided_by(session, client_id, payee_id):
        return  # no plan of the client's is from the payee: nothing to work out
    views = await wills_of_clients(session, [client_id])
    view = views.get(client_id)
    plans = [
        p for p in (view.plans if view is not None else []) if p.plan.counterparty_id == payee_id
    ]
    if plans:
        raise InvalidState(
            f"the payee provides the funeral plan proposed for the client ({plans[0].plan.provider}"
            "): a funeral plan is paid only on its approved best-interest decision, through "
            "raiseFuneralPlanPayment (R-CARE-5, seed 002 B 28.2)"
        )
