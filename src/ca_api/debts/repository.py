"""Every SQL statement of a client's debts (R-DEBT-1): their open invoices as the order sees
them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.invoices.models import Invoice
from ca_api.invoices.repository import invoice_status_of, queried_of
from ca_api.invoices.rules import CLOSED


async def open_debts(
    session: AsyncSession, client_id: uuid.UUID, up_to: date
) -> Sequence[Row[uuid.UUID, str, date, date, str, str, bool]]:
    """The client's invoices dated up to and including ``up_to`` neither paid nor cancelled:
    (id, kind, invoice_date, received_on, supplier_invoice_number, status, queried)."""
    status = invoice_status_of(Invoice.id)
    stmt = select(
        Invoice.id,
        Invoice.kind,
        Invoice.invoice_date,
        Invoice.received_on,
        Invoice.supplier_invoice_number,
        status.label("status"),
        queried_of(Invoice.id).label("queried"),
    ).where(
        Invoice.client_id == client_id,
        Invoice.invoice_date <= up_to,
        status.not_in([s.value for s in CLOSED]),
    )
    return (await session.execute(stmt)).all()
