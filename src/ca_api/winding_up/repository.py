"""Every SQL statement of winding up's outstanding list (issue 13 item 6): the open invoices,
open payments, account balances and temporary assistance owed of a page of deceased clients,
in one statement for the whole page (issue 18 item 1: a page's statements are few and do not
grow with it)."""

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
from ca_api.ledger.models import LedgerAccount
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
    ACCOUNT = "ACCOUNT"  # one of the client's accounts: ``kind``, ``amount`` posted, ``held``
    ASSISTANCE = "ASSISTANCE"  # temporary assistance paid and not repaid: ``amount`` owed


@dataclass(frozen=True)
class OpenItem:
    item: Item
    client_id: uuid.UUID
    amount: int
    on: date | None = None
    kind: str | None = None
    held: int = 0


async def open_items(session: AsyncSession, client_ids: Sequence[uuid.UUID]) -> list[OpenItem]:
    """The clients' invoices neither paid nor cancelled (with their dates), payments raised or
    approved (not made nor cancelled), every account's posted balance and holds, and temporary
    assistance the council paid and not repaid in full (a debt to the council, seed 002 B 4.6):
    one statement, each part by the statuses its own module keeps."""
    ids = list(set(client_ids))
    invoices = select(
        literal(Item.INVOICE.value, String).label("item"),
        Invoice.client_id,
        Invoice.amount.label("amount"),
        Invoice.invoice_date.label("on"),
        cast(null(), String).label("kind"),
        literal(0).label("held"),
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
        cast(null(), String),
        literal(0),
    ).where(Payment.client_id == any_id(ids), payment_status_of(Payment.id).in_(open_))
    accounts = select(
        literal(Item.ACCOUNT.value, String),
        LedgerAccount.client_id,
        LedgerAccount.posted,
        cast(null(), Date),
        LedgerAccount.kind,
        LedgerAccount.held,
    ).where(LedgerAccount.client_id == any_id(ids))
    assistance = select(
        literal(Item.ASSISTANCE.value, String),
        TemporaryAssistance.client_id,
        TemporaryAssistance.amount - assistance_repaid_of(TemporaryAssistance.id),
        cast(null(), Date),
        cast(null(), String),
        literal(0),
    ).where(
        TemporaryAssistance.client_id == any_id(ids),
        assistance_status_of(TemporaryAssistance.id) == AssistanceStatus.PAID.value,
    )
    rows: Any = await session.execute(union_all(invoices, payments, accounts, assistance))
    return [
        OpenItem(
            item=Item(r.item),
            client_id=r.client_id,
            amount=int(r.amount),  # the assistance owed is a SQL sum: numeric
            on=r.on,
            kind=r.kind,
            held=int(r.held),
        )
        for r in rows
    ]
