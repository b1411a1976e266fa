"""The caseload as at any date (R-REP-1, seed 002 Appendix 1): clients by role and situation,
totals, the change since a second date in number and percent, the deceased being wound up.

Counts a ``reporting`` caller reads are suppressed under the policy figure
``report_small_count_suppression`` (issue 16 item 7, ``rules.suppress_groups``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.permissions import CLIENT_READ_ALL
from ca_api.auth.principal import Principal
from ca_api.money import Pence
from ca_api.policy import service as policy
from ca_api.reports import caseload_repository, rules
from ca_api.reports.rules import Cell

ROLES = ("DEPUTY", "APPOINTEE")
SITUATIONS = ("COMMUNITY", "RESIDENTIAL_CARE", "DECEASED_WINDING_UP")
CELLS = tuple(f"{r}.{s}" for r in ROLES for s in SITUATIONS)
# Each total and the cells that add up to it (for complementary suppression).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((f"{r}.TOTAL", tuple(f"{r}.{s}" for s in SITUATIONS)) for r in ROLES),
    ("TOTAL", tuple(f"{r}.TOTAL" for r in ROLES)),
    ("TOTAL", CELLS),
    ("DECEASED", tuple(f"{r}.DECEASED_WINDING_UP" for r in ROLES)),
)


@dataclass(frozen=True)
class Disclosure:
    """How the caller sees counts: plainly (officers, audit: they read the clients themselves),
    or with counts under ``threshold`` suppressed (``reporting``)."""

    threshold: int | None

    def cells(
        self, counts: dict[str, int], groups: Sequence[tuple[str, Sequence[str]]]
    ) -> dict[str, Cell]:
        if self.threshold is None:
            return rules.shown_plainly(counts)
        return rules.suppress_groups(counts, groups, self.threshold)


async def disclosure_for(session: AsyncSession, principal: Principal) -> Disclosure:
    """Suppression for a caller who may not read every client (the ``reporting`` role), by the
    figure in force today: the day the figures are disclosed."""
    if principal.has_any(CLIENT_READ_ALL):
        return Disclosure(None)
    figure = await policy.figure(session, rules.SUPPRESSION_FIGURE, clock.today())
    return Disclosure(int(figure))


@dataclass(frozen=True)
class CaseloadReport:
    as_at: date
    cells: dict[str, Cell]  # CELLS, "<ROLE>.TOTAL", "TOTAL", "DECEASED"
    compared_with: date | None
    total_then: Cell | None
    change: int | None
    change_percent: int | None
    suppression_threshold: int | None


def _with_totals(counts: dict[str, int]) -> dict[str, int]:
    for r in ROLES:
        counts[f"{r}.TOTAL"] = sum(counts[f"{r}.{s}"] for s in SITUATIONS)
    counts["TOTAL"] = sum(counts[f"{r}.TOTAL"] for r in ROLES)
    counts["DECEASED"] = sum(counts[f"{r}.DECEASED_WINDING_UP"] for r in ROLES)
    return counts


def _cell_of(deputy: bool, situation: str) -> str:
    return f"{'DEPUTY' if deputy else 'APPOINTEE'}.{situation}"


async def counts_on(session: AsyncSession, on: date) -> dict[str, int]:
    """Every cell of the caseload on ``on``, plainly."""
    counts = dict.fromkeys(CELLS, 0)
    for row in await caseload_repository.caseload_counts(session, on):
        counts[_cell_of(row.deputy, row.situation)] += int(row.clients)
    return _with_totals(counts)


async def counts_at_month_ends(session: AsyncSession, days: list[date]) -> list[dict[str, int]]:
    """Every cell of the caseload on each of ``days`` (consecutive month ends), plainly: the
    first day counted whole, each next one from the one before, less the clients whose
    classification may have changed as they were counted the day before and plus them as
    counted that day (``caseload_repository.caseload_changes``). Two statements whatever the
    length."""
    first = await counts_on(session, days[0])
    steps: list[dict[str, int]] = [dict.fromkeys(CELLS, 0) for _ in days]
    for row in await caseload_repository.caseload_changes(session, days):
        steps[row.i][_cell_of(row.deputy, row.situation)] += row.sign * int(row.clients)
    out = [first]
    for step in steps[1:]:
        out.append(_with_totals({c: out[-1][c] + step[c] for c in CELLS}))
    return out


def report_of(
    disclosure: Disclosure,
    as_at: date,
    counts: dict[str, int],
    compared_with: date | None = None,
    then: dict[str, int] | None = None,
) -> CaseloadReport:
    """The report from the counts on ``as_at`` (and on ``compared_with``, if given) as the
    caller may see them."""
    cells = disclosure.cells(counts, GROUPS)
    total_then: Cell | None = None
    change = percent = None
    if compared_with is not None and then is not None:
        total_then = disclosure.cells({"TOTAL": then["TOTAL"]}, ())["TOTAL"]
        if not (cells["TOTAL"].suppressed or total_then.suppressed):
            change = counts["TOTAL"] - then["TOTAL"]
            percent = rules.percent_change(then["TOTAL"], counts["TOTAL"])
    return CaseloadReport(
        as_at=as_at,
        cells=cells,
        compared_with=compared_with,
        total_then=total_then,
        change=change,
        change_percent=percent,
        suppression_threshold=disclosure.threshold,
    )


async def caseload(
    session: AsyncSession, disclosure: Disclosure, as_at: date, compared_with: date | None
) -> CaseloadReport:
    counts = await counts_on(session, as_at)
    then = None if compared_with is None else await counts_on(session, compared_with)
    return report_of(disclosure, as_at, counts, compared_with, then)


async def caseload_series(
    session: AsyncSession, disclosure: Disclosure, start: date, end: date
) -> list[CaseloadReport]:
    """The caseload at each month end from ``start``'s month to ``end``'s, each compared with
    the month end before it (the first with the last day of the month before ``start``'s):
    the figures ``caseload(month end, month end before)`` gives, counted together."""
    ends = rules.month_ends(start, end)
    if not ends:
        return []
    before = date(start.year, start.month, 1) - timedelta(days=1)
    days = [before, *ends]
    counts = await counts_at_month_ends(session, days)
    return [
        report_of(disclosure, days[i], counts[i], days[i - 1], counts[i - 1])
        for i in range(1, len(days))
    ]


def _cell(c: Cell | None) -> str:
    return "" if c is None or c.value is None else str(c.value)


def _flag(c: Cell | None) -> str:
    return "true" if c is not None and c.suppressed else "false"


CSV_HEADER = ["as_at", "role", "situation", "clients", "suppressed"]


def rows_for_csv(reports: Sequence[CaseloadReport]) -> tuple[list[str], list[list[str]]]:
    """Header and rows: one row per date, role and situation (long form, as Metabase and
    Grafana plot it); role ALL for the totals, situation ALL for a role's total; a suppressed
    count is empty with suppressed true; the change as rows of role ALL, situation CHANGE and
    CHANGE_PERCENT when compared with a date."""
    rows: list[list[str]] = []
    for rep in reports:
        day = rep.as_at.isoformat()
        for r in ROLES:
            for s in (*SITUATIONS, "ALL"):
                c = rep.cells[f"{r}.{s if s != 'ALL' else 'TOTAL'}"]
                rows.append([day, r, s, _cell(c), _flag(c)])
        dec = rep.cells["DECEASED"]
        rows.append([day, "ALL", "DECEASED_WINDING_UP", _cell(dec), _flag(dec)])
        tot = rep.cells["TOTAL"]
        rows.append([day, "ALL", "ALL", _cell(tot), _flag(tot)])
        if rep.compared_with is not None:
            hidden = "false" if rep.change is not None else "true"
            change = "" if rep.change is None else str(rep.change)
            pct = "" if rep.change_percent is None else str(rep.change_percent)
            rows.append([day, "ALL", "CHANGE", change, hidden])
            rows.append([day, "ALL", "CHANGE_PERCENT", pct, hidden])
    return CSV_HEADER, rows


# A money figure resting on a suppressed count is suppressed with it (money_held).
def money_shown(amount: Pence | None, count: Cell) -> Pence | None:
    return None if count.suppressed else amount
