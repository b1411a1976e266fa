"""A budget plan's approval as a "financial plans and budgets" decision (R-CARE-2, R-DEC,
R-ROLE-2): submitted once, raised through ``decisions``, and approved by a senior officer or
the governance manager who wrote no version of the plan it covers."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.db import unit_of_work
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import DecisionDraft, DecisionKind
from ca_api.decisions.service import NewDecision
from ca_api.errors import RecordNotFound, ValidationFailed
from ca_api.money import format_money
from ca_api.planning import repository
from ca_api.planning.models import BudgetPlan
from ca_api.planning.service import PLAN, RecordedPlan, get_plan, recorded_plan


async def _authors(session: AsyncSession, plan: BudgetPlan) -> frozenset[str]:
    """Who wrote the plan its decision approves (R-ROLE-2): whoever recorded it and each
    revision of the same plan year it replaced (a revision restates the plan it revises); none
    of them may approve it (issue 9 item 8)."""
    authors = {plan.recorded_by}
    older = plan
    while older.supersedes_id is not None:
        found = await repository.get_plan(session, older.supersedes_id)
        if found is None or found.plan_year_start != plan.plan_year_start:
            break
        authors.add(found.recorded_by)
        older = found
    return frozenset(authors)


async def submit_plan(
    session: AsyncSession,
    actor: Actor,
    plan_id: uuid.UUID,
    *,
    consulted: str,
    client_involved: bool,
    why_client_not_involved: str | None,
    idempotency_key: str,
) -> RecordedPlan:
    """Raise the plan's approval: a FINANCIAL_PLAN decision for the plan's annual expenditure
    (what the plan commits the client's money to), which a senior officer approves up to the
    limit in force and the governance manager above it, never whoever submits it nor whoever
    recorded the plan or a revision it covers (its authors, R-ROLE-2).
    The decision is raised once per key; linking it to the plan is idempotent, so a retry with
    the same key finishes a submission that stopped half way."""
    view = await get_plan(session, plan_id)
    if view is None:
        raise RecordNotFound("budget plan", str(plan_id))
    plan = view.plan
    if view.superseded_by is not None:
        raise ValidationFailed({"plan": "is superseded: submit the plan that replaced it"})
    if plan.decision_id is not None:
        return RecordedPlan(view, replayed=True)
    draft = DecisionDraft(
        kind=DecisionKind.FINANCIAL_PLAN,
        amount=plan.annual_expenditure,
        what_was_decided=(
            f"Budget plan for the year from {plan.plan_year_start.isoformat()}: income "
            f"{format_money(plan.annual_income)}, expenditure "
            f"{format_money(plan.annual_expenditure)}, surplus {format_money(plan.surplus)}"
        ),
        best_interests_reason="Enough at hand for the next twelve months' needs (R-CARE-2)",
        consulted=consulted,
        client_involved=client_involved,
        why_client_not_involved=why_client_not_involved,
        notes=f"budget plan {plan.id}",
    )
    outcome = await decisions.raise_decision(
        session,
        actor,
        NewDecision(client_id=plan.client_id, draft=draft, authors=await _authors(session, plan)),
        idempotency_key=idempotency_key,
    )
    decision_id = outcome.decision.decision.id
    async with unit_of_work(session):
        await repository.link_decision(session, plan.id, decision_id)
        after = {"decision_id": str(decision_id)}
        await audit.record(
            session, actor, PLAN, plan.id, "submit", after=after, client_id=plan.client_id
        )
    return RecordedPlan(await recorded_plan(session, plan_id), replayed=outcome.replayed)
