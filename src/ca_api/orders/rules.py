"""Pure rules for court orders and appointeeships (R-ORD-1, R-ORD-3). No I/O."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, fields
from datetime import date, timedelta

from ca_api.money import Pence


class SupervisionType(enum.StrEnum):
    """The OPG's supervision level for a deputyship (R-ORD-3); it sets the yearly fee."""

    TYPE_1 = "TYPE_1"  # close
    TYPE_2A = "TYPE_2A"  # intermediate
    TYPE_2 = "TYPE_2"  # low
    TYPE_3 = "TYPE_3"  # minimal (small estates)


@dataclass(frozen=True)
class DeputyPowers:
    """What the Court of Protection's order lets the council do (R-ORD-1)."""

    receive_income: bool
    manage_accounts: bool
    manage_capital: bool
    sell_property: bool
    let_property: bool
    make_gifts: bool
    gift_yearly_limit: Pence | None = None  # None: the order names no yearly limit


@dataclass(frozen=True)
class DeputyshipDetails:
    case_number: str
    order_date: date
    powers: DeputyPowers
    supervision_type: SupervisionType
    end_date: date | None = None
    # The client also has a health and welfare order: the OPG report's -4 variants (issue 15).
    health_and_welfare_order: bool = False
    # The order that replaced this one (issue 9 item 5); set only by a supersession.
    superseded_by: uuid.UUID | None = None


@dataclass(frozen=True)
class AppointeeshipDetails:
    start_date: date
    dwp_reference: str | None = None
    applied_on: date | None = None
    end_date: date | None = None
    superseded_by: uuid.UUID | None = None


MAX_CASE_NUMBER = 40


def is_in_force(start: date, end: date | None, on: date) -> bool:
    """Both ends inclusive; an order that ends the day before it starts (replaced on its own
    date) is never in force."""
    return start <= on and (end is None or end >= on)


def end_problem(
    start: date, end: date | None, superseded_by: uuid.UUID | None, *, start_name: str
) -> str | None:
    """What is wrong with an order's end date, if anything. The end is on or after the start,
    except for an order superseded on its own date: it ends the day before, never in force
    (issue 9 item 5). A superseded order keeps an end."""
    if superseded_by is not None and end is None:
        return "cannot be cleared: the order was superseded by a later one"
    if end is not None and end < start:
        if superseded_by is not None and end == start - timedelta(days=1):
            return None
        return f"is before the {start_name}"
    return None


def end_when_superseded(start: date, end: date | None, successor_start: date) -> date | None:
    """The end of an order superseded by one in force from ``successor_start`` (issue 9 item 5,
    R-ORD): the day before the successor, unless it ended earlier already. None when the
    successor starts before this order: an order supersedes only an earlier or same-day one."""
    if successor_start < start:
        return None
    day_before = successor_start - timedelta(days=1)
    return day_before if end is None or end > day_before else end


def validate_deputyship(d: DeputyshipDetails, today: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not d.case_number.strip():
        problems["case_number"] = "is required"
    elif len(d.case_number) > MAX_CASE_NUMBER:
        problems["case_number"] = f"is longer than {MAX_CASE_NUMBER} characters"
    if d.order_date > today:
        problems["order_date"] = "is in the future"
    end = end_problem(d.order_date, d.end_date, d.superseded_by, start_name="order date")
    if end is not None:
        problems["end_date"] = end
    limit = d.powers.gift_yearly_limit
    if limit is not None:
        if not d.powers.make_gifts:
            problems["gift_yearly_limit"] = "needs the power to make gifts"
        elif limit < 0:
            problems["gift_yearly_limit"] = "cannot be negative"
    return problems


def validate_appointeeship(a: AppointeeshipDetails, today: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if a.start_date > today:
        problems["start_date"] = "is in the future"
    if a.applied_on is not None:
        if a.applied_on > today:
            problems["applied_on"] = "is in the future"
        elif a.applied_on > a.start_date:
            problems["applied_on"] = "is after the start date"
    end = end_problem(a.start_date, a.end_date, a.superseded_by, start_name="start date")
    if end is not None:
        problems["end_date"] = end
    if a.dwp_reference is not None and len(a.dwp_reference) > MAX_CASE_NUMBER:
        problems["dwp_reference"] = f"is longer than {MAX_CASE_NUMBER} characters"
    return problems


def changed(old: object, new: object) -> list[str]:
    """Names of the dataclass fields that differ between two values of one type."""
    return [f.name for f in fields(old) if getattr(old, f.name) != getattr(new, f.name)]  # type: ignore[arg-type]
