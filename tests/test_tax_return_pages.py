"""taxReturns reads a page's candidate clients in id order from the cursor, a batch at a time,
and judges each batch by the rules (issue 18, ``income_tax.service.return_deadlines``): every
page, forward and backward, of every state, must be the page of the whole year's list judged
client by client (``tax_years_of`` over every client, as before), however small the batches.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common import deadlines as deadline_clock
from ca_api.common.deadlines import DeadlineState
from ca_api.common.keyset import Seek
from ca_api.income_tax import service as income_tax
from ca_api.ledger.rules import Category
from tests.conftest import Api
from tests.factories import ledger_income, new_client, record_tax_return

Y2024 = 2024  # due 31 January 2026


async def whole_list(session: AsyncSession, state: DeadlineState | None) -> list[Any]:
    views = await income_tax.tax_years_of(session, Y2024, None)
    return deadline_clock.page(
        income_tax._deadlines(views.values()), state=state, seek=Seek(None, 10_000)
    )


@pytest.mark.parametrize("per_row", [1, 8])
async def test_every_page_is_the_whole_lists_page(
    api: Api, session: AsyncSession, today: Any, monkeypatch: pytest.MonkeyPatch, per_row: int
) -> None:
    monkeypatch.setattr(income_tax, "CANDIDATES_PER_ROW", per_row)
    today.set(date(2025, 6, 1))
    clients = [(await new_client(api))["id"] for _ in range(14)]
    # needed (over the allowance), not needed, filed though not needed, rent over its allowance
    june = date(2024, 6, 1)
    for i, c in enumerate(clients):
        if i % 3 == 0:
            await ledger_income(
                session, c, Category.IN_PRIVATE_PENSION, 1_500_000, date(2024, 6, 1)
            )
        elif i % 3 == 1:
            await ledger_income(session, c, Category.IN_STATE_PENSION, 1_000_000, june)
        if i % 4 == 1:
            await record_tax_return(api, c, Y2024, "2025-05-01")
        if i == 5:
            await ledger_income(session, c, Category.IN_RENT, 100_001, june)
    today.set(date(2026, 2, 1))
    for state in (None, DeadlineState.MET, DeadlineState.MISSED, DeadlineState.DUE):
        every = await whole_list(session, state)
        assert state is not None or len(every) >= 6
        for size in (1, 2, 3):
            # forward from the start, page after page, to the end
            got: list[Any] = []
            key = None
            while True:
                page = await income_tax.return_deadlines(
                    session, Y2024, state=state, seek=Seek(key, size)
                )
                got += page
                if len(page) < size:
                    break
                key = page[-1].sort_key()
            assert [d.sort_key() for d in got] == [d.sort_key() for d in every]
            # backward from the end and from each row
            for at in [None, *[d.sort_key() for d in every]]:
                page = await income_tax.return_deadlines(
                    session, Y2024, state=state, seek=Seek(at, size, backward=True)
                )
                before = [d for d in every if at is None or d.sort_key() < at]
                assert [d.sort_key() for d in page] == [
                    d.sort_key() for d in reversed(before[-size:] if before else [])
                ]
