"""Pure rules of the reports (issue 16): small-count suppression, the change in percent, the
month ends of a series, the average at the penny. No I/O."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ca_api.money import Pence

SUPPRESSION_FIGURE = "report_small_count_suppression"  # COUNT, migration 0040
# The longest series a caller may ask for: ten years of month ends.
MAX_SERIES_MONTHS = 120


@dataclass(frozen=True)
class Cell:
    """A count as a caller sees it: the number, or None with ``suppressed`` (issue 16 item 7)."""

    value: int | None
    suppressed: bool


def is_small(count: int, threshold: int) -> bool:
    """A count that could point at a person: at least one and under the threshold. Zero is
    shown (nobody to point at)."""
    return 0 < count < threshold


def suppress_groups(
    counts: dict[str, int], groups: Sequence[tuple[str, Sequence[str]]], threshold: int
) -> dict[str, Cell]:
    """Every count as a ``reporting`` caller sees it: small ones suppressed, and then, so that
    no suppressed cell can be worked back from a total shown beside it, in each group (a total
    and the cells that add up to it) where exactly one cell is hidden and the total is not, the
    smallest other cell is hidden too (or the total, if no other cell is left). Repeated until
    nothing changes (a cell may sit in two groups)."""
    hidden = {k for k, n in counts.items() if is_small(n, threshold)}
    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            inside = [p for p in parts if p in hidden]
            if len(inside) != 1 or total in hidden:
                continue
            shown = [p for p in parts if p not in hidden and counts[p] > 0]
            if shown:
                hidden.add(min(shown, key=lambda p: (counts[p], p)))
            else:
                hidden.add(total)
            changed = True
    return {k: Cell(None, True) if k in hidden else Cell(n, False) for k, n in counts.items()}


def shown_plainly(counts: dict[str, int]) -> dict[str, Cell]:
    """Every count as it is (a caller who may read the clients themselves: officers, audit)."""
    return {k: Cell(n, False) for k, n in counts.items()}


def percent_change(before: int, after: int) -> int | None:
    """The change from ``before`` to ``after`` in whole percent of ``before``, half-up (away
    from zero), as seed 002 Appendix 1 writes it: 401 to 436 is 35 / 401 = 8.73% -> 9. None
    when ``before`` is zero (no base to compare with)."""
    if before == 0:
        return None
    exact = Decimal(after - before) * 100 / Decimal(before)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def average(total: Pence, clients: int) -> Pence | None:
    """The average per client, half-up at the penny; None for no clients."""
    if clients == 0:
        return None
    return int((Decimal(total) / clients).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_ends(start: date, end: date) -> list[date]:
    """The last day of each month from ``start``'s month to ``end``'s, both included (a series
    to plot: the same figure at each month end). Empty when ``end`` is before ``start``."""
    out: list[date] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(month_end(date(year, month, 1)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
