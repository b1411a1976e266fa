"""The registry of deadline measures (issue 16 item 4, R-REP-4): one small function per promise
returning its cases as facts (due_on, done_on) for a period. The due date is always the one the
promise's own module works out (its ``rules``) or stored: never derived a second way here.

A measure may return cases outside the period (the clock's start is read with a margin); the
report keeps those due in it (``rules.tally``). To add a promise (the OPG report within 56 days
of the period end, ``opg_reports``): write its ``async def facts(session, start, end)`` and add
a ``Measure`` to ``MEASURES``; nothing else changes (the GraphQL and CSV carry the key).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.appointee_applications import rules as appointee_rules
from ca_api.deadline_measures import repository
from ca_api.deadline_measures.rules import Fact
from ca_api.investment_statements import rules as statement_rules
from ca_api.planning import rules as planning_rules
from ca_api.policy import service as policy
from ca_api.reviews import rules as review_rules
from ca_api.reviews.reviews_due import months_on as months_in_force  # the live clock's
from ca_api.wills import rules as will_rules

Facts = Callable[[AsyncSession, date, date], Awaitable[Iterable[Fact]]]


@dataclass(frozen=True)
class Measure:
    key: str  # stable: the GraphQL field ``measure`` and the CSV's first column
    promise: str  # the promise as the policy makes it
    rules: str  # the rule ids and seed sections it comes from
    facts: Facts


def due_days(
    rule: Callable[[date], date], earliest: date, start: date, end: date
) -> dict[date, date]:
    """Each day from ``earliest`` to ``end`` on which a clock may start, mapped to the day the
    promise's own ``rule`` makes it due, kept when that falls in ``[start, end]``: a few hundred
    days, each worked out once in Python, so SQL counts the cases by start day rather than
    sending each case here. ``earliest`` must lie far enough back that no day before it falls
    due in the period."""
    out: dict[date, date] = {}
    day = earliest
    while day <= end:
        due = rule(day)
        if start <= due <= end:
            out[day] = due
        day += timedelta(days=1)
    return out


# Five working days never span more than this many calendar days (Christmas and Easter
# included): how far back before a period a referral accepted may fall due in it.
DWP_CLOCK_SPAN = timedelta(days=30)


async def dwp_applications(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-REF-5: each accepted referral's DWP application, due 5 working days after the day the
    referral became valid (``appointee_applications.rules.due_on``), done when sent."""
    due = due_days(appointee_rules.due_on, start - DWP_CLOCK_SPAN, start, end)
    rows = await repository.dwp_applications_due(session, due)
    return [Fact(r.due_on, r.done_on, r.cases) for r in rows]


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
    earliest = start - repository.LONGEST_CLOCK
    due = due_days(statement_rules.statement_due, earliest, start, end)
    rows = await repository.statements_due(session, due)
    return [Fact(r.due_on, r.done_on, r.cases) for r in rows]


async def annual_reviews(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-CARE-1: each deputy order's chain of annual reviews: the first due the months in force
    (policy ``annual_review_months``) after the order, each next one after the review that met
    the last (``reviews.rules.review_due_on``, as the live clock ``reviewsDue``). A review is
    the client's review that stands, a day after the one before (or the order); the chain ends
    with the order or the client's confirmed death (a review not done and due after either is
    not counted). The chains are built and counted in SQL (``review_chains_due``); each day a
    clock may start is given its due day here, by the months in force that day."""
    figures = await policy.figure_history(session, review_rules.REVIEW_MONTHS)
    longest = max((int(f.value) for f in figures if f.value is not None), default=12)

    def rule(anchor: date) -> date:
        return review_rules.review_due_on(anchor, months_in_force(figures, anchor))

    earliest = start - timedelta(days=31 * (longest + 1))
    return [
        Fact(r.due_on, r.done_on, r.cases)
        for r in await repository.review_chains_due(
            session, end, due_days(rule, earliest, start, end)
        )
    ]


async def budget_plan_reviews(session: AsyncSession, start: date, end: date) -> list[Fact]:
    """R-CARE-2: each client's budget plan for a year is reviewed a year after the year starts
    (``planning.rules.review_due_on``); done on the day the first plan for a later year was
    recorded (London date). A review not done and due after the client's confirmed death is
    not counted."""
    earliest = start - repository.LONGEST_CLOCK
    due = due_days(planning_rules.review_due_on, earliest, start, end)
    rows = await repository.plan_reviews_due(session, due)
    return [Fact(r.due_on, r.done_on, r.cases) for r in rows]


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
