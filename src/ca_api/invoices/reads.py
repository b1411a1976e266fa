"""Reading invoices: the view every use case returns, one invoice or a page of them, and the
batch reads behind the GraphQL loaders (an invoice's items, checks and events). The read side
of ``invoices.recording``, ``checks``, ``events`` and ``holds``: nothing here writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.principal import Principal
from ca_api.common.grouping import group_by
from ca_api.common.keyset import Seek
from ca_api.deaths import reads as deaths
from ca_api.errors import existing
from ca_api.invoices import holds_repository, repository
from ca_api.invoices.models import (
    Invoice,
    InvoiceCheck,
    InvoiceEvent,
    InvoiceHold,
    InvoiceHoldRelease,
    InvoiceItem,
)
from ca_api.invoices.repository import InvoiceFilter as InvoiceFilter
from ca_api.invoices.repository import InvoiceKey
from ca_api.invoices.rules import InvoiceStatus
from ca_api.ledger.models import Counterparty

T = TypeVar("T")
K = TypeVar("K")
Ids = Sequence[uuid.UUID]  # the keys a loader asks for at once


@dataclass(frozen=True)
class InvoiceView:
    invoice: Invoice
    client_reference: str
    status: InvoiceStatus
    on_hold: bool = False  # a hold not released (R-REF-7): not overdue, not paid


def view_of(row: Any) -> InvoiceView:
    """A row of ``repository.get_invoice`` (Invoice, client_reference, status) as a view."""
    return InvoiceView(
        invoice=row[0],
        client_reference=row.client_reference,
        status=InvoiceStatus(row.status),
        on_hold=bool(row.on_hold),
    )


async def read_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> InvoiceView:
    """The invoice as a use case returns it, read back in its transaction (NotFound if none)."""
    row = existing(await repository.get_invoice(session, invoice_id, None), "Invoice", invoice_id)
    return view_of(row)


async def get_invoice(
    session: AsyncSession, principal: Principal, invoice_id: uuid.UUID
) -> InvoiceView | None:
    row = await repository.get_invoice(session, invoice_id, principal)
    return view_of(row) if row is not None else None


async def list_invoices(
    session: AsyncSession, principal: Principal, flt: InvoiceFilter, *, seek: Seek[InvoiceKey]
) -> list[InvoiceView]:
    rows = await repository.list_invoices(session, principal, flt, today=clock.today(), seek=seek)
    return [view_of(r) for r in rows]


# --- batch reads for the loaders (``common.loaders.many`` wants {parent: [children]}) -----


async def items_by_invoice(session: AsyncSession, ids: Ids) -> dict[uuid.UUID, list[InvoiceItem]]:
    return group_by(await repository.items_of(session, ids), lambda r: r.invoice_id)


async def checks_by_invoice(session: AsyncSession, ids: Ids) -> dict[uuid.UUID, list[InvoiceCheck]]:
    return group_by(await repository.checks_of(session, ids), lambda r: r.invoice_id)


async def events_by_invoice(session: AsyncSession, ids: Ids) -> dict[uuid.UUID, list[InvoiceEvent]]:
    return group_by(await repository.events_of(session, ids), lambda r: r.invoice_id)


Hold = tuple[InvoiceHold, InvoiceHoldRelease | None]  # a hold and its release, if any


async def holds_by_invoice(session: AsyncSession, ids: Ids) -> dict[uuid.UUID, list[Hold]]:
    return group_by(await holds_repository.holds_of(session, ids), lambda r: r[0].invoice_id)


async def invoices_by_id(session: AsyncSession, ids: Ids) -> dict[uuid.UUID, InvoiceView]:
    return {row[0].id: view_of(row) for row in await repository.get_invoices(session, ids)}


async def readable_invoices_by_id(
    session: AsyncSession, principal: Principal, ids: Ids
) -> dict[uuid.UUID, InvoiceView]:
    """The invoices with these ids that the caller may read, as ``get_invoice`` scopes one, in
    one query: node(id:) and nodes(ids:)."""
    rows = await repository.get_invoices(session, ids, principal)
    return {row[0].id: view_of(row) for row in rows}


async def suppliers_of_client(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[Counterparty]:
    """The counterparties that invoiced the client, by name (R-ORD-2: whom a deputy order is
    registered with)."""
    return [c for _, c in await repository.suppliers_of_clients(session, [client_id])]


async def suppliers_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Counterparty]]:
    """``suppliers_of_client`` of each of these clients, by client id, in one query."""
    out: dict[uuid.UUID, list[Counterparty]] = {}
    for client_id, c in await repository.suppliers_of_clients(session, client_ids):
        out.setdefault(client_id, []).append(c)
    return out


async def deaths_by_client(session: AsyncSession, client_ids: Ids) -> dict[uuid.UUID, date]:
    """Each client's date of confirmed death, for those who died (R-DEATH-2)."""
    return await deaths.confirmed_death_dates(session, client_ids)
