"""Working days in England and Wales: Monday to Friday, less the bank holidays (domain.md:
"Working days exclude weekends and bank holidays of England and Wales"; R-PAY-1, R-REF-5).

The bank holidays come from the maintained ``holidays`` package (England's calendar, which is
also Wales's), including substitute days ("Boxing Day (observed)") and one-off holidays. Pure
functions: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

# England's calendar; Wales has the same bank holidays.
_SUBDIVISION = "ENG"


@lru_cache(maxsize=256)
def _bank_holidays(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("GB", subdiv=_SUBDIVISION, years=year)
    return frozenset(calendar.keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday of England and Wales."""
    return day.weekday() < 5 and not is_bank_holiday(day)


# Days counted once per (start, days): pure functions of a fixed calendar, asked again and again
# (a deadlines list dates every accepted referral's two deadlines, 3,500 calls a page at issue
# 18's scale, each counting a month day by day: most of the page's time).
_REMEMBERED = 16_384


@lru_cache(maxsize=_REMEMBERED)
def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start``; ``start`` itself is not counted.

    An invoice received on a Friday (or on a Saturday) and due in 1 working day is due on the
    Monday, or the Tuesday when that Monday is a bank holiday. ``days == 0`` returns ``start``.
    """
    if days < 0:
        raise ValueError("days must be 0 or more")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


@lru_cache(maxsize=_REMEMBERED)
def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``):
    the inverse of ``add_working_days`` on working days."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
