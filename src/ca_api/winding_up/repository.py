"""Every SQL statement of winding up's outstanding list (issue 13 item 6): the open invoices,
open payments and account balances of a page of deceased clients, one query each."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.invoices.models import Invoice
from ca_api.invoices.repository import invoice_status_of
from ca_api.invoices.rules import CLOSED as INVOICE_CLOSED
from ca_api.ledger.models import LedgerAccount
from ca_api.payments.models import Payment
from ca_api.payments.repository import payment_status_of
from ca_api.payments.rules import PaymentStatus
from ca_api.temporary_assistance.models import TemporaryAssistance
from ca_api.temporary_assistance.repository import repaid_of as assistance_repaid_of
from ca_api.temporary_assistance.repository import status_of as assistance_status_of
from ca_api.temporary_assistance.rules import AssistanceStatus


async def open_invoices(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[uuid.UUID, date, int]]:
    """(client_id, invoice_date, amount) of the clients' invoices neither paid nor cancelled."""
    status = invoice_status_of(Invoice.id)
    stmt = select(Invoice.client_id, Invoice.invoice_date, Invoice.amount).where(
        Invoice.client_id.in_(set(client_ids)),
        status.not_in([s.value for s in INVOICE_CLOSED]),
    )
    return (await session.execute(stmt)).all()


async def open_payments(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[uuid.UUID, int]]:
    """(client_id, amount) of the clients' payments raised or approved, not made nor cancelled."""
    status = payment_status_of(Payment.id)
    open_ = [PaymentStatus.RAISED.value, PaymentStatus.APPROVED.value]
    stmt = select(Payment.client_id, Payment.amount).where(
        Payment.client_id.in_(set(client_ids)), status.in_(open_)
    )
    return (await session.execute(stmt)).all()


async def balances(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[uuid.UUID | None, str, int, int]]:
    """(client_id, account kind, posted balance, held) of every account of the clients."""
    stmt = select(
        LedgerAccount.client_id, LedgerAccount.kind, LedgerAccount.posted, LedgerAccount.held
    ).where(LedgerAccount.client_id.in_(set(client_ids)))
    return (await session.execute(stmt)).all()


async def assistance_owed(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[uuid.UUID, int]]:
    """(client_id, owed) of temporary assistance the council paid for the clients and not
    repaid in full (a debt to the council, seed 002 B 4.6)."""
    status = assistance_status_of(TemporaryAssistance.id)
    owed = TemporaryAssistance.amount - assistance_repaid_of(TemporaryAssistance.id)
    stmt = select(TemporaryAssistance.client_id, owed.label("owed")).where(
        TemporaryAssistance.client_id.in_(set(client_ids)),
        status == AssistanceStatus.PAID.value,
    )
    return (await session.execute(stmt)).all()
