"""Money moved between accounts: posted now (one, or a batch in one statement), between a
client's own accounts, or held for a payment and the hold made good or released. ``post``,
``hold``, ``post_pending`` and ``void_pending`` run inside the caller's transaction (a receipt,
a payment, a lodgement owns it and writes the audit row).

Every transfer goes through ``insert``, which checks what the database also enforces: accounts
locked in id order, no client account below zero counting holds (R-PAY-3), money kept to one
client (R-ACC-2), the OPG category fits the direction (R-OPG-1). The database's CHECK is the
backstop if a check here is ever wrong.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.errors import (
    ErrorCode,
    InvalidState,
    MoneyProblem,
    RecordNotFound,
    ValidationFailed,
)
from ca_api.ledger import repository, rules
from ca_api.ledger.accounts import client_account
from ca_api.ledger.models import LedgerAccount, Transfer
from ca_api.ledger.rules import AccountKind, Category, TransferKind
from ca_api.money import Pence, format_money


class InsufficientFunds(MoneyProblem):
    def __init__(self, account_id: uuid.UUID, available: Pence, wanted: Pence) -> None:
        super().__init__(
            ErrorCode.INSUFFICIENT_FUNDS,
            f"the client's account has {format_money(available)} available, "
            f"{format_money(wanted)} is needed (R-PAY-3)",
            account_id=str(account_id),
            available=available,
            wanted=wanted,
        )
        self.available = available
        self.wanted = wanted


@dataclass(frozen=True)
class Movement:
    """What to move: ``amount`` pence from one account to another, labelled for the OPG."""

    from_account_id: uuid.UUID
    to_account_id: uuid.UUID
    amount: Pence
    value_date: date
    category: Category
    description: str
    reference: str | None = None
    reason: str | None = None


def _client_of(accounts: Sequence[LedgerAccount]) -> uuid.UUID | None:
    owners = {a.client_id for a in accounts if a.client_id is not None}
    if len(owners) > 1:
        raise ValidationFailed(
            {"to_account": "money never moves between two clients' accounts (R-ACC-2)"}
        )
    return next(iter(owners), None)


def _violated(exc: IntegrityError, constraint: str) -> bool:
    """Whether the database refused the statement for ``constraint``."""
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return getattr(cause, "constraint_name", None) == constraint or constraint in str(exc.orig)


async def insert(
    session: AsyncSession,
    actor: Actor,
    kind: TransferKind,
    m: Movement,
    *,
    pending_id: uuid.UUID | None = None,
    reverses_id: uuid.UUID | None = None,
) -> Transfer:
    if m.amount <= 0:
        raise ValidationFailed({"amount": "must be more than 0.00"})
    accounts = await repository.lock_accounts(session, [m.from_account_id, m.to_account_id])
    source, target = accounts.get(m.from_account_id), accounts.get(m.to_account_id)
    if source is None or target is None:
        raise RecordNotFound(
            "account", str(m.from_account_id if source is None else m.to_account_id)
        )
    # Checked under the account locks (every transfer touches a client account), so a request
    # that waited on a concurrent one sees what it did: the hold already resolved, the transfer
    # already reversed, and says so rather than "insufficient funds".
    if pending_id is not None and await repository.resolution_of(session, pending_id) is not None:
        raise InvalidState("the hold was already posted or voided", transfer_id=str(pending_id))
    if reverses_id is not None and await repository.reversal_of(session, reverses_id) is not None:
        raise InvalidState("the transfer was already reversed", transfer_id=str(reverses_id))
    client_id = _client_of([source, target])
    if reverses_id is None:
        problem = rules.direction_problem(
            m.category, AccountKind(source.kind), AccountKind(target.kind)
        )
        if problem is not None:
            raise ValidationFailed({"category": problem})
    spends = kind in (TransferKind.POSTED, TransferKind.PENDING)
    if spends and source.kind != AccountKind.COUNTERPARTY:
        free = rules.available(source.posted, source.held)
        if free < m.amount:
            raise InsufficientFunds(source.id, free, m.amount)
    values = {
        "id": uuid.uuid4(),
        "kind": kind.value,
        "from_account_id": m.from_account_id,
        "to_account_id": m.to_account_id,
        "amount": m.amount,
        "pending_id": pending_id,
        "reverses_id": reverses_id,
        "value_date": m.value_date,
        "category": m.category.value,
        "description": m.description,
        "reference": m.reference,
        "client_id": client_id,
        "recorded_by": actor.principal.subject,
        "reason": m.reason,
    }
    # No savepoint: a refusal here ends the business transaction, which rolls back whole.
    try:
        transfer = await repository.insert_transfer(session, values)
    except IntegrityError as exc:
        if _violated(exc, "ck_ledger_account_not_below_zero"):
            raise InsufficientFunds(
                source.id, rules.available(source.posted, source.held), m.amount
            ) from exc
        # The database's own refusal (the trigger and unique indexes), should the checks above
        # ever be passed: the same answers.
        if _violated(exc, "uq_transfer_one_resolution"):
            raise InvalidState(
                "the hold was already posted or voided", transfer_id=str(pending_id)
            ) from exc
        if _violated(exc, "uq_transfer_one_reversal"):
            raise InvalidState(
                "the transfer was already reversed", transfer_id=str(reverses_id)
            ) from exc
        raise
    _follow_trigger(kind, transfer, source, target)
    return transfer


def _follow_trigger(
    kind: TransferKind, t: Transfer, source: LedgerAccount, target: LedgerAccount
) -> None:
    """Bring the loaded accounts to what the trigger wrote, without reading them again."""
    if source.kind != AccountKind.COUNTERPARTY:
        if t.from_balance_after is not None:
            set_committed_value(source, "posted", t.from_balance_after)
        if kind is TransferKind.PENDING:
            set_committed_value(source, "held", source.held + t.amount)
        elif kind in (TransferKind.POST_PENDING, TransferKind.VOID_PENDING):
            set_committed_value(source, "held", source.held - t.amount)
    if target.kind != AccountKind.COUNTERPARTY and t.to_balance_after is not None:
        set_committed_value(target, "posted", t.to_balance_after)


async def post(session: AsyncSession, actor: Actor, m: Movement) -> Transfer:
    """Move money now."""
    return await insert(session, actor, TransferKind.POSTED, m)


async def post_many(
    session: AsyncSession, transfers: Sequence[dict[str, Any]]
) -> dict[uuid.UUID, Transfer]:
    """Move money for a batch (a benefits run, an interest run, a fee run) in one INSERT:
    ``transfers`` are whole transfer rows the caller has checked as ``post`` would, their
    client accounts already locked FOR UPDATE in id order. By id, in the order given."""
    return await repository.insert_transfers(session, transfers)


async def move_between_own_accounts(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    kinds: tuple[AccountKind, AccountKind],
    amount: Pence,
    description: str,
    *,
    reference: str | None = None,
    reason: str | None = None,
) -> Transfer:
    """Move money today from one of the client's own accounts to another (``kinds``: from,
    to; each made on first use), a TRANSFER_BETWEEN_OWN_ACCOUNTS (R-OPG-1)."""
    source, target = [await client_account(session, client_id, kind) for kind in kinds]
    movement = Movement(
        from_account_id=source.id,
        to_account_id=target.id,
        amount=amount,
        value_date=clock.today(),
        category=Category.TRANSFER_BETWEEN_OWN_ACCOUNTS,
        description=description,
        reference=reference,
        reason=reason,
    )
    return await post(session, actor, movement)


async def hold(session: AsyncSession, actor: Actor, m: Movement) -> Transfer:
    """Reserve money for a payment: it counts as spent until posted or voided."""
    return await insert(session, actor, TransferKind.PENDING, m)


async def _open_hold(session: AsyncSession, pending_id: uuid.UUID) -> Transfer:
    pending = await repository.get_transfer(session, pending_id)
    if pending is None or pending.kind != TransferKind.PENDING:
        raise RecordNotFound("hold", str(pending_id))
    return pending


def _same_movement(t: Transfer, **changes: object) -> Movement:
    base = Movement(
        from_account_id=t.from_account_id,
        to_account_id=t.to_account_id,
        amount=t.amount,
        value_date=t.value_date,
        category=Category(t.category),
        description=t.description,
        reference=t.reference,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def post_pending(
    session: AsyncSession, actor: Actor, pending_id: uuid.UUID, value_date: date | None = None
) -> Transfer:
    """Make a hold good: the reserved money leaves."""
    pending = await _open_hold(session, pending_id)
    m = _same_movement(pending, value_date=value_date or clock.today())
    return await insert(session, actor, TransferKind.POST_PENDING, m, pending_id=pending_id)


async def void_pending(
    session: AsyncSession, actor: Actor, pending_id: uuid.UUID, reason: str
) -> Transfer:
    """Release a hold: nothing moves."""
    pending = await _open_hold(session, pending_id)
    m = _same_movement(pending, value_date=clock.today(), reason=reason)
    return await insert(session, actor, TransferKind.VOID_PENDING, m, pending_id=pending_id)
