"""Interest on CMS accounts (R-ACC-1, R-DATA): the pure rule, and postInterest through the real
/graphql endpoint.

The rule: each day of the period earns that day's end-of-day balance (posted, by value date) x
the rate in force that day / 100 / 365; the exact sum is rounded half-up to the penny once per
account per period. 365 in leap years too (actual/365 fixed): 29 February earns a day like any
other, so a whole leap year pays 366/365 of the yearly rate.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.db import Database
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger.rules import Category
from ca_api.policy.models import PolicyFigure
from ca_api.receipts import rules
from ca_api.receipts import service as receipts_service
from ca_api.receipts.rules import RateFrom, ReceiptDraft, ReceiptMethod
from tests import test_receipts
from tests.conftest import Api, error_codes
from tests.factories import (
    SUPPORT_ACTOR,
    accounts,
    at_once,
    audit_rows,
    care_client_id,
    cms_balance,
    cms_posted,
    committed_clients,
    committed_payer,
    ledger_sound,
    new_payer,
    problem_messages,
    receipt_input,
    record_receipt,
)

# A database of its own, committing for real (the fixtures of test_receipts).
money_db_url = test_receipts.money_db_url
money_db = test_receipts.money_db

D = date
APPROVER = Actor(Principal("olu.scao", frozenset({Role.SENIOR_OFFICER})), "req-interest")
SEED = [RateFrom(D(2014, 4, 1), Decimal("0.1"))]  # migration 0002: 0.1% a year (R-ACC-1)


def due(
    opening: int,
    movements: dict[date, int],
    start: date,
    end: date,
    rates: list[RateFrom] = SEED,
) -> int:
    daily = rules.daily_rates(rates, start, end)
    assert not isinstance(daily, date), f"no rate on {daily}"
    return rules.interest_due(opening, movements, daily, start, end)


# --- The rule, without a database ---------------------------------------------------------


def test_a_constant_balance_for_a_month() -> None:
    # £10,000.00 for 30 days at 0.1%: 1,000,000 x 30 x 0.1 / 36,500 = 82.19p -> 82p.
    assert due(1_000_000, {}, D(2025, 4, 1), D(2025, 4, 30)) == 82


def test_money_counts_from_its_value_date() -> None:
    # £10,000 from 1 January, £5,000 more from the 16th: 15 days at 1,000,000 and 16 at
    # 1,500,000 = 39,000,000 pence-days x 0.1 / 36,500 = 106.85p -> 107p.
    movements = {D(2025, 1, 1): 1_000_000, D(2025, 1, 16): 500_000}
    assert due(0, movements, D(2025, 1, 1), D(2025, 1, 31)) == 107
    # Money out lowers the balance from its day: 1,500,000 for 15 days, 1,000,000 for 16.
    out = {D(2025, 1, 16): -500_000}
    # 38,500,000 pence-days x 0.1 / 36,500 = 105.48p -> 105p.
    assert due(1_500_000, out, D(2025, 1, 1), D(2025, 1, 31)) == 105


def test_a_rate_change_mid_period_applies_from_its_day() -> None:
    rates = [*SEED, RateFrom(D(2025, 1, 11), Decimal("0.5"))]
    # 10 days at 0.1% and 21 at 0.5% on £10,000: 1,000,000 x (10 x 0.1 + 21 x 0.5) / 36,500
    # = 315.07p -> 315p. The old rate alone would give 84.93p.
    assert due(1_000_000, {}, D(2025, 1, 1), D(2025, 1, 31), rates) == 315
    assert due(1_000_000, {}, D(2025, 1, 1), D(2025, 1, 31)) == 85
    # A period wholly before the change keeps the old rate (R-DATA).
    assert due(1_000_000, {}, D(2024, 12, 1), D(2024, 12, 31), rates) == 85


def test_rounding_is_half_up_once_per_period_not_per_day() -> None:
    # £1,825.00 for one day: 182,500 x 0.1 / 36,500 = exactly 0.5p -> 1p (half-up).
    assert due(182_500, {}, D(2025, 1, 31), D(2025, 1, 31)) == 1
    assert due(182_499, {}, D(2025, 1, 31), D(2025, 1, 31)) == 0
    # £1,000.00 earns 0.274p a day: rounded each day that is nothing; over 31 days 8.49p -> 8p.
    assert due(100_000, {}, D(2025, 1, 1), D(2025, 1, 1)) == 0
    assert due(100_000, {}, D(2025, 1, 1), D(2025, 1, 31)) == 8
    assert rules.round_half_up(Fraction(-5, 2)) == -3  # halves away from zero, as money.py


def test_a_leap_year_divides_by_365_so_29_february_earns_a_day() -> None:
    # £36,500.00 earns exactly 10p a day at 0.1% / 365.
    assert due(3_650_000, {}, D(2024, 2, 29), D(2024, 2, 29)) == 10
    assert due(3_650_000, {}, D(2023, 1, 1), D(2023, 12, 31)) == 3650  # 365 days
    assert due(3_650_000, {}, D(2024, 1, 1), D(2024, 12, 31)) == 3660  # 366 days: 366/365


def test_a_day_without_a_rate_is_named() -> None:
    assert rules.daily_rates(SEED, D(2014, 3, 30), D(2014, 4, 2)) == D(2014, 3, 30)
    unknown = [*SEED, RateFrom(D(2025, 3, 10), None)]  # known to be unknown (R-DATA)
    assert rules.daily_rates(unknown, D(2025, 3, 1), D(2025, 3, 31)) == D(2025, 3, 10)
    assert rules.daily_rates(unknown, D(2025, 2, 1), D(2025, 2, 28)) == [Decimal("0.1")] * 28
    assert rules.daily_rates([], D(2025, 1, 1), D(2025, 1, 1)) == D(2025, 1, 1)


def test_the_period_rules() -> None:
    today = D(2025, 6, 1)
    assert rules.validate_interest_period(D(2025, 5, 1), D(2025, 5, 31), today) == {}
    assert rules.validate_interest_period(D(2025, 5, 2), D(2025, 5, 1), today) == {
        "period_end": "is before the period's start"
    }
    assert rules.validate_interest_period(D(2025, 5, 1), today, today) == {
        "period_end": "has not ended: interest is earned on end-of-day balances of days that "
        "are over"
    }
    assert rules.validate_interest_period(D(2024, 1, 1), D(2024, 12, 31), today) == {}
    assert rules.validate_interest_period(D(2024, 1, 1), D(2025, 1, 1), today) == {
        "period_start": "a period is at most 366 days"
    }


def _decimal_reference(
    balances: list[int], rates: list[Decimal]
) -> int:  # an independent computation, in Decimal with ample precision
    with localcontext() as ctx:
        ctx.prec = 80
        exact = sum((Decimal(b) * r for b, r in zip(balances, rates, strict=True)), Decimal(0))
        pence = exact / Decimal(36_500)
        return int(pence.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**11),
            st.sampled_from([Decimal("0.1"), Decimal("0.5"), Decimal("3.75"), Decimal("0")]),
        ),
        min_size=1,
        max_size=366,
    )
)
def test_the_exact_sum_rounds_as_decimal_arithmetic_does(days: list[tuple[int, Decimal]]) -> None:
    balances, rates = [b for b, _ in days], [r for _, r in days]
    got = rules.round_half_up(rules.accrued_interest(balances, rates))
    assert got == _decimal_reference(balances, rates)
    assert got >= 0


@given(
    opening=st.integers(min_value=0, max_value=10**9),
    moves=st.dictionaries(
        st.integers(min_value=0, max_value=29), st.integers(min_value=0, max_value=10**7)
    ),
)
def test_the_daily_balances_are_the_opening_plus_money_value_dated_so_far(
    opening: int, moves: dict[int, int]
) -> None:
    start = D(2025, 1, 1)
    movements = {start + timedelta(days=k): v for k, v in moves.items()}
    balances = rules.daily_balances(opening, movements, start, start + timedelta(days=29))
    assert len(balances) == 30
    for k, balance in enumerate(balances):
        assert balance == opening + sum(v for d, v in moves.items() if d <= k)


# --- postInterest through the endpoint ----------------------------------------------------

POST_INTEREST = """
mutation($input: PostInterestInput!) {
  postInterest(input: $input) {
    __typename
    ... on InterestRunPayload { alreadyRun run { id periodStart periodEnd accounts total runBy } }
    ... on ValidationProblem { code message fields { field message } }
    ... on PolicyMissingProblem { code message name }
  }
}
"""
INTEREST_RUNS = (
    """{ interestRuns { edges { node { id periodStart periodEnd accounts total } } } }"""
)
JANUARY = ("2025-01-01", "2025-01-31")


async def post_interest(
    api: Api, period: tuple[str, str], role: str = "senior_officer"
) -> dict[str, Any]:
    data = await api.data(
        POST_INTEREST,
        {"input": {"periodStart": period[0], "periodEnd": period[1]}},
        role=role,
        sub="olu.scao",
    )
    return dict(data["postInterest"])


async def runs(api: Api) -> list[dict[str, Any]]:
    data = await api.data(INTEREST_RUNS, role="auditor", sub="audrey.audit")
    return [e["node"] for e in data["interestRuns"]["edges"]]


async def receive(api: Api, client_id: str, payer: str, amount: str, value_date: str) -> None:
    result = await record_receipt(
        api,
        receipt_input(
            client_id,
            payer,
            amount=amount,
            valueDate=value_date,
            benefit=None,
            periodStart=None,
            periodEnd=None,
            category="IN_PRIVATE_PENSION",
        ),
    )
    assert result["__typename"] == "ReceiptPayload", result


async def interest_lines(api: Api, client_id: str) -> list[dict[str, Any]]:
    [cms] = [
        a
        for a in (
            await api.data(
                "query($id: ID!) { clientAccounts(clientId: $id) { id kind } }",
                {"id": client_id},
                role="auditor",
            )
        )["clientAccounts"]
        if a["kind"] == "CLIENT_CMS"
    ]
    data = await api.data(
        """query($id: ID!) { accountStatement(accountId: $id,
             filter: {categories: [IN_INTEREST]}) { edges { node {
               amount balanceAfter transfer { valueDate description category } } } } }""",
        {"id": cms["id"]},
        role="auditor",
    )
    return [e["node"] for e in data["accountStatement"]["edges"]]


async def set_rate(session: AsyncSession, on: date, percent: str | None) -> None:
    """A new effective-dated rate (R-DATA), as the governance manager would enter it."""
    await session.execute(
        insert(PolicyFigure).values(
            name=rules.INTEREST_RATE,
            effective_from=on,
            value=Decimal(percent) if percent is not None else None,
            unit="PERCENT",
            source="test: committee decision",
            recorded_by="grace.tgm",
        )
    )
    await session.commit()


@pytest.fixture
async def books(api: Api) -> dict[str, str]:
    """Three clients with money in January 2025 (the worked example), and their payer."""
    payer = await new_payer(api, "PENSION_PAYER")
    a = await care_client_id(api, givenName="Arthur", familyName="Ashdown")
    b = await care_client_id(api, givenName="Beatrice", familyName="Bexhill")
    c = await care_client_id(api, givenName="Cyril", familyName="Crowborough")
    await receive(api, a, payer, "10000.00", "2025-01-01")
    await receive(api, a, payer, "5000.00", "2025-01-16")
    await receive(api, a, payer, "100.00", "2025-02-05")  # after January: not in its interest
    await receive(api, b, payer, "1000.00", "2025-01-31")
    await receive(api, c, payer, "1825.00", "2025-01-31")
    return {"a": a, "b": b, "c": c, "payer": payer}


async def test_interest_for_january_to_the_penny(api: Api, books: dict[str, str]) -> None:
    result = await post_interest(api, JANUARY)

    assert result["__typename"] == "InterestRunPayload", result
    assert result["alreadyRun"] is False
    run = result["run"]
    # a: 15 days x £10,000 + 16 days x £15,000 = 39,000,000 pence-days x 0.1% / 365 = 106.85p
    #    -> £1.07; b: £1,000 for one day = 0.27p -> nothing, no transfer; c: £1,825 for one day
    #    = exactly 0.5p -> 1p (half-up).
    assert (run["periodStart"], run["periodEnd"]) == JANUARY
    assert (run["accounts"], run["total"], run["runBy"]) == (2, "1.08", "olu.scao")
    assert await cms_balance(api, books["a"]) == "15101.07"
    assert await cms_balance(api, books["b"]) == "1000.00"
    assert await cms_balance(api, books["c"]) == "1825.01"

    # Credited from the bank, labelled IN_INTEREST (R-OPG-1), value-dated the period's last day.
    assert await interest_lines(api, books["a"]) == [
        {
            "amount": "1.07",
            "balanceAfter": "15101.07",
            "transfer": {
                "valueDate": "2025-01-31",
                "description": "Interest 2025-01-01 to 2025-01-31",
                "category": "IN_INTEREST",
            },
        }
    ]
    assert await interest_lines(api, books["b"]) == []
    data = await api.data(
        "{ counterparties(kind: BANK) { edges { node { name kind } } } }", role="auditor"
    )
    assert [e["node"] for e in data["counterparties"]["edges"]] == [
        {"name": "Client Monies Service bank", "kind": "BANK"}
    ]
    # Audited: the run, and each credit in its client's chain (R-AUD-1).
    assert [r["action"] for r in await audit_rows(api, entityType="interest_run")] == ["post"]
    credits = await audit_rows(api, entityType="transfer", principal="olu.scao")
    assert sorted(r["after"]["amount"] for r in credits) == [1, 107]
    assert await runs(api) == [
        {
            "id": run["id"],
            "periodStart": "2025-01-01",
            "periodEnd": "2025-01-31",
            "accounts": 2,
            "total": "1.08",
        }
    ]
    assert await ledger_sound(api)


async def test_a_period_is_run_once(api: Api, books: dict[str, str]) -> None:
    first = await post_interest(api, JANUARY)
    again = await post_interest(api, JANUARY, role="head_of_service")
    assert again["__typename"] == "InterestRunPayload"
    assert again["alreadyRun"] is True
    assert again["run"] == first["run"]  # the first run, as it was
    assert await cms_balance(api, books["a"]) == "15101.07"  # credited once
    assert len(await interest_lines(api, books["a"])) == 1
    assert len(await runs(api)) == 1

    # An overlapping period would pay some days twice: refused.
    overlap = await post_interest(api, ("2025-01-15", "2025-02-14"))
    assert problem_messages(overlap) == {
        "periodStart": "overlaps the run for 2025-01-01 to 2025-01-31: a day earns interest once"
    }

    # The next period starts from balances that include January's interest, and reuses the bank.
    february = await post_interest(api, ("2025-02-01", "2025-02-28"))
    # a: £15,001.07 for 4 days, £15,101.07 from the 5th (24 days):
    #    4 x 1,500,107 + 24 x 1,510,107 = 42,242,996 pence-days / 365,000 = 115.73p -> 116p;
    # b: 28 x 100,000 / 365,000 = 7.67p -> 8p; c: 28 x 182,501 / 365,000 = 14.00p -> 14p.
    assert february["run"]["accounts"] == 3
    assert february["run"]["total"] == "1.38"
    assert await cms_balance(api, books["a"]) == "15102.23"
    assert [r["periodStart"] for r in await runs(api)] == ["2025-02-01", "2025-01-01"]
    data = await api.data("{ counterparties(kind: BANK) { edges { node { id } } } }")
    assert len(data["counterparties"]["edges"]) == 1


async def test_a_rate_change_mid_period(
    api: Api, session: AsyncSession, books: dict[str, str]
) -> None:
    await set_rate(session, D(2025, 1, 16), "0.5")
    result = await post_interest(api, JANUARY)
    # a: 15 x 1,000,000 x 0.1 + 16 x 1,500,000 x 0.5 = 13,500,000 / 36,500 = 369.86p -> 370p;
    # b: 100,000 x 0.5 / 36,500 = 1.37p -> 1p; c: 182,500 x 0.5 / 36,500 = 2.5p -> 3p.
    assert (result["run"]["accounts"], result["run"]["total"]) == (3, "3.74")
    assert await cms_balance(api, books["a"]) == "15103.70"
    assert await cms_balance(api, books["b"]) == "1000.01"
    assert await cms_balance(api, books["c"]) == "1825.03"


async def test_a_whole_leap_year_earns_366_days(api: Api) -> None:
    payer = await new_payer(api, "PENSION_PAYER")
    client = await care_client_id(api)
    await receive(api, client, payer, "36500.00", "2023-12-31")
    result = await post_interest(api, ("2024-01-01", "2024-12-31"))
    assert result["run"]["total"] == "36.60"  # 366 days x 10p (actual/365)
    assert await cms_balance(api, client) == "36536.60"


async def test_a_period_with_a_day_without_a_rate_is_refused(
    api: Api, session: AsyncSession, books: dict[str, str]
) -> None:
    before = await runs(api)
    result = await post_interest(api, ("2014-03-20", "2014-04-10"))  # the seed rate: 1 April 2014
    assert result["__typename"] == "PolicyMissingProblem", result
    assert (result["code"], result["name"]) == ("POLICY_MISSING", "cms_interest_rate")
    assert "2014-03-20" in result["message"]

    await set_rate(session, D(2025, 1, 20), None)  # known to be unknown (R-DATA)
    result = await post_interest(api, JANUARY)
    assert result["__typename"] == "PolicyMissingProblem", result
    assert "2025-01-20" in result["message"]
    assert await runs(api) == before == []
    assert await cms_balance(api, books["a"]) == "15100.00"
    assert await audit_rows(api, entityType="interest_run") == []


async def test_a_period_must_be_over_and_in_order(api: Api) -> None:
    today = clock.today()
    result = await post_interest(api, ("2025-01-31", "2025-01-01"))
    assert problem_messages(result) == {"periodEnd": "is before the period's start"}
    result = await post_interest(api, ((today - timedelta(days=3)).isoformat(), today.isoformat()))
    assert problem_messages(result) == {
        "periodEnd": "has not ended: interest is earned on end-of-day balances of days that "
        "are over"
    }
    result = await post_interest(api, ("2024-01-01", "2025-01-01"))  # 367 days
    assert problem_messages(result) == {"periodStart": "a period is at most 366 days"}
    assert await runs(api) == []


async def test_a_period_without_money_is_run_with_nothing_credited(api: Api) -> None:
    client = await care_client_id(api)
    result = await post_interest(api, ("2020-01-01", "2020-01-31"))
    assert (result["run"]["accounts"], result["run"]["total"]) == (0, "0.00")
    assert await accounts(api, client) == {}
    data = await api.data("{ counterparties(kind: BANK) { edges { node { id } } } }")
    assert data["counterparties"]["edges"] == []  # the bank is recorded when first needed


ALLOWED = ("senior_officer", "governance_manager", "head_of_service")
DENIED = (
    "support_assistant",
    "assistant",
    "senior_assistant",
    "auditor",
    "reporting",
    "social_worker",
    "integration_controcc",
    "integration_sap",
)


@pytest.mark.parametrize("role", ALLOWED + DENIED)
async def test_who_may_post_interest(api: Api, books: dict[str, str], role: str) -> None:
    sub = f"{role}.interest.{uuid.uuid4().hex[:6]}"
    body = await api.gql(
        POST_INTEREST,
        {"input": {"periodStart": JANUARY[0], "periodEnd": JANUARY[1]}},
        role=role,
        sub=sub,
    )
    if role in ALLOWED:
        assert "errors" not in body, body
        assert body["data"]["postInterest"]["run"]["total"] == "1.08"
    else:  # a support assistant records receipts but does not post interest
        assert error_codes(body) == ["FORBIDDEN"], body
        assert await runs(api) == []
        assert await cms_balance(api, books["a"]) == "15100.00"
        assert await audit_rows(api, principal=sub) == []


@pytest.mark.parametrize("role", ALLOWED + DENIED)
async def test_who_may_read_interest_runs(api: Api, role: str) -> None:
    body = await api.gql(INTEREST_RUNS, role=role)
    readers = (*ALLOWED, "support_assistant", "assistant", "senior_assistant", "auditor")
    if role in readers:
        assert "errors" not in body, body
    else:
        assert error_codes(body) == ["FORBIDDEN"], body


async def test_a_period_posted_at_once_from_many_requests_is_run_once(money_db: Database) -> None:
    """Five requests post January at once: one runs it, four get that run back; every account
    is credited once (runs are serialised, and a period is looked up under the lock)."""
    clients, payer = await committed_clients(money_db, 3), await committed_payer(money_db)
    for c, pounds in zip(clients, (10_000, 5_000, 1_825), strict=True):
        draft = ReceiptDraft(
            client_id=c,
            payer_id=payer,
            amount=pounds * 100,
            value_date=D(2025, 1, 1),
            method=ReceiptMethod.BANK_TRANSFER,
            category=Category.IN_PRIVATE_PENSION,
        )
        async with money_db.session() as s:
            await receipts_service.record_receipt(
                s, SUPPORT_ACTOR, draft, idempotency_key=str(uuid.uuid4())
            )

    results = await at_once(
        *(
            lambda s: receipts_service.post_interest(s, APPROVER, D(2025, 1, 1), D(2025, 1, 31))
            for _ in range(5)
        ),
        db=money_db,
    )
    assert sorted(r.already_run for r in results) == [False, True, True, True, True], results
    assert len({r.run.id for r in results}) == 1
    # 31 days at 0.1% / 365: £10,000 -> 84.93p, £5,000 -> 42.47p, £1,825 -> 15.5p (half-up 16p).
    assert [await cms_posted(money_db, c) for c in clients] == [1_000_085, 500_042, 182_516]
    assert results[0].run.total == 85 + 42 + 16
    async with money_db.session() as s:
        assert await ledger_accounts.ledger_is_sound(s) == (0, 0)
