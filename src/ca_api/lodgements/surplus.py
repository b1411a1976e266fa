"""The surplus rule at every entry point that moves a client's money to the Court Funds Office or
an institution (R-INV-2; seed 002 B 7.7-7.10, 20.2-20.4; R-CARE-2, R-BUD-3).

Only surplus funds may go: the surplus of the client's budget plan in force (R-BUD-3, as the plan
computed it: the balance at its start plus the year's available income), only under a plan that
is approved (R-DEC) and not past its yearly review (R-CARE-2), only while what is left of that
surplus is at least the threshold in force (the effective-dated ``lodgement_surplus_threshold``,
£25,000 from 2014, R-DATA), and never more than what is left. Lodgements and placements draw on
the same surplus (seed 002 B 7.9-7.10: surplus funds go either to the Court Funds Office or to a
better rate with an approved institution), so each counts against the other: what is left is the
surplus less every lodgement and placement still proposed or approved, and those lodged or placed
on or after the plan's year start (see ``planning.rules.SurplusPosition``).

Checked when proposed (``proposeLodgement``, ``placeFunds``), when the INVESTMENT_PLAN decision
is approved (registered with ``decisions.service``: the plan, the threshold or other proposals
may have changed since), and when the money moves (``lodge``, ``makePlacement``), each time in
the caller's transaction with the client's row locked, so two proposals cannot both fit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clients import service as clients
from ca_api.decisions import service as decisions
from ca_api.decisions.models import Decision
from ca_api.decisions.rules import DecisionEventKind, DecisionKind, DecisionStatus, decision_status
from ca_api.errors import ErrorCode, MoneyProblem
from ca_api.lodgements import repository as lodgements_repository
from ca_api.money import Pence
from ca_api.placements import rules as placements_rules
from ca_api.placements import service as placements
from ca_api.planning import service as planning
from ca_api.planning.rules import SurplusPosition, SurplusRefusal, surplus_refusal
from ca_api.planning.service import Threshold


class SurplusRuleBroken(MoneyProblem):
    """Refused by the surplus rule; the code says why (NO_APPROVED_PLAN, BUDGET_PLAN_STALE,
    SURPLUS_BELOW_THRESHOLD, OVER_SURPLUS) and the details carry the figures judged."""

    def __init__(self, refusal: SurplusRefusal, message: str, judged: SurplusJudgement) -> None:
        p = judged.position
        super().__init__(
            ErrorCode(refusal.value),
            message,
            plan_id=p.plan_id,
            plan_year_start=p.plan_year_start,
            review_due_on=p.review_due_on,
            surplus=p.surplus,
            threshold=p.threshold,
            committed=p.committed,
            remaining_surplus=p.available,
            wanted=judged.amount,
        )


@dataclass(frozen=True)
class SurplusJudgement:
    """An amount judged against the client's surplus on a date."""

    position: SurplusPosition
    threshold: Threshold
    amount: Pence

    @property
    def refusal(self) -> tuple[SurplusRefusal, str] | None:
        return surplus_refusal(self.position, self.amount)

    def audit(self) -> dict[str, Any]:
        """What it was judged under, for the audit row (R-AUD-1, as R-DEC-4 for limits)."""
        p = self.position
        return {
            "surplus_rule": {
                "on": p.on,
                "plan_id": p.plan_id,
                "plan_year_start": p.plan_year_start,
                "surplus": p.surplus,
                "threshold": p.threshold,
                "threshold_effective_from": self.threshold.effective_from,
                "committed": p.committed,
                "remaining_surplus": p.available,
            }
        }


async def _approved(session: AsyncSession, decision_id: uuid.UUID | None) -> bool:
    if decision_id is None:
        return False
    events = (await decisions.events_by_decision(session, [decision_id])).get(decision_id, [])
    status = decision_status(DecisionEventKind(e.event) for e in events)
    return status is DecisionStatus.APPROVED


async def _placements_committed(
    session: AsyncSession, client_id: uuid.UUID, since: date, excluding: uuid.UUID | None
) -> Pence:
    rows = [
        r
        for r in await placements.placement_rows_of_client(session, client_id)
        if r.decision_id != excluding
    ]
    if not rows:
        return 0
    events: dict[uuid.UUID, list[str]] = {r.id: [] for r in rows}
    for e in await placements.placement_events(session, [r.id for r in rows]):
        events[e.placement_id].append(e.event)
    decided: dict[uuid.UUID, list[DecisionEventKind]] = {r.decision_id: [] for r in rows}
    by_decision = await decisions.events_by_decision(session, list(decided))
    for decision_id, of_decision in by_decision.items():
        decided[decision_id].extend(DecisionEventKind(d.event) for d in of_decision)
    total = 0
    for r in rows:
        status = placements_rules.placement_status(
            decision_status(decided[r.decision_id]), events[r.id]
        )
        if placements_rules.counts_against_surplus(status, r.start_date, since):
            total += r.amount
    return total


async def judge(
    session: AsyncSession,
    client_id: uuid.UUID,
    amount: Pence,
    on: date,
    *,
    excluding: uuid.UUID | None,
) -> SurplusJudgement:
    """The client's surplus position on ``on`` and ``amount`` judged against it. ``excluding``:
    the INVESTMENT_PLAN decision of the lodgement or placement being judged (not counted
    against itself). The threshold is the one in force on ``on`` (PolicyMissing if none)."""
    threshold = await planning.threshold_on(session, planning.LODGEMENT_SURPLUS, on)
    plan = (await planning.current_plans_on(session, [client_id], on)).get(client_id)
    if plan is None:
        position = SurplusPosition(on, None, None, False, None, threshold.amount, 0)
    else:
        since = plan.plan_year_start
        committed = await lodgements_repository.committed(session, client_id, since, excluding)
        committed += await _placements_committed(session, client_id, since, excluding)
        position = SurplusPosition(
            on=on,
            plan_id=plan.id,
            plan_year_start=plan.plan_year_start,
            plan_approved=await _approved(session, plan.decision_id),
            surplus=plan.surplus,
            threshold=threshold.amount,
            committed=committed,
        )
    return SurplusJudgement(position, threshold, amount)


async def check(
    session: AsyncSession,
    client_id: uuid.UUID,
    amount: Pence,
    on: date,
    *,
    excluding: uuid.UUID | None,
) -> SurplusJudgement:
    """Refuse ``amount`` unless the surplus rule allows it (SurplusRuleBroken). Call inside the
    transaction that records or moves the money: the client's row is locked until it ends, so
    lodgements and placements for one client are judged one at a time."""
    await clients.lock_client(session, client_id)
    judged = await judge(session, client_id, amount, on, excluding=excluding)
    refusal = judged.refusal
    if refusal is not None:
        raise SurplusRuleBroken(refusal[0], refusal[1], judged)
    return judged


async def _moves_money(session: AsyncSession, decision: Decision) -> bool:
    """Whether the decision is a lodgement's or a placement's: approving it lets money go.
    (An investment statement's or a free-standing INVESTMENT_PLAN decision moves nothing.)"""
    if decision.kind != DecisionKind.INVESTMENT_PLAN.value:
        return False
    if await lodgements_repository.lodgement_of_decision(session, decision.id) is not None:
        return True
    return await placements.placement_of_decision(session, decision.id) is not None


async def on_approval(
    session: AsyncSession, decision: Decision, today: date
) -> dict[str, Any] | None:
    """Approving a lodgement's or placement's INVESTMENT_PLAN decision is judged afresh: the
    plan may have been revised, gone stale or other proposals approved since it was proposed."""
    if not await _moves_money(session, decision):
        return None
    judged = await check(session, decision.client_id, decision.amount, today, excluding=decision.id)
    return judged.audit()


async def decision_context(
    session: AsyncSession, decision: Decision, on: date
) -> SurplusJudgement | None:
    """What the approver of a lodgement's or placement's decision weighs it against on ``on``:
    the plan, its surplus, the threshold, what else counts against it (no lock: a read)."""
    if not await _moves_money(session, decision):
        return None
    return await judge(session, decision.client_id, decision.amount, on, excluding=decision.id)
