"""Every SQL statement of winding up's outstanding list (issue 13 item 6): the open invoices,
open payments and temporary assistance owed of a page of deceased clients, in one statement for
the whole page (issue 18 item 1: a page's statements are few and do not grow with it). Their
accounts are ``ledger.accounts_of_clients``', read once for the page and handed to the estates'
and notification lists' reads too."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, String, cast, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import any_id
from ca_api.invoices.models import Invoice
from ca_api.invoices.repository import invoice_status_of
from ca_api.invoices.rules import CLOSED as INVOICE_CLOSED
from ca_api.payments.models import Payment
from ca_api.payments.repository import payment_status_of
from ca_api.payments.rules import PaymentStatus
from ca_api.temporary_assistance.models import TemporaryAssistance
from ca_api.temporary_assistance.repository import repaid_of as assistance_repaid_of
from ca_api.temporary_assistance.repository import status_of as assistance_status_of
from ca_api.temporary_assistance.rules import AssistanceStatus


class Item(enum.StrEnum):
    """What a row of ``open_items`` is."""

    INVOICE = "INVOICE"  # neither paid nor cancelled: ``on`` its invoice date
    PAYMENT = "PAYMENT"  # raised or approved, not made nor cancelled
    ASSISTANCE = "ASSISTANCE"  # temporary assistance paid and not repaid: ``amount`` owed


@dataclass(frozen=True)
class OpenItem:
    item: Item
    client_id: uuid.UUID
    amount: int
    on: date | None = None


async def open_items(session: AsyncSession, client_ids: Sequence[uuid.UUID]) -> list[OpenItem]:
    """The clients' invoices neither paid nor cancelled (with their dates), payments raised or
    approved (not made nor cancelled), and temporary assistance the council paid and not repaid
    in full (a debt to the council, seed 002 B 4.6): one statement, each part by the statuses
    its own module keeps."""
    ids = list(set(client_ids))
    invoices = select(
        literal(Item.INVOICE.value, String).label("item"),
        Invoice.client_id,
        Invoice.amount.label("amount"),
        Invoice.invoice_date.label("on"),
    ).where(
        Invoice.client_id == any_id(ids),
        invoice_status_of(Invoice.id).not_in([s.value for s in INVOICE_CLOSED]),
    )
    open_ = [PaymentStatus.RAISED.value, PaymentStatus.APPROVED.value]
    payments = select(
        literal(Item.PAYMENT.value, String),
        Payment.client_id,
        Payment.amount,
        cast(null(), Date),
    ).where(Payment.client_id == any_id(ids), payment_status_of(Payment.id).in_(open_))
    assistance = select(
        literal(Item.ASSISTANCE.value, String),
        TemporaryAssistance.client_id,
        TemporaryAssistance.amount - assistance_repaid_of(TemporaryAssistance.id),
        cast(null(), Date),
    ).where(
        TemporaryAssistance.client_id == any_id(ids),
        assistance_status_of(TemporaryAssistance.id) == AssistanceStatus.PAID.value,
    )
    rows: Any = await session.execute(union_all(invoices, payments, assistance))
    return [
        OpenItem(
            item=Item(r.item),
            client_id=r.client_id,
            amount=int(r.amount),  # the assistance owed is a SQL sum: numeric
            on=r.on,
        )
        for r in rows
    ]
