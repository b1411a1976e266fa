"""Every SQL statement of invoices, their derived status, and row scoping; their holds' are in
``holds_repository.py``, those of the invoices dated after a client's death in
``after_death_repository.py``."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    not_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.approvals.repository import has_events
from ca_api.auth.permissions import LEDGER_READ
from ca_api.auth.principal import Principal
from ca_api.clients.models import Client
from ca_api.common.keyset import PageShape, Seek, keyset_bound, page_shape, seek_values
from ca_api.db import fixed, rows_where_in
from ca_api.invoices.models import (
    Invoice,
    InvoiceCheck,
    InvoiceCurrent,
    InvoiceEvent,
    InvoiceHold,
    InvoiceHoldRelease,
    InvoiceItem,
)
from ca_api.invoices.rules import (
    ALL_CHECKS,
    InvoiceCheckName,
    InvoiceEventKind,
    InvoiceStatus,
)
from ca_api.ledger.models import Counterparty
from ca_api.payments.models import Payment, PaymentEvent
from ca_api.payments.rules import PaymentEventKind

# --- row scoping --------------------------------------------------------------------------


def readable(principal: Principal | None) -> ColumnElement[bool]:
    """Invoices are read by the caseload's officers and audit (LEDGER_READ); integrations
    record invoices but read none back (they get what they recorded in the mutation's
    payload). ``None``: the service itself, reading what it has just written."""
    return true() if may_read(principal) else false()


def may_read(principal: Principal | None) -> bool:
    """Whether ``readable`` lets every row through (a statement built once takes it so)."""
    return principal is None or principal.has_any(LEDGER_READ)


# --- the status -----------------------------------------------------------------------------

UNPAID_CLOSED = (InvoiceStatus.PAID.value, InvoiceStatus.CANCELLED.value)


def invoice_status_of(invoice_id: Any) -> ColumnElement[str]:
    """The invoice's status: its current row (``invoice_current``, kept by the database in the
    same transaction as any event, check, payment or payment event that changes it, migration
    0048; its rules those of ``invoice_status_derived``), one index probe."""
    ic = aliased(InvoiceCurrent)
    return select(ic.status).where(ic.invoice_id == invoice_id).scalar_subquery()


def chased(ic: Any) -> ColumnElement[bool]:
    """Neither paid nor cancelled, and not on hold (R-REF-7): an invoice that is overdue once
    past its due date; the predicate of the index ``ix_invoice_current_chased``."""
    return and_(ic.status.not_in([fixed(v) for v in UNPAID_CLOSED]), not_(ic.on_hold))


def _payment_has(payment_id: Any, *events: PaymentEventKind) -> ColumnElement[bool]:
    return has_events(PaymentEvent, "payment_id", payment_id)([ev.value for ev in events])


def _invoice_payment(invoice_id: Any, *conditions: Any) -> ColumnElement[bool]:
    """Some payment of the invoice meets every condition (each given the payment's id)."""
    p = aliased(Payment)
    return exists().where(p.invoice_id == invoice_id, *(c(p.id) for c in conditions))


def _checks_passed(invoice_id: Any) -> ColumnElement[int]:
    """How many of the R-PAY-2 checks have a latest record that passed."""
    c = aliased(InvoiceCheck)
    c2 = aliased(InvoiceCheck)
    latest = (
        select(func.max(c2.id))
        .where(c2.invoice_id == c.invoice_id, c2.check_name == c.check_name)
        .scalar_subquery()
    )
    return (
        select(func.count())
        .select_from(c)
        .where(c.invoice_id == invoice_id, c.passed, c.id == latest)
        .scalar_subquery()
    )


def invoice_status_derived(invoice_id: Any) -> ColumnElement[str]:
    """An invoice's status, derived from its events, payments and checks (the agreement test's
    other side; the database's ``invoice_status_derived`` has the same rules)."""
    ie = aliased(InvoiceEvent)
    cancelled = exists().where(
        ie.invoice_id == invoice_id, ie.event == InvoiceEventKind.CANCELLED.value
    )

    def made(pid: Any) -> ColumnElement[bool]:
        return _payment_has(pid, PaymentEventKind.MADE)

    def approved_live(pid: Any) -> ColumnElement[bool]:
        return and_(
            _payment_has(pid, PaymentEventKind.APPROVED),
            not_(_payment_has(pid, PaymentEventKind.CANCELLED, PaymentEventKind.MADE)),
        )

    def raised_live(pid: Any) -> ColumnElement[bool]:
        return not_(
            _payment_has(
                pid, PaymentEventKind.APPROVED, PaymentEventKind.CANCELLED, PaymentEventKind.MADE
            )
        )

    def refused(pid: Any) -> ColumnElement[bool]:
        return _payment_has(pid, PaymentEventKind.REFUSED_FUNDS_SHORT)

    return case(
        (cancelled, literal(InvoiceStatus.CANCELLED.value)),
        (_invoice_payment(invoice_id, made), literal(InvoiceStatus.PAID.value)),
        (_invoice_payment(invoice_id, approved_live), literal(InvoiceStatus.APPROVED.value)),
        (
            _invoice_payment(invoice_id, raised_live, refused),
            literal(InvoiceStatus.FUNDS_SHORT.value),
        ),
        (_invoice_payment(invoice_id, raised_live), literal(InvoiceStatus.PAYMENT_RAISED.value)),
        (
            _checks_passed(invoice_id) == len(ALL_CHECKS),
            literal(InvoiceStatus.CHECKED.value),
        ),
        else_=literal(InvoiceStatus.RECEIVED.value),
    )


def on_hold_of(invoice_id: Any) -> ColumnElement[bool]:
    """The invoice has a hold not released (R-REF-7): not overdue, not paid."""
    h = aliased(InvoiceHold)
    released = exists().where(InvoiceHoldRelease.hold_id == h.id)
    return exists().where(h.invoice_id == invoice_id, not_(released))


def held(invoice_id: Any) -> ColumnElement[bool]:
    """The invoice is on hold (R-REF-7), read off its current row (kept by the database from
    its holds and releases, as ``on_hold_of`` derives it): one index probe; false for no
    invoice (a standing payment's)."""
    ic = aliased(InvoiceCurrent)
    on_hold = select(ic.on_hold).where(ic.invoice_id == invoice_id).scalar_subquery()
    return func.coalesce(on_hold, false())


def queried_of(invoice_id: Any) -> ColumnElement[bool]:
    """The invoice has a QUERIED event (R-PAY-7): an officer's, or the service's for an invoice
    dated after the client's death (R-DEATH-2)."""
    e = aliased(InvoiceEvent)
    return exists().where(e.invoice_id == invoice_id, e.event == InvoiceEventKind.QUERIED.value)


# --- reading other modules' rows ----------------------------------------------------------


# --- invoices -----------------------------------------------------------------------------


async def invoice_with_number(
    session: AsyncSession, supplier_id: uuid.UUID, number: str
) -> uuid.UUID | None:
    stmt = select(Invoice.id).where(
        Invoice.supplier_id == supplier_id, Invoice.supplier_invoice_number == number
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def invoices_like(
    session: AsyncSession, supplier_id: uuid.UUID, amount: int, invoice_date: date
) -> Sequence[Invoice]:
    """Invoices from the same supplier for the same amount on the same date (maybe duplicates)."""
    stmt = (
        select(Invoice)
        .where(
            Invoice.supplier_id == supplier_id,
            Invoice.amount == amount,
            Invoice.invoice_date == invoice_date,
        )
        .order_by(Invoice.recorded_at, Invoice.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def insert_invoice(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(Invoice).values(values))


async def insert_items(
    session: AsyncSession, invoice_id: uuid.UUID, items: Sequence[dict[str, Any]]
) -> None:
    if items:
        rows = [{"invoice_id": invoice_id, "line": n, **i} for n, i in enumerate(items, start=1)]
        await session.execute(insert(InvoiceItem), rows)


async def insert_item_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Items of many invoices in one statement (each row names its invoice and line)."""
    if rows:
        await session.execute(insert(InvoiceItem), list(rows))


async def lock_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Invoice | None:
    """The invoice, locked FOR UPDATE: checks, events and payments of one invoice are decided
    one at a time."""
    stmt = (
        select(Invoice)
        .where(Invoice.id == invoice_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def invoice_status(session: AsyncSession, invoice_id: uuid.UUID) -> InvoiceStatus:
    stmt = select(InvoiceCurrent.status).where(InvoiceCurrent.invoice_id == invoice_id)
    return InvoiceStatus((await session.execute(stmt)).scalar_one())


async def latest_checks(
    session: AsyncSession, invoice_id: uuid.UUID
) -> dict[InvoiceCheckName, bool]:
    """The latest record of each check made (later rows win)."""
    stmt = (
        select(InvoiceCheck.check_name, InvoiceCheck.passed)
        .where(InvoiceCheck.invoice_id == invoice_id)
        .order_by(InvoiceCheck.id)
    )
    return {InvoiceCheckName(n): bool(p) for n, p in (await session.execute(stmt)).all()}


async def insert_check(session: AsyncSession, values: dict[str, Any]) -> int:
    stmt = insert(InvoiceCheck).values(values).returning(InvoiceCheck.id)
    return int((await session.execute(stmt)).scalar_one())


async def insert_invoice_event(session: AsyncSession, values: dict[str, Any]) -> int:
    stmt = insert(InvoiceEvent).values(values).returning(InvoiceEvent.id)
    return int((await session.execute(stmt)).scalar_one())


@functools.cache
def _select_invoice() -> Any:
    """Built once: an invoice with its client's reference, its current status and whether it is
    on hold (the current row, joined)."""
    return (
        select(
            Invoice,
            Client.reference.label("client_reference"),
            InvoiceCurrent.status.label("status"),
            InvoiceCurrent.on_hold.label("on_hold"),
        )
        .join(Client, Client.id == Invoice.client_id)
        .join(InvoiceCurrent, InvoiceCurrent.invoice_id == Invoice.id)
    )


async def get_invoice(
    session: AsyncSession, invoice_id: uuid.UUID, principal: Principal | None
) -> Row[Any] | None:
    """(Invoice, client_reference, status), if the caller may read it."""
    stmt = _select_invoice().where(Invoice.id == invoice_id, readable(principal))
    return (await session.execute(stmt)).one_or_none()


async def get_invoices(
    session: AsyncSession, ids: Sequence[uuid.UUID], principal: Principal | None = None
) -> Sequence[Row[Any]]:
    """(Invoice, client_reference, status) of each of these invoices the caller may read, in
    one query (``principal`` None: the service itself)."""
    stmt = _select_invoice().where(Invoice.id.in_(set(ids)), readable(principal))
    return (await session.execute(stmt)).all()


# Where a page of invoices starts: after the (due_on, id) of the last one seen.
InvoiceKey = tuple[date, uuid.UUID]  # where an invoice stands in the list: due date, id


@dataclass(frozen=True)
class InvoiceFilter:
    client_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    status: InvoiceStatus | None = None
    due_before: date | None = None  # exclusive
    overdue: bool | None = None


async def list_invoices(
    session: AsyncSession,
    principal: Principal,
    flt: InvoiceFilter,
    *,
    today: date,
    seek: Seek[InvoiceKey],
) -> Sequence[Row[Any]]:
    """A page of invoices across the caseload, oldest due first (due date, then id). Status,
    hold and due date are read off the current row, in the order of its indexes: the overdue
    list walks ``ix_invoice_current_chased`` up to today, the unfiltered one
    ``ix_invoice_current_due`` (every current row: 400 ms at 200,000 invoices when they were
    joined and sorted, 1 ms by it)."""
    given = frozenset(
        name
        for name in ("client_id", "supplier_id", "due_before", "status")
        if getattr(flt, name) is not None
    )
    stmt = _invoices_statement(may_read(principal), given, flt.overdue, page_shape(seek))
    values = {
        "client_id": flt.client_id,
        "supplier_id": flt.supplier_id,
        "due_before": flt.due_before,
        "status": flt.status.value if flt.status is not None else None,
        "today": today,
        **seek_values(seek),
    }
    return (await session.execute(stmt, values)).all()


@functools.cache
def _invoices_statement(
    readable: bool, given: frozenset[str], overdue: bool | None, page: PageShape
) -> Any:
    """``list_invoices``' statement, built once for each shape (issue 18 item 3): which filters
    are ``given`` (their values, today, the cursor and the limit bound when it runs)."""
    ic = InvoiceCurrent
    stmt = _select_invoice().where(true() if readable else false())
    if "client_id" in given:
        stmt = stmt.where(Invoice.client_id == bindparam("client_id"))
    if "supplier_id" in given:
        stmt = stmt.where(Invoice.supplier_id == bindparam("supplier_id"))
    if "due_before" in given:
        stmt = stmt.where(ic.due_on < bindparam("due_before"))
    if "status" in given:
        stmt = stmt.where(ic.status == bindparam("status"))
    if overdue is not None:
        # A held invoice is not chased (R-REF-7): never overdue while on hold.
        is_overdue = and_(ic.due_on < bindparam("today"), chased(ic))
        stmt = stmt.where(is_overdue if overdue else not_(is_overdue))
    # One client's (or supplier's): its few invoices by its index, then sorted; else in the
    # order of the current rows' indexes (walking every RECEIVED invoice for one client's few
    # read 42,000 of them: 350 ms).
    if "client_id" in given or "supplier_id" in given:
        return keyset_bound(stmt, page, Invoice.due_on, Invoice.id)
    return keyset_bound(stmt, page, ic.due_on, ic.invoice_id)


async def items_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[InvoiceItem]:
    return await rows_where_in(
        session, InvoiceItem, InvoiceItem.invoice_id, ids, InvoiceItem.invoice_id, InvoiceItem.line
    )


async def checks_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[InvoiceCheck]:
    return await rows_where_in(session, InvoiceCheck, InvoiceCheck.invoice_id, ids, InvoiceCheck.id)


async def events_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[InvoiceEvent]:
    return await rows_where_in(session, InvoiceEvent, InvoiceEvent.invoice_id, ids, InvoiceEvent.id)


async def invoice_recorded_by(session: AsyncSession, invoice_id: uuid.UUID) -> str | None:
    stmt = select(Invoice.recorded_by).where(Invoice.id == invoice_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def suppliers_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[uuid.UUID, Counterparty]]:
    """(client id, counterparty) for each counterparty that invoiced each of these clients,
    once each, by client then name then id (R-ORD-2, R-DEATH-1)."""
    invoiced = (
        select(Invoice.client_id, Invoice.supplier_id)
        .where(Invoice.client_id.in_(set(client_ids)))
        .distinct()
        .subquery()
    )
    stmt = (
        select(invoiced.c.client_id, Counterparty)
        .join(Counterparty, Counterparty.id == invoiced.c.supplier_id)
        .order_by(invoiced.c.client_id, Counterparty.name, Counterparty.id)
    )
    return (await session.execute(stmt)).all()


async def insert_invoices(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Many invoices in one statement (a caseload import)."""
    if rows:
        await session.execute(insert(Invoice), list(rows))


async def invoices_with_numbers(
    session: AsyncSession, keys: Sequence[tuple[uuid.UUID, str]]
) -> Sequence[Invoice]:
    """The invoices with these (supplier, supplier's invoice number), in one query."""
    if not keys:
        return []
    stmt = select(Invoice).where(
        tuple_(Invoice.supplier_id, Invoice.supplier_invoice_number).in_(list(set(keys)))
    )
    return (await session.execute(stmt)).scalars().all()


async def numbers_recorded(
    session: AsyncSession, keys: Sequence[tuple[uuid.UUID, str]]
) -> set[tuple[uuid.UUID, str]]:
    """Which of these (supplier, supplier's invoice number) are recorded, in one query of
    two columns (a batch's R-PAY-2 check, with no ORM object per invoice; the keys sent as two
    arrays, not as a thousand pairs to bind and plan)."""
    if not keys:
        return set()
    wanted = list(set(keys))
    stmt = text(
        """
        SELECT i.supplier_id, i.supplier_invoice_number
          FROM unnest(CAST(:suppliers AS uuid[]), CAST(:numbers AS text[])) AS k(s, n)
          JOIN invoice i ON i.supplier_id = k.s AND i.supplier_invoice_number = k.n
        """
    )
    params = {"suppliers": [s for s, _ in wanted], "numbers": [n for _, n in wanted]}
    return {(s, n) for s, n in await session.execute(stmt, params)}
