"""The arithmetic of the cost and income appendix (R-REP-3, seed 002 Appendix 5), of the
workload (D 4) and of the exceptions register (D 1.3): pure functions, no I/O. Money is integer
pence; every rounding is half-up and said where it happens."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ca_api.money import Pence, percentage_of

MAX_ROLES = 50
MAX_TEXT = 2000
MAX_TITLE = 200
MAX_REFERENCE = 200


class PolicyExceptionOutcome(enum.StrEnum):
    APPROVED = "APPROVED"
    REFUSED = "REFUSED"


class ExceptionBody(enum.StrEnum):
    """The groups the governance manager puts an exception to (seed 002 D 1.3)."""

    BSD_DMT = "BSD_DMT"
    ASC_DMT = "ASC_DMT"
    CMT = "CMT"
    SCRUTINY_COMMITTEE = "SCRUTINY_COMMITTEE"


def financial_year(year: int) -> tuple[date, date]:
    """The council's financial year named by the year it starts: 1 April to 31 March."""
    return date(year, 4, 1), date(year + 1, 3, 31)


@dataclass(frozen=True)
class RoleCost:
    """A staff role as recorded: ``overheads`` only where the source states its own figure."""

    title: str
    fte: Decimal
    payroll: Pence
    overheads: Pence | None = None


@dataclass(frozen=True)
class CostLine:
    title: str
    fte: Decimal
    payroll: Pence
    overheads: Pence
    overheads_as_stated: bool  # True: the recorded figure, not payroll x the rate
    total: Pence


def cost_line(role: RoleCost, overhead_rate: Decimal) -> CostLine:
    """Payroll plus on-costs, the overheads (the rate of payroll, half-up to the penny, unless
    the role carries the source's own figure), and their sum."""
    stated = role.overheads is not None
    overheads = (
        role.overheads if role.overheads is not None else percentage_of(role.payroll, overhead_rate)
    )
    return CostLine(
        title=role.title,
        fte=role.fte,
        payroll=role.payroll,
        overheads=overheads,
        overheads_as_stated=stated,
        total=role.payroll + overheads,
    )


@dataclass(frozen=True)
class Income:
    court_fixed_costs: Pence  # deputy remuneration charged (R-FEE-1)
    wind_up_fees: Pence  # R-FEE-5, not reversed
    small_estates_kept: Pence  # R-DEATH-4, B 29.5

    @property
    def total(self) -> Pence:
        return self.court_fixed_costs + self.wind_up_fees + self.small_estates_kept


@dataclass(frozen=True)
class CostAndIncome:
    financial_year: int
    lines: list[CostLine]
    bank_charges: Pence
    income: Income

    @property
    def fte(self) -> Decimal:
        return sum((line.fte for line in self.lines), Decimal(0))

    @property
    def payroll(self) -> Pence:
        return sum(line.payroll for line in self.lines)

    @property
    def overheads(self) -> Pence:
        return sum(line.overheads for line in self.lines)

    @property
    def staff_cost(self) -> Pence:
        return sum(line.total for line in self.lines)

    @property
    def total_cost(self) -> Pence:
        return self.staff_cost + self.bank_charges

    @property
    def shortfall(self) -> Pence:
        """Cost less income: below zero, a surplus."""
        return self.total_cost - self.income.total


def cost_and_income(
    year: int,
    roles: list[RoleCost],
    overhead_rate: Decimal,
    bank_charges: Pence,
    income: Income,
) -> CostAndIncome:
    return CostAndIncome(
        financial_year=year,
        lines=[cost_line(r, overhead_rate) for r in roles],
        bank_charges=bank_charges,
        income=income,
    )


# --- the cost table as recorded -----------------------------------------------------------


def validate_cost_table(
    note: str, overhead_rate: Decimal, bank_charges: Pence, roles: list[RoleCost]
) -> dict[str, str]:
    """Field -> what is wrong with a new version of the cost table (empty: valid)."""
    problems: dict[str, str] = {}
    if not note.strip() or len(note) > MAX_TEXT:
        problems["note"] = f"say where the figures come from (1 to {MAX_TEXT} characters)"
    if not (Decimal(0) <= overhead_rate < Decimal(100)):
        problems["overheadRate"] = "a percentage of payroll from 0.0000 up to (not) 100.0000"
    if bank_charges < 0:
        problems["bankCharges"] = "not below 0.00"
    if not roles:
        problems["roles"] = "at least one staff role"
    if len(roles) > MAX_ROLES:
        problems["roles"] = f"at most {MAX_ROLES} roles"
    for i, role in enumerate(roles):
        if not role.title.strip() or len(role.title) > MAX_TITLE:
            problems[f"roles.{i}.title"] = f"the role's title (1 to {MAX_TITLE} characters)"
        if not (Decimal(0) < role.fte <= Decimal(1000)) or role.fte != role.fte.quantize(
            Decimal("0.01")
        ):
            problems[f"roles.{i}.fte"] = "more than 0 and at most 1000, two places at most"
        if role.payroll < 0:
            problems[f"roles.{i}.payrollAndOnCosts"] = "not below 0.00"
        if role.overheads is not None and role.overheads < 0:
            problems[f"roles.{i}.overheads"] = "not below 0.00"
    return problems


# --- workload (D 4) -------------------------------------------------------------------------

CENT = Decimal("0.01")


def clients_per_fte(clients: int, fte: Decimal) -> Decimal | None:
    """Clients per full time equivalent, half-up to two places; None without staff."""
    if fte <= 0:
        return None
    return (Decimal(clients) / fte).quantize(CENT, rounding=ROUND_HALF_UP)


def excess_percent(per_fte: Decimal | None, maximum: Decimal | None) -> Decimal | None:
    """How far clients per FTE are above (below zero: under) the maximum, in percent of the
    maximum, half-up to two places; None while either is unknown (D 4.1: yet to be agreed)."""
    if per_fte is None or maximum is None or maximum <= 0:
        return None
    return ((per_fte - maximum) * 100 / maximum).quantize(CENT, rounding=ROUND_HALF_UP)


def review_due(excess: Decimal | None, trigger: Decimal | None) -> bool | None:
    """D 4.2: the governance manager seeks a review once the excess is more than the agreed
    percent; None while either is unknown."""
    if excess is None or trigger is None:
        return None
    return excess > trigger


# --- the exceptions register (D 1.3) -------------------------------------------------------


def validate_exception(summary: str, policy_reference: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not summary.strip() or len(summary) > MAX_TEXT:
        problems["summary"] = f"what the exception is (1 to {MAX_TEXT} characters)"
    if not policy_reference.strip() or len(policy_reference) > MAX_REFERENCE:
        problems["policyReference"] = (
            f"the rule or section it departs from, e.g. B 22.1 (1 to {MAX_REFERENCE} characters)"
        )
    return problems


def validate_decision(reason: str) -> dict[str, str]:
    if not reason.strip() or len(reason) > MAX_TEXT:
        return {"reason": f"why (1 to {MAX_TEXT} characters)"}
    return {}
