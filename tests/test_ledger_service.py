"""The ledger's service, tested directly on a rolled-back session: every operation moves the kept
balances exactly, refuses what would take a client below zero (R-PAY-3), keeps each client's money
to that client (R-ACC-2), labels money in the right direction (R-OPG-1), and corrects by new
entries only (R-AUD-2). The database refuses the same things when the service is bypassed.

The helpers at the top are shared with ``test_ledger_concurrency`` and ``test_ledger_properties``.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.idempotency import KeyReused
from ca_api.errors import ErrorCode, InvalidState, RecordNotFound, ValidationFailed
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import reversals as ledger_reversals
from ca_api.ledger import rules
from ca_api.ledger import transfers as ledger
from ca_api.ledger.models import Transfer
from ca_api.ledger.rules import Category, TransferKind
from ca_api.ledger.transfers import InsufficientFunds
from tests.factories import (
    LEDGER_ACTOR,
    Books,
    balances,
    count,
    movement,
    open_books,
)

# --- shared helpers ------------------------------------------------------------------------


async def transfer_count(session: AsyncSession) -> int:
    return await count(session, "SELECT count(*) FROM transfer")


@pytest.fixture
async def books(session: AsyncSession) -> Books:
    return await open_books(session)


async def receive(
    session: AsyncSession, b: Books, amount: int, target: uuid.UUID | None = None
) -> Transfer:
    return await ledger.post(
        session, LEDGER_ACTOR, movement(b.dwp, target or b.cms, amount, Category.IN_BENEFITS)
    )


async def pay(
    session: AsyncSession, b: Books, amount: int, source: uuid.UUID | None = None
) -> Transfer:
    return await ledger.post(
        session, LEDGER_ACTOR, movement(source or b.cms, b.supplier, amount, Category.OUT_CARE_FEES)
    )


async def hold(session: AsyncSession, b: Books, amount: int) -> Transfer:
    return await ledger.hold(
        session, LEDGER_ACTOR, movement(b.cms, b.supplier, amount, Category.OUT_CARE_FEES)
    )


# --- post, hold, post_pending, void_pending --------------------------------------------------


async def test_post_moves_the_posted_balance_exactly(session: AsyncSession, books: Books) -> None:
    """Money in and money out change the client's posted balance by exactly the amount, and each
    transfer records the balance after it."""
    receipt = await receive(session, books, 10_000)
    assert await balances(session, books.cms) == (10_000, 0)
    assert receipt.kind == TransferKind.POSTED
    assert (receipt.amount, receipt.client_id) == (10_000, books.client)
    assert (receipt.from_balance_after, receipt.to_balance_after) == (None, 10_000)
    assert receipt.recorded_by == LEDGER_ACTOR.principal.subject

    payment = await pay(session, books, 3_001)
    assert await balances(session, books.cms) == (6_999, 0)
    assert (payment.from_balance_after, payment.to_balance_after) == (6_999, None)
    # Counterparty accounts keep no running balance (no row every transfer must lock).
    assert await balances(session, books.supplier) == (0, 0)
    assert await balances(session, books.dwp) == (0, 0)


async def test_hold_reserves_money_and_available_is_posted_minus_held(
    session: AsyncSession, books: Books
) -> None:
    """R-PAY-3: a hold counts as spent; posting it moves the money, voiding it releases it."""
    await receive(session, books, 10_000)
    first = await hold(session, books, 2_500)
    assert first.kind == TransferKind.PENDING
    assert await balances(session, books.cms) == (10_000, 2_500)
    account = await ledger_accounts.client_account(session, books.client)
    assert rules.available(account.posted, account.held) == 7_500

    second = await hold(session, books, 1_000)
    assert await balances(session, books.cms) == (10_000, 3_500)

    posted = await ledger.post_pending(session, LEDGER_ACTOR, first.id)
    assert (posted.kind, posted.pending_id, posted.amount) == (
        TransferKind.POST_PENDING,
        first.id,
        2_500,
    )
    assert (posted.from_account_id, posted.to_account_id) == (books.cms, books.supplier)
    assert posted.from_balance_after == 7_500
    assert await balances(session, books.cms) == (7_500, 1_000)

    voided = await ledger.void_pending(session, LEDGER_ACTOR, second.id, "invoice withdrawn")
    assert (voided.kind, voided.pending_id, voided.reason) == (
        TransferKind.VOID_PENDING,
        second.id,
        "invoice withdrawn",
    )
    assert await balances(session, books.cms) == (7_500, 0)


async def test_spending_beyond_available_raises_and_writes_nothing(
    session: AsyncSession, books: Books
) -> None:
    """R-PAY-3: a hold or a payment beyond posted - held is InsufficientFunds; nothing is
    written; exactly the available amount is allowed."""
    await receive(session, books, 10_000)
    await hold(session, books, 6_000)
    before = (await transfer_count(session), await balances(session, books.cms))

    with pytest.raises(InsufficientFunds) as raised:
        await hold(session, books, 4_001)
    assert (raised.value.available, raised.value.wanted) == (4_000, 4_001)
    assert raised.value.code is ErrorCode.INSUFFICIENT_FUNDS
    with pytest.raises(InsufficientFunds):
        await pay(session, books, 4_001)
    with pytest.raises(InsufficientFunds):
        await ledger.post(
            session,
            LEDGER_ACTOR,
            movement(books.cms, books.cash, 4_001, Category.TRANSFER_BETWEEN_OWN_ACCOUNTS),
        )
    assert (await transfer_count(session), await balances(session, books.cms)) == before

    await hold(session, books, 4_000)
    assert await balances(session, books.cms) == (10_000, 10_000)
    with pytest.raises(InsufficientFunds):
        await pay(session, books, 1)


async def test_a_hold_is_resolved_once(session: AsyncSession, books: Books) -> None:
    """Posting a hold twice, voiding a posted hold, posting a voided hold: InvalidState."""
    await receive(session, books, 10_000)
    posted_hold, voided_hold = await hold(session, books, 1_000), await hold(session, books, 2_000)
    await ledger.post_pending(session, LEDGER_ACTOR, posted_hold.id)
    await ledger.void_pending(session, LEDGER_ACTOR, voided_hold.id, "cancelled")
    before = (await transfer_count(session), await balances(session, books.cms))
    assert before[1] == (9_000, 0)

    with pytest.raises(InvalidState):
        await ledger.post_pending(session, LEDGER_ACTOR, posted_hold.id)
    with pytest.raises(InvalidState):
        await ledger.void_pending(session, LEDGER_ACTOR, posted_hold.id, "too late")
    with pytest.raises(InvalidState):
        await ledger.post_pending(session, LEDGER_ACTOR, voided_hold.id)
    with pytest.raises(InvalidState):
        await ledger.void_pending(session, LEDGER_ACTOR, voided_hold.id, "again")
    # Only a hold can be posted or voided.
    payment = await pay(session, books, 100)
    with pytest.raises(RecordNotFound):
        await ledger.post_pending(session, LEDGER_ACTOR, payment.id)
    with pytest.raises(RecordNotFound):
        await ledger.void_pending(session, LEDGER_ACTOR, uuid.uuid4(), "no such hold")
    assert await transfer_count(session) == before[0] + 1
    assert await balances(session, books.cms) == (8_900, 0)


async def test_amount_must_be_positive(session: AsyncSession, books: Books) -> None:
    await receive(session, books, 1_000)
    for amount in (0, -500):
        with pytest.raises(ValidationFailed):
            await pay(session, books, amount)
        with pytest.raises(ValidationFailed):
            await hold(session, books, amount)
    assert await balances(session, books.cms) == (1_000, 0)


# --- reversals (R-AUD-2) ---------------------------------------------------------------------


async def test_a_reversal_needs_a_reason_and_moves_the_same_amount_back(
    session: AsyncSession, books: Books
) -> None:
    """R-AUD-2: a mistake is corrected by a new transfer naming the old, with a reason."""
    await receive(session, books, 10_000)
    payment = await pay(session, books, 2_750)
    before = await transfer_count(session)
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed):
            await ledger_reversals.reverse(session, LEDGER_ACTOR, payment.id, reason)
    assert await transfer_count(session) == before

    reversal = await ledger_reversals.reverse(
        session, LEDGER_ACTOR, payment.id, "  paid the wrong invoice "
    )
    assert reversal.kind == TransferKind.POSTED
    assert reversal.reverses_id == payment.id
    assert (reversal.from_account_id, reversal.to_account_id) == (books.supplier, books.cms)
    assert (reversal.amount, reversal.category) == (2_750, payment.category)
    assert reversal.reason == "paid the wrong invoice"
    assert await balances(session, books.cms) == (10_000, 0)
    # The original is untouched: still there, still the same amount.
    assert await count(session, "SELECT amount FROM transfer WHERE id = :id", id=payment.id) == (
        2_750
    )

    with pytest.raises(InvalidState):
        await ledger_reversals.reverse(session, LEDGER_ACTOR, payment.id, "again")
    with pytest.raises(InvalidState):
        await ledger_reversals.reverse(session, LEDGER_ACTOR, reversal.id, "undo the undo")
    assert await transfer_count(session) == before + 1
    assert await balances(session, books.cms) == (10_000, 0)


async def test_only_money_that_moved_can_be_reversed(session: AsyncSession, books: Books) -> None:
    await receive(session, books, 10_000)
    pending = await hold(session, books, 1_000)
    with pytest.raises(InvalidState):
        await ledger_reversals.reverse(
            session, LEDGER_ACTOR, pending.id, "a hold is voided, not reversed"
        )
    made = await ledger.post_pending(session, LEDGER_ACTOR, pending.id)
    await ledger_reversals.reverse(session, LEDGER_ACTOR, made.id, "paid in error")
    assert await balances(session, books.cms) == (10_000, 0)
    with pytest.raises(RecordNotFound):
        await ledger_reversals.reverse(session, LEDGER_ACTOR, uuid.uuid4(), "no such transfer")


async def test_reversing_a_receipt_already_spent_is_insufficient_funds(
    session: AsyncSession, books: Books
) -> None:
    """R-PAY-3 holds for reversals too: taking back a receipt cannot take the client below 0."""
    receipt = await receive(session, books, 5_000)
    await pay(session, books, 4_000)
    with pytest.raises(InsufficientFunds):
        await ledger_reversals.reverse(session, LEDGER_ACTOR, receipt.id, "DWP overpaid")
    assert await balances(session, books.cms) == (1_000, 0)


async def test_reverse_transfer_is_once_per_idempotency_key(
    session: AsyncSession, books: Books
) -> None:
    """The same key and request replays the first reversal; the same key with another reason
    is IDEMPOTENCY_KEY_REUSED."""
    await receive(session, books, 10_000)
    payment_id = (await pay(session, books, 1_234)).id  # a refused request expires the session
    key = f"reverse-{uuid.uuid4()}"
    first = await ledger_reversals.reverse_transfer(
        session, LEDGER_ACTOR, payment_id, "duplicate invoice", idempotency_key=key
    )
    again = await ledger_reversals.reverse_transfer(
        session, LEDGER_ACTOR, payment_id, "duplicate invoice", idempotency_key=key
    )
    assert again.id == first.id
    with pytest.raises(KeyReused) as raised:
        await ledger_reversals.reverse_transfer(
            session, LEDGER_ACTOR, payment_id, "another reason", idempotency_key=key
        )
    assert raised.value.code is ErrorCode.IDEMPOTENCY_KEY_REUSED
    reversals = "SELECT count(*) FROM transfer WHERE reverses_id = :id"
    assert await count(session, reversals, id=payment_id) == 1
    assert await balances(session, books.cms) == (10_000, 0)


# --- R-ACC-2 and R-OPG-1 ---------------------------------------------------------------------


async def test_money_never_moves_between_two_clients(session: AsyncSession, books: Books) -> None:
    """R-ACC-2: every pound is in exactly one client's account or has left the system."""
    await receive(session, books, 10_000)
    before = await transfer_count(session)
    for move in (ledger.post, ledger.hold):
        with pytest.raises(ValidationFailed) as raised:
            await move(
                session,
                LEDGER_ACTOR,
                movement(books.cms, books.other_cms, 1_000, Category.TRANSFER_BETWEEN_OWN_ACCOUNTS),
            )
        assert "R-ACC-2" in raised.value.fields["to_account"]
    assert await transfer_count(session) == before
    assert await balances(session, books.other_cms) == (0, 0)

    # Between the same client's own accounts it is allowed.
    own = await ledger.post(
        session,
        LEDGER_ACTOR,
        movement(books.cms, books.cash, 1_000, Category.TRANSFER_BETWEEN_OWN_ACCOUNTS),
    )
    assert own.client_id == books.client
    assert await balances(session, books.cms) == (9_000, 0)
    assert await balances(session, books.cash) == (1_000, 0)


async def test_money_never_moves_between_two_counterparties(
    session: AsyncSession, books: Books
) -> None:
    """R-ACC-2: money that never touches a client's account is not the ledger's business."""
    before = await transfer_count(session)
    for category in (Category.IN_BENEFITS, Category.OUT_CARE_FEES, Category.OUT_OTHER):
        with pytest.raises(ValidationFailed) as raised:
            await ledger.post(
                session, LEDGER_ACTOR, movement(books.dwp, books.supplier, 100, category)
            )
        assert "category" in raised.value.fields
    assert await transfer_count(session) == before


@pytest.mark.parametrize(
    ("direction", "category"),
    [
        ("in", Category.OUT_CARE_FEES),
        ("in", Category.TRANSFER_BETWEEN_OWN_ACCOUNTS),
        ("out", Category.IN_BENEFITS),
        ("out", Category.TRANSFER_BETWEEN_OWN_ACCOUNTS),
        ("own", Category.OUT_OTHER),
        ("own", Category.IN_OTHER),
    ],
)
async def test_a_category_in_the_wrong_direction_is_refused(
    session: AsyncSession, books: Books, direction: str, category: Category
) -> None:
    """R-OPG-1: money in is labelled money-in, money out money-out, own moves as such."""
    await receive(session, books, 10_000)
    source, target = {
        "in": (books.dwp, books.cms),
        "out": (books.cms, books.supplier),
        "own": (books.cms, books.cash),
    }[direction]
    before = await transfer_count(session)
    with pytest.raises(ValidationFailed) as raised:
        await ledger.post(session, LEDGER_ACTOR, movement(source, target, 100, category))
    assert "category" in raised.value.fields
    assert await transfer_count(session) == before


# --- the database as the backstop -------------------------------------------------------------

INSERT_TRANSFER = text(
    """
    INSERT INTO transfer (id, kind, from_account_id, to_account_id, amount, pending_id,
                          reverses_id, value_date, category, description, client_id,
                          recorded_by, reason)
    VALUES (:id, :kind, :src, :dst, :amount, :pending_id, :reverses_id, current_date,
            :category, 'direct SQL', :client_id, 'sql', :reason)
    """
)


async def insert_directly(
    session: AsyncSession,
    *,
    kind: str,
    src: uuid.UUID,
    dst: uuid.UUID,
    amount: int,
    client_id: uuid.UUID | None,
    category: str = "OUT_CARE_FEES",
    pending_id: uuid.UUID | None = None,
    reverses_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> None:
    """Insert a transfer with SQL, bypassing the service, inside a SAVEPOINT."""
    async with session.begin_nested():
        await session.execute(
            INSERT_TRANSFER,
            {
                "id": uuid.uuid4(),
                "kind": kind,
                "src": src,
                "dst": dst,
                "amount": amount,
                "pending_id": pending_id,
                "reverses_id": reverses_id,
                "category": category,
                "client_id": client_id,
                "reason": reason,
            },
        )


async def test_the_database_refuses_to_take_a_client_below_zero(
    session: AsyncSession, books: Books
) -> None:
    """R-PAY-3 without the service: the account CHECK refuses a payment or a hold beyond what
    is available, counting holds as spent."""
    await receive(session, books, 10_000)
    await hold(session, books, 3_000)
    before = (await transfer_count(session), await balances(session, books.cms))
    for kind, amount in (("POSTED", 10_000), ("POSTED", 7_001), ("PENDING", 7_001)):
        with pytest.raises(IntegrityError, match="ck_ledger_account_not_below_zero"):
            await insert_directly(
                session,
                kind=kind,
                src=books.cms,
                dst=books.supplier,
                amount=amount,
                client_id=books.client,
            )
    assert (await transfer_count(session), await balances(session, books.cms)) == before
    # Exactly the available amount is fine, even by SQL.
    await insert_directly(
        session,
        kind="POSTED",
        src=books.cms,
        dst=books.supplier,
        amount=7_000,
        client_id=books.client,
    )
    assert await balances(session, books.cms) == (3_000, 3_000)
    assert await ledger_accounts.ledger_is_sound(session) == (0, 0)


async def test_the_database_keeps_each_clients_money_to_that_client(
    session: AsyncSession, books: Books
) -> None:
    """R-ACC-2 without the service (batch paths write transfers with SQL): the trigger refuses
    money between two clients, money that touches no client, and a transfer naming another
    client than the one whose account it moves."""
    await receive(session, books, 10_000)
    before = (await transfer_count(session), await balances(session, books.cms))
    for src, dst, client_id, category in (
        (books.cms, books.other_cms, books.client, "TRANSFER_BETWEEN_OWN_ACCOUNTS"),
        (books.cms, books.other_cms, books.other_client, "TRANSFER_BETWEEN_OWN_ACCOUNTS"),
        (books.dwp, books.supplier, None, "OUT_CARE_FEES"),
        (books.cms, books.supplier, books.other_client, "OUT_CARE_FEES"),
        (books.cms, books.supplier, None, "OUT_CARE_FEES"),
        (books.dwp, books.other_cms, books.client, "IN_BENEFITS"),
    ):
        with pytest.raises(IntegrityError, match="R-ACC-2"):
            await insert_directly(
                session,
                kind="POSTED",
                src=src,
                dst=dst,
                amount=100,
                client_id=client_id,
                category=category,
            )
    assert (await transfer_count(session), await balances(session, books.cms)) == before
    assert await balances(session, books.other_cms) == (0, 0)


async def test_a_wrong_service_check_is_caught_by_the_database(
    session: AsyncSession, books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the service's own funds check were ever wrong, the CHECK still refuses the payment and
    the caller still gets InsufficientFunds (R-PAY-3), not a crash or a negative balance."""
    await receive(session, books, 1_000)
    monkeypatch.setattr(rules, "available", lambda posted, held: 10**12)
    before = await transfer_count(session)
    # A refusal by the database ends the business transaction (each here in a savepoint, as
    # each would be a request of its own).
    with pytest.raises(InsufficientFunds):
        async with session.begin_nested():
            await pay(session, books, 1_001)
    with pytest.raises(InsufficientFunds):
        async with session.begin_nested():
            await hold(session, books, 1_001)
    assert await transfer_count(session) == before
    assert await balances(session, books.cms) == (1_000, 0)


async def test_the_database_resolves_a_hold_once_and_reverses_once(
    session: AsyncSession, books: Books
) -> None:
    """Without the service: a hold is posted or voided once, whole; a transfer is reversed once,
    by the same amount between the same accounts."""
    await receive(session, books, 10_000)
    pending = await hold(session, books, 1_000)
    common = {"src": books.cms, "dst": books.supplier, "client_id": books.client}
    with pytest.raises(IntegrityError, match="resolved whole"):
        await insert_directly(
            session, kind="POST_PENDING", amount=999, pending_id=pending.id, **common
        )
    await ledger.post_pending(session, LEDGER_ACTOR, pending.id)
    with pytest.raises(IntegrityError, match="already posted or voided"):
        await insert_directly(
            session, kind="VOID_PENDING", amount=1_000, pending_id=pending.id, **common
        )

    payment = await pay(session, books, 500)
    back = {"src": books.supplier, "dst": books.cms, "client_id": books.client}
    with pytest.raises(IntegrityError, match="same amount back"):
        await insert_directly(
            session, kind="POSTED", amount=600, reverses_id=payment.id, reason="x", **back
        )
    with pytest.raises(IntegrityError, match="ck_transfer_reversal_reason"):
        await insert_directly(session, kind="POSTED", amount=500, reverses_id=payment.id, **back)
    await ledger_reversals.reverse(session, LEDGER_ACTOR, payment.id, "wrong supplier")
    with pytest.raises(IntegrityError, match="already reversed"):
        await insert_directly(
            session, kind="POSTED", amount=500, reverses_id=payment.id, reason="again", **back
        )
    assert await balances(session, books.cms) == (9_000, 0)
    assert await ledger_accounts.ledger_is_sound(session) == (0, 0)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE transfer SET amount = 1 WHERE id = :id",
        "UPDATE transfer SET reason = 'edited' WHERE id = :id",
        "DELETE FROM transfer WHERE id = :id",
        "TRUNCATE transfer CASCADE",
    ],
)
async def test_transfers_are_never_changed_or_deleted(
    session: AsyncSession, books: Books, sql: str
) -> None:
    """R-AUD-2 in the database: transfer rows refuse UPDATE, DELETE and TRUNCATE."""
    payment_source = await receive(session, books, 10_000)
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(text(sql), {"id": payment_source.id})
    amount = "SELECT amount FROM transfer WHERE id = :id"
    assert await count(session, amount, id=payment_source.id) == 10_000


async def test_ledger_is_sound_after_a_mix_and_sees_a_tampered_balance(
    session: AsyncSession, books: Books
) -> None:
    """ledger_is_sound is (0, 0) after every kind of operation, and is not trivially so: an
    account balance changed behind the ledger's back is reported."""
    await receive(session, books, 20_000)
    await receive(session, books, 5_000, target=books.other_cms)
    receipt = await receive(session, books, 1_500)
    await pay(session, books, 1_999)
    await pay(session, books, 700, source=books.other_cms)
    h1, h2, h3 = [await hold(session, books, n) for n in (1_000, 2_000, 3_000)]
    await ledger.post_pending(session, LEDGER_ACTOR, h1.id)
    await ledger.void_pending(session, LEDGER_ACTOR, h2.id, "not needed")
    await ledger.post(
        session,
        LEDGER_ACTOR,
        movement(books.cms, books.cash, 2_500, Category.TRANSFER_BETWEEN_OWN_ACCOUNTS),
    )
    await ledger.post(
        session,
        LEDGER_ACTOR,
        movement(books.cash, books.supplier2, 400, Category.OUT_PERSONAL_ALLOWANCE),
    )
    await ledger_reversals.reverse(session, LEDGER_ACTOR, receipt.id, "paid to the wrong client")
    assert await balances(session, books.cms) == (20_000 - 1_999 - 1_000 - 2_500, 3_000)
    assert await balances(session, books.cash) == (2_100, 0)
    assert await balances(session, books.other_cms) == (4_300, 0)
    assert h3.kind == TransferKind.PENDING
    assert await ledger_accounts.ledger_is_sound(session) == (0, 0)

    async with session.begin_nested() as tampered:
        await session.execute(
            text("UPDATE ledger_account SET posted = posted + 100 WHERE id = :id"),
            {"id": books.cash},
        )
        assert await ledger_accounts.ledger_is_sound(session) == (100, 1)
        await tampered.rollback()
    assert await ledger_accounts.ledger_is_sound(session) == (0, 0)


async def test_a_resolution_or_reversal_that_slipped_past_the_check_is_invalid_state(
    session: AsyncSession, books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a concurrent request sees when another resolved the hold (or reversed the transfer)
    between its check and its insert: InvalidState, as the check would have said, not
    InsufficientFunds and not a crash. Simulated by blinding the service's own check."""
    from ca_api.ledger import repository

    await receive(session, books, 10_000)
    pending = await hold(session, books, 1_000)
    payment = await pay(session, books, 2_000)
    pending_id, payment_id = pending.id, payment.id
    await ledger.post_pending(session, LEDGER_ACTOR, pending_id)
    await ledger_reversals.reverse(session, LEDGER_ACTOR, payment_id, "wrong supplier")
    before = (await transfer_count(session), await balances(session, books.cms))
    assert before[1] == (9_000, 0)

    async def nothing(*_: object) -> None:
        return None

    monkeypatch.setattr(repository, "resolution_of", nothing)
    monkeypatch.setattr(repository, "reversal_of", nothing)
    # Each refusal ends its business transaction: a savepoint stands for each request here.
    with pytest.raises(InvalidState, match="already posted or voided"):
        async with session.begin_nested():
            await ledger.void_pending(session, LEDGER_ACTOR, pending_id, "too late")
    with pytest.raises(InvalidState, match="already posted or voided"):
        async with session.begin_nested():
            await ledger.post_pending(session, LEDGER_ACTOR, pending_id)
    with pytest.raises(InvalidState, match="already reversed"):
        async with session.begin_nested():
            await ledger_reversals.reverse(session, LEDGER_ACTOR, payment_id, "again")
    assert (await transfer_count(session), await balances(session, books.cms)) == before


async def test_ledger_check_sees_a_tampered_hold_and_an_account_with_no_transfers(
    session: AsyncSession, books: Books
) -> None:
    """The set-based check (issue 18: one grouped pass per sum, an anti-join for the holds
    still pending) reports a kept ``held`` that differs from the unresolved holds, counts a
    resolved (posted or voided) hold as no hold, and an account with no transfers at all is
    sound at zero and reported when its kept balance is not."""
    await receive(session, books, 10_000)
    h1, h2, h3 = [await hold(session, books, n) for n in (1_000, 2_000, 3_000)]
    await ledger.post_pending(session, LEDGER_ACTOR, h1.id)
    await ledger.void_pending(session, LEDGER_ACTOR, h2.id, "not needed")
    assert await balances(session, books.cms) == (10_000 - 1_000, 3_000)
    assert h3.kind == TransferKind.PENDING
    assert await ledger_accounts.ledger_is_sound(session) == (0, 0)
    for column, account in (("held", books.cms), ("posted", books.other_cms)):
        async with session.begin_nested() as tampered:
            sql = f"UPDATE ledger_account SET {column} = {column} + 7 WHERE id = :id"
            await session.execute(text(sql), {"id": account})
            assert (await ledger_accounts.ledger_is_sound(session))[1] == 1
            await tampered.rollback()
    assert await ledger_accounts.ledger_is_sound(session) == (0, 0)
