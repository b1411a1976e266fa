"""Every SQL statement of the deadline measures: for each promise, the facts its own module
records (what started the clock and when it was done). Due dates are never derived here: a
measure (``measures.py``) asks the promise's own module for them, or reads the one it stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.appointee_applications.models import AppointeeApplication
from ca_api.deaths.models import Death
from ca_api.deaths.repository import confirmed_death as confirmed  # the one test of CONFIRMED
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
from ca_api.referrals.models import ReferralTriage
from ca_api.referrals.rules import TriageOutcome
from ca_api.reviews.models import ClientReview
from ca_api.wills.models import WillCourtNotice, WillRecord

# How far before a period a clock may start and still fall due in it: the longest clock read
# here runs a year and a day (an annual review, a budget plan's yearly review); 3 months for
# an investment statement. Rows are read from this far back; the measure filters exactly.
LONGEST_CLOCK = timedelta(days=400)


async def for_a_report(session: AsyncSession) -> None:
    """For this transaction only, as the caseload report's (``reports.caseload_repository``): a
    plan made for the days given each time (a generic plan is not chosen after five runs), no JIT
    (PostgreSQL compiled the annual review chains for 80 to 120 ms of their time at 50,000
    clients), and room to sort the chains in memory (at the default 4 MB the window's sorts
    spilled to disk)."""
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    await session.execute(text("SET LOCAL jit = off"))
    await session.execute(text("SET LOCAL work_mem = '32MB'"))


def _due_map(due: dict[date, date]) -> Any:
    """The due day of each day a clock may start, as the promise's own rule worked it out in
    Python (``measures.py``), sent as two arrays: a table (start_day, due_on) to join. Only the
    start days whose case falls due in the period are in it, so the join keeps the period."""
    starts, dues = list(due), list(due.values())
    return (
        func.unnest(
            bindparam("starts", starts, type_=ARRAY(Date)),
            bindparam("dues", dues, type_=ARRAY(Date)),
        )
        .table_valued("start_day", "due_on")
        .render_derived()
    )


def _london_day(column: Any) -> Any:
    """The council's (London) date of a timestamp, in SQL."""
    return func.date(func.timezone(literal_column("'Europe/London'"), column))


def _deaths() -> Any:
    """(client id, died on) of each CONFIRMED death."""
    return select(Death.client_id, Death.died_on).where(confirmed()).subquery()


async def dwp_applications_due(session: AsyncSession, due: dict[date, date]) -> Sequence[Any]:
    """(due_on, sent_on, cases) of the accepted referrals whose DWP application falls due on a
    day of ``due`` (the day the referral was accepted, London date -> its due day), counted alike
    by due day and the day the application was sent: one case per referral (an application per
    referral at most)."""
    m = _due_map(due)
    a, t = AppointeeApplication, ReferralTriage
    stmt = (
        select(m.c.due_on, a.sent_on.label("done_on"), func.count().label("cases"))
        .select_from(t)
        .join(m, m.c.start_day == _london_day(t.triaged_at))
        .outerjoin(a, a.referral_id == t.referral_id)
        .where(t.outcome == TriageOutcome.ACCEPTED.value)
        .group_by(m.c.due_on, a.sent_on)
    )
    return (await session.execute(stmt)).all()


async def invoices_due(
    session: AsyncSession, start: date, end: date, *, council: bool
) -> Sequence[Any]:
    """(due_on, paid_on, cases) of the invoices due in ``[start, end]`` not cancelled, counted
    alike by due and paid day: the council's care-contribution invoices (``council``) or every
    other kind. ``due_on`` is the one the invoice stored when received
    (``invoices.rules.due_date``: 21 working days, 21 days for the council's); paid on the
    value date of its payment's MADE transfer, the first if several."""
    # Only the payments of the invoices due in the period (the outer join reads no others): at
    # 360,000 payments the whole history's was hashed against every transfer (680 ms; 110 ms).
    due = aliased(Invoice)
    in_period = select(due.id).where(due.due_on >= start, due.due_on <= end)
    paid = (
        select(Payment.invoice_id, func.min(Transfer.value_date).label("paid_on"))
        .join(PaymentEvent, PaymentEvent.payment_id == Payment.id)
        .join(Transfer, Transfer.id == PaymentEvent.transfer_id)
        .where(
            Payment.invoice_id.in_(in_period),
            PaymentEvent.event == PaymentEventKind.MADE.value,
        )
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


async def statements_due(session: AsyncSession, due: dict[date, date]) -> Sequence[Any]:
    """(due_on, first statement submitted_on, cases) of the deputy orders made on a day of
    ``due`` (order day -> the statement's due day), counted alike."""
    d, s, m = deputyship_current, InvestmentStatement, _due_map(due)
    first = (
        select(func.min(s.submitted_on))
        .where(s.deputyship_id == d.c.id)
        .correlate(d)
        .scalar_subquery()
        .label("done_on")
    )
    inner = (
        select(m.c.due_on, first).select_from(d).join(m, m.c.start_day == d.c.order_date).subquery()
    )
    stmt = select(inner.c.due_on, inner.c.done_on, func.count().label("cases")).group_by(
        inner.c.due_on, inner.c.done_on
    )
    return (await session.execute(stmt)).all()


async def review_chains_due(
    session: AsyncSession, end: date, due: dict[date, date]
) -> Sequence[Any]:
    """(due_on, done_on, cases) of the deputy orders' annual review chains (R-CARE-1): each
    order made by ``end`` starts its clock on the order day; each review that stands, a day
    after the last, is done for the clock before it and starts the next (a window over the
    order's days, ``lead``). ``due`` maps a clock's start day to its due day (only the days
    whose case falls due in the period). A clock not done and due after the order ended or the
    client's confirmed death is not counted."""
    d, r, later = deputyship_current, ClientReview, aliased(ClientReview)
    orders = (
        select(d.c.id, d.c.client_id, d.c.order_date, d.c.end_date)
        .where(d.c.order_date <= end)  # every deputyship has its client (a foreign key)
        .cte("orders")
    )
    # Not corrected by another: an anti-join on the set of corrected ids (hashed once).
    standing = r.id.not_in(select(later.supersedes_id).where(later.supersedes_id.is_not(None)))
    reviewed = select(r.client_id, r.reviewed_on).where(standing).distinct().subquery()
    days = union_all(
        select(
            orders.c.id, orders.c.client_id, orders.c.end_date, orders.c.order_date.label("day")
        ),
        select(orders.c.id, orders.c.client_id, orders.c.end_date, reviewed.c.reviewed_on).join(
            reviewed,
            and_(
                reviewed.c.client_id == orders.c.client_id,
                reviewed.c.reviewed_on > orders.c.order_date,
            ),
        ),
    ).subquery()
    chain = select(
        days.c.client_id,
        days.c.end_date,
        days.c.day.label("anchor"),
        func.lead(days.c.day).over(partition_by=days.c.id, order_by=days.c.day).label("done_on"),
    ).subquery()
    m, died = _due_map(due), _deaths()
    stmt = (
        select(m.c.due_on, chain.c.done_on, func.count().label("cases"))
        .select_from(chain)
        .join(m, m.c.start_day == chain.c.anchor)
        .outerjoin(died, died.c.client_id == chain.c.client_id)
        .where(
            or_(
                chain.c.done_on.is_not(None),
                and_(
                    or_(chain.c.end_date.is_(None), m.c.due_on <= chain.c.end_date),
                    or_(died.c.died_on.is_(None), m.c.due_on <= died.c.died_on),
                ),
            )
        )
        .group_by(m.c.due_on, chain.c.done_on)
    )
    return (await session.execute(stmt)).all()


async def plan_reviews_due(session: AsyncSession, due: dict[date, date]) -> Sequence[Any]:
    """(due_on, done_on, cases) of the clients' budget plan years reviewed yearly (R-CARE-2):
    a plan year starting on a day of ``due`` (-> its review's due day) is done on the day
    (London) the first plan for a later year starting on or after the due day was recorded. Not
    done and due after the client's confirmed death: not counted."""
    if not due:
        return []
    p, m, died = BudgetPlan, _due_map(due), _deaths()
    years = (
        select(p.client_id, p.plan_year_start, func.min(p.recorded_at).label("first_at"))
        .where(p.plan_year_start >= min(due))  # a year due in the period and the later ones
        .group_by(p.client_id, p.plan_year_start)
        .cte("years")
    )
    later = years.alias("later")
    # Each year joined to the client's later years starting on or after its due day (a hash
    # join on the client: a few years each), the first recorded of them done.
    cases = (
        select(
            years.c.client_id,
            m.c.due_on,
            func.min(_london_day(later.c.first_at)).label("done_on"),
        )
        .select_from(years)
        .join(m, m.c.start_day == years.c.plan_year_start)
        .outerjoin(
            later,
            and_(
                later.c.client_id == years.c.client_id,
                later.c.plan_year_start > years.c.plan_year_start,
                later.c.plan_year_start >= m.c.due_on,
            ),
        )
        .group_by(years.c.client_id, years.c.plan_year_start, m.c.due_on)
        .subquery()
    )
    stmt = (
        select(cases.c.due_on, cases.c.done_on, func.count().label("cases"))
        .select_from(cases)
        .outerjoin(died, died.c.client_id == cases.c.client_id)
        .where(
            or_(
                cases.c.done_on.is_not(None),
                died.c.died_on.is_(None),
                cases.c.due_on <= died.c.died_on,
            )
        )
        .group_by(cases.c.due_on, cases.c.done_on)
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
