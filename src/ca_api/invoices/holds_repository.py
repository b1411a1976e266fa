"""Every SQL statement of invoices' holds and their releases (R-REF-7, seed 002 B 4.5): put,
released, read; an invoice's status and row scoping are in ``invoices/repository.py``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, insert, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.invoices.models import Invoice, InvoiceHold, InvoiceHoldRelease
from ca_api.invoices.repository import invoice_status_of, on_hold_of
from ca_api.invoices.rules import CLOSED, InvoiceKind


async def outstanding_of_kinds(
    session: AsyncSession, client_id: uuid.UUID, kinds: frozenset[InvoiceKind]
) -> Sequence[uuid.UUID]:
    """The client's invoices of these kinds neither paid nor cancelled nor on hold, oldest
    first."""
    closed = [s.value for s in CLOSED]
    stmt = (
        select(Invoice.id)
        .where(
            Invoice.client_id == client_id,
            Invoice.kind.in_([k.value for k in kinds]),
            invoice_status_of(Invoice.id).not_in(closed),
            not_(on_hold_of(Invoice.id)),
        )
        .order_by(Invoice.received_on, Invoice.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def insert_hold(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(InvoiceHold).values(values))


async def insert_release(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(InvoiceHoldRelease).values(values))


async def current_hold(session: AsyncSession, invoice_id: uuid.UUID) -> InvoiceHold | None:
    """The invoice's hold not released, if any (at most one: a hold is put only on an invoice
    not on hold, under its lock)."""
    released = exists().where(InvoiceHoldRelease.hold_id == InvoiceHold.id)
    stmt = select(InvoiceHold).where(InvoiceHold.invoice_id == invoice_id, not_(released))
    return (await session.execute(stmt)).scalars().first()


async def current_hold_from(
    session: AsyncSession, client_id: uuid.UUID, supplier_id: uuid.UUID, category: str
) -> InvoiceHold | None:
    """A hold not released on any of the client's invoices from this supplier of this
    category, if any: the door of a standing payment to a council of the care charges it holds
    (R-REF-7)."""
    released = exists().where(InvoiceHoldRelease.hold_id == InvoiceHold.id)
    stmt = (
        select(InvoiceHold)
        .join(Invoice, Invoice.id == InvoiceHold.invoice_id)
        .where(
            Invoice.client_id == client_id,
            Invoice.supplier_id == supplier_id,
            Invoice.category == category,
            not_(released),
        )
        .order_by(InvoiceHold.recorded_at)
    )
    return (await session.execute(stmt)).scalars().first()


async def holds_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> Sequence[tuple[InvoiceHold, InvoiceHoldRelease | None]]:
    """Each hold of these invoices with its release, if any, oldest first."""
    stmt = (
        select(InvoiceHold, InvoiceHoldRelease)
        .outerjoin(InvoiceHoldRelease, InvoiceHoldRelease.hold_id == InvoiceHold.id)
        .where(InvoiceHold.invoice_id.in_(set(ids)))
        .order_by(InvoiceHold.recorded_at, InvoiceHold.id)
    )
    return [(h, r) for h, r in (await session.execute(stmt)).all()]
