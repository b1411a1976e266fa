"""The organisations a client deals with, as their records show them: the counterparties of
their ledger transfers and invoices, and the holders of their existing investments. Told of a
deputy order (R-ORD-2, R-INV-5, seed 002 B 3.4: ``deputyship_applications``) and of the client's
death (R-DEATH-1, seed 002 B 29.1: ``deaths``): found once, here, through each owner's service."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.investments import service as investments
from ca_api.invoices import reads as invoices
from ca_api.ledger import counterparties as ledger
from ca_api.ledger.models import Counterparty


@dataclass(frozen=True)
class Dealings:
    """``counterparties``: those kept, once each (by id); ``holders``: each existing investment
    (its first record's id) with its holder, but for a holder named like a counterparty kept
    or an investment listed before it (told once)."""

    counterparties: list[Counterparty]
    holders: list[tuple[uuid.UUID, str]]


async def organisations_of_client(
    session: AsyncSession, client_id: uuid.UUID, keep: Callable[[Counterparty], bool]
) -> Dealings:
    """The organisations the client deals with: the counterparties of their transfers and
    invoices that ``keep`` keeps, then the holders of their existing investments."""
    return (await organisations_of_clients(session, [client_id], keep))[client_id]


async def organisations_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], keep: Callable[[Counterparty], bool]
) -> dict[uuid.UUID, Dealings]:
    """``organisations_of_client`` of each of these clients, by client id, in three queries
    (a page of deceased clients' notification lists)."""
    paid = await ledger.counterparties_of_clients(session, client_ids)
    invoiced = await invoices.suppliers_of_clients(session, client_ids)
    held = await investments.holders_of_clients(session, client_ids)
    out = {}
    for client_id in client_ids:
        found = {
            c.id: c for c in [*paid.get(client_id, []), *invoiced.get(client_id, [])] if keep(c)
        }
        listed = {c.name.strip().lower() for c in found.values()}
        holders = []
        for root, holder in held.get(client_id, []):
            if holder.strip().lower() in listed:
                continue
            listed.add(holder.strip().lower())
            holders.append((root, holder))
        out[client_id] = Dealings(list(found.values()), holders)
    return out
