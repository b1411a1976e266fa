"""The ledger's invariants under random sequences of operations (hypothesis).

Receipts from DWP into three clients' CMS accounts, payments out to a supplier, holds, posts and
voids of holds (open or not), reversals of earlier transfers (reversible or not), each possibly
replayed with its idempotency key (``common.idempotency.run_once``), unchanged or changed. A
model predicts each outcome (done, InsufficientFunds, InvalidState, KeyReused) and the balances.

- After every step, each client account's kept balances equal the model's, and none is below
  zero or below its holds (R-PAY-3).
- Every tenth step and at the end, the sum of all balances is zero and every client account's
  kept balance equals the sum of its transfers: ``ledger_is_sound == (0, 0)`` (R-ACC-2, R-AUD-2),
  and the ledger holds exactly the transfers the model made.
- A replay with the same key and request changes nothing (transfer count, keys, audit rows and
  balances equal before and after) and returns the first result; the same key with another
  request is IDEMPOTENCY_KEY_REUSED and changes nothing.

Each example runs on a database of its own, inside a transaction rolled back at its end (the
services' own transactions become savepoints, as in tests/conftest.py), on one event loop this
test owns.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common import idempotency
from ca_api.common.idempotency import KeyReused
from ca_api.db import Database, SerialSession
from ca_api.errors import InvalidState
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import repository
from ca_api.ledger import reversals as ledger_reversals
from ca_api.ledger import transfers as ledger
from ca_api.ledger.models import Transfer
from ca_api.ledger.rules import Category, CounterpartyKind
from ca_api.ledger.transfers import InsufficientFunds
from tests.factories import (
    LEDGER_ACTOR,
    account_of,
    bare_client,
    count,
    movement,
    party_account,
)
from tests.support import fresh_database

CLIENTS = 3
Replay = Literal["same", "changed"] | None
replays = st.sampled_from([None, None, "same", "changed"])


@dataclass(frozen=True)
class Receipt:
    client: int
    amount: int
    replay: Replay


@dataclass(frozen=True)
class Payment:
    client: int
    amount: int
    replay: Replay


@dataclass(frozen=True)
class Hold:
    client: int
    amount: int
    replay: Replay


@dataclass(frozen=True)
class Resolve:
    """Post (or void) the ``pick``-th hold made so far, whether still open or not."""

    pick: int
    post: bool
    replay: Replay


@dataclass(frozen=True)
class Reverse:
    """Reverse the ``pick``-th transfer that moved money, whether reversible or not."""

    pick: int
    replay: Replay


Op = Receipt | Payment | Hold | Resolve | Reverse

clients = st.integers(0, CLIENTS - 1)
picks = st.integers(0, 1_000)
operations = st.lists(
    st.one_of(
        st.builds(Receipt, clients, st.integers(1, 20_000), replays),
        st.builds(Payment, clients, st.integers(1, 8_000), replays),
        st.builds(Hold, clients, st.integers(1, 8_000), replays),
        st.builds(Resolve, picks, st.booleans(), replays),
        st.builds(Reverse, picks, replays),
    ),
    min_size=20,
    max_size=30,
)


# --- the model ------------------------------------------------------------------------------


@dataclass
class Moved:
    """A transfer that moved money: ``sign`` +1 into the client's account, -1 out of it."""

    client: int
    amount: int
    sign: int
    is_reversal: bool = False
    reversed: bool = False


@dataclass
class Held:
    client: int
    amount: int
    open: bool = True


@dataclass
class Model:
    posted: list[int] = field(default_factory=lambda: [0] * CLIENTS)
    held: list[int] = field(default_factory=lambda: [0] * CLIENTS)
    moved: dict[uuid.UUID, Moved] = field(default_factory=dict)
    holds: dict[uuid.UUID, Held] = field(default_factory=dict)
    transfers: int = 0

    def available(self, client: int) -> int:
        return self.posted[client] - self.held[client]


Outcome = Literal["ok", "short", "invalid"]


@dataclass
class Books:
    cms: list[uuid.UUID]
    dwp: uuid.UUID
    supplier: uuid.UUID


@dataclass(frozen=True)
class Request:
    """One request: the operation and payload its idempotency key is bound to, and the work."""

    operation: str
    payload: dict[str, Any]
    work: Callable[[], Awaitable[Transfer]]
    own_key: bool = False  # the use case applies the key itself (reverse_transfer)


async def send(
    session: AsyncSession, key: str, request: Request
) -> tuple[Outcome, uuid.UUID | None]:
    """Send ``request`` once with ``key``: through ``run_once`` unless it keys itself."""

    async def replay(result: dict[str, Any]) -> Transfer:
        found = await repository.get_transfer(session, uuid.UUID(str(result["transfer_id"])))
        assert found is not None
        return found

    try:
        if request.own_key:
            transfer = await request.work()
        else:
            transfer = await idempotency.run_once(
                session,
                LEDGER_ACTOR.principal.subject,
                key,
                request.operation,
                request.payload,
                request.work,
                remember=lambda t: {"transfer_id": str(t.id)},
                replay=replay,
            )
        return "ok", transfer.id
    except InsufficientFunds:
        return "short", None
    except InvalidState:
        return "invalid", None


SNAPSHOT = text(
    """
    SELECT (SELECT count(*) FROM transfer) AS transfers,
           (SELECT count(*) FROM idempotency_key) AS keys,
           (SELECT count(*) FROM audit_log) AS audit_rows,
           (SELECT array_agg(ARRAY[posted, held] ORDER BY id)
              FROM ledger_account WHERE id = ANY(:ids)) AS balances
    """
)


async def snapshot(session: AsyncSession, books: Books) -> tuple[Any, ...]:
    """Everything a replay must leave alone: transfers, keys, audit rows, balances."""
    return tuple((await session.execute(SNAPSHOT, {"ids": books.cms})).one())


class Run:
    """One example: the books, the model, and the session its operations go through."""

    def __init__(self, session: AsyncSession, books: Books) -> None:
        self.session = session
        self.books = books
        self.model = Model()
        self.hold_ids: list[uuid.UUID] = []
        self.moved_ids: list[uuid.UUID] = []

    def move(
        self, source: uuid.UUID, target: uuid.UUID, amount: int, category: Category, kind: str
    ) -> Request:
        m = movement(source, target, amount, category)
        action = ledger.post if kind == "post" else ledger.hold
        return Request(
            kind,
            {"from": str(source), "to": str(target), "amount": amount, "category": category},
            lambda: action(self.session, LEDGER_ACTOR, m),
        )

    def request(self, op: Op, key: str, *, changed: bool = False) -> tuple[Request, Outcome]:
        """The request for ``op`` (a different one for a changed replay) and the model's
        prediction of its outcome."""
        model, b = self.model, self.books
        if isinstance(op, Receipt):
            amount = op.amount + int(changed)
            return self.move(b.dwp, b.cms[op.client], amount, Category.IN_BENEFITS, "post"), "ok"
        if isinstance(op, Payment | Hold):
            amount = op.amount + int(changed)
            kind = "post" if isinstance(op, Payment) else "hold"
            source = b.cms[op.client]
            outcome: Outcome = "ok" if model.available(op.client) >= amount else "short"
            return self.move(source, b.supplier, amount, Category.OUT_CARE_FEES, kind), outcome
        if isinstance(op, Resolve):
            hold_id = self.hold_ids[op.pick % len(self.hold_ids)]
            outcome = "ok" if model.holds[hold_id].open else "invalid"
            if op.post and not changed:
                post = ledger.post_pending
                return Request(
                    "post_pending",
                    {"hold": str(hold_id)},
                    lambda: post(self.session, LEDGER_ACTOR, hold_id),
                ), outcome
            # A void; a changed replay voids with another reason, or voids what was posted.
            reason = "changed" if changed else "not needed"
            void = ledger.void_pending
            return Request(
                "void_pending",
                {"hold": str(hold_id), "reason": reason},
                lambda: void(self.session, LEDGER_ACTOR, hold_id, reason),
            ), outcome
        transfer_id = self.moved_ids[op.pick % len(self.moved_ids)]
        target = model.moved[transfer_id]
        if target.is_reversal or target.reversed:
            outcome = "invalid"
        elif target.sign > 0 and model.available(target.client) < target.amount:
            outcome = "short"  # taking back a receipt already spent (R-PAY-3)
        else:
            outcome = "ok"
        reason = "changed" if changed else "entered in error"
        reverse = ledger_reversals.reverse_transfer
        return Request(
            "reverseTransfer",
            {"transfer_id": str(transfer_id), "reason": reason},
            lambda: reverse(self.session, LEDGER_ACTOR, transfer_id, reason, idempotency_key=key),
            own_key=True,
        ), outcome

    def possible(self, op: Op) -> bool:
        if isinstance(op, Resolve):
            return bool(self.hold_ids)
        if isinstance(op, Reverse):
            return bool(self.moved_ids)
        return True

    def apply(self, op: Op, transfer_id: uuid.UUID) -> None:
        """The model after ``op`` succeeded as ``transfer_id``."""
        model = self.model
        model.transfers += 1
        if isinstance(op, Receipt):
            model.posted[op.client] += op.amount
            model.moved[transfer_id] = Moved(op.client, op.amount, +1)
            self.moved_ids.append(transfer_id)
        elif isinstance(op, Payment):
            model.posted[op.client] -= op.amount
            model.moved[transfer_id] = Moved(op.client, op.amount, -1)
            self.moved_ids.append(transfer_id)
        elif isinstance(op, Hold):
            model.held[op.client] += op.amount
            model.holds[transfer_id] = Held(op.client, op.amount)
            self.hold_ids.append(transfer_id)
        elif isinstance(op, Resolve):
            hold = model.holds[self.hold_ids[op.pick % len(self.hold_ids)]]
            hold.open = False
            model.held[hold.client] -= hold.amount
            if op.post:
                model.posted[hold.client] -= hold.amount
                model.moved[transfer_id] = Moved(hold.client, hold.amount, -1)
                self.moved_ids.append(transfer_id)
        else:
            original = model.moved[self.moved_ids[op.pick % len(self.moved_ids)]]
            original.reversed = True
            model.posted[original.client] -= original.sign * original.amount
            model.moved[transfer_id] = Moved(
                original.client, original.amount, -original.sign, is_reversal=True
            )
            self.moved_ids.append(transfer_id)

    async def step(self, index: int, op: Op) -> None:
        if not self.possible(op):
            return
        key = f"prop-{index:03d}-{uuid.uuid4().hex}"
        request, expected = self.request(op, key)
        outcome, transfer_id = await send(self.session, key, request)
        assert outcome == expected, (op, outcome, expected)
        event(f"{type(op).__name__}: {outcome}")
        if transfer_id is not None:
            self.apply(op, transfer_id)

        if op.replay is not None and (op.replay == "same" or outcome == "ok"):
            before = await snapshot(self.session, self.books)
            if op.replay == "same":
                again, again_id = await send(self.session, key, request)
                # The first result, or (a refused first request claimed nothing) the same refusal.
                assert (again, again_id) == (outcome, transfer_id)
            else:
                changed, _ = self.request(op, key, changed=True)
                event("replay with the key changed: KeyReused")
                with pytest.raises(KeyReused):
                    await send(self.session, key, changed)
            assert await snapshot(self.session, self.books) == before

        await self.check(whole_ledger=index % 10 == 9)

    async def check(self, *, whole_ledger: bool) -> None:
        """The client accounts against the model, after every step; the whole ledger (counted
        and summed) every tenth step and at the end."""
        rows = (
            await self.session.execute(
                text("SELECT id, posted, held FROM ledger_account WHERE id = ANY(:ids)"),
                {"ids": self.books.cms},
            )
        ).all()
        kept = {r.id: (r.posted, r.held) for r in rows}
        for i, account in enumerate(self.books.cms):
            posted, held = kept[account]
            assert (posted, held) == (self.model.posted[i], self.model.held[i])
            assert posted >= 0 and held >= 0 and posted - held >= 0  # R-PAY-3
        if whole_ledger:
            transfers = await count(self.session, "SELECT count(*) FROM transfer")
            assert transfers == self.model.transfers
            assert await ledger_accounts.ledger_is_sound(self.session) == (0, 0)


@asynccontextmanager
async def rolled_back(database: Database) -> AsyncIterator[AsyncSession]:
    """A session whose transactions are savepoints in one transaction that is rolled back."""
    async with database.engine.connect() as conn:
        outer = await conn.begin()
        session = SerialSession(
            bind=conn,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()


async def run_example(database: Database, ops: list[Op]) -> None:
    async with rolled_back(database) as session:
        client_ids = [await bare_client(session) for _ in range(CLIENTS)]
        books = Books(
            cms=[await account_of(session, c) for c in client_ids],
            dwp=await party_account(session, CounterpartyKind.DWP, "DWP"),
            supplier=await party_account(session, CounterpartyKind.SUPPLIER, "Supplier"),
        )
        await session.commit()
        run = Run(session, books)
        for i, op in enumerate(ops):
            await run.step(i, op)
        # Also shows that nothing outlived the previous example: the ledger holds this one's
        # transfers only.
        await run.check(whole_ledger=True)


@pytest.fixture(scope="module")
def ledger_runner() -> Iterator[tuple[asyncio.Runner, Database]]:
    """A database of its own and an event loop this module owns (hypothesis drives a sync
    test; each example runs to completion on this loop)."""
    with (
        fresh_database("ca_api_ledger_prop") as url,
        asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner,
    ):
        database = Database(url, pool_size=2)
        try:
            yield runner, database
        finally:
            runner.run(database.dispose())


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=operations)
def test_random_ledger_operations_keep_every_invariant(
    ledger_runner: tuple[asyncio.Runner, Database], ops: list[Op]
) -> None:
    """R-PAY-3, R-ACC-2, R-AUD-2: see the module docstring."""
    runner, database = ledger_runner
    runner.run(run_example(database, ops))


def test_the_examples_start_from_an_empty_ledger(
    ledger_runner: tuple[asyncio.Runner, Database],
) -> None:
    """The rolled-back examples leave nothing behind on the property database."""
    runner, database = ledger_runner

    async def totals() -> tuple[int, int]:
        async with database.session() as s:
            return (
                await count(s, "SELECT count(*) FROM transfer"),
                await count(s, "SELECT count(*) FROM idempotency_key"),
            )

    assert runner.run(totals()) == (0, 0)
