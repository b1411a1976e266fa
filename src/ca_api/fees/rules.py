"""Pure fee rules (R-FEE-1 to R-FEE-4, R-FEE-6, R-DATA): which fees a deputy client owes for a
period, and how much, from effective-dated figures. No I/O.

How the rules are read (documented here, tested in tests/test_fee_rules.py):

- **Due dates.** Deputy remuneration and the OPG supervision fee are both due on each
  anniversary of the deputyship's order date that falls in the period, both ends inclusive
  (R-FEE-1, R-FEE-2). The n-th anniversary is the order date plus n years; an order made on
  29 February has its anniversary on 1 March in a common year (the year that began on 29
  February has run out at the end of 28 February). Nothing is due at an anniversary after the
  order's end date (an order ending on the anniversary itself is still in force that day).
- **"Remuneration at least quarterly"** (R-FEE-3, seed 002 6.3). The court's fixed annual
  management fee is earned on the anniversary, so it is taken in full at the anniversary; "at
  least quarterly" is how often the council runs the fee run (``runFees`` for each quarter, or
  more often), so that no anniversary waits more than a quarter to be charged. The fee is not
  split into quarterly instalments.
- **First year / later years.** The first anniversary carries the first-year rate, every later
  anniversary the later-year rate (R-FEE-1).
- **Low assets.** Seed 002 Appendix 3 marks only the *subsequent annual charge* with "*unless
  the client has less than £16k, then 3% is applied"; domain.md R-FEE-1 reads as if the 3% could
  replace the first-anniversary fee too. The seed wins: the 3% rule replaces the later-year rate
  only. Net assets strictly under the threshold at the anniversary: the percentage of net assets,
  rounded half-up to the penny; at or over it, the fixed rate. A 3% fee that rounds to nothing
  is not charged.
- **The year a fee pays for.** The n-th anniversary's fees pay for the deputyship year from the
  (n-1)-th anniversary (the order date itself for the first) to the day before the n-th, both
  inclusive: an order of 10 May 2015 pays on 10 May 2016 for 10 May 2015 to 9 May 2016. A charge
  records that year beside its due date and the day the run moved the money (issue 9 item 10).
- **Which figure applies.** R-DATA says the new low-assets threshold applies "for periods ending
  on or after 2024-04-01". The period a fee pays for is the deputyship year that ends on its
  anniversary, so every figure a fee uses (rates, threshold, percentage, OPG fees) is the one in
  force on the fee's due date, whatever run charges it. A run's own dates only choose which
  anniversaries it charges.
- **Unknown is not zero.** A figure with no row in force, or whose value is NULL (known to be
  unknown, e.g. the 2024 PD19B management fees), makes the fee ``Missing``: it is refused, never
  guessed (R-DATA). A fee needs only the figures it uses: a low-assets fee needs the threshold and
  the percentage, not the fixed rate it replaces.
- **Supervision type.** Types 1, 2A and 2 pay the general fee, type 3 the minimal fee (R-FEE-2,
  R-ORD-3). The OPG decides the type; the run charges the type recorded on the order.
- **Appointee-only clients** have no deputyship, so nothing here is due for them (R-FEE-4).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ca_api.money import Pence, percentage_of
from ca_api.orders.rules import SupervisionType

# Policy figure names (rows of policy_figure, seeded by migration 0006).
FIRST_YEAR = "deputy_fee_first_year"  # PENCE, R-FEE-1
LATER_YEAR = "deputy_fee_later_year"  # PENCE, R-FEE-1
LOW_ASSETS_THRESHOLD = "deputy_fee_low_assets_threshold"  # PENCE, R-FEE-1
LOW_ASSETS_PERCENT = "deputy_fee_low_assets_percent"  # PERCENT, R-FEE-1
OPG_GENERAL = "opg_supervision_fee_general"  # PENCE, types 1, 2A, 2 (R-FEE-2)
OPG_MINIMAL = "opg_supervision_fee_minimal"  # PENCE, type 3 (R-FEE-2)

FEE_FIGURES = (
    FIRST_YEAR,
    LATER_YEAR,
    LOW_ASSETS_THRESHOLD,
    LOW_ASSETS_PERCENT,
    OPG_GENERAL,
    OPG_MINIMAL,
)


class FeeKind(enum.StrEnum):
    DEPUTY_REMUNERATION = "DEPUTY_REMUNERATION"  # to the council (R-FEE-1)
    OPG_SUPERVISION = "OPG_SUPERVISION"  # passed on to the OPG (R-FEE-2)


class FeeBasis(enum.StrEnum):
    """Which rule priced a fee."""

    FIRST_YEAR = "FIRST_YEAR"
    LATER_YEAR = "LATER_YEAR"
    LOW_ASSETS_PERCENT = "LOW_ASSETS_PERCENT"
    SUPERVISION_GENERAL = "SUPERVISION_GENERAL"
    SUPERVISION_MINIMAL = "SUPERVISION_MINIMAL"


class OpgFeeType(enum.StrEnum):
    """The OPG report's types of deputy fee (issue 15, R-OPG; PD19B's fixed costs): how the
    report lists the council's fees as deputy."""

    WORK_UP_TO_ORDER = "WORK_UP_TO_ORDER"
    ANNUAL_MANAGEMENT = "ANNUAL_MANAGEMENT"
    ANNUAL_PROPERTY_MANAGEMENT = "ANNUAL_PROPERTY_MANAGEMENT"
    REPORT_PREPARATION = "REPORT_PREPARATION"
    TAX_RETURN = "TAX_RETURN"
    TRAVEL = "TRAVEL"
    SPECIALIST_SERVICES = "SPECIALIST_SERVICES"


# The OPG digital service's id of each fee type (its own spelling, "completition" included).
OPG_FEE_TYPE_ID: Mapping[OpgFeeType, str] = {
    OpgFeeType.WORK_UP_TO_ORDER: "work-up-to-and-including-cot-made",
    OpgFeeType.ANNUAL_MANAGEMENT: "annual-management-fee",
    OpgFeeType.ANNUAL_PROPERTY_MANAGEMENT: "annual-property-management-fee",
    OpgFeeType.REPORT_PREPARATION: "preparing-and-lodging-annual-report",
    OpgFeeType.TAX_RETURN: "completition-of-tax-return",
    OpgFeeType.TRAVEL: "travel-costs",
    OpgFeeType.SPECIALIST_SERVICES: "specialist-service",
}


def opg_fee_type(kind: FeeKind, basis: FeeBasis) -> OpgFeeType | None:
    """The OPG report's type of a fee the fee run charged: the council's remuneration (first
    year, later year or the low-assets percentage) is the annual management fee (R-FEE-1); the
    OPG's own supervision fee is not a deputy fee (None: money out as OPG fees, R-FEE-2)."""
    if kind is FeeKind.DEPUTY_REMUNERATION:
        return OpgFeeType.ANNUAL_MANAGEMENT
    return None


@dataclass(frozen=True)
class FigureFrom:
    """One row of a policy figure's history. ``value`` None: known to be unknown."""

    name: str
    effective_from: date
    value: Decimal | None


@dataclass(frozen=True)
class Missing:
    """A figure a fee needs is not in force on ``on`` (no row, or a NULL value)."""

    name: str
    on: date
    known_unknown: bool  # a row says the figure is unknown (NULL), rather than no row at all


@dataclass(frozen=True)
class Rates:
    """Every fee figure's history, by name."""

    history: Mapping[str, Sequence[FigureFrom]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[FigureFrom]) -> Rates:
        out: dict[str, list[FigureFrom]] = {}
        for r in rows:
            out.setdefault(r.name, []).append(r)
        return cls({k: sorted(v, key=lambda r: r.effective_from) for k, v in out.items()})

    def on(self, name: str, day: date) -> FigureFrom | Missing:
        """The row in force on ``day``: the latest not after it (R-DATA)."""
        in_force = [r for r in self.history.get(name, ()) if r.effective_from <= day]
        if not in_force:
            return Missing(name, day, known_unknown=False)
        row = in_force[-1]
        if row.value is None:
            return Missing(name, day, known_unknown=True)
        return row


@dataclass(frozen=True)
class Order:
    """A deputyship as the fee rules see it."""

    deputyship_id: uuid.UUID
    order_date: date
    supervision_type: SupervisionType
    end_date: date | None = None


@dataclass(frozen=True)
class Due:
    """A fee that falls due: ``kind`` at the ``anniversary``-th anniversary, on ``due_date``,
    for the deputyship year from ``year_start`` to the day before ``due_date``."""

    kind: FeeKind
    deputyship_id: uuid.UUID
    anniversary: int
    due_date: date
    supervision_type: SupervisionType
    year_start: date

    @property
    def year_end(self) -> date:
        """The year's last day, inclusive: the day before the anniversary."""
        return self.due_date - timedelta(days=1)


@dataclass(frozen=True)
class Charge:
    """A priced fee: the amount and the figures it was judged under (R-FEE-6)."""

    due: Due
    basis: FeeBasis
    amount: Pence
    figure: FigureFrom  # the rate applied
    threshold: FigureFrom | None = None  # the low-assets threshold judged against (remuneration)
    net_assets: Pence | None = None  # net assets at the due date (remuneration)


def anniversary(order_date: date, n: int) -> date:
    """The n-th anniversary of an order; 29 February's falls on 1 March in a common year."""
    year = order_date.year + n
    try:
        return order_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def year_start(order_date: date, n: int) -> date:
    """The first day of the deputyship year the n-th anniversary's fees pay for."""
    return anniversary(order_date, n - 1)


def anniversaries_in(order: Order, start: date, end: date) -> list[tuple[int, date]]:
    """(n, date) of every anniversary of ``order`` from ``start`` to ``end`` inclusive at which
    the order is still in force."""
    if end < start:
        return []
    out: list[tuple[int, date]] = []
    n = max(1, start.year - order.order_date.year - 1)
    while True:
        day = anniversary(order.order_date, n)
        if day > end:
            return out
        if day >= start and (order.end_date is None or order.end_date >= day):
            out.append((n, day))
        n += 1


def fees_due(orders: Iterable[Order], start: date, end: date) -> list[Due]:
    """Every fee due for one client's deputyships in the period (R-FEE-1, R-FEE-2): deputy
    remuneration and the OPG supervision fee at each anniversary. One of each kind per due date
    (a client pays once a day whatever orders overlap): the first order listed wins."""
    seen: set[tuple[FeeKind, date]] = set()
    out: list[Due] = []
    for order in orders:
        for n, day in anniversaries_in(order, start, end):
            for kind in FeeKind:
                if (kind, day) in seen:
                    continue
                seen.add((kind, day))
                start = year_start(order.order_date, n)
                out.append(Due(kind, order.deputyship_id, n, day, order.supervision_type, start))
    return sorted(out, key=lambda d: (d.due_date, d.kind.value))


def pence_of(figure: FigureFrom) -> Pence:
    assert figure.value is not None
    return int(figure.value)


def low_assets_rule_applies(anniversary_no: int) -> bool:
    """Seed 002 Appendix 3: the 3% rule replaces the *subsequent* annual charge only."""
    return anniversary_no >= 2


def price(due: Due, net_assets: Pence, rates: Rates) -> Charge | Missing | None:
    """The amount of one fee, or the figure that is missing; None: nothing to charge (a low-assets
    percentage that rounds to nothing)."""
    day = due.due_date
    if due.kind is FeeKind.OPG_SUPERVISION:
        minimal = due.supervision_type is SupervisionType.TYPE_3
        fee = rates.on(OPG_MINIMAL if minimal else OPG_GENERAL, day)
        if isinstance(fee, Missing):
            return fee
        basis = FeeBasis.SUPERVISION_MINIMAL if minimal else FeeBasis.SUPERVISION_GENERAL
        return Charge(due, basis, pence_of(fee), fee)

    if not low_assets_rule_applies(due.anniversary):
        fee = rates.on(FIRST_YEAR, day)
        if isinstance(fee, Missing):
            return fee
        return Charge(due, FeeBasis.FIRST_YEAR, pence_of(fee), fee, net_assets=net_assets)

    # R-DATA: the low-assets threshold is "£20,300 for periods ending on or after 2024-04-01":
    # judged by the last day of the year the fee pays for, not the day it falls due (a fee due
    # on 2024-04-01 is for a year ending 2024-03-31: the old £16,000).
    threshold = rates.on(LOW_ASSETS_THRESHOLD, due.year_end)
    if isinstance(threshold, Missing):
        return threshold
    if net_assets < pence_of(threshold):
        percent = rates.on(LOW_ASSETS_PERCENT, day)
        if isinstance(percent, Missing):
            return percent
        assert percent.value is not None
        amount = percentage_of(max(net_assets, 0), percent.value)
        if amount <= 0:
            return None
        return Charge(
            due, FeeBasis.LOW_ASSETS_PERCENT, amount, percent, threshold, net_assets=net_assets
        )
    fee = rates.on(LATER_YEAR, day)
    if isinstance(fee, Missing):
        return fee
    return Charge(due, FeeBasis.LATER_YEAR, pence_of(fee), fee, threshold, net_assets=net_assets)


def assess(
    dues: Sequence[Due], net_assets_on: Mapping[date, Pence], rates: Rates
) -> list[Charge] | Missing:
    """Price every fee a client owes for the period. All or nothing for the client: the first
    missing figure refuses the client's whole run (nothing is charged for them, R-DATA), so a
    later run charges them whole once the figure is entered."""
    charges: list[Charge] = []
    for due in dues:
        priced = price(due, net_assets_on.get(due.due_date, 0), rates)
        if isinstance(priced, Missing):
            return priced
        if priced is not None:
            charges.append(priced)
    return charges


def net_assets_by_day(movements: Mapping[date, Pence], days: Iterable[date]) -> dict[date, Pence]:
    """Net assets at the end of each of ``days``: every movement value-dated on or before it.
    ``movements``: the net money into the client's accounts (all of them) per value date."""
    ordered = sorted(movements.items())
    out: dict[date, Pence] = {}
    for day in days:
        out[day] = sum(amount for when, amount in ordered if when <= day)
    return out


def validate_period(start: date, end: date, today: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if end < start:
        problems["period_end"] = "is before the period start"
    elif end > today:
        problems["period_end"] = "is in the future: fees are charged once they are due"
    return problems
