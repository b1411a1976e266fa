"""Every SQL statement of the invoices dated after a client's death (R-DEATH-2, seed 002 B
29.2): those to query, those still outstanding; an invoice's status is in ``repository.py``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, case, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.invoices.models import Invoice
from ca_api.invoices.repository import UNPAID_CLOSED, invoice_status_of, queried_of


async def dated_after(
    session: AsyncSession, client_id: uuid.UUID, after: date
) -> Sequence[Row[uuid.UUID, date, str]]:
    """The client's invoices dated after ``after`` (the date of death) and not yet queried,
    oldest first: (id, invoice_date, status)."""
    stmt = (
        select(Invoice.id, Invoice.invoice_date, invoice_status_of(Invoice.id).label("status"))
        .where(
            Invoice.client_id == client_id,
            Invoice.invoice_date > after,
            not_(queried_of(Invoice.id)),
        )
        .order_by(Invoice.invoice_date, Invoice.id)
    )
    return (await session.execute(stmt)).all()


async def outstanding_dated_after(
    session: AsyncSession, died_on: dict[uuid.UUID, date]
) -> Sequence[uuid.UUID]:
    """The invoices of these clients dated after each one's date of death, neither paid nor
    cancelled, oldest first."""
    if not died_on:
        return []
    stmt = (
        select(Invoice.id)
        .where(
            Invoice.client_id.in_(list(died_on)),
            Invoice.invoice_date > case(died_on, value=Invoice.client_id),
            invoice_status_of(Invoice.id).not_in(UNPAID_CLOSED),
        )
        .order_by(Invoice.client_id, Invoice.invoice_date, Invoice.id)
    )
    return (await session.execute(stmt)).scalars().all()
