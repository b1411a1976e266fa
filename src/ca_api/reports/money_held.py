"""Money held as at any date (R-REP-2, seed 002 section 1.4): from the ledger, the posted money
in the client accounts of the clients the caseload counts (``reports.caseload``) value-dated on
or before the date, in total and by role, the average per client (half-up at the penny), and
the number of deputy clients holding at least the lodgement threshold in force that day (the
policy figure the lodgement flags judge by, ``planning.service.LODGEMENT_SURPLUS``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.money import Pence, format_money
from ca_api.planning.rules import pence_of_figure
from ca_api.planning.service import LODGEMENT_SURPLUS
from ca_api.policy import service as policy
from ca_api.policy.models import PolicyFigure
from ca_api.reports import money_held_repository, rules
from ca_api.reports.caseload import ROLES, Disclosure, money_shown
from ca_api.reports.rules import Cell


@dataclass(frozen=True)
class HeldByRole:
    role: str  # DEPUTY / APPOINTEE
    clients: Cell
    held: Pence | None  # None: suppressed with its count
    average: Pence | None  # None: suppressed, or no clients


@dataclass(frozen=True)
class MoneyHeldReport:
    as_at: date
    total: Pence | None
    total_clients: Cell
    by_role: list[HeldByRole]
    threshold: Pence | None  # None: no lodgement threshold in force that day
    threshold_from: date | None
    over_threshold: Cell | None
    suppression_threshold: int | None


@dataclass(frozen=True)
class Held:
    """One role's figures on a date, plainly: clients, money held, deputy clients over the
    threshold."""

    clients: int = 0
    held: Pence = 0
    over: int = 0


async def _threshold_on(session: AsyncSession, on: date) -> tuple[Pence | None, date | None]:
    """The lodgement threshold in force on ``on`` and the day it took effect (None, None: none)."""
    return _threshold_of(await policy.figure_on(session, LODGEMENT_SURPLUS, on))


def _threshold_of(figure: PolicyFigure | None) -> tuple[Pence | None, date | None]:
    if figure is None or figure.value is None:
        return None, None
    return pence_of_figure(figure.value), figure.effective_from


def report_of(
    disclosure: Disclosure,
    as_at: date,
    threshold: Pence | None,
    threshold_from: date | None,
    by_role: dict[bool, Held],
) -> MoneyHeldReport:
    """The report from each role's figures (``by_role``, keyed deputy or not) as the caller may
    see them."""
    counts: dict[str, int] = {}
    held: dict[str, Pence] = {}
    for role in ROLES:
        figures = by_role.get(role == "DEPUTY", Held())
        counts[role] = figures.clients
        held[role] = figures.held
    counts["TOTAL"] = sum(counts[r] for r in ROLES)
    counts["OVER"] = by_role.get(True, Held()).over
    cells = disclosure.cells(counts, [("TOTAL", ROLES)])
    shown = [
        HeldByRole(
            role=r,
            clients=cells[r],
            held=money_shown(held[r], cells[r]),
            average=money_shown(rules.average(held[r], counts[r]), cells[r]),
        )
        for r in ROLES
    ]
    return MoneyHeldReport(
        as_at=as_at,
        total=money_shown(sum(held.values()), cells["TOTAL"]),
        total_clients=cells["TOTAL"],
        by_role=shown,
        threshold=threshold,
        threshold_from=threshold_from if threshold is not None else None,
        over_threshold=cells["OVER"] if threshold is not None else None,
        suppression_threshold=disclosure.threshold,
    )


async def money_held(session: AsyncSession, disclosure: Disclosure, as_at: date) -> MoneyHeldReport:
    threshold, threshold_from = await _threshold_on(session, as_at)
    by_role = {
        bool(r.deputy): Held(int(r.clients), int(r.held), int(r.over_threshold))
        for r in await money_held_repository.money_by_role(session, as_at, threshold)
    }
    return report_of(disclosure, as_at, threshold, threshold_from, by_role)


async def money_held_series(
    session: AsyncSession, disclosure: Disclosure, start: date, end: date
) -> list[MoneyHeldReport]:
    """Money held at each month end from ``start``'s month to ``end``'s: the figures
    ``money_held(month end)`` gives, from one statement (``money_held_repository.money_series``:
    each figure by the steps at which it changes, added up here)."""
    days = rules.month_ends(start, end)
    if not days:
        return []
    # the threshold's history read once, each month end's taken from it (not a query a month)
    history = await policy.figure_history(session, LODGEMENT_SURPLUS)
    thresholds = [_threshold_of(policy.in_force(history, d)) for d in days]
    changes = await money_held_repository.money_series(session, days, [t for t, _ in thresholds])
    running: dict[bool, Held] = {}
    out: list[MoneyHeldReport] = []
    for i, day in enumerate(days):
        for row in changes:
            if row.i == i:
                before = running.get(bool(row.deputy), Held())
                running[bool(row.deputy)] = Held(
                    before.clients + int(row.clients),
                    before.held + int(row.held),
                    before.over + int(row.over_threshold),
                )
        # A role with no client that day reads as none (as money_held, which gets no row).
        by_role = {deputy: h for deputy, h in running.items() if h.clients}
        threshold, threshold_from = thresholds[i]
        out.append(report_of(disclosure, day, threshold, threshold_from, by_role))
    return out


def _money(p: Pence | None) -> str:
    return "" if p is None else format_money(p)


CSV_HEADER = [
    "as_at",
    "role",
    "clients",
    "held",
    "average",
    "suppressed",
    "over_lodgement_threshold",
    "lodgement_threshold",
]


def rows_for_csv(reports: Sequence[MoneyHeldReport]) -> tuple[list[str], list[list[str]]]:
    """Header and rows: per date, one row per role and one of role ALL (the total, with the
    deputy clients over the lodgement threshold and the threshold); money as decimal strings
    (``1234.50``); a suppressed figure empty with suppressed true."""
    rows: list[list[str]] = []
    for rep in reports:
        day = rep.as_at.isoformat()
        for b in rep.by_role:
            n = "" if b.clients.value is None else str(b.clients.value)
            flag = "true" if b.clients.suppressed else "false"
            rows.append([day, b.role, n, _money(b.held), _money(b.average), flag, "", ""])
        t = rep.total_clients
        over = rep.over_threshold
        rows.append(
            [
                day,
                "ALL",
                "" if t.value is None else str(t.value),
                _money(rep.total),
                "",
                "true" if t.suppressed or (over is not None and over.suppressed) else "false",
                "" if over is None or over.value is None else str(over.value),
                _money(rep.threshold),
            ]
        )
    return CSV_HEADER, rows
