"""annualReviewsDue picks its page in SQL by the day each review is due (issue 18 item 1,
``reviews.repository.reviews_due_page``) and judges the page's rows by the rules (R-CARE-1,
seed 002 B 13.1): every page must be the page of the whole list the rules give client by client
(``every_review_due``, paged in memory as before), forward and backward, in each state and up
to a day. The caseload holds what the SQL date sum could get wrong: orders on the 31st, on 29
February and on the 30th (PostgreSQL's ``+ interval 'n months'`` against ``add_months``), a
review that restarts the clock, a clock started before and after a change of the months (a
second figure, 6 months from 2024-09-01), and a client who died (not listed).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal, Role
from ca_api.common import deadlines as deadline_clock
from ca_api.common.keyset import Seek
from ca_api.reviews import reviews_due as reviews
from ca_api.reviews.rules import ReviewState
from tests.conftest import Api
from tests.factories import client_with_orders, confirmed_death, record_review

OFFICER = Principal("reviews.officer", frozenset({Role.SENIOR_OFFICER}))
ORDERS = [
    date(2023, 8, 31),
    date(2024, 1, 31),
    date(2024, 2, 29),
    date(2023, 11, 30),
    date(2024, 3, 10),
    date(2024, 8, 31),
    date(2024, 9, 1),
    date(2024, 10, 31),
    date(2024, 12, 30),
    date(2024, 1, 31),
]


async def test_every_page_is_the_whole_lists_page(
    api: Api, session: AsyncSession, today: Any
) -> None:
    await session.execute(
        text(
            "INSERT INTO policy_figure (name, effective_from, value, unit, source, recorded_by) "
            "VALUES ('annual_review_months', '2024-09-01', 6, 'COUNT', 'test', 't')"
        )
    )
    await session.commit()
    today.set(date(2025, 3, 1))
    clients = [await client_with_orders(session, deputy_from=d) for d in ORDERS]
    reviewed = await record_review(api, clients[0], reviewedOn="2025-01-31")
    assert reviewed["__typename"] == "AnnualReviewPayload", reviewed
    await confirmed_death(api, clients[-1], "2025-02-01")

    for on in (date(2025, 3, 1), date(2025, 8, 31), date(2025, 9, 1)):
        today.set(on)
        whole = await reviews.every_review_due(session, OFFICER)
        assert len(whole) == len(clients) - 1
        for state in (None, ReviewState.DUE, ReviewState.OVERDUE):
            for due_by in (None, date(2025, 8, 31)):
                listed = [
                    d
                    for d in whole
                    if (state is None or d.review_state is state)
                    and (due_by is None or d.due_on <= due_by)
                ]
                keys = [None, *[d.sort_key() for d in listed]]
                for size in (1, 2, 4):
                    for key in keys:
                        for backward in (False, True):
                            seek = Seek(key, size, backward)
                            want = deadline_clock.page(listed, state=None, seek=seek)
                            got = await reviews.reviews_due(
                                session,
                                OFFICER,
                                state=state,
                                due_by=due_by,
                                client_id=None,
                                seek=seek,
                            )
                            assert got == want, (on, state, due_by, seek)
