"""Working days in England and Wales (domain.md; R-PAY-1 counts 21 of them from receipt):
weekends and bank holidays, including substitute days, around Christmas, New Year and Easter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ca_api.workdays import add_working_days, is_working_day, working_days_between

BANK_HOLIDAYS = [
    date(2026, 12, 25),  # Christmas Day, a Friday
    date(2026, 12, 28),  # Boxing Day (Saturday 26th) observed on the Monday
    date(2027, 1, 1),  # New Year's Day, a Friday
    date(2026, 4, 3),  # Good Friday 2026
    date(2026, 4, 6),  # Easter Monday 2026
    date(2027, 3, 26),  # Good Friday 2027
    date(2027, 3, 29),  # Easter Monday 2027
    date(2027, 12, 27),  # Christmas Day (a Saturday) observed
    date(2027, 12, 28),  # Boxing Day (a Sunday) observed
    date(2026, 5, 4),  # Early May bank holiday
    date(2026, 8, 31),  # Summer bank holiday (England; not Scotland's)
]


@pytest.mark.parametrize("day", BANK_HOLIDAYS, ids=str)
def test_bank_holidays_of_england_and_wales_are_not_working_days(day: date) -> None:
    """Domain: working days exclude bank holidays of England and Wales, substitutes included."""
    assert day.weekday() < 5
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 12, 24),  # Christmas Eve is a working day
        date(2026, 12, 29),
        date(2026, 12, 31),
        date(2027, 1, 4),
        date(2026, 4, 2),  # Maundy Thursday
        date(2026, 4, 7),
        date(2027, 1, 4),
        date(2026, 8, 3),  # Scotland's summer holiday, not England's
        date(2027, 1, 7),
    ],
    ids=str,
)
def test_ordinary_weekdays_are_working_days(day: date) -> None:
    assert is_working_day(day)


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 12, 26))  # Saturday
    assert not is_working_day(date(2026, 12, 27))  # Sunday
    assert not is_working_day(date(2026, 4, 5))  # Easter Sunday


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Christmas and New Year 2026/27: 25th, 28th (Boxing Day observed), 1 January.
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        (date(2026, 12, 23), 3, date(2026, 12, 30)),
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        # R-PAY-1: an invoice received on 10 December 2026 is due 21 working days later.
        (date(2026, 12, 10), 21, date(2027, 1, 13)),
        # Easter 2026 (Good Friday 3 April, Easter Monday 6 April) and May Day (4 May).
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        (date(2026, 4, 2), 21, date(2026, 5, 6)),
        # Easter 2027 (Good Friday 26 March, Easter Monday 29 March).
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        (date(2027, 3, 25), 21, date(2027, 4, 27)),
        # Christmas 2027 falls on a weekend: both substitute days are holidays.
        (date(2027, 12, 24), 1, date(2027, 12, 29)),
        # No holidays in June 2026: four weeks and a day.
        (date(2026, 6, 1), 21, date(2026, 6, 30)),
        # Received on a weekend: counting starts on the next working day.
        (date(2027, 1, 2), 1, date(2027, 1, 4)),
        (date(2026, 12, 24), 0, date(2026, 12, 24)),
    ],
    ids=lambda v: str(v),
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    """R-PAY-1: 21 working days of receipt, across weekends and bank holidays."""
    assert add_working_days(start, days) == expected


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(date(2026, 1, 5), -1)


def test_working_days_between_counts_after_start_up_to_end() -> None:
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1
    assert working_days_between(date(2026, 12, 10), date(2027, 1, 13)) == 21
    assert working_days_between(date(2026, 12, 29), date(2026, 12, 24)) == 0


days_in_range = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(start=days_in_range, days=st.integers(min_value=1, max_value=60))
def test_the_due_day_is_a_working_day_exactly_n_working_days_on(start: date, days: int) -> None:
    """Properties: the result is a working day, exactly ``days`` working days after the start,
    and adding one more working day moves strictly later."""
    due = add_working_days(start, days)
    assert is_working_day(due)
    assert working_days_between(start, due) == days
    assert due > start
    assert add_working_days(start, days + 1) > due
    # No working day is skipped: every day between is a weekend or a holiday, or counted.
    counted = sum(
        1 for n in range(1, (due - start).days + 1) if is_working_day(start + timedelta(days=n))
    )
    assert counted == days
