"""The ledger's batch reads by id, scoped to the caller: what node(id:) and the references
between objects load (a transfer's accounts, the transfer it reverses, a receipt's transfer).
Apart from the use cases that move money (transfers.py, reversals.py and the rest)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.ledger import repository
from ca_api.ledger.models import Counterparty, LedgerAccount, Transfer

T = TypeVar("T")


async def scoped(
    session: AsyncSession,
    principal: Principal,
    found: Mapping[uuid.UUID, T],
    client_of: Callable[[T], uuid.UUID | None],
) -> dict[uuid.UUID, T]:
    """Of ``found``, what the principal may read: a record of a client only if the client's own
    lookup lets the principal read that client (row scoping, ``clients.service.readable``), one
    check per distinct client; a record of no client as it is."""
    clients_of = {c for c in map(client_of, found.values()) if c is not None}
    readable = {c for c in clients_of if await clients.readable(session, principal, c)}
    return {k: v for k, v in found.items() if (c := client_of(v)) is None or c in readable}


async def client_accounts_by_id(
    session: AsyncSession, principal: Principal, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, LedgerAccount]:
    """Clients' accounts with these ids, as ``clientAccounts`` shows them: a counterparty's
    account, or an account of a client the principal may not read, is absent."""
    rows = await repository.accounts_by_id(session, account_ids)
    found = {a.id: a for a in rows if a.client_id is not None}
    return await scoped(session, principal, found, lambda a: a.client_id)


async def transfers_by_id(
    session: AsyncSession, principal: Principal, transfer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Transfer]:
    """Transfers with these ids; one of a client the principal may not read is absent."""
    rows = await repository.transfers_by_id(session, transfer_ids)
    return await scoped(session, principal, {t.id: t for t in rows}, lambda t: t.client_id)


async def counterparty(session: AsyncSession, counterparty_id: uuid.UUID) -> Counterparty | None:
    """A counterparty (never changed once recorded, so the session's copy will do)."""
    return await repository.get_counterparty(session, counterparty_id)


async def counterparties_by_id(
    session: AsyncSession, counterparty_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Counterparty]:
    """Counterparties with these ids (the council's register: no client scoping)."""
    return {c.id: c for c in await repository.counterparties_by_id(session, counterparty_ids)}
