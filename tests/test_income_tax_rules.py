"""The pure rules of a client's income tax (R-CARE-6, seed 002 B 19): the tax year, the return
needed, its due day, a filing's problems."""

from __future__ import annotations

from datetime import date

from ca_api.income_tax import rules
from ca_api.income_tax.rules import ReturnReason
from ca_api.ledger.rules import Category


def test_the_tax_year_runs_6_april_to_5_april() -> None:
    assert rules.tax_year_of(date(2025, 4, 5)) == 2024
    assert rules.tax_year_of(date(2025, 4, 6)) == 2025
    assert rules.tax_year_of(date(2026, 1, 1)) == 2025
    assert (rules.starts_on(2025), rules.ends_on(2025)) == (date(2025, 4, 6), date(2026, 4, 5))
    assert (rules.label(2025), rules.label(2099)) == ("2025-26", "2099-00")


def test_the_return_is_due_301_days_after_5_april_31_january() -> None:
    assert rules.due_on(2024, 301) == date(2026, 1, 31)
    assert rules.due_on(2027, 301) == date(2029, 1, 31)  # over a leap year's February: none


def test_a_return_is_needed_over_an_allowance_never_at_it() -> None:
    pa, prop = 1_257_000, 100_000
    at = {Category.IN_STATE_PENSION: 1_000_000, Category.IN_INTEREST: 257_000}
    assert rules.return_reasons(at, pa, prop) == []
    over = at | {Category.IN_DIVIDENDS: 1}
    assert rules.return_reasons(over, pa, prop) == [ReturnReason.INCOME_OVER_PERSONAL_ALLOWANCE]
    assert rules.return_reasons({Category.IN_RENT: 100_001}, pa, prop) == [
        ReturnReason.RENT_OVER_PROPERTY_ALLOWANCE
    ]
    assert rules.return_reasons({Category.IN_RENT: 100_001}, pa, None) == []
    # benefits and other money in are not taxable income here
    assert rules.total_taxable({Category.IN_BENEFITS: 9_999_999, Category.IN_RENT: 5}) == 5


def test_a_filing_is_after_the_year_not_in_the_future() -> None:
    today = date(2025, 10, 1)
    assert rules.filing_problems(2024, date(2025, 4, 6), 0, today) == {}
    assert set(rules.filing_problems(2024, date(2025, 4, 5), None, today)) == {"filedOn"}
    assert set(rules.filing_problems(2025, date(2025, 9, 1), None, today)) == {"taxYear"}
    assert set(rules.filing_problems(2024, date(2025, 10, 2), None, today)) == {"filedOn"}
    assert set(rules.filing_problems(2024, date(2025, 5, 1), -1, today)) == {"taxDue"}
    assert set(rules.filing_problems(2014, date(2015, 5, 1), None, today)) == {"taxYear"}
