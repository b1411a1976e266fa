"""Pure rules for budget plans and threshold flags (R-BUD-1 to R-BUD-4, R-INV-1, R-INV-2). No I/O.

Money is integer pence throughout. Annualising is exact (amount x times a year, no rounding);
the only rounding is the personal allowance's price rise and weekly figure, half-up at the penny.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ca_api.money import Pence, format_money, percentage_of, round_half_up


class Side(enum.StrEnum):
    INCOME = "INCOME"
    EXPENDITURE = "EXPENDITURE"


class Frequency(enum.StrEnum):
    """How often a plan line's amount is paid or received (R-BUD-1)."""

    WEEKLY = "WEEKLY"
    FORTNIGHTLY = "FORTNIGHTLY"
    FOUR_WEEKLY = "FOUR_WEEKLY"
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    TWICE_A_YEAR = "TWICE_A_YEAR"
    ANNUALLY = "ANNUALLY"
    AD_HOC = "AD_HOC"


# R-BUD-1: times a year. Ad hoc counts once (seed 002 Appendix 4: "Adhoc -" annualised at par).
TIMES_A_YEAR: dict[Frequency, int] = {
    Frequency.WEEKLY: 52,
    Frequency.FORTNIGHTLY: 26,
    Frequency.FOUR_WEEKLY: 13,
    Frequency.MONTHLY: 12,
    Frequency.QUARTERLY: 4,
    Frequency.TWICE_A_YEAR: 2,
    Frequency.ANNUALLY: 1,
    Frequency.AD_HOC: 1,
}

WEEKS_A_YEAR = 52  # R-BUD-4: the weekly personal allowance is the year's figure / 52
MAX_ITEM = 200
MAX_NOTE = 2000
MAX_LINES = 200


@dataclass(frozen=True)
class PlanLine:
    """One income or expenditure line. It counts in the totals with either an annual figure
    entered directly or an amount and a frequency; with neither it is a note of past spending
    (seed 002 Appendix 4 lists such lines without an annual figure and leaves them out)."""

    side: Side
    item: str
    amount: Pence | None = None
    frequency: Frequency | None = None
    annual_entered: Pence | None = None
    note: str | None = None

    @property
    def times_a_year(self) -> int | None:
        return TIMES_A_YEAR[self.frequency] if self.frequency is not None else None

    @property
    def computed_annual(self) -> Pence | None:
        """amount x times a year, exact in pence (R-BUD-1)."""
        if self.amount is None or self.frequency is None:
            return None
        return self.amount * TIMES_A_YEAR[self.frequency]

    @property
    def annual(self) -> Pence | None:
        """The figure counted in the totals: the annual figure entered directly, else
        amount x times; None for a note."""
        if self.annual_entered is not None:
            return self.annual_entered
        return self.computed_annual

    @property
    def in_totals(self) -> bool:
        return self.annual is not None

    @property
    def entered_minus_computed(self) -> Pence | None:
        """Where the annual figure was entered directly and amount x times is also known, how
        far apart they are (the seed's 1,722.30 against 430.58 x 4 = 1,722.32: -0.02)."""
        if self.annual_entered is None or self.computed_annual is None:
            return None
        return self.annual_entered - self.computed_annual


@dataclass(frozen=True)
class PlanTotals:
    income: Pence
    expenditure: Pence
    available: Pence  # R-BUD-2: income - expenditure; negative is a shortfall
    surplus: Pence  # R-BUD-3: opening balance + available income

    @property
    def shortfall(self) -> bool:
        return self.available < 0


def totals(opening_balance: Pence, lines: Sequence[PlanLine]) -> PlanTotals:
    """A plan's annual totals (R-BUD-1 to R-BUD-3); notes of past spending are left out."""
    income = sum(ln.annual or 0 for ln in lines if ln.side is Side.INCOME)
    expenditure = sum(ln.annual or 0 for ln in lines if ln.side is Side.EXPENDITURE)
    available = income - expenditure
    return PlanTotals(income, expenditure, available, opening_balance + available)


class Figure(enum.StrEnum):
    INCOME = "INCOME"
    EXPENDITURE = "EXPENDITURE"
    AVAILABLE_INCOME = "AVAILABLE_INCOME"
    SURPLUS = "SURPLUS"


@dataclass(frozen=True)
class PrintedTotals:
    """The totals as a paper plan printed them, where known (to show a plan's own errors)."""

    income: Pence | None = None
    expenditure: Pence | None = None
    available: Pence | None = None
    surplus: Pence | None = None

    def of(self, figure: Figure) -> Pence | None:
        return {
            Figure.INCOME: self.income,
            Figure.EXPENDITURE: self.expenditure,
            Figure.AVAILABLE_INCOME: self.available,
            Figure.SURPLUS: self.surplus,
        }[figure]


def _computed(t: PlanTotals, figure: Figure) -> Pence:
    return {
        Figure.INCOME: t.income,
        Figure.EXPENDITURE: t.expenditure,
        Figure.AVAILABLE_INCOME: t.available,
        Figure.SURPLUS: t.surplus,
    }[figure]


@dataclass(frozen=True)
class Difference:
    figure: Figure
    computed: Pence
    printed: Pence

    @property
    def difference(self) -> Pence:
        """computed - printed."""
        return self.computed - self.printed


def differences(t: PlanTotals, printed: PrintedTotals) -> list[Difference]:
    """Each printed figure that the lines do not add up to (plan B: expenditure 24,426.09
    computed against 23,646.09 printed, which left out its own 780.00 line)."""
    out = []
    for figure in Figure:
        p = printed.of(figure)
        if p is not None and p != _computed(t, figure):
            out.append(Difference(figure, _computed(t, figure), p))
    return out


@dataclass(frozen=True)
class PersonalAllowance:
    """R-BUD-4: last year's actual + a price rise, rounded half-up; the weekly figure / 52."""

    last_year_actual: Pence
    price_rise_percent: Decimal
    uplift: Pence
    year_total: Pence
    weekly: Pence


def personal_allowance(last_year_actual: Pence, price_rise_percent: Decimal) -> PersonalAllowance:
    """8,110.08 + 10% (811.008, so 811.01) = 8,921.09; 8,921.09 / 52 = 171.559.. so 171.56."""
    uplift = percentage_of(last_year_actual, price_rise_percent)
    year_total = last_year_actual + uplift
    weekly = round_half_up(Decimal(year_total) / Decimal(WEEKS_A_YEAR))
    return PersonalAllowance(last_year_actual, price_rise_percent, uplift, year_total, weekly)


def validate_lines(lines: Sequence[PlanLine]) -> dict[str, str]:
    """Problems with a plan's lines, by field (``incomeLines[2].amount``); empty when fine."""
    problems: dict[str, str] = {}
    if not lines:
        problems["lines"] = "a plan needs at least one income or expenditure line"
    if len(lines) > MAX_LINES:
        problems["lines"] = f"a plan has at most {MAX_LINES} lines"
    index = {Side.INCOME: 0, Side.EXPENDITURE: 0}
    for ln in lines:
        where = f"{'income' if ln.side is Side.INCOME else 'expenditure'}[{index[ln.side]}]"
        index[ln.side] += 1
        if not ln.item.strip():
            problems[f"{where}.item"] = "is required"
        elif len(ln.item) > MAX_ITEM:
            problems[f"{where}.item"] = f"is longer than {MAX_ITEM} characters"
        if ln.amount is not None and ln.amount < 0:
            problems[f"{where}.amount"] = "cannot be negative (put it on the other side)"
        if ln.annual_entered is not None and ln.annual_entered < 0:
            problems[f"{where}.annualAmount"] = "cannot be negative"
        if ln.frequency is not None and ln.amount is None:
            problems[f"{where}.amount"] = "is required with a frequency"
        if ln.amount is None and ln.annual_entered is None:
            problems[where] = "give an amount (with a frequency to count it), or an annual amount"
        if ln.note is not None and len(ln.note) > MAX_NOTE:
            problems[f"{where}.note"] = f"is longer than {MAX_NOTE} characters"
    return problems


# --- threshold flags (R-INV-1, R-INV-2) ---


class FlagKind(enum.StrEnum):
    DEPUTYSHIP_APPLICATION = "DEPUTYSHIP_APPLICATION"  # R-INV-1, appointee-only clients
    LODGEMENT = "LODGEMENT"  # R-INV-2, deputy clients


class FlagReason(enum.StrEnum):
    ASSETS_ABOVE_NEEDS = "ASSETS_ABOVE_NEEDS"
    HOLDS_CAPITAL = "HOLDS_CAPITAL"
    HOLDS_PROPERTY = "HOLDS_PROPERTY"
    HOLDS_PRIVATE_PENSION = "HOLDS_PRIVATE_PENSION"
    SURPLUS_AT_OR_ABOVE_THRESHOLD = "SURPLUS_AT_OR_ABOVE_THRESHOLD"


@dataclass(frozen=True)
class AssetDeclaration:
    capital: bool = False
    property: bool = False
    private_pension: bool = False


def deputyship_reasons(
    assets: Pence,
    twelve_months_needs: Pence | None,
    threshold: Pence,
    declared: AssetDeclaration | None,
) -> list[FlagReason]:
    """Why an appointee-only client should be flagged for a deputyship application (R-INV-1;
    seed 002 B3.6: "reach £8,000 above" 12 months' needs, so the threshold itself flags). With
    no budget plan the needs are unknown and only the declaration can flag."""
    reasons = []
    if twelve_months_needs is not None and assets - twelve_months_needs >= threshold:
        reasons.append(FlagReason.ASSETS_ABOVE_NEEDS)
    if declared is not None:
        if declared.capital:
            reasons.append(FlagReason.HOLDS_CAPITAL)
        if declared.property:
            reasons.append(FlagReason.HOLDS_PROPERTY)
        if declared.private_pension:
            reasons.append(FlagReason.HOLDS_PRIVATE_PENSION)
    return reasons


def lodgement_reasons(surplus: Pence | None, threshold: Pence) -> list[FlagReason]:
    """A deputy client's plan surplus of the threshold or more (R-INV-2; seed 002 B7.7:
    "£25,000.00 and above")."""
    if surplus is not None and surplus >= threshold:
        return [FlagReason.SURPLUS_AT_OR_ABOVE_THRESHOLD]
    return []


def pence_of_figure(value: Decimal) -> Pence:
    """A PENCE policy figure as integer pence (refuses a fraction rather than guess)."""
    if value != value.to_integral_value():
        raise ValueError(f"policy figure {value} is not a whole number of pence")
    return int(value)


# --- the yearly review (R-CARE-2, R-REP-4) ----------------------------------------------


class ReviewStatus(enum.StrEnum):
    NO_PLAN = "NO_PLAN"  # taken on, but no plan in force: one is made on acceptance
    OVERDUE = "OVERDUE"  # the plan in force is more than a year old
    DUE_SOON = "DUE_SOON"  # a year old within the notice period
    CURRENT = "CURRENT"


def plan_year_of(on: date) -> date:
    """The start of the plan year ``on`` falls in: plans run with the financial year, from
    1 April (the seed's plans are for 2014/15)."""
    return date(on.year if (on.month, on.day) >= (4, 1) else on.year - 1, 4, 1)


def review_due_on(plan_year_start: date) -> date:
    """A plan is reviewed a year after its year starts (29 February: on 28 February)."""
    try:
        return plan_year_start.replace(year=plan_year_start.year + 1)
    except ValueError:
        return plan_year_start.replace(year=plan_year_start.year + 1, day=28)


def review_status(plan_year_start: date | None, on: date, notice_days: int) -> ReviewStatus:
    if plan_year_start is None:
        return ReviewStatus.NO_PLAN
    due = review_due_on(plan_year_start)
    if due <= on:
        return ReviewStatus.OVERDUE
    if (due - on).days <= notice_days:
        return ReviewStatus.DUE_SOON
    return ReviewStatus.CURRENT


def plan_stale(plan_year_start: date, on: date) -> bool:
    """R-CARE-2: a plan is reviewed yearly; from its review date (``review_due_on``) it is
    stale: the OVERDUE of ``budgetPlanReviews``. The surplus it gives is no longer a basis for
    moving money (seed 002 B 7.7: "the surplus figure will be reviewed at least annually")."""
    return review_status(plan_year_start, on, 0) is ReviewStatus.OVERDUE


# --- the surplus rule on lodgements and placements (R-INV-2, seed 002 B 7.7-7.10, 20.2-20.4) ---


class SurplusRefusal(enum.StrEnum):
    """Why money may not go to the Court Funds Office or an institution (the error codes)."""

    NO_APPROVED_PLAN = "NO_APPROVED_PLAN"
    BUDGET_PLAN_STALE = "BUDGET_PLAN_STALE"
    SURPLUS_BELOW_THRESHOLD = "SURPLUS_BELOW_THRESHOLD"
    OVER_SURPLUS = "OVER_SURPLUS"


@dataclass(frozen=True)
class SurplusPosition:
    """A client's surplus on a date, as the lodgement and placement entry points judge it.

    ``surplus`` is the R-BUD-3 figure of the plan in force (opening balance + the year's
    available income, as the plan computed it); ``committed`` what already counts against it:
    every lodgement and placement still proposed or approved, and those lodged or placed on or
    after the plan's year start (earlier ones had left the account before the plan's opening
    balance was taken). ``available`` is what is left of the surplus."""

    on: date
    plan_id: uuid.UUID | None  # the plan in force; None when the client has none
    plan_year_start: date | None
    plan_approved: bool
    surplus: Pence | None
    threshold: Pence
    committed: Pence

    @property
    def review_due_on(self) -> date | None:
        return review_due_on(self.plan_year_start) if self.plan_year_start is not None else None

    @property
    def stale(self) -> bool:
        return self.plan_year_start is not None and plan_stale(self.plan_year_start, self.on)

    @property
    def available(self) -> Pence | None:
        return self.surplus - self.committed if self.surplus is not None else None


def surplus_refusal(position: SurplusPosition, amount: Pence) -> tuple[SurplusRefusal, str] | None:
    """Whether ``amount`` may go to the Court Funds Office or an institution (R-INV-2): only
    under an approved plan in force (R-CARE-2) that is not past its yearly review, only while
    what is left of its surplus is at least the threshold in force (seed 002 B 7.7: "only
    surplus funds of £25,000.00 and above"; B 20.3), and never more than what is left (B 20.4:
    twelve months' needs stay at hand). None when it may."""
    p = position
    if p.plan_id is None or p.surplus is None:
        return (
            SurplusRefusal.NO_APPROVED_PLAN,
            "the client has no budget plan in force: only a surplus worked out from an approved "
            "plan may be lodged or placed (R-INV-2, R-CARE-2, seed 002 B 20.4)",
        )
    if p.stale:
        due = p.review_due_on
        assert due is not None
        return (
            SurplusRefusal.BUDGET_PLAN_STALE,
            f"the budget plan in force is stale: it was due for its yearly review on "
            f"{due.isoformat()} (R-CARE-2); a surplus is worked out afresh from a reviewed "
            "plan before money is lodged or placed (seed 002 B 7.7)",
        )
    if not p.plan_approved:
        return (
            SurplusRefusal.NO_APPROVED_PLAN,
            "the budget plan in force is not approved: only a surplus worked out from an "
            "approved plan may be lodged or placed (R-INV-2, R-DEC)",
        )
    available = p.surplus - p.committed
    committed = (
        f" ({format_money(p.committed)} of its {format_money(p.surplus)} already lodged, placed "
        "or proposed)"
        if p.committed
        else ""
    )
    if available < p.threshold:
        return (
            SurplusRefusal.SURPLUS_BELOW_THRESHOLD,
            f"the surplus left under the plan is {format_money(available)}{committed}, below "
            f"the threshold of {format_money(p.threshold)} in force: only surplus funds of the "
            "threshold and above go to the Court Funds Office or an institution (R-INV-2, "
            "seed 002 B 7.7, 20.2-20.3)",
        )
    if amount > available:
        return (
            SurplusRefusal.OVER_SURPLUS,
            f"{format_money(amount)} is more than the surplus left under the plan, "
            f"{format_money(available)}{committed}: twelve months' needs stay in the client's "
            "account (R-INV-2, seed 002 B 20.4)",
        )
    return None
