"""One interest run, written once: interest on CMS accounts (R-ACC-1, ``receipts``) and on Court
Funds Office accounts (R-DATA, ``lodgements``) follow the same convention. Pure: the one
interest run (``ledger.interest_runs``) reads a scheme's accounts, rates and runs and hands them
here. No I/O.

Interest convention (R-ACC-1, R-DATA): simple daily interest, actual/365 fixed. Each day of the
period earns that day's end-of-day balance (posted transfers, by value date) x the rate in force
that day / 100 / 365; the days are summed exactly (fractions of a penny kept) and the sum is
rounded half-up to the penny once per account per period. The divisor is 365 in leap years too:
29 February earns a day's interest like any other day, so a whole leap year pays 366/365 of the
yearly rate. (The other common choice, actual/actual, would divide by 366 in a leap year; the
seed gives only "0.1% a year", and actual/365 is the sterling money-market convention.)
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ca_api.money import Pence

MAX_INTEREST_DAYS = 366
DAYS_IN_YEAR = 365


@dataclass(frozen=True)
class RateFrom:
    """A rate (percent a year) in force from a date; None: known to be unknown (R-DATA)."""

    effective_from: date
    percent: Decimal | None


def days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def validate_interest_period(start: date, end: date, today: date) -> dict[str, str]:
    if end < start:
        return {"period_end": "is before the period's start"}
    problems: dict[str, str] = {}
    if end >= today:
        problems["period_end"] = (
            "has not ended: interest is earned on end-of-day balances of days that are over"
        )
    if (end - start).days + 1 > MAX_INTEREST_DAYS:
        problems["period_start"] = f"a period is at most {MAX_INTEREST_DAYS} days"
    return problems


def daily_rates(rates: Sequence[RateFrom], start: date, end: date) -> list[Decimal] | date:
    """The rate in force on each day of the period, or the first day that has none."""
    ordered = sorted(rates, key=lambda r: r.effective_from)
    out: list[Decimal] = []
    i, current = 0, None
    for day in days(start, end):
        while i < len(ordered) and ordered[i].effective_from <= day:
            current = ordered[i]
            i += 1
        if current is None or current.percent is None:
            return day
        out.append(current.percent)
    return out


def daily_balances(
    opening: Pence, movements: Mapping[date, Pence], start: date, end: date
) -> list[Pence]:
    """Each day's end-of-day balance: ``opening`` (before ``start``) plus the net movements
    value-dated on or before the day."""
    balance, out = opening, []
    for day in days(start, end):
        balance += movements.get(day, 0)
        out.append(balance)
    return out


def accrued_interest(balances: Sequence[Pence], rates: Sequence[Decimal]) -> Fraction:
    """Exact pence: the sum over days of balance x rate / 100 / 365, nothing rounded."""
    if len(balances) != len(rates):
        raise ValueError("one rate per day")
    total = sum(
        (Fraction(b) * Fraction(r) for b, r in zip(balances, rates, strict=True)), Fraction(0)
    )
    return total / (100 * DAYS_IN_YEAR)


def round_half_up(amount: Fraction) -> Pence:
    """To whole pence, halves away from zero (as ``ca_api.money.round_half_up``), exactly."""
    magnitude = math.floor(abs(amount) + Fraction(1, 2))
    return magnitude if amount >= 0 else -magnitude


def interest_due(
    opening: Pence,
    movements: Mapping[date, Pence],
    rates: Sequence[Decimal],
    start: date,
    end: date,
) -> Pence:
    """Interest for one account and period, rounded half-up to the penny once (R-ACC-1).
    ``rates`` is one rate per day of the period (``daily_rates``)."""
    return round_half_up(accrued_interest(daily_balances(opening, movements, start, end), rates))


def rates_from(figures: Iterable[Any]) -> list[RateFrom]:
    """The rate figures of the policy (``effective_from``, ``value``) as ``RateFrom``."""
    return [RateFrom(f.effective_from, f.value) for f in figures]


def overlap_problem(run_start: date, run_end: date) -> dict[str, str]:
    """Why a period that overlaps an earlier run (``run_start`` to ``run_end``) is refused."""
    return {
        "period_start": f"overlaps the run for {run_start.isoformat()} "
        f"to {run_end.isoformat()}: a day earns interest once"
    }


def interest_by_account(
    movements: Iterable[Any],
    accounts: Container[uuid.UUID],
    rates: Sequence[Decimal],
    start: date,
    end: date,
) -> dict[uuid.UUID, Pence]:
    """Each account's interest for the period, only those of a penny or more, by account id.
    ``movements`` are (account_id, day, net) per account and value day, with everything before
    ``start`` on one day before it (the opening balance); ``rates`` one per day (``daily_rates``).
    An account not in ``accounts`` (made since they were locked) is left out: its money is
    later."""
    opening: dict[uuid.UUID, Pence] = defaultdict(int)
    by_day: dict[uuid.UUID, dict[date, Pence]] = defaultdict(dict)
    for row in movements:
        if row.day < start:
            opening[row.account_id] += int(row.net)
        else:
            by_day[row.account_id][row.day] = int(row.net)
    due = {
        account_id: interest_due(opening[account_id], by_day[account_id], rates, start, end)
        for account_id in sorted(set(opening) | set(by_day))
        if account_id in accounts
    }
    return {a: amount for a, amount in due.items() if amount > 0}
