"""The annual review clock (R-CARE-1, seed 002 B 13.1): every ACTIVE client with a deputy order
in force today and no confirmed death is due the policy's months (``annual_review_months``) after
their last review standing, or after the order when none; DUE, or OVERDUE the day after
(``common.deadlines``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.principal import Principal
from ca_api.common import deadlines as deadline_clock
from ca_api.common.keyset import Seek
from ca_api.policy import service as policy
from ca_api.policy.models import PolicyFigure
from ca_api.reviews import repository, rules
from ca_api.reviews.rules import ReviewState


@dataclass(frozen=True)
class ReviewDue(deadline_clock.Deadline):
    """A deputy client's next annual review as of today: its id is the client's."""

    client_reference: str
    order_date: date
    last_reviewed_on: date | None
    months: int
    review_state: ReviewState
    days_overdue: int

    @property
    def client_id(self) -> uuid.UUID:
        return self.source_id


def months_on(figures: Sequence[PolicyFigure], on: date) -> int:
    """The months between reviews in force on ``on`` (the figure's history, oldest first). A
    clock that started before the first figure was recorded (an order of 2012, the seed's
    policy of 2014) runs by that first figure: the yearly review is the court's expectation of
    every deputy, older than the council's written policy, and one client's old order must not
    take the whole list down. PolicyMissing only when no figure is recorded at all."""
    known = [f for f in figures if f.value is not None]
    if not known:
        raise policy.PolicyMissing(rules.REVIEW_MONTHS, on)
    found = [f for f in known if f.effective_from <= on] or known[:1]
    return int(found[-1].value)  # type: ignore[arg-type]


async def every_review_due(
    session: AsyncSession, principal: Principal, *, client_id: uuid.UUID | None = None
) -> list[ReviewDue]:
    """Each deputy client's next annual review, as of today: ACTIVE, a deputy order in force,
    no confirmed death. Due the months in force on the day the clock started after the last
    review that stands, or after the order when none."""
    today = clock.today()
    rows = await repository.deputy_clients(session, principal, today, client_id)
    figures = await policy.figure_history(session, rules.REVIEW_MONTHS)
    return [_review_due(r, figures, today) for r in rows]


def _review_due(r: Any, figures: Sequence[PolicyFigure], today: date) -> ReviewDue:
    """A deputy client's next review by the rules, from its row (``repository.deputy_clients``)."""
    start = r.last_reviewed_on or r.order_date
    months = months_on(figures, start)
    due_on = rules.review_due_on(start, months)
    return ReviewDue(
        source_id=r.client_id,
        due_on=due_on,
        state=deadline_clock.state_on(due_on, None, today),
        client_reference=r.client_reference,
        order_date=r.order_date,
        last_reviewed_on=r.last_reviewed_on,
        months=months,
        review_state=rules.review_state(due_on, today),
        days_overdue=max(0, (today - due_on).days),
    )


async def reviews_due(
    session: AsyncSession,
    principal: Principal,
    *,
    state: ReviewState | None,
    due_by: date | None,
    client_id: uuid.UUID | None,
    seek: Seek[tuple[date, uuid.UUID]],
) -> list[ReviewDue]:
    """A page of the deputy clients' next annual reviews, soonest due first (overdue ones
    first): only those in ``state``, only those due on or before ``due_by``, only the client's,
    if given.

    The page is read in due order from the clocks the database keeps
    (``repository.reviews_due_page``, migration 0055), then each of its rows is judged by the
    rules as the whole list is (``every_review_due``: ``tests/test_reviews_due_page.py`` holds
    every page equal to the whole list's); with no figure of the months recorded, the whole
    list is read (and refused as before)."""
    today = clock.today()
    figures = await policy.figure_history(session, rules.REVIEW_MONTHS)
    if not any(f.value is not None for f in figures):
        every = [
            d
            for d in await every_review_due(session, principal, client_id=client_id)
            if (state is None or d.review_state is state) and (due_by is None or d.due_on <= due_by)
        ]
        return deadline_clock.page(every, state=None, seek=seek)
    overdue = None if state is None else state is ReviewState.OVERDUE
    rows = await repository.reviews_due_page(
        session,
        principal,
        today,
        overdue=overdue,
        due_by=due_by,
        client_id=client_id,
        seek=seek,
    )
    return [_review_due(r, figures, today) for r in rows]


async def review_due_of(
    session: AsyncSession, principal: Principal, client_id: uuid.UUID
) -> ReviewDue | None:
    """The client's next annual review (None: not a deputy client the clock follows)."""
    found = await every_review_due(session, principal, client_id=client_id)
    return found[0] if found else None
