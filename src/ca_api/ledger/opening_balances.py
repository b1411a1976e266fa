"""A caseload import's opening balances (issue 12 item 5): each client account's balance at the
cut-over posted as a transfer from a named counterparty, and those already posted, read back."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.audit.service import Change
from ca_api.auth.actor import Actor
from ca_api.ledger import repository, rules
from ca_api.ledger.accounts import ACCOUNT_NAMES
from ca_api.ledger.counterparties import named_counterparty_account
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind, TransferKind
from ca_api.ledger.transfers import post_many
from ca_api.money import Pence, format_money

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
