"""The yearly review of budget plans (R-CARE-2, R-REP-4): the active clients the council acts
for whose plan needs attention on a date: none in force, a year old, or a year old within
``REVIEW_NOTICE_DAYS`` days."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal
from ca_api.common.keyset import Seek
from ca_api.planning import repository, rules
from ca_api.planning.caseload_walk import TakenOn, clients_taken_on

REVIEW_NOTICE_DAYS = 28


@dataclass(frozen=True)
class PlanReview:
    client_id: uuid.UUID
    reference: str
    plan_id: uuid.UUID | None
    plan_year_start: date | None
    due_on: date | None
    status: rules.ReviewStatus


async def plan_reviews(
    session: AsyncSession,
    principal: Principal,
    on: date,
    *,
    seek: Seek[str],
) -> list[PlanReview]:
    """Active clients the council acts for whose plan needs attention on ``on``: none in force
    (a plan is made on acceptance), a year old (reviewed yearly), or a year old within
    ``REVIEW_NOTICE_DAYS`` days; in reference order, the page ``seek`` asks for. Clients being
    wound up are left out."""

    async def reviews(batch: list[TakenOn]) -> list[PlanReview]:
        plans = await repository.current_plans_on(session, [r.id for r, _ in batch], on)
        out: list[PlanReview] = []
        for r, _ in batch:
            plan = plans.get(r.id)
            start = plan.plan_year_start if plan is not None else None
            status = rules.review_status(start, on, REVIEW_NOTICE_DAYS)
            if status is not rules.ReviewStatus.CURRENT:
                out.append(
                    PlanReview(
                        client_id=r.id,
                        reference=r.reference,
                        plan_id=plan.id if plan is not None else None,
                        plan_year_start=start,
                        due_on=rules.review_due_on(start) if start is not None else None,
                        status=status,
                    )
                )
        return out

    likely = repository.may_need_review(on, REVIEW_NOTICE_DAYS)
    return await clients_taken_on(session, principal, on, seek=seek, pick=reviews, likely=likely)
