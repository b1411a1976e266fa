"""taxReturns picks its page's clients in SQL, by id from the cursor on, and judges only those
(issue 18 item 1, ``income_tax.service.return_deadlines``): every page must be the page of the
whole list the rules give client by client (``every_return_deadline``, R-CARE-6), forward and
backward, in each state, before and after the year's due date. The caseload holds a return
needed by income and one by rent alone, one not needed, one filed in time, one late, one filed
though not needed, and clients with no income at all; pages of 1, 2, 3 and 25.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common import deadlines as deadline_clock
from ca_api.common.deadlines import DeadlineState
from ca_api.common.ids import decode_uuid
from ca_api.common.keyset import Seek
from ca_api.income_tax import service
from ca_api.ledger.rules import Category
from tests.conftest import Api
from tests.factories import ledger_income, new_client, record_tax_return

Y2024 = 2024  # its return due 31 January 2026

Row = tuple[uuid.UUID, date, DeadlineState]


def _row(d: service.ReturnDeadline) -> Row:
    return d.source_id, d.due_on, d.state


async def _paged(
    session: AsyncSession, state: DeadlineState | None, size: int, *, backward: bool
) -> list[Row]:
    rows: list[Row] = []
    key: deadline_clock.SortKey | None = None
    while True:
        page = await service.return_deadlines(
            session, Y2024, state=state, seek=Seek(key, size, backward)
        )
        rows += [_row(d) for d in page]
        if len(page) < size:
            break
        key = page[-1].sort_key()
    return list(reversed(rows)) if backward else rows


async def test_every_page_is_the_whole_lists_page(
    api: Api, session: AsyncSession, today: Any
) -> None:
    today.set(date(2025, 6, 1))
    ids = [(await new_client(api))["id"] for _ in range(14)]
    needed, rent, not_needed, on_time, late, voluntary = ids[:6]
    for c in (needed, on_time, late, *ids[8:11]):
        await ledger_income(session, c, Category.IN_PRIVATE_PENSION, 1_500_000, date(2024, 6, 1))
    await ledger_income(session, rent, Category.IN_RENT, 500_000, date(2024, 6, 1))
    await ledger_income(session, not_needed, Category.IN_STATE_PENSION, 1_000_000, date(2024, 6, 1))
    await ledger_income(session, voluntary, Category.IN_INTEREST, 1_000, date(2024, 6, 1))
    await ledger_income(session, ids[11], Category.IN_PRIVATE_PENSION, 1_500_000, date(2025, 6, 1))
    await session.commit()
    today.set(date(2026, 1, 31))
    for c, on in ((on_time, "2026-01-31"), (voluntary, "2025-05-01")):
        assert (await record_tax_return(api, c, Y2024, on))["__typename"] == "TaxReturnPayload"
    today.set(date(2026, 2, 1))
    filed = await record_tax_return(api, late, Y2024, "2026-02-01")
    assert filed["__typename"] == "TaxReturnPayload", filed

    for on in (date(2026, 1, 31), date(2026, 2, 1)):
        today.set(on)
        for state in (None, *DeadlineState):
            whole = [
                _row(d) for d in await service.every_return_deadline(session, Y2024, state=state)
            ]
            if state is None:
                assert {r[0] for r in whole} == {
                    decode_uuid("Client", c)
                    for c in (needed, rent, on_time, late, voluntary, *ids[8:11])
                }
            for size in (1, 2, 3, 25):
                assert await _paged(session, state, size, backward=False) == whole, (on, state)
                assert await _paged(session, state, size, backward=True) == whole, (on, state)


async def test_a_cursor_of_another_day_is_before_or_after_the_whole_list(
    api: Api, session: AsyncSession, today: Any
) -> None:
    today.set(date(2025, 6, 1))
    c = (await new_client(api))["id"]
    await ledger_income(session, c, Category.IN_PRIVATE_PENSION, 1_500_000, date(2024, 6, 1))
    await session.commit()
    whole = [_row(d) for d in await service.every_return_deadline(session, Y2024, state=None)]
    assert len(whole) == 1
    due, zero = whole[0][1], uuid.UUID(int=0)
    earlier, later = date(2026, 1, 30), date(2026, 2, 1)
    for key, backward, expected in (
        ((earlier, zero), False, whole),
        ((later, zero), False, []),
        ((later, zero), True, whole),
        ((earlier, zero), True, []),
        ((due, zero), False, whole),
        ((due, zero), True, []),
    ):
        page = await service.return_deadlines(
            session, Y2024, state=None, seek=Seek(key, 5, backward)
        )
        assert [_row(d) for d in page] == expected, (key, backward)
