"""Every SQL statement of the deadline measures: for each promise, the facts its own module
records (what started the clock and when it was done). Due dates are never derived here: a
measure (``measures.py``) asks the promise's own module for them, or reads the one it stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.clients.models import Client
from ca_api.deaths.models import Death
from ca_api.deaths.repository import _confirmed as confirmed  # the one test of CONFIRMED
from ca_api.investment_statements.models import InvestmentStatement
from ca_api.invoices.models import Invoice, InvoiceEvent
from ca_api.invoices.rules import InvoiceEventKind, InvoiceKind
from ca_api.ledger.models import Transfer
from ca_api.opg_reports.models import OpgReport, OpgReportEvent
from ca_api.opg_reports.rules import OpgReportEventKind
from ca_api.orders.models import deputyship_current
from ca_api.payments.models import Payment, PaymentEvent
from ca_api.payments.rules import PaymentEventKind
from ca_api.planning.models import BudgetPlan
from ca_api.reviews.models import ClientReview
from ca_api.wills.models import WillCourtNotice, WillRecord

# How far before a period a clock may start and still fall due in it: the longest clock read
# here runs a year and a day (an annual review, a budget plan's yearly review); 3 months for
# an investment statement. Rows are read from this far back; the measure filters exactly.
LONGEST_CLOCK = timedelta(days=400)


async def invoices_due(
    session: AsyncSession, start: date, end: date, *, council: bool
) -> Sequence[Any]:
    """(due_on, paid_on, cases) of the invoices due in ``[start, end]`` not cancelled, counted
    alike by due and paid day: the council's care-contribution invoices (``council``) or every
    other kind. ``due_on`` is the one the invoice stored when received
    (``invoices.rules.due_date``: 21 working days, 21 days for the council's); paid on the
    value date of its payment's MADE transfer, the first if several."""
    paid = (
        select(Payment.invoice_id, func.min(Transfer.value_date).label("paid_on"))
        .join(PaymentEvent, PaymentEvent.payment_id == Payment.id)
        .join(Transfer, Transfer.id == PaymentEvent.transfer_id)
        .where(Payment.invoice_id.is_not(None), PaymentEvent.event == PaymentEventKind.MADE.value)
        .group_by(Payment.invoice_id)
        .subquery()
    )
    cancelled = select(InvoiceEvent.invoice_id).where(
        InvoiceEvent.event == InvoiceEventKind.CANCELLED.value
    )
    kind = InvoiceKind.COUNCIL_CARE_CONTRIBUTION.value
    stmt = (
        select(Invoice.due_on, paid.c.paid_on.label("done_on"), func.count().label("cases"))
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(
            Invoice.due_on >= start,
            Invoice.due_on <= end,
            Invoice.id.not_in(cancelled),
            Invoice.kind == kind if council else Invoice.kind != kind,
        )
        .group_by(Invoice.due_on, paid.c.paid_on)
    )
    return (await session.execute(stmt)).all()


async def deputy_orders_since(session: AsyncSession, start: date, end: date) -> Sequence[Any]:
    """(order_date, first statement submitted_on) of the deputy orders made from ``start`` less
    the longest clock up to ``end``."""
    d = deputyship_current
    s = InvestmentStatement
    first = (
        select(func.min(s.submitted_on))
        .where(s.deputyship_id == d.c.id)
        .correlate(d)
        .scalar_subquery()
    )
    stmt = select(d.c.order_date, first.label("done_on")).where(
        d.c.order_date >= start - LONGEST_CLOCK, d.c.order_date <= end
    )
    return (await session.execute(stmt)).all()


async def deputy_orders_with_reviews(
    session: AsyncSession, end: date
) -> tuple[Sequence[Any], dict[Any, list[date]]]:
    """The deputy orders made by ``end`` (deputyship id, client id, order date, end date) and
    each of their clients' reviews that stand (not corrected by another), by day."""
    d = deputyship_current
    orders = (
        await session.execute(
            select(d.c.id, d.c.client_id, d.c.order_date, d.c.end_date)
            .join(Client, Client.id == d.c.client_id)
            .where(d.c.order_date <= end)
        )
    ).all()
    r, later = ClientReview, aliased(ClientReview)
    # Not corrected by another: an anti-join on the set of corrected ids (hashed once), not a
    # correlated EXISTS per review (``supersedes_id`` has no index of its own).
    standing = r.id.not_in(select(later.supersedes_id).where(later.supersedes_id.is_not(None)))
    reviews: dict[Any, list[date]] = {}
    stmt = select(r.client_id, r.reviewed_on).where(standing).order_by(r.client_id, r.reviewed_on)
    for client_id, reviewed_on in (await session.execute(stmt)).all():
        reviews.setdefault(client_id, []).append(reviewed_on)
    return orders, reviews


async def plan_years(session: AsyncSession, start: date) -> Sequence[Any]:
    """(client id, plan year start, first recorded_at) of the clients' budget plans for the
    years starting from ``start`` less the longest clock (a year due for review in the period
    and the later years that review it), one row per client and plan year, by client then
    year."""
    p = BudgetPlan
    stmt = (
        select(p.client_id, p.plan_year_start, func.min(p.recorded_at).label("first_at"))
        .where(p.plan_year_start >= start - LONGEST_CLOCK)
        .group_by(p.client_id, p.plan_year_start)
        .order_by(p.client_id, p.plan_year_start)
    )
    return (await session.execute(stmt)).all()


async def wills_found(session: AsyncSession, start: date, end: date) -> Sequence[Any]:
    """(found_on, notice sent_on) of each will: its chain's first record (the one its court
    notice names), found from ``start`` less the longest clock up to ``end``."""
    w, n = WillRecord, WillCourtNotice
    stmt = (
        select(w.found_on, n.sent_on.label("done_on"))
        .outerjoin(n, n.will_id == w.id)
        .where(w.supersedes_id.is_(None), w.found_on >= start - LONGEST_CLOCK, w.found_on <= end)
    )
    return (await session.execute(stmt)).all()


async def opg_reports_due(session: AsyncSession, start: date, end: date) -> Sequence[Any]:
    """(due_on, submitted_on) of each OPG report due in ``[start, end]``: its stored due date
    (56 days after its period, ``opg_reports.rules``) and the date the OPG first received it
    (its first SUBMITTED event's ``submitted_on``; a correction later does not move it)."""
    r, e = OpgReport, OpgReportEvent
    first = (
        select(func.min(e.submitted_on))
        .where(e.report_id == r.id, e.event == OpgReportEventKind.SUBMITTED.value)
        .scalar_subquery()
    )
    stmt = select(r.due_on, first.label("done_on")).where(r.due_on >= start, r.due_on <= end)
    return (await session.execute(stmt)).all()


async def confirmed_deaths(session: AsyncSession) -> dict[Any, date]:
    """The date of death of each client whose death is CONFIRMED (a confirmed death is never
    withdrawn): read whole, not by a list of ids (a caseload's ids would pass the driver's
    limit of bound parameters)."""
    stmt = select(Death.client_id, Death.died_on).where(confirmed())
    return {c: d for c, d in (await session.execute(stmt)).all()}
