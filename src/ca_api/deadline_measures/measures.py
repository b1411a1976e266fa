"""The registry of deadline measures (issue 16 item 4, R-REP-4): one small function per promise
returning its cases as facts (due_on, done_on) for a period. The due date is always the one the
promise's own module works out (its ``rules``) or stored: never derived a second way here.

A measure may return cases outside the period (the clock's start is read with a margin); the
report keeps those due in it (``rules.tally``). To add a promise (the OPG report within 56 days
of the period end, ``opg_reports``): write its ``async def facts(session, start, end)`` and add
a ``Measure`` to ``MEASURES``; nothing else changes (the GraphQL and CSV carry the key).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.appointee_applications import repository as appointee_applications
from ca_api.appointee_applications import rules as appointee_rules
from ca_api.clock import LONDON
from ca_api.deadline_measures import repository
from ca_api.deadline_measures.rules import Fact
from ca_api.investment_statements import rules as statement_rules
from ca_api.planning import rules as planning_rules
from ca_api.policy import service as policy
from ca_api.reviews import rules as review_rules
from ca_api.reviews.service import _months_on as months_in_force  # the live clock's
from ca_api.wills import rules as will_rules

Facts = Callable[[AsyncSession, date, date], Awaitable[Iterable[Fact]]]


@dataclass(frozen=True)
class Measure:
    key: str  # stable: the GraphQL field ``measure`` and the CSV's first column
    promise: str  # the promise as the policy makes it
    rules: str  # the rule ids and seed sections it comes from
    facts: Facts


async def dwp_applications(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-REF-5: each accepted referral's DWP application, due 5 working days after the day the
    referral became valid (``appointee_applications.rules.due_on``), done when sent."""
    return [
        Fact(appointee_rules.due_on(a.valid_on), a.sent_on)
        for a in await appointee_applications.every_accepted(session)
    ]


async def invoices(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-PAY-1: invoices other than the council's, due as stored (21 working days after
    receipt), done on the day the payment was made."""
    rows = await repository.invoices_due(session, start, end, council=False)
    return [Fact(r.due_on, r.done_on, r.cases) for r in rows]


async def council_invoices(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-PAY-4: the council's care-contribution invoices, due as stored (21 days)."""
    rows = await repository.invoices_due(session, start, end, council=True)
    return [Fact(r.due_on, r.done_on, r.cases) for r in rows]


async def investment_statements(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-INV-3: each deputy order's investment statement, due 3 months after the order
    (``investment_statements.rules.statement_due``), done when first submitted."""
    rows = await repository.deputy_orders_since(session, start, end)
    return [Fact(statement_rules.statement_due(r.order_date), r.done_on) for r in rows]


def _stops(due: date, *ends: date | None) -> bool:
    """A clock not met and due after its order ended or the client died is not counted."""
    return any(e is not None and due > e for e in ends)


async def annual_reviews(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-CARE-1: each deputy order's chain of annual reviews: the first due the months in force
    (policy ``annual_review_months``) after the order, each next one after the review that met
    the last (``reviews.rules.review_due_on``, as the live clock ``reviewsDue``). A review is
    the client's review that stands, on or after the day the clock started; the chain ends
    with the order or the client's confirmed death (a review not done and due after either is
    not counted)."""
    orders, reviews = await repository.deputy_orders_with_reviews(session, end)
    figures = await policy.figure_history(session, review_rules.REVIEW_MONTHS)
    months: dict[date, int] = {}  # the figure in force on each day a clock started, looked up once
    died = await repository.confirmed_deaths(session)
    out: list[Fact] = []
    for _order_id, client_id, order_date, end_date in orders:
        anchor = order_date
        done = iter(d for d in reviews.get(client_id, []) if d >= order_date)
        while True:
            if anchor not in months:
                months[anchor] = months_in_force(figures, anchor)
            due = review_rules.review_due_on(anchor, months[anchor])
            reviewed = next((d for d in done if d > anchor), None)
            if reviewed is None:
                if not _stops(due, end_date, died.get(client_id)):
                    out.append(Fact(due, None))
                break
            out.append(Fact(due, reviewed))
            anchor = reviewed
            if anchor > end:
                break
    return out


async def budget_plan_reviews(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-CARE-2: each client's budget plan for a year is reviewed a year after the year starts
    (``planning.rules.review_due_on``); done on the day the first plan for a later year was
    recorded (London date). A review not done and due after the client's confirmed death is
    not counted."""
    by_client: dict[uuid.UUID, list[tuple[date, date]]] = {}
    for r in await repository.plan_years(session, start):
        by_client.setdefault(r.client_id, []).append(
            (r.plan_year_start, r.first_at.astimezone(LONDON).date())
        )
    died = await repository.confirmed_deaths(session)
    out: list[Fact] = []
    for client_id, years in by_client.items():
        for i, (year_start, _) in enumerate(years):
            due = planning_rules.review_due_on(year_start)
            later = [at for y, at in years[i + 1 :] if y >= due]
            if later:
                out.append(Fact(due, min(later)))
            elif not _stops(due, died.get(client_id)):
                out.append(Fact(due, None))
    return out


async def will_court_notices(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-CARE-5, seed 002 B 21.1: the Court of Protection told of a will found, due the day it
    was found (``wills.rules.notice_due_on``), done when the notice was sent."""
    rows = await repository.wills_found(session, start, end)
    return [Fact(will_rules.notice_due_on(r.found_on), r.done_on) for r in rows]


async def opg_reports(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-OPG: each deputy client's OPG annual report, due 56 days after its period ends (the due
    date the report stored when opened), done on the day the OPG received it. A period whose
    report was never opened is not counted here: ``opgReportsDue`` lists those."""
    rows = await repository.opg_reports_due(session, start, end)
    return [Fact(r.due_on, r.done_on) for r in rows]


# The registry, in the order the report lists them.
MEASURES: tuple[Measure, ...] = (
    Measure(
        "DWP_APPOINTEESHIP_APPLICATION",
        "Apply to the DWP within 5 working days of a valid referral",
        "R-REF-5, seed 002 B 2.1",
        dwp_applications,
    ),
    Measure(
        "INVOICE_PAYMENT",
        "Pay an invoice within 21 working days of receipt",
        "R-PAY-1, seed 002 B 8.4, B 16.1",
        invoices,
    ),
    Measure(
        "COUNCIL_INVOICE_PAYMENT",
        "Pay the council's care-contribution invoice within 21 days",
        "R-PAY-4",
        council_invoices,
    ),
    Measure(
        "INVESTMENT_STATEMENT",
        "Complete the investment statement within 3 months of a deputy order",
        "R-INV-3, seed 002 B 7.4",
        investment_statements,
    ),
    Measure(
        "ANNUAL_REVIEW",
        "Review every deputy client at least once a year",
        "R-CARE-1, seed 002 B 13.1",
        annual_reviews,
    ),
    Measure(
        "BUDGET_PLAN_REVIEW",
        "Review each client's budget plan yearly",
        "R-CARE-2, seed 002 B 7.7",
        budget_plan_reviews,
    ),
    Measure(
        "WILL_COURT_NOTICE",
        "Tell the Court of Protection immediately of a will found",
        "R-CARE-5, seed 002 B 21.1",
        will_court_notices,
    ),
    Measure(
        "OPG_REPORT",
        "File each deputy client's annual report with the OPG within 56 days of its period's end",
        "R-OPG, issue 15",
        opg_reports,
    ),
)
