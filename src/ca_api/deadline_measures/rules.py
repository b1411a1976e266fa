"""Pure rules of the deadline measures (issue 16 item 4, R-REP-4): which cases a period counts,
how each is judged, small counts suppressed, the months of a series. No I/O, no clock.

- A case counts in the period ``[start, end]`` when its due date falls in it (both days
  included); what started the clock may lie before the period.
- Each case is judged by the one clock, ``common.deadlines.state_on``, as of ``as_of`` (the
  council's today when the report is read): MET (done on or before the due date), MISSED (done
  after it, or not done and the due date before ``as_of``), OPEN (not done and due ``as_of`` or
  later: ``state_on``'s DUE).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ca_api.common.deadlines import DeadlineState, state_on
from ca_api.reports.rules import MAX_SERIES_MONTHS, Cell, month_ends, shown_plainly, suppress_groups

__all__ = [
    "MAX_SERIES_MONTHS",
    "Cell",
    "Fact",
    "Tally",
    "months_of",
    "period_problem",
    "suppress_tally",
    "tally",
]

# The longest period a caller may ask for (ten years); the longest month series is the reports' one.
MAX_PERIOD_DAYS = 3660


@dataclass(frozen=True)
class Fact:
    """Cases of a promise: the day due and the day done (None: not yet); ``cases`` of them
    alike (a measure may count alike cases in SQL rather than send each)."""

    due_on: date
    done_on: date | None
    cases: int = 1


@dataclass(frozen=True)
class Tally:
    """A promise's cases due in a period: ``due`` = ``met`` + ``missed`` + ``open``."""

    due: int
    met: int
    missed: int
    open: int


def tally(facts: Iterable[Fact], start: date, end: date, as_of: date) -> Tally:
    """The cases due in ``[start, end]``, judged as of ``as_of`` (``state_on``)."""
    met = missed = still_open = 0
    for f in facts:
        if not start <= f.due_on <= end:
            continue
        state = state_on(f.due_on, f.done_on, as_of)
        if state is DeadlineState.MET:
            met += f.cases
        elif state is DeadlineState.MISSED:
            missed += f.cases
        else:
            still_open += f.cases
    return Tally(met + missed + still_open, met, missed, still_open)


def suppress_tally(t: Tally, threshold: int | None) -> dict[str, Cell]:
    """The four counts as a caller sees them. ``threshold`` None: plainly (officers, audit).
    Otherwise a count from 1 to ``threshold - 1`` is hidden; then, as ``due`` is the sum of the
    three others, where exactly one part is hidden and ``due`` is shown, the smallest other
    non-zero part is hidden too (or ``due`` if none), so no hidden count can be worked back."""
    counts = {"due": t.due, "met": t.met, "missed": t.missed, "open": t.open}
    if threshold is None:
        return shown_plainly(counts)
    return suppress_groups(counts, [("due", ("met", "missed", "open"))], threshold)


def period_problem(start: date, end: date) -> str | None:
    """A period runs forwards and is at most ten years long."""
    if end < start:
        return "is before from"
    if (end - start).days > MAX_PERIOD_DAYS:
        return f"is more than {MAX_PERIOD_DAYS} days after from"
    return None


def months_of(start: date, end: date) -> list[tuple[date, date]]:
    """Each calendar month from ``start``'s to ``end``'s, as (first day, last day) clipped to
    ``[start, end]``: a monthly series to plot (the reports' month ends). Empty when ``end`` is
    before ``start``."""
    return [(max(e.replace(day=1), start), min(e, end)) for e in month_ends(start, end)]
