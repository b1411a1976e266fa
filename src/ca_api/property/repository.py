"""Every SQL statement of a client's property: its records, visits, invoices (with the invoice
and its status, from the invoices module's expression), the sale's evidence, the sale, lettings
and the proceeds' receipt."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import Base, get_by_id, insert_recorded, rows_where_in
from ca_api.invoices.models import Invoice
from ca_api.invoices.repository import invoice_status_of
from ca_api.property.models import PropertyInvoice, PropertyRecord

M = TypeVar("M", bound=Base)


async def records_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[PropertyRecord]:
    return await rows_where_in(
        session,
        PropertyRecord,
        PropertyRecord.client_id,
        client_ids,
        PropertyRecord.recorded_at,
        PropertyRecord.id,
    )


async def record(session: AsyncSession, record_id: uuid.UUID) -> PropertyRecord | None:
    return await get_by_id(session, PropertyRecord, record_id)


async def one(session: AsyncSession, model: type[M], row_id: uuid.UUID) -> M | None:
    return await get_by_id(session, model, row_id)


async def of_clients(
    session: AsyncSession, model: type[M], client_ids: Sequence[uuid.UUID]
) -> Sequence[M]:
    """The rows of one of the property's tables for these clients, oldest first."""
    table: Any = model
    return await rows_where_in(
        session, model, table.client_id, client_ids, table.recorded_at, table.id
    )


async def insert(session: AsyncSession, model: type[M], values: dict[str, Any]) -> M:
    """One fact of a property, stamped with the moment it was recorded (``insert_recorded``)."""
    return await insert_recorded(session, model, values)


async def invoices_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[PropertyInvoice, Invoice, str]]:
    """The property invoices with their invoice and its status (RECEIVED .. PAID, CANCELLED)."""
    if not client_ids:
        return []
    stmt = (
        select(PropertyInvoice, Invoice, invoice_status_of(Invoice.id).label("status"))
        .join(Invoice, Invoice.id == PropertyInvoice.invoice_id)
        .where(PropertyInvoice.client_id.in_(set(client_ids)))
        .order_by(PropertyInvoice.recorded_at, PropertyInvoice.id)
    )
    return (await session.execute(stmt)).all()
