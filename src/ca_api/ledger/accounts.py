"""A client's accounts in the ledger: each made on first use (one each of CMS, Court Funds,
cash) or opened explicitly (a placement), read by client; and whether the ledger adds up."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.ledger import repository
from ca_api.ledger.models import LedgerAccount
from ca_api.ledger.rules import AccountKind

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


async def lock_cms_accounts(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], *, open_missing: bool = False
) -> dict[uuid.UUID, LedgerAccount]:
    """Each client's CMS account (R-ACC-1) locked FOR UPDATE in id order, before a batch posts
    to them (``transfers.post_many``: the ledger's locking discipline, as ``apply_transfer``
    locks them, so two batches never wait on each other in a cycle). By client: a client with
    no CMS account is absent, unless ``open_missing``, when theirs is made (in one more
    statement) and locked. The one lock of a batch of clients' accounts (fee, allowance and
    benefits runs)."""
    wanted = sorted(set(client_ids))
    accounts = await repository.lock_cms_accounts(session, wanted)
    missing = [c for c in wanted if c not in accounts]
    if open_missing and missing:
        name = ACCOUNT_NAMES[AccountKind.CLIENT_CMS]
        accounts |= await repository.open_cms_accounts(session, missing, name)
        raced = [c for c in missing if c not in accounts]  # made meanwhile by another request
        accounts |= await repository.lock_cms_accounts(session, raced)
    return accounts


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


async def ledger_is_sound(session: AsyncSession) -> tuple[int, int]:
    """(sum of all balances, number of client accounts whose kept balance disagrees with their
    transfers): (0, 0) in a sound ledger."""
    return await repository.soundness(session)
