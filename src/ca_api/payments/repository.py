"""Every SQL statement of payments, the derived status, the approval queue's query, and row
scoping."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, false, func, insert, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.approvals.repository import before_any, derived_status, has_events
from ca_api.auth.permissions import LEDGER_READ
from ca_api.auth.principal import Principal
from ca_api.clients.models import Client
from ca_api.common.keyset import PageShape, Seek, in_order, keyset_bound, page_shape, seek_values
from ca_api.db import fixed, rows_where_in
from ca_api.invoices.models import Invoice
from ca_api.invoices.repository import held
from ca_api.ledger.models import Counterparty
from ca_api.money import Pence
from ca_api.payments.models import Payment, PaymentCurrent, PaymentEvent
from ca_api.payments.rules import PAYMENT_STATUSES, PaymentStatus

# --- row scoping --------------------------------------------------------------------------


def may_read(principal: Principal | None) -> bool:
    """Payments are read by the caseload's officers and audit (LEDGER_READ); SAP raises
    payments of its invoices but reads none back. ``None``: the service itself, reading what
    it has just written."""
    return principal is None or principal.has_any(LEDGER_READ)


def readable(principal: Principal | None) -> ColumnElement[bool]:
    """``may_read`` as a condition on the rows."""
    return true() if may_read(principal) else false()


# --- the status -----------------------------------------------------------------------------


def payment_status_of(payment_id: Any) -> ColumnElement[str]:
    """The payment's status: its current row (``payment_current``, kept from its events by the
    database in the same transaction, migration 0048), one index probe."""
    pc = aliased(PaymentCurrent)
    return select(pc.status).where(pc.payment_id == payment_id).scalar_subquery()


def payment_status_derived(payment_id: Any) -> ColumnElement[str]:
    """rules.payment_status, in SQL from the events: built from the same status table (the
    agreement test's other side; ``approvals.repository.derived_status``)."""
    return derived_status(
        PaymentEvent, "payment_id", payment_id, PAYMENT_STATUSES, PaymentStatus.RAISED
    )


def payment_raised(payment_id: Any) -> ColumnElement[bool]:
    """Still RAISED (awaiting approval; a funds-short refusal leaves it so), from the events:
    ``payment_status_derived(...) == RAISED`` as one NOT EXISTS (the agreement test's)."""
    return before_any(PAYMENT_STATUSES, has_events(PaymentEvent, "payment_id", payment_id))


# --- payments -----------------------------------------------------------------------------


# Built once (every payment's steps send them), their values sent as parameters: building a
# statement per call was most of these statements' Python time (``ledger.repository`` does the
# same for the transfer, ``audit.repository`` for its row).
# clock_timestamp(): the moment it was raised, so the approval queue is in true order even for
# payments raised in one transaction.
_INSERT_PAYMENT = insert(Payment).values(raised_at=func.clock_timestamp())
_LOCK_PAYMENT = (
    select(Payment)
    .where(Payment.id == bindparam("payment_id", type_=Payment.id.type))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_INSERT_PAYMENT_EVENT = insert(PaymentEvent).returning(PaymentEvent.id)


async def insert_payment(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(_INSERT_PAYMENT, values)


async def lock_payment(session: AsyncSession, payment_id: uuid.UUID) -> Payment | None:
    """The payment, locked FOR UPDATE: its state is decided by one request at a time."""
    return (await session.execute(_LOCK_PAYMENT, {"payment_id": payment_id})).scalar_one_or_none()


async def payment_events(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[PaymentEvent]:
    return await rows_where_in(session, PaymentEvent, PaymentEvent.payment_id, ids, PaymentEvent.id)


async def insert_payment_event(session: AsyncSession, values: dict[str, Any]) -> int:
    return int((await session.execute(_INSERT_PAYMENT_EVENT, values)).scalar_one())


def invoice_recorder_of(payment: Any) -> ColumnElement[str | None]:
    """Who recorded the invoice the payment pays (None for a standing payment): an author of
    the payment (R-ROLE-2)."""
    i = aliased(Invoice)
    return select(i.recorded_by).where(i.id == payment.invoice_id).scalar_subquery()


@functools.cache
def _select_payment() -> Any:
    """Built once: a payment with its client's reference, its current status (the current row,
    joined), who recorded its invoice and whether that invoice is on hold."""
    return (
        select(
            Payment,
            Client.reference.label("client_reference"),
            PaymentCurrent.status.label("status"),
            invoice_recorder_of(Payment).label("invoice_recorded_by"),
            held(Payment.invoice_id).label("invoice_on_hold"),
        )
        .join(Client, Client.id == Payment.client_id)
        .join(PaymentCurrent, PaymentCurrent.payment_id == Payment.id)
    )


@functools.cache
def _payment_by_id(readable: bool) -> Any:
    """``_select_payment`` of one payment, built once for each answer of ``readable`` (every
    step of a payment reads its outcome so), the id a parameter."""
    payment_id = bindparam("payment_id", type_=Payment.id.type)
    return _select_payment().where(Payment.id == payment_id, true() if readable else false())


async def get_payment(
    session: AsyncSession, payment_id: uuid.UUID, principal: Principal | None
) -> Row[Any] | None:
    """(Payment, client_reference, status, invoice_recorded_by), if the caller may read it."""
    stmt = _payment_by_id(may_read(principal))
    return (await session.execute(stmt, {"payment_id": payment_id})).one_or_none()


async def get_payments(
    session: AsyncSession, payment_ids: Sequence[uuid.UUID], principal: Principal
) -> Sequence[Row[Any]]:
    """``get_payment``'s rows for each of these payments the caller may read, in one query."""
    stmt = _select_payment().where(Payment.id.in_(set(payment_ids)), readable(principal))
    return (await session.execute(stmt)).all()


async def payments_of_invoices(
    session: AsyncSession, invoice_ids: Sequence[uuid.UUID]
) -> Sequence[Row[Any]]:
    stmt = (
        _select_payment()
        .where(Payment.invoice_id.in_(set(invoice_ids)))
        .order_by(PaymentCurrent.raised_at, PaymentCurrent.payment_id)
    )
    return (await session.execute(stmt)).all()


# Where a page of payments starts: after the (raised_at, id) of the last one seen.
PaymentKey = tuple[datetime, uuid.UUID]  # where a payment stands in the list: raised, id


@dataclass(frozen=True)
class PaymentFilter:
    client_id: uuid.UUID | None = None
    status: PaymentStatus | None = None
    oldest_first: bool = False  # else newest first


async def list_payments(
    session: AsyncSession, principal: Principal, flt: PaymentFilter, *, seek: Seek[PaymentKey]
) -> Sequence[Row[Any]]:
    """A page of payments by when they were raised (then id): newest first, or oldest first
    when the filter says so. A status is read off the current row, in the order of its index
    (status, raised_at, id): a page of 500 awaiting approval among 360,000 reads its page."""
    stmt = _payments_statement(
        may_read(principal),
        flt.client_id is not None,
        flt.status is not None,
        flt.oldest_first,
        page_shape(seek),
    )
    values = {
        "client_id": flt.client_id,
        "status": flt.status.value if flt.status is not None else None,
        **seek_values(seek),
    }
    return (await session.execute(stmt, values)).all()


@functools.cache
def _payments_statement(
    readable: bool, by_client: bool, by_status: bool, oldest_first: bool, page: PageShape
) -> Any:
    """``list_payments``' statement, built once for each shape (issue 18 item 3): the client,
    the status, the cursor and the limit bound when it runs."""
    stmt = _select_payment().where(true() if readable else false())
    if by_client:
        stmt = stmt.where(Payment.client_id == bindparam("client_id"))
    if by_status:
        stmt = stmt.where(
            PaymentCurrent.status == bindparam("status", type_=PaymentCurrent.status.type)
        )
    # One client's: its few payments by its index, then sorted; else a status's page walks its
    # index in order (walking a status of 348,000 for one client's few would read them all).
    if by_status and not by_client:
        raised_at, ident = PaymentCurrent.raised_at, PaymentCurrent.payment_id
    else:
        raised_at, ident = Payment.raised_at, Payment.id
    if oldest_first:
        return keyset_bound(stmt, page, raised_at, ident)
    return keyset_bound(stmt, page, raised_at.desc(), ident.desc())


# --- the approval queue (kind PAYMENT) ----------------------------------------------------


async def awaiting_approval(
    session: AsyncSession,
    principal: Principal,
    *,
    cap: Pence | None,
    payment_id: uuid.UUID | None = None,
    seek: Seek[tuple[datetime, uuid.UUID]] | None = None,
) -> Sequence[Row[Any]]:
    """(Payment, client_reference, payee_name, invoice_recorded_by) of the payments still
    RAISED, for no invoice on hold (R-REF-7), that the principal neither raised
    nor recorded the invoice of (R-ROLE-2), up to ``cap`` (None: any amount), oldest first;
    only ``payment_id`` when given; only the page ``seek`` asks for, by (raised at, id), when
    given. The queue's shortcut: the source judges each row again as ``approvePayment``
    would."""
    stmt: Any = (
        select(
            Payment,
            Client.reference.label("client_reference"),
            Counterparty.name.label("payee_name"),
            invoice_recorder_of(Payment).label("invoice_recorded_by"),
        )
        .join(PaymentCurrent, PaymentCurrent.payment_id == Payment.id)
        .join(Client, Client.id == Payment.client_id)
        .join(Counterparty, Counterparty.id == Payment.payee_id)
        .where(
            readable(principal),
            Payment.raised_by != principal.subject,  # R-ROLE-2, and its invoice's recorder:
            invoice_recorder_of(Payment).is_distinct_from(principal.subject),
            Payment.amount <= cap if cap is not None else true(),
            PaymentCurrent.status == fixed(PaymentStatus.RAISED.value),  # its partial index
            # An invoice on hold is not paid until released (R-REF-7): approvePayment refuses.
            ~held(Payment.invoice_id),
            Payment.id == payment_id if payment_id is not None else true(),
        )
    )
    order = (PaymentCurrent.raised_at, PaymentCurrent.payment_id)
    return (await session.execute(in_order(stmt, seek, *order))).all()
