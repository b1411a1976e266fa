"""Budget plans are made on acceptance and reviewed yearly (R-CARE-2, R-REP-4)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.planning.rules import ReviewStatus, review_due_on, review_status
from tests.conftest import Api
from tests.factories import (
    client_with_orders,
    record_seed_plan,
)

REVIEWS = """
query($on: Date!) {
  budgetPlanReviews(on: $on, first: 100) { nodes { clientId planYearStart dueOn status } }
}"""


@pytest.mark.parametrize(
    ("start", "on", "status"),
    [
        (None, date(2015, 1, 1), ReviewStatus.NO_PLAN),
        (date(2014, 4, 1), date(2015, 3, 3), ReviewStatus.CURRENT),
        (date(2014, 4, 1), date(2015, 3, 4), ReviewStatus.DUE_SOON),  # 28 days before
        (date(2014, 4, 1), date(2015, 3, 31), ReviewStatus.DUE_SOON),
        (date(2014, 4, 1), date(2015, 4, 1), ReviewStatus.OVERDUE),  # a year on
    ],
)
def test_review_status(start: date | None, on: date, status: ReviewStatus) -> None:
    assert review_status(start, on, 28) is status


def test_a_leap_day_plan_is_reviewed_on_the_28th() -> None:
    assert review_due_on(date(2024, 2, 29)) == date(2025, 2, 28)


async def test_clients_without_a_plan_or_with_a_year_old_one_are_listed(
    api: Api, session: AsyncSession
) -> None:
    planned = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    unplanned = await client_with_orders(session, deputy_from=date(2013, 5, 20))
    await record_seed_plan(api, planned, "a")  # the plan year from 2014-04-01

    async def statuses(on: date) -> dict[str, tuple[str, str | None]]:
        data = await api.data(REVIEWS, {"on": on.isoformat()}, role="auditor", sub="audrey")
        return {
            n["clientId"]: (n["status"], n["dueOn"]) for n in data["budgetPlanReviews"]["nodes"]
        }

    early = await statuses(date(2014, 6, 1))
    assert early[unplanned] == ("NO_PLAN", None)
    assert planned not in early  # current
    late = await statuses(date(2015, 4, 1))
    assert late[planned] == ("OVERDUE", "2015-04-01")
