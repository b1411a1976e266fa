"""Pure rules of a client's income tax (issue 14 item 6; R-CARE-6, seed 002 B 19): the tax
year (6 April to 5 April), which of the ledger's OPG categories (R-OPG-1) are taxable income,
whether a return is needed, when it is due, and what a filing must say. No I/O.

Seed 002 B 19.1 says only "where relevant a tax return is completed annually"; it names no
threshold. What we decided (policy figures, effective-dated rows of ``policy_figure``, migration
0035, read on the tax year's first day):

- Taxable income is money in of the OPG categories state pension, private pension, interest,
  dividends (investment income) and rent. Benefits (IN_BENEFITS: attendance allowance, PIP,
  DLA, pension credit...) are left out: most are not taxable, and the ledger does not tell the
  taxable ones apart.
- A return is needed when the year's taxable income is over the personal allowance
  (``income_tax_personal_allowance``), or when rent is over the property allowance
  (``income_tax_property_allowance``: untaxed income HMRC cannot collect through PAYE).
- It is due ``tax_return_due_days_after_year_end`` days after 5 April (301: 31 January, the
  online return's deadline), a DUE/MET/MISSED clock (``common.deadlines.state_on``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from ca_api.ledger.rules import Category
from ca_api.money import Pence

PERSONAL_ALLOWANCE = "income_tax_personal_allowance"  # PENCE
PROPERTY_ALLOWANCE = "income_tax_property_allowance"  # PENCE
RETURN_DUE_DAYS = "tax_return_due_days_after_year_end"  # DAYS

# The OPG money-in categories that are taxable income (R-OPG-1), in the order listed.
TAXABLE: tuple[Category, ...] = (
    Category.IN_STATE_PENSION,
    Category.IN_PRIVATE_PENSION,
    Category.IN_INTEREST,
    Category.IN_DIVIDENDS,
    Category.IN_RENT,
    Category.IN_SALARY_OR_WAGES,  # issue 15: wages had been IN_OTHER, out of this count
)
TAX_PAID = Category.OUT_TAX
TAX_REFUNDED = Category.IN_REFUNDS  # from the counterparty the client's tax is paid to

# The tax years a caller may ask for: the earliest with its figures, and a sane upper bound.
FIRST_TAX_YEAR = 2015
LAST_TAX_YEAR = 2100
MAX_REFERENCE = 100
MAX_TEXT = 2000


class ReturnReason(enum.StrEnum):
    """Why a return is needed for the year."""

    INCOME_OVER_PERSONAL_ALLOWANCE = "INCOME_OVER_PERSONAL_ALLOWANCE"
    RENT_OVER_PROPERTY_ALLOWANCE = "RENT_OVER_PROPERTY_ALLOWANCE"


class ReturnState(enum.StrEnum):
    """The year's return: not needed, or its clock (DUE, MET, MISSED)."""

    NOT_NEEDED = "NOT_NEEDED"
    DUE = "DUE"
    MET = "MET"
    MISSED = "MISSED"


def tax_year_of(day: date) -> int:
    """The tax year ``day`` falls in, named by the calendar year it starts (6 April)."""
    return day.year if (day.month, day.day) >= (4, 6) else day.year - 1


def starts_on(tax_year: int) -> date:
    return date(tax_year, 4, 6)


def ends_on(tax_year: int) -> date:
    return date(tax_year + 1, 4, 5)


def label(tax_year: int) -> str:
    """``2025-26``: as HMRC names the year."""
    return f"{tax_year}-{(tax_year + 1) % 100:02d}"


def due_on(tax_year: int, days_after_end: int) -> date:
    """The day the year's return is due: ``days_after_end`` after 5 April (301: 31 January)."""
    return ends_on(tax_year) + timedelta(days=days_after_end)


def total_taxable(income: Mapping[Category, Pence]) -> Pence:
    return sum((income.get(c, 0) for c in TAXABLE), 0)


@dataclass(frozen=True)
class ReturnTest:
    """One reason a return is needed: the year's income of ``categories`` (net, summed) over
    the policy figure ``allowance`` (when it is in force). ``column``: where the database keeps
    that sum for every client and year (``client_tax_year``, migration 0056), so that the
    caseload's list finds the clients over an allowance by index (issue 18 item 1)."""

    reason: ReturnReason
    categories: tuple[Category, ...]
    allowance: str
    column: str


# The rule of ``return_reasons``, as data: the one place it is written. The caseload's list
# compares the same sums in SQL (``repository.listed_client_ids``), built from these rows.
RETURN_TESTS: tuple[ReturnTest, ...] = (
    ReturnTest(
        ReturnReason.INCOME_OVER_PERSONAL_ALLOWANCE, TAXABLE, PERSONAL_ALLOWANCE, "taxable_income"
    ),
    ReturnTest(
        ReturnReason.RENT_OVER_PROPERTY_ALLOWANCE, (Category.IN_RENT,), PROPERTY_ALLOWANCE, "rent"
    ),
)


def allowances_of(
    personal_allowance: Pence, property_allowance: Pence | None
) -> dict[str, Pence | None]:
    """The year's allowances by policy figure name (None: not in force that year)."""
    return {PERSONAL_ALLOWANCE: personal_allowance, PROPERTY_ALLOWANCE: property_allowance}


def return_reasons(
    income: Mapping[Category, Pence],
    personal_allowance: Pence,
    property_allowance: Pence | None,
) -> list[ReturnReason]:
    """Why a return is needed (empty: it is not), R-CARE-6, seed 002 B 19.1 "where relevant":
    taxable income over the personal allowance; rent over the property allowance (when the
    figure is in force). Each allowance itself is within it (not over). ``RETURN_TESTS``."""
    allowances = allowances_of(personal_allowance, property_allowance)
    return [
        t.reason
        for t in RETURN_TESTS
        if (limit := allowances[t.allowance]) is not None
        and sum((income.get(c, 0) for c in t.categories), 0) > limit
    ]


def tax_year_problem(tax_year: int, today: date) -> str | None:
    """Why ``tax_year`` cannot be asked for (None: it can)."""
    if tax_year < FIRST_TAX_YEAR:
        return (
            f"must be {FIRST_TAX_YEAR} or later: the tax figures start with {label(FIRST_TAX_YEAR)}"
        )
    if tax_year > min(LAST_TAX_YEAR, tax_year_of(today)):
        return "is a tax year not yet begun"
    return None


def filing_problems(
    tax_year: int, filed_on: date, tax_due: Pence | None, today: date
) -> dict[str, str]:
    """What is wrong with a return recorded filed: a tax year before our figures, one not
    ended (a return is made after the year ends), filed in the future, a negative tax due."""
    problems: dict[str, str] = {}
    year = tax_year_problem(tax_year, today)
    if year is not None:
        problems["taxYear"] = year
    elif ends_on(tax_year) >= today:
        problems["taxYear"] = (
            f"{label(tax_year)} ends on {ends_on(tax_year).isoformat()}: its return is made after"
        )
    elif filed_on <= ends_on(tax_year):
        problems["filedOn"] = f"must be after the tax year ended ({ends_on(tax_year).isoformat()})"
    if filed_on > today:
        problems["filedOn"] = "must not be in the future"
    if tax_due is not None and tax_due < 0:
        problems["taxDue"] = "must not be negative (a repayment due is 0.00, the refund a receipt)"
    return problems
