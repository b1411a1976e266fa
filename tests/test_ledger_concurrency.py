"""The ledger under concurrent load, on a database of its own, committing for real.

R-PAY-3: many payments fired at one client's account at once from separate connections: exactly
as many succeed as the money allows, the rest are InsufficientFunds, the account never goes below
zero, and every accepted payment is in the ledger exactly once. Holds race the same way, and a
hold is resolved once however many requests race to post or void it. Opposing transfers between
one client's own accounts never deadlock (pgledger's TestConcurrency). A reversal requested many
times at once with one idempotency key happens once (R-AUD-2).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.idempotency import KeyReused
from ca_api.db import Database, unit_of_work
from ca_api.errors import ErrorCode, InvalidState
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import reversals as ledger_reversals
from ca_api.ledger import transfers as ledger
from ca_api.ledger.models import Transfer
from ca_api.ledger.rules import AccountKind, Category
from ca_api.ledger.transfers import InsufficientFunds
from tests.factories import (
    LEDGER_ACTOR,
    Books,
    account_of,
    balances,
    count,
    movement,
    open_books,
)
from tests.support import fresh_database

T = TypeVar("T")

POOL = 20  # the engine may open POOL + POOL connections: every task below has its own


@pytest.fixture(scope="module")
def ledger_db_url() -> Iterator[str]:
    with fresh_database("ca_api_ledger_conc") as url:
        yield url


@pytest.fixture(scope="module")
async def ledger_db(ledger_db_url: str) -> AsyncIterator[Database]:
    database = Database(ledger_db_url, pool_size=POOL)
    yield database
    await database.dispose()


async def committed_books(db: Database, cms_funds: int, cash_funds: int = 0) -> Books:
    """A client (and a second one), counterparties, and money received from DWP: committed."""
    async with db.session() as s:
        books = await open_books(s)
        await s.commit()
        async with unit_of_work(s):
            if cms_funds:
                await ledger.post(
                    s, LEDGER_ACTOR, movement(books.dwp, books.cms, cms_funds, Category.IN_BENEFITS)
                )
            if cash_funds:
                await ledger.post(
                    s,
                    LEDGER_ACTOR,
                    movement(books.dwp, books.cash, cash_funds, Category.IN_BENEFITS),
                )
    return books


async def read(db: Database, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async with db.session() as s:
        return await fn(s)


Outcome = tuple[str, uuid.UUID | None]


async def race(
    db: Database,
    ops: list[Callable[[AsyncSession], Awaitable[Transfer]]],
    *,
    barrier: bool = True,
) -> list[Outcome]:
    """Run every op at once, each in its own session (its own pooled connection) and its own
    transaction. With ``barrier``, all first hold an open transaction on a connection and then
    start together. An op's result is ("ok", transfer id), ("short", None) for
    InsufficientFunds or ("invalid", None) for InvalidState; any other error fails the test."""
    gate = asyncio.Barrier(len(ops)) if barrier else None

    async def one(op: Callable[[AsyncSession], Awaitable[Transfer]]) -> Outcome:
        async with db.session() as s:
            try:
                async with unit_of_work(s):
                    if gate is not None:
                        await s.execute(text("SELECT 1"))
                        await gate.wait()
                    transfer = await op(s)
                    transfer_id = transfer.id
                return "ok", transfer_id
            except InsufficientFunds:
                return "short", None
            except InvalidState:
                return "invalid", None

    async with asyncio.timeout(60):
        results = await asyncio.gather(*(one(op) for op in ops), return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"{len(errors)} unexpected errors, e.g. {errors[0]!r}"
    return [r for r in results if not isinstance(r, BaseException)]


def tally(outcomes: list[Outcome]) -> Counter[str]:
    return Counter(kind for kind, _ in outcomes)


def accepted(outcomes: list[Outcome]) -> set[uuid.UUID]:
    return {tid for kind, tid in outcomes if kind == "ok" and tid is not None}


async def rows(db: Database, sql: str, **params: Any) -> list[Any]:
    async with db.session() as s:
        return list((await s.execute(text(sql), params)).all())


PAYMENTS, PRICE, FUNDS = 40, 700, 10_000  # 40 payments of 7.00 at 100.00: 14 can be made


async def test_concurrent_payments_never_overdraw_and_each_is_recorded_once(
    ledger_db: Database,
) -> None:
    """R-PAY-3: 40 payments of 7.00 at once against 100.00: exactly 14 succeed, 26 are
    InsufficientFunds (no other error, no deadlock); the account ends at exactly 2.00; every
    accepted payment is one transfer; no two payments saw the same balance (no lost update)."""
    b = await committed_books(ledger_db, FUNDS)

    def payment(i: int) -> Callable[[AsyncSession], Awaitable[Transfer]]:
        def op(s: AsyncSession) -> Awaitable[Transfer]:
            m = movement(b.cms, b.supplier, PRICE, Category.OUT_CARE_FEES, reference=f"pay-{i}")
            return ledger.post(s, LEDGER_ACTOR, m)

        return op

    outcomes = await race(ledger_db, [payment(i) for i in range(PAYMENTS)])
    assert tally(outcomes) == {"ok": FUNDS // PRICE, "short": PAYMENTS - FUNDS // PRICE}

    assert await read(ledger_db, lambda s: balances(s, b.cms)) == (FUNDS % PRICE, 0)
    assert await read(ledger_db, ledger_accounts.ledger_is_sound) == (0, 0)
    made = await rows(
        ledger_db,
        "SELECT id, reference, from_balance_after FROM transfer "
        "WHERE from_account_id = :a AND kind = 'POSTED'",
        a=b.cms,
    )
    assert {r.id for r in made} == accepted(outcomes)
    assert len({r.reference for r in made}) == len(made) == FUNDS // PRICE
    assert sorted((r.from_balance_after for r in made), reverse=True) == [
        FUNDS - PRICE * k for k in range(1, FUNDS // PRICE + 1)
    ]


async def test_concurrent_holds_then_concurrent_posts_never_overdraw(ledger_db: Database) -> None:
    """R-PAY-3 with holds: 40 holds of 7.00 at once against 100.00: 14 are taken; then each is
    posted twice at once: each hold is posted exactly once (the other attempt is InvalidState);
    the account ends at 2.00 with nothing held."""
    b = await committed_books(ledger_db, FUNDS)

    def hold(s: AsyncSession) -> Awaitable[Transfer]:
        return ledger.hold(
            s, LEDGER_ACTOR, movement(b.cms, b.supplier, PRICE, Category.OUT_CARE_FEES)
        )

    held = await race(ledger_db, [hold] * PAYMENTS)
    assert tally(held) == {"ok": FUNDS // PRICE, "short": PAYMENTS - FUNDS // PRICE}
    assert await read(ledger_db, lambda s: balances(s, b.cms)) == (
        FUNDS,
        PRICE * (FUNDS // PRICE),
    )
    holds = accepted(held)

    def post(hold_id: uuid.UUID) -> Callable[[AsyncSession], Awaitable[Transfer]]:
        return lambda s: ledger.post_pending(s, LEDGER_ACTOR, hold_id)

    posts = await race(ledger_db, [post(h) for h in sorted(holds) for _ in range(2)])
    assert tally(posts) == {"ok": len(holds), "invalid": len(holds)}

    assert await read(ledger_db, lambda s: balances(s, b.cms)) == (FUNDS % PRICE, 0)
    assert await read(ledger_db, ledger_accounts.ledger_is_sound) == (0, 0)
    resolutions = await rows(
        ledger_db,
        "SELECT pending_id, kind FROM transfer "
        "WHERE from_account_id = :a AND pending_id IS NOT NULL",
        a=b.cms,
    )
    assert sorted(r.pending_id for r in resolutions) == sorted(holds)
    assert {r.kind for r in resolutions} == {"POST_PENDING"}


async def test_a_hold_raced_by_post_and_void_is_resolved_once(ledger_db: Database) -> None:
    """Posting and voiding the same holds at once: each hold is resolved by exactly one of
    them, and the balances follow whichever won."""
    b = await committed_books(ledger_db, FUNDS)
    holds: list[uuid.UUID] = []
    async with ledger_db.session() as s, unit_of_work(s):
        for _ in range(10):
            m = movement(b.cms, b.supplier, PRICE, Category.OUT_CARE_FEES)
            holds.append((await ledger.hold(s, LEDGER_ACTOR, m)).id)

    def post(h: uuid.UUID) -> Callable[[AsyncSession], Awaitable[Transfer]]:
        return lambda s: ledger.post_pending(s, LEDGER_ACTOR, h)

    def void(h: uuid.UUID) -> Callable[[AsyncSession], Awaitable[Transfer]]:
        return lambda s: ledger.void_pending(s, LEDGER_ACTOR, h, "raced")

    ops = [op for h in holds for op in (post(h), void(h))]
    outcomes = await race(ledger_db, ops)
    assert tally(outcomes) == {"ok": len(holds), "invalid": len(holds)}

    resolutions = await rows(
        ledger_db,
        "SELECT pending_id, kind FROM transfer "
        "WHERE from_account_id = :a AND pending_id IS NOT NULL",
        a=b.cms,
    )
    assert sorted(r.pending_id for r in resolutions) == sorted(holds)
    paid = sum(1 for r in resolutions if r.kind == "POST_PENDING")
    assert await read(ledger_db, lambda s: balances(s, b.cms)) == (FUNDS - PRICE * paid, 0)
    assert await read(ledger_db, ledger_accounts.ledger_is_sound) == (0, 0)


async def test_opposing_transfers_between_own_accounts_do_not_deadlock(
    ledger_db: Database,
) -> None:
    """pgledger's TestConcurrency: 200 transfers CMS -> cash and 200 cash -> CMS of one client,
    all at once on 40 connections: none fails (no deadlock: accounts are locked in id order) and
    both accounts end where they started."""
    n, amount = 200, 100
    b = await committed_books(ledger_db, n * amount, cash_funds=n * amount)

    def move(source: uuid.UUID, target: uuid.UUID) -> Callable[[AsyncSession], Awaitable[Transfer]]:
        m = movement(source, target, amount, Category.TRANSFER_BETWEEN_OWN_ACCOUNTS)
        return lambda s: ledger.post(s, LEDGER_ACTOR, m)

    ops = [move(b.cms, b.cash), move(b.cash, b.cms)] * n
    outcomes = await race(ledger_db, ops, barrier=False)
    assert tally(outcomes) == {"ok": 2 * n}

    assert await read(ledger_db, lambda s: balances(s, b.cms)) == (n * amount, 0)
    assert await read(ledger_db, lambda s: balances(s, b.cash)) == (n * amount, 0)
    assert await read(ledger_db, ledger_accounts.ledger_is_sound) == (0, 0)
    between = await rows(
        ledger_db,
        "SELECT count(*) AS n FROM transfer WHERE client_id = :c "
        "AND category = 'TRANSFER_BETWEEN_OWN_ACCOUNTS'",
        c=b.client,
    )
    assert between[0].n == 2 * n


async def test_a_reversal_requested_at_once_with_one_key_happens_once(
    ledger_db: Database,
) -> None:
    """Idempotency under concurrency (R-AUD-2): 10 reverse_transfer calls at once with the same
    key and input make one reversal, audited once, and all return its id; the same key with a
    different reason is IDEMPOTENCY_KEY_REUSED; a new key is refused as already reversed."""
    b = await committed_books(ledger_db, FUNDS)
    async with ledger_db.session() as s, unit_of_work(s):
        payment_id = (
            await ledger.post(
                s, LEDGER_ACTOR, movement(b.cms, b.supplier, 2_500, Category.OUT_CARE_FEES)
            )
        ).id
    key = f"reverse-{uuid.uuid4()}"

    def reverse(s: AsyncSession) -> Awaitable[Transfer]:
        return ledger_reversals.reverse_transfer(
            s, LEDGER_ACTOR, payment_id, "paid twice", idempotency_key=key
        )

    # reverse_transfer owns its transaction (run_once): race it without an outer one.
    async def one() -> uuid.UUID:
        async with ledger_db.session() as s:
            await gate.wait()
            return (await reverse(s)).id

    gate = asyncio.Barrier(10)
    async with asyncio.timeout(60):
        ids = await asyncio.gather(*(one() for _ in range(10)))
    assert len(set(ids)) == 1
    reversal_id = ids[0]

    reversals = await rows(
        ledger_db, "SELECT id FROM transfer WHERE reverses_id = :id", id=payment_id
    )
    assert [r.id for r in reversals] == [reversal_id]
    audited = await rows(
        ledger_db,
        "SELECT count(*) AS n FROM audit_log WHERE entity_id = :id AND action = 'reverse'",
        id=str(reversal_id),
    )
    assert audited[0].n == 1
    keys = await rows(ledger_db, "SELECT result FROM idempotency_key WHERE key = :k", k=key)
    assert [r.result for r in keys] == [{"transfer_id": str(reversal_id)}]
    assert await read(ledger_db, lambda s: balances(s, b.cms)) == (FUNDS, 0)

    async with ledger_db.session() as s:
        with pytest.raises(KeyReused) as raised:
            await ledger_reversals.reverse_transfer(
                s, LEDGER_ACTOR, payment_id, "a different reason", idempotency_key=key
            )
        assert raised.value.code is ErrorCode.IDEMPOTENCY_KEY_REUSED
        with pytest.raises(InvalidState):
            await ledger_reversals.reverse_transfer(
                s, LEDGER_ACTOR, payment_id, "paid twice", idempotency_key=f"other-{uuid.uuid4()}"
            )
    assert await read(ledger_db, ledger_accounts.ledger_is_sound) == (0, 0)


async def test_reversals_raced_with_different_keys_happen_once(ledger_db: Database) -> None:
    """Ten reversals of one receipt at once, each with its own key: one is made; the others are
    InvalidState (already reversed), not InsufficientFunds and not a database error."""
    b = await committed_books(ledger_db, 0)
    async with ledger_db.session() as s, unit_of_work(s):
        m = movement(b.dwp, b.cms, 3_000, Category.IN_BENEFITS)
        receipt_id = (await ledger.post(s, LEDGER_ACTOR, m)).id

    def reverse(i: int) -> Callable[[AsyncSession], Awaitable[Transfer]]:
        return lambda s: ledger_reversals.reverse(
            s, LEDGER_ACTOR, receipt_id, f"wrong client ({i})"
        )

    outcomes = await race(ledger_db, [reverse(i) for i in range(10)])
    assert tally(outcomes) == {"ok": 1, "invalid": 9}
    assert await read(ledger_db, lambda s: balances(s, b.cms)) == (0, 0)
    assert await read(ledger_db, ledger_accounts.ledger_is_sound) == (0, 0)


async def test_every_client_account_kind_is_made_once_under_concurrency(
    ledger_db: Database,
) -> None:
    """Opening a client's account from many requests at once makes one account."""
    b = await committed_books(ledger_db, 0)

    async def open_one() -> uuid.UUID:
        async with ledger_db.session() as s, unit_of_work(s):
            return await account_of(s, b.other_client, AccountKind.CLIENT_COURT_FUNDS)

    ids = await asyncio.gather(*(open_one() for _ in range(10)))
    assert len(set(ids)) == 1
    n = await read(
        ledger_db,
        lambda s: count(
            s,
            "SELECT count(*) FROM ledger_account WHERE client_id = :c AND kind = :k",
            c=b.other_client,
            k=AccountKind.CLIENT_COURT_FUNDS.value,
        ),
    )
    assert n == 1
