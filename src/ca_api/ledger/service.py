"""Ledger use cases. ``post``, ``hold``, ``post_pending``, ``void_pending`` and ``reverse`` run
inside the caller's transaction (a receipt, a payment, a lodgement owns it and writes the audit
row); ``reverse_transfer`` and the counterparty functions are use cases of their own.

The service checks what the database also enforces: accounts locked in id order, no client
account below zero counting holds (R-PAY-3), money kept to one client (R-ACC-2), the OPG category
fits the direction (R-OPG-1). The database's CHECK is the backstop if a check here is ever wrong.
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
from ca_api.audit import service as audit
from ca_api.audit.service import Change
from ca_api.auth.actor import Actor
from ca_api.common import idempotency
from ca_api.db import unit_of_work
from ca_api.errors import (
    ErrorCode,
    InvalidState,
    MoneyProblem,
    RecordNotFound,
    ValidationFailed,
)
from ca_api.ledger import reads, repository, rules
from ca_api.ledger.models import Counterparty, LedgerAccount, Transfer, TransferReclassification
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind, TransferKind
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


# Client accounts whose money is with the Court Funds Office or an institution (R-INV-2).
INVESTED = frozenset({AccountKind.CLIENT_COURT_FUNDS.value, AccountKind.CLIENT_PLACEMENT.value})


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


ACCOUNT_NAMES = {
    AccountKind.CLIENT_CMS: "Client Monies Service account",
    AccountKind.CLIENT_COURT_FUNDS: "Court Funds Office special account",
    AccountKind.CLIENT_CASH: "Cash held",
    AccountKind.CLIENT_PLACEMENT: "Placement",
}


async def client_account(
    session: AsyncSession, client_id: uuid.UUID, kind: AccountKind = AccountKind.CLIENT_CMS
) -> LedgerAccount:
    """The client's account of ``kind`` (one each of CMS, Court Funds, cash), made on first use."""
    if kind is AccountKind.CLIENT_PLACEMENT or kind is AccountKind.COUNTERPARTY:
        raise ValueError(f"{kind} accounts are opened explicitly")
    existing = await repository.client_account(session, client_id, kind)
    if existing is not None:
        return existing
    return await repository.create_client_account(session, client_id, kind, ACCOUNT_NAMES[kind])


async def accounts_of_client(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[LedgerAccount]:
    """The client's accounts (every kind)."""
    return await repository.accounts_of_clients(session, [client_id])


async def accounts_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[LedgerAccount]:
    """The accounts of these clients (every kind)."""
    return await repository.accounts_of_clients(session, client_ids)


async def open_placement_account(
    session: AsyncSession, client_id: uuid.UUID, name: str
) -> LedgerAccount:
    """A new CLIENT_PLACEMENT account for the client (one per placement, opened explicitly)."""
    return await repository.create_client_account(
        session, client_id, AccountKind.CLIENT_PLACEMENT, name
    )


async def institution_counterparty(session: AsyncSession, actor: Actor, name: str) -> Counterparty:
    """The INSTITUTION counterparty of this name, with its account: recorded now, or as it was
    recorded before (a body recorded as a counterparty before it was approved is the same
    body). No audit of its own: the caller's use case records it."""
    kind = CounterpartyKind.INSTITUTION.value
    made = await repository.insert_counterparty(
        session, kind=kind, name=name, created_by=actor.principal.subject
    ) or await repository.find_counterparty(session, kind, name)
    assert made is not None
    await repository.counterparty_account(session, made)
    return made


async def counterparty_account(session: AsyncSession, counterparty_id: uuid.UUID) -> LedgerAccount:
    """The counterparty's account (one statement once it exists), made on first use."""
    existing = await repository.account_of_counterparty(session, counterparty_id)
    if existing is not None:
        return existing
    counterparty = await repository.get_counterparty(session, counterparty_id)
    if counterparty is None:
        raise RecordNotFound("counterparty", str(counterparty_id))
    return await repository.counterparty_account(session, counterparty)


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


async def _insert(
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
    return await _insert(session, actor, TransferKind.POSTED, m)


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
    return await _insert(session, actor, TransferKind.PENDING, m)


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
    return await _insert(session, actor, TransferKind.POST_PENDING, m, pending_id=pending_id)


async def void_pending(
    session: AsyncSession, actor: Actor, pending_id: uuid.UUID, reason: str
) -> Transfer:
    """Release a hold: nothing moves."""
    pending = await _open_hold(session, pending_id)
    m = _same_movement(pending, value_date=clock.today(), reason=reason)
    return await _insert(session, actor, TransferKind.VOID_PENDING, m, pending_id=pending_id)


async def reverse(
    session: AsyncSession, actor: Actor, transfer_id: uuid.UUID, reason: str
) -> Transfer:
    """Correct a mistake with a new transfer moving the same money back (R-AUD-2)."""
    if not reason.strip():
        raise ValidationFailed({"reason": "is required: say what the mistake was"})
    original = await repository.get_transfer(session, transfer_id)
    if original is None:
        raise RecordNotFound("transfer", str(transfer_id))
    if original.kind not in (TransferKind.POSTED, TransferKind.POST_PENDING):
        raise InvalidState("only money that moved can be reversed; void a hold instead")
    if original.reverses_id is not None:
        raise InvalidState("a reversal is not reversed: record the transfer again instead")
    closed = await repository.closed_clients_of(
        session, [original.from_account_id, original.to_account_id]
    )
    if closed:  # a wound-up case stays at zero once closed (issue 13 item 5)
        raise InvalidState(
            f"the case of client {', '.join(closed)} is closed, every account at zero: no money "
            "moves in or out of it, by a reversal or otherwise"
        )
    source = await repository.get_account(session, original.from_account_id)
    if source is not None and source.kind in INVESTED:
        # Reversing money brought back would send it to the Court Funds Office or an
        # institution past the surplus rule (R-INV-2): that is a new lodgement or placement.
        raise InvalidState(
            "money brought back from the Court Funds Office or a placement is not sent back by "
            "a reversal: propose a lodgement or a placement, which the surplus rule judges "
            "(R-INV-2)"
        )
    m = Movement(
        from_account_id=original.to_account_id,
        to_account_id=original.from_account_id,
        amount=original.amount,
        value_date=clock.today(),
        category=Category(original.category),
        description=f"Reversal: {original.description}",
        reference=original.reference,
        reason=reason.strip(),
    )
    return await _insert(session, actor, TransferKind.POSTED, m, reverses_id=transfer_id)


@dataclass(frozen=True)
class Reversal:
    transfer: Transfer
    replayed: bool  # a repeat of the idempotency key: nothing new was done


async def reverse_transfer(
    session: AsyncSession,
    actor: Actor,
    transfer_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> Transfer:
    """The use case: reverse a transfer in its own transaction, audited, once per key."""
    done = await reverse_transfer_once(
        session, actor, transfer_id, reason, idempotency_key=idempotency_key
    )
    return done.transfer


async def reverse_transfer_once(
    session: AsyncSession,
    actor: Actor,
    transfer_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> Reversal:
    """``reverse_transfer``, saying whether it replayed an earlier request with the key."""

    async def work() -> Reversal:
        from ca_api.outbox.reversals import tell_reversal  # outbox reads the ledger's models

        reversal = await reverse(session, actor, transfer_id, reason)
        # SAP booked the original from its event: it hears of the reversal (issue 17 item 3).
        told = await tell_reversal(session, actor, transfer_id, reversal)
        after: dict[str, Any] = {"reversal_id": str(reversal.id), "amount": reversal.amount}
        if told:
            after["outbox_message_ids"] = [str(m) for m in told]
        await audit.record(
            session,
            actor,
            "transfer",
            reversal.id,
            "reverse",
            before={"transfer_id": str(transfer_id)},
            after=after,
            reason=reason.strip(),
            client_id=reversal.client_id,
        )
        return Reversal(reversal, replayed=False)

    async def replay(result: dict[str, object]) -> Reversal:
        found = await repository.get_transfer(session, uuid.UUID(str(result["transfer_id"])))
        assert found is not None
        return Reversal(found, replayed=True)

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "reverseTransfer",
        {"transfer_id": str(transfer_id), "reason": reason},
        work,
        remember=lambda r: {"transfer_id": str(r.transfer.id)},
        replay=replay,
    )


# --- Reclassifying an entry (issue 15, R-OPG-1, R-AUD-2) --------------------------------------

MAX_RECLASSIFICATION_REASON = 2000


@dataclass(frozen=True)
class Reclassified:
    transfer: Transfer
    reclassification: TransferReclassification
    replayed: bool  # a repeat of the idempotency key: nothing new was done


async def reported_categories(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Category]:
    """Each transfer's reported OPG category (the view ``transfer_reported_category``)."""
    found = await repository.reported_categories(session, transfer_ids)
    return {k: Category(v) for k, v in found.items()}


async def reclassifications_of(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[TransferReclassification]]:
    """The reclassifications of these transfers, oldest first, by transfer."""
    out: dict[uuid.UUID, list[TransferReclassification]] = {}
    for r in await repository.reclassifications_of(session, transfer_ids):
        out.setdefault(r.transfer_id, []).append(r)
    return out


async def reclassify_entry(
    session: AsyncSession,
    actor: Actor,
    transfer_id: uuid.UUID,
    category: Category,
    reason: str,
    *,
    idempotency_key: str,
) -> Reclassified:
    """Report a ledger entry under another OPG category from now on (R-OPG-1) by a new record
    that says why: the transfer itself, its amount, accounts and recorded category, never
    changes (R-AUD-2), and a reversal of it reports the new category too. Money in stays money
    in and money out stays money out; holds, reversals, moves between own accounts and the
    categories with doors of their own (gifts, deputy and OPG fees, investments) are refused. A
    closed case's entry may be reclassified: nothing moves. Audited; once per key."""
    why = reason.strip()

    async def work() -> Reclassified:
        if not why:
            raise ValidationFailed({"reason": "is required: say why the category was wrong"})
        if len(why) > MAX_RECLASSIFICATION_REASON:
            raise ValidationFailed(
                {"reason": f"is longer than {MAX_RECLASSIFICATION_REASON} characters"}
            )
        await repository.lock_reclassifications(session, transfer_id)
        visible = await reads.transfers_by_id(session, actor.principal, [transfer_id])
        transfer = visible.get(transfer_id)
        if transfer is None:
            raise RecordNotFound.of("Transfer", transfer_id)
        reported = (await reported_categories(session, [transfer_id]))[transfer_id]
        problem = rules.reclassifiable_problem(
            TransferKind(transfer.kind), transfer.reverses_id is not None, reported
        )
        if problem is not None:
            raise InvalidState(problem, transfer_id=str(transfer_id))
        source = await repository.get_account(session, transfer.from_account_id)
        target = await repository.get_account(session, transfer.to_account_id)
        assert source is not None and target is not None
        problem = rules.reclassification_problem(
            reported, category, AccountKind(source.kind), AccountKind(target.kind)
        )
        if problem is not None:
            raise ValidationFailed({"category": problem})
        made = await repository.insert_reclassification(
            session,
            {
                "id": uuid.uuid4(),
                "transfer_id": transfer_id,
                "category": category.value,
                "reason": why,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            "transfer",
            transfer_id,
            "reclassify",
            before={"reported_category": reported.value},
            after={"reported_category": category.value, "reclassification_id": str(made.id)},
            reason=why,
            client_id=transfer.client_id,
        )
        return Reclassified(transfer, made, replayed=False)

    async def replay(result: dict[str, object]) -> Reclassified:
        transfer = await repository.get_transfer(session, transfer_id)
        wanted = uuid.UUID(str(result["reclassification_id"]))
        made = [
            r
            for r in await repository.reclassifications_of(session, [transfer_id])
            if r.id == wanted
        ]
        assert transfer is not None and made
        return Reclassified(transfer, made[0], replayed=True)

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "reclassifyLedgerEntry",
        {"transfer_id": str(transfer_id), "category": category.value, "reason": reason},
        work,
        remember=lambda r: {"reclassification_id": str(r.reclassification.id)},
        replay=replay,
    )


async def create_counterparty(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: CounterpartyKind,
    name: str,
    reference: str | None,
    is_council_employee: bool = False,
) -> Counterparty:
    async with unit_of_work(session):
        changes: list[Change] = []
        made = await add_counterparty(
            session,
            actor,
            kind=kind,
            name=name,
            reference=reference,
            is_council_employee=is_council_employee,
            changes=changes,
        )
        await audit.record_many(session, actor, changes)
    return made


async def add_counterparty(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: CounterpartyKind,
    name: str,
    reference: str | None,
    changes: list[Change],
    is_council_employee: bool = False,
    why: str | None = None,
) -> Counterparty:
    """In the caller's transaction: a new counterparty with its account (``create_counterparty``
    without a transaction of its own: an executor recorded with the estate, issue 13); its
    creation is added to the caller's audited ``changes``. One of that kind and name already
    recorded is a ValidationFailed on ``name``."""
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": "is required"})
    if len(name) > 200:
        raise ValidationFailed({"name": "is longer than 200 characters"})
    made = await repository.insert_counterparty(
        session,
        kind=kind.value,
        name=name,
        reference=reference,
        is_council_employee=is_council_employee,
        created_by=actor.principal.subject,
    )
    if made is None:
        raise ValidationFailed({"name": f"a {kind.value} called {name!r} exists already"})
    await repository.counterparty_account(session, made)
    after = {"kind": kind.value, "name": name, "reference": reference}
    changes.append(
        Change(
            entity_type="counterparty", entity_id=made.id, action="create", after=after, reason=why
        )
    )
    return made


async def ledger_is_sound(session: AsyncSession) -> tuple[int, int]:
    """(sum of all balances, number of client accounts whose kept balance disagrees with their
    transfers): (0, 0) in a sound ledger."""
    return await repository.soundness(session)


async def named_counterparty_account(
    session: AsyncSession,
    actor: Actor,
    kind: CounterpartyKind,
    name: str,
    *,
    why: str,
    changes: list[Change],
) -> LedgerAccount:
    """The account of a counterparty the service itself pays or is paid by (the bank for
    interest, the Court Funds Office, the council and the OPG for fees), the counterparty
    recorded first if it is missing; its creation is added to the caller's audited ``changes``."""
    found = await repository.find_counterparty(session, kind.value, name)
    if found is None:
        found = await repository.insert_counterparty(
            session, kind=kind.value, name=name, created_by=actor.principal.subject
        )
        if found is None:  # recorded meanwhile by another request
            found = await repository.find_counterparty(session, kind.value, name)
            assert found is not None
        else:
            changes.append(
                Change(
                    entity_type="counterparty",
                    entity_id=found.id,
                    action="create",
                    after={"kind": kind.value, "name": name, "reference": None},
                    reason=why,
                )
            )
    return await counterparty_account(session, found.id)


async def counterparties_of_client(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[Counterparty]:
    """The counterparties the client's money came from or went to, by name (R-ORD-2)."""
    return [c for _, c in await repository.counterparties_of_clients(session, [client_id])]


async def counterparties_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Counterparty]]:
    """``counterparties_of_client`` of each of these clients, by client id, in one query."""
    out: dict[uuid.UUID, list[Counterparty]] = {}
    for client_id, c in await repository.counterparties_of_clients(session, client_ids):
        out.setdefault(client_id, []).append(c)
    return out


# --- A caseload import's opening balances (issue 12 item 5) -----------------------------------

# The reference of an opening-balance transfer: how the import knows one was posted.
OPENING_REFERENCE = "OPENING BALANCE"


@dataclass(frozen=True)
class OpeningBalance:
    amount: Pence
    value_date: date


async def opening_balances(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[tuple[uuid.UUID, AccountKind], OpeningBalance]:
    """The opening balances already posted into these clients' accounts, by (client, kind)."""
    rows = await repository.transfers_into_clients_with_reference(
        session, client_ids, OPENING_REFERENCE
    )
    return {
        (r.client_id, AccountKind(r.kind)): OpeningBalance(int(r.amount), r.value_date)
        for r in rows
    }


async def post_opening_balances(
    session: AsyncSession,
    actor: Actor,
    counterparty: str,
    lines: Sequence[tuple[uuid.UUID, AccountKind, Pence]],
    value_date: date,
    *,
    why: str,
) -> int:
    """Each client account's opening balance at a cut-over, as a transfer IN_OTHER from the
    named counterparty (kind OTHER, recorded first if missing) value-dated the cut-over: the
    ledger still sums to zero (the counterparty's account goes as far below zero as the clients'
    accounts go above), and an OPG report's opening balance is the account's balance at the
    cut-over (R-OPG-1). A zero balance opens the account with no transfer. In the caller's
    transaction: the accounts made in one statement and locked in id order, the transfers
    inserted in one (``post_many``), an audit row each (R-AUD-1). How many were posted."""
    changes: list[Change] = []
    source = await named_counterparty_account(
        session, actor, CounterpartyKind.OTHER, counterparty, why=why, changes=changes
    )
    names = {k.value: n for k, n in ACCOUNT_NAMES.items()}
    accounts = await repository.lock_client_accounts(session, [(c, k) for c, k, _ in lines], names)
    description = f"Opening balance at {value_date.isoformat()} from {counterparty}"
    transfers: list[dict[str, Any]] = []
    for client_id, kind, amount in lines:
        if amount <= 0:
            continue
        assert rules.direction_problem(Category.IN_OTHER, AccountKind.COUNTERPARTY, kind) is None
        transfers.append(
            {
                "id": uuid.uuid4(),
                "kind": TransferKind.POSTED.value,
                "from_account_id": source.id,
                "to_account_id": accounts[(client_id, kind.value)].id,
                "amount": amount,
                "pending_id": None,
                "reverses_id": None,
                "value_date": value_date,
                "category": Category.IN_OTHER.value,
                "description": description,
                "reference": OPENING_REFERENCE,
                "client_id": client_id,
                "recorded_by": actor.principal.subject,
                "reason": why,
            }
        )
    await post_many(session, transfers)
    changes += [
        Change(
            entity_type="transfer",
            entity_id=t["id"],
            action="opening_balance",
            after={
                "to_account_id": str(t["to_account_id"]),
                "amount": format_money(t["amount"]),
                "value_date": value_date.isoformat(),
                "counterparty": counterparty,
            },
            reason=why,
            client_id=t["client_id"],
        )
        for t in transfers
    ]
    await audit.record_many(session, actor, changes)
    return len(transfers)


async def find_counterparties(
    session: AsyncSession, wanted: Sequence[tuple[CounterpartyKind, str]]
) -> dict[tuple[CounterpartyKind, str], Counterparty]:
    """The counterparties of these kinds and names that are recorded, by (kind, name)."""
    out: dict[tuple[CounterpartyKind, str], Counterparty] = {}
    for kind, name in sorted(set(wanted)):
        found = await repository.find_counterparty(session, kind.value, name)
        if found is not None:
            out[(kind, name)] = found
    return out


async def counterparties_named(
    session: AsyncSession,
    actor: Actor,
    wanted: Sequence[tuple[CounterpartyKind, str]],
    *,
    why: str,
) -> dict[tuple[CounterpartyKind, str], Counterparty]:
    """The counterparties of these kinds and names (a caseload import's suppliers), each with
    its account, the missing ones recorded now, each with its audit row (R-AUD-1). In the
    caller's transaction."""
    changes: list[Change] = []
    out: dict[tuple[CounterpartyKind, str], Counterparty] = {}
    for kind, name in sorted(set(wanted)):
        account = await named_counterparty_account(
            session, actor, kind, name, why=why, changes=changes
        )
        assert account.counterparty_id is not None
        found = await repository.get_counterparty(session, account.counterparty_id)
        assert found is not None
        out[(kind, name)] = found
    await audit.record_many(session, actor, changes)
    return out
