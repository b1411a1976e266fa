"""The income a tax return is judged by, kept per client and tax year by the database
(``client_tax_year``, migration 0056; issue 18 item 1), and the rule that reads it written once
(``income_tax.rules.RETURN_TESTS``):

- the list's SQL (``repository.over_allowances``) and the rule (``rules.return_reasons``) agree
  over thousands of generated incomes and allowances, edges included;
- the kept rows agree with the transfers, as the client's tax year sums them
  (``service.tax_years_of``: ``repository.ledger_sums``), after random ledger activity: income
  of every category on both sides of 6 April, holds posted and voided, reversals, tax paid;
- the rows are written by the trigger alone (R-AUD-2), and rebuilt the same by a load with the
  triggers off (as bench/scale.py's).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Integer, String, column, func, select, text, values
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.ids import decode_uuid
from ca_api.db import unit_of_work
from ca_api.income_tax import repository, rules, service
from ca_api.income_tax.models import ClientTaxYear
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import reversals as ledger_reversals
from ca_api.ledger import transfers as ledger
from ca_api.ledger.rules import Category
from ca_api.ledger.transfers import Movement
from ca_api.money import Pence
from tests.conftest import Api
from tests.factories import PLANNER, ledger_income, ledger_tax_paid, new_client, tax_payee

# --- the rule, in SQL and in Python -----------------------------------------------------------

# Every category a year's sums can hold, and one the rule ignores.
CATEGORIES = (*rules.TAXABLE, rules.TAX_PAID, rules.TAX_REFUNDED, Category.IN_BENEFITS)


def _income(rng: random.Random, allowance: int) -> dict[Category, Pence]:
    """A year's net income by category: a few categories, amounts around the allowances (and
    on them exactly), now and then negative (more reversed than received)."""
    income: dict[Category, Pence] = {}
    for c in rng.sample(CATEGORIES, rng.randint(0, 4)):
        pick = rng.random()
        if pick < 0.15:
            income[c] = allowance + rng.choice((-1, 0, 1))
        elif pick < 0.3:
            income[c] = rng.choice((100_000, 99_999, 100_001, 0))  # the property allowance's edge
        else:
            income[c] = rng.randint(-50_000, allowance + 200_000)
    return income


async def test_the_lists_sql_is_the_rule_over_generated_incomes(session: AsyncSession) -> None:
    rng = random.Random(56)
    seen: set[tuple[rules.ReturnReason, ...]] = set()
    for _ in range(12):
        personal = rng.choice((0, 1_257_000, rng.randint(1, 2_000_000)))
        prop = rng.choice((None, 100_000, rng.randint(0, 300_000)))
        incomes = [_income(rng, personal) for _ in range(300)]
        rows = [(i, c.value, p) for i, inc in enumerate(incomes) for c, p in inc.items()]
        rows += [(i, "NONE", 0) for i, inc in enumerate(incomes) if not inc]
        v = values(
            column("i", Integer), column("category", String), column("net", Integer), name="v"
        ).data(rows)

        def sum_of(t: rules.ReturnTest, v: Any = v) -> Any:
            mine = v.c.category.in_([c.value for c in t.categories])
            return func.coalesce(func.sum(v.c.net).filter(mine), 0)

        allowances = rules.allowances_of(personal, prop)
        stmt = select(v.c.i).group_by(v.c.i).having(repository.over_allowances(sum_of, allowances))
        in_sql = set((await session.execute(stmt)).scalars())
        in_python = set()
        for i, inc in enumerate(incomes):
            reasons = rules.return_reasons(inc, personal, prop)
            seen.add(tuple(reasons))
            if reasons:
                in_python.add(i)
        assert in_sql == in_python, (personal, prop)
    assert seen == {
        (),
        (rules.ReturnReason.INCOME_OVER_PERSONAL_ALLOWANCE,),
        (rules.ReturnReason.RENT_OVER_PROPERTY_ALLOWANCE,),
        (
            rules.ReturnReason.INCOME_OVER_PERSONAL_ALLOWANCE,
            rules.ReturnReason.RENT_OVER_PROPERTY_ALLOWANCE,
        ),
    }


def test_each_test_of_the_rule_has_its_kept_column() -> None:
    kept = {c.name for c in ClientTaxYear.__table__.columns} - {"tax_year", "client_id"}
    assert {t.column for t in rules.RETURN_TESTS} == kept
    # the migration sums the categories the rule names (what the trigger sums, below)
    assert {t.column: set(t.categories) for t in rules.RETURN_TESTS} == {
        "taxable_income": set(rules.TAXABLE),
        "rent": {Category.IN_RENT},
    }


# --- the kept rows and the transfers ----------------------------------------------------------


async def _kept(session: AsyncSession) -> dict[tuple[int, uuid.UUID], tuple[int, ...]]:
    k = ClientTaxYear
    rows = await session.execute(select(k))
    return {
        (r.tax_year, r.client_id): tuple(getattr(r, t.column) for t in rules.RETURN_TESTS)
        for r in rows.scalars()
    }


async def _agree(session: AsyncSession, clients: list[uuid.UUID], years: range) -> int:
    """Every kept figure is the sum the client's tax year reads from the transfers, for each
    client and year (none kept: every sum 0). How many figures were not 0."""
    kept = await _kept(session)
    nonzero = 0
    for year in years:
        views = await service.tax_years_of(session, year, clients)
        for c in clients:
            income = views[c].income
            derived = tuple(
                sum(income.get(cat, 0) for cat in t.categories) for t in rules.RETURN_TESTS
            )
            assert kept.get((year, c), (0,) * len(rules.RETURN_TESTS)) == derived, (year, c)
            nonzero += sum(1 for x in derived if x)
    return nonzero


async def test_random_ledger_activity_keeps_the_rows_equal_to_the_transfers(
    api: Api, session: AsyncSession, today: Any
) -> None:
    rng = random.Random(2025)
    today.set(date(2026, 6, 1))
    ids = [(await new_client(api))["id"] for _ in range(4)]
    clients = [decode_uuid("Client", c) for c in ids]
    payer = await tax_payee(session, "Pension provider ")
    hmrc = await tax_payee(session)
    edges = [date(y, 4, d) for y in (2023, 2024, 2025, 2026) for d in (5, 6)]
    moved: list[tuple[uuid.UUID, uuid.UUID, int]] = []  # (transfer, client, amount)
    for step in range(70):
        c = rng.choice(ids)
        day = (
            rng.choice(edges)
            if rng.random() < 0.3
            else date(2023, 3, 1) + timedelta(days=rng.randint(0, 1185))
        )
        category = rng.choice((*rules.TAXABLE, Category.IN_BENEFITS))
        amount = rng.randint(1, 900_000)
        pick = rng.random()
        cid = decode_uuid("Client", c)
        if pick < 0.45:
            t = await ledger_income(session, c, category, amount, day, party=payer)
            moved.append((t, cid, amount))
        elif pick < 0.65:  # a hold (never counted), then posted or voided
            async with unit_of_work(session):
                source = await ledger_counterparties.counterparty_account(session, payer)
                account = await ledger_accounts.client_account(session, cid)
                m = Movement(source.id, account.id, amount, day, category, "held income")
                held = await ledger.hold(session, PLANNER, m)
            if step % 10 == 0:  # a hold open: nothing of it counted yet
                await _agree(session, clients, range(2022, 2027))
            async with unit_of_work(session):
                if rng.random() < 0.6:
                    posted = await ledger.post_pending(session, PLANNER, held.id, day)
                    moved.append((posted.id, cid, amount))
                else:
                    await ledger.void_pending(session, PLANNER, held.id, "not received")
        elif pick < 0.85 and moved:  # a reversal: the money back to the payer, on today
            target, owner, back = moved.pop(rng.randrange(len(moved)))
            account = await ledger_accounts.client_account(session, owner)
            if account.posted - account.held < back:
                continue  # spent on tax: not reversible (R-PAY-3)
            today.set(rng.choice(edges[2:]))
            async with unit_of_work(session):
                await ledger_reversals.reverse(session, PLANNER, target, "received in error")
        else:  # tax paid: not a sum the rule reads
            await ledger_income(session, c, Category.IN_INTEREST, amount, day, party=payer)
            await ledger_tax_paid(session, c, hmrc, rng.randint(1, amount), day)
    today.set(date(2026, 6, 1))
    assert await _agree(session, clients, range(2022, 2027)) > 10

    # A load with the triggers off (bench/scale.py's) rebuilds the same rows set-based.
    kept = await _kept(session)
    async with session.begin_nested():
        await session.execute(text("SET LOCAL session_replication_role = replica"))
        await session.execute(text("SELECT client_tax_year_rebuild()"))
        await session.execute(text("SET LOCAL session_replication_role = origin"))
    assert await _kept(session) == kept


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO client_tax_year VALUES (2025, (SELECT id FROM client LIMIT 1), 1, 0)",
        "UPDATE client_tax_year SET taxable_income = taxable_income + 1",
        "DELETE FROM client_tax_year",
        "SELECT client_tax_year_rebuild()",
    ],
)
async def test_nobody_but_the_trigger_writes_the_rows(
    api: Api, session: AsyncSession, sql: str
) -> None:
    c = (await new_client(api))["id"]
    await ledger_income(session, c, Category.IN_RENT, 200_000, date(2025, 5, 1))
    before = await _kept(session)
    assert len(before) == 1
    with pytest.raises(DBAPIError, match=r"kept by the database|replica"):
        async with session.begin_nested():
            await session.execute(text(sql))
    assert await _kept(session) == before
