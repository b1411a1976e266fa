"""Use cases of the deadline measures (issue 16 item 4, R-REP-4): the report for a period and
its monthly series, as of the council's today, with small counts suppressed for a caller who
may not read every client (the ``reporting`` role); ``rows_for_csv`` for the CSV endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.principal import Principal
from ca_api.deadline_measures import repository, rules
from ca_api.deadline_measures.measures import MEASURES, Measure
from ca_api.deadline_measures.rules import Cell, Fact
from ca_api.reports.caseload import disclosure_for


@dataclass(frozen=True)
class MeasureCounts:
    """One promise's cases due in the period, as the caller may see them."""

    key: str
    promise: str
    rules: str
    cells: dict[str, Cell]  # "due", "met", "missed", "open"


@dataclass(frozen=True)
class DeadlinesReport:
    start: date
    end: date
    as_of: date
    measures: list[MeasureCounts]
    suppression_threshold: int | None


async def suppression_for(session: AsyncSession, principal: Principal) -> int | None:
    """None for a caller who reads every client (officers, audit); else the threshold in force
    today: the reports' one disclosure rule (``reports.caseload.disclosure_for``)."""
    return (await disclosure_for(session, principal)).threshold


async def _facts(session: AsyncSession, start: date, end: date) -> list[tuple[Measure, list[Fact]]]:
    await repository.for_a_report(session)
    return [(m, list(await m.facts(session, start, end))) for m in MEASURES]


def _report(
    every: Sequence[tuple[Measure, list[Fact]]],
    start: date,
    end: date,
    as_of: date,
    threshold: int | None,
) -> DeadlinesReport:
    measures = [
        MeasureCounts(
            m.key,
            m.promise,
            m.rules,
            rules.suppress_tally(rules.tally(facts, start, end, as_of), threshold),
        )
        for m, facts in every
    ]
    return DeadlinesReport(start, end, as_of, measures, threshold)


async def deadlines_report(
    session: AsyncSession, principal: Principal, start: date, end: date
) -> DeadlinesReport:
    """Each promise's cases due in ``[start, end]``: met, missed, open as of today. The caller
    checks the period (``rules.period_problem``)."""
    threshold = await suppression_for(session, principal)
    every = await _facts(session, start, end)
    return _report(every, start, end, clock.today(), threshold)


async def deadlines_series_for(
    session: AsyncSession, threshold: int | None, start: date, end: date
) -> list[DeadlinesReport]:
    """The monthly series for a caller whose disclosure is already known (the CSV endpoint)."""
    every = await _facts(session, start, end)
    today = clock.today()
    return [_report(every, a, b, today, threshold) for a, b in rules.months_of(start, end)]


async def deadlines_series(
    session: AsyncSession, principal: Principal, start: date, end: date
) -> list[DeadlinesReport]:
    """The report for each calendar month of ``[start, end]`` (the first and last clipped to
    it): the facts are read once. The caller checks the period (``rules.period_problem``)."""
    threshold = await suppression_for(session, principal)
    return await deadlines_series_for(session, threshold, start, end)


COUNTS = ("due", "met", "missed", "open")


def _cell(c: Cell) -> str:
    return "" if c.value is None else str(c.value)


def rows_for_csv(reports: Sequence[DeadlinesReport]) -> tuple[list[str], list[list[str]]]:
    """A header and one row per report and measure (a series: one report per month). A
    suppressed count is empty with its ``*_suppressed`` column ``true``."""
    header = ["from", "to", "as_of", "measure", "promise"]
    for name in COUNTS:
        header += [name, f"{name}_suppressed"]
    rows: list[list[str]] = []
    for r in reports:
        for m in r.measures:
            row = [r.start.isoformat(), r.end.isoformat(), r.as_of.isoformat(), m.key, m.promise]
            for name in COUNTS:
                row += [_cell(m.cells[name]), "true" if m.cells[name].suppressed else "false"]
            rows.append(row)
    return header, rows
