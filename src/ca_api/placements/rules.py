"""Pure rules for placements with approved institutions (R-INV-2, R-INV-4, R-INV-6). No I/O."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ca_api.common.rules import add_months
from ca_api.decisions.rules import DecisionStatus
from ca_api.money import Pence, format_money, round_half_up

FSCS_LIMIT = "fscs_deposit_protection_limit"
MAX_TERM = "placement_max_term_months"
DAYS_IN_YEAR = Decimal(365)


class PlacementStatus(enum.StrEnum):
    PROPOSED = "PROPOSED"  # its INVESTMENT_PLAN decision awaits approval
    APPROVED = "APPROVED"  # approved, money not yet moved
    REFUSED = "REFUSED"  # its decision was refused or superseded: never placed
    PLACED = "PLACED"  # money with the institution
    MATURED = "MATURED"  # back at or after the maturity date
    WITHDRAWN = "WITHDRAWN"  # back before the maturity date (R-INV-6)


# Still counts against the deposit protection limit with its institution (R-INV-4).
OPEN = frozenset({PlacementStatus.PROPOSED, PlacementStatus.APPROVED, PlacementStatus.PLACED})


class PlacementEventKind(enum.StrEnum):
    PLACED = "PLACED"
    MATURED = "MATURED"
    WITHDRAWN = "WITHDRAWN"


def placement_status(decision: DecisionStatus, events: Iterable[str]) -> PlacementStatus:
    """Derived, never stored: what happened to the money wins; else its decision's status."""
    kinds = set(events)
    if PlacementEventKind.MATURED.value in kinds:
        return PlacementStatus.MATURED
    if PlacementEventKind.WITHDRAWN.value in kinds:
        return PlacementStatus.WITHDRAWN
    if PlacementEventKind.PLACED.value in kinds:
        return PlacementStatus.PLACED
    if decision is DecisionStatus.APPROVED:
        return PlacementStatus.APPROVED
    if decision is DecisionStatus.RAISED:
        return PlacementStatus.PROPOSED
    return PlacementStatus.REFUSED  # refused, or superseded (propose again)


def counts_against_surplus(status: PlacementStatus, start_date: date, since: date) -> bool:
    """Whether a placement takes from the surplus of a plan whose year starts ``since``
    (R-INV-2, seed 002 B 7.9-7.10): one proposed or approved (its money is still in the CMS
    account, which the plan counted), or placed from that date on and not yet back. One placed
    before the plan's year start had left the account before its opening balance was taken;
    one that has come back (matured or withdrawn) is in the account again."""
    if status in (PlacementStatus.PROPOSED, PlacementStatus.APPROVED):
        return True
    return status is PlacementStatus.PLACED and start_date >= since


def interest(amount: Pence, rate_percent: Decimal, days: int) -> Pence:
    """Simple interest for ``days`` at ``rate_percent`` a year: days/365, half-up to the penny
    (R-INV-6)."""
    if days <= 0:
        return 0
    return round_half_up(Decimal(amount) * rate_percent / Decimal(100) * days / DAYS_IN_YEAR)


@dataclass(frozen=True)
class Proposal:
    amount: Pence
    start_date: date
    maturity_date: date


def term_problems(
    start: date, term_months: int | None, maturity: date | None, max_months: int
) -> tuple[date | None, dict[str, str]]:
    """The maturity date, and why the term breaks R-INV-4: at most ``max_months`` calendar
    months (exactly that many allowed, a day more refused)."""
    if (term_months is None) == (maturity is None):
        return None, {"term_months": "give termMonths or maturityDate, not both"}
    if term_months is not None:
        if term_months < 1:
            return None, {"term_months": "must be at least 1"}
        if term_months > max_months:
            return None, {
                "term_months": f"is over {max_months} months, the longest placement (R-INV-4)"
            }
        return add_months(start, term_months), {}
    assert maturity is not None
    if maturity <= start:
        return None, {"maturity_date": "must be after the start date"}
    latest = add_months(start, max_months)
    if maturity > latest:
        return None, {
            "maturity_date": f"is more than {max_months} months after the start date: the latest "
            f"is {latest.isoformat()} (R-INV-4)"
        }
    return maturity, {}


def approval_problems(
    institution: str,
    approved_on: Callable[[date], bool],
    offered_from: date,
    start: date,
    today: date,
) -> dict[str, str]:
    """R-INV-4: the product is offered on the start date, and the institution is approved on
    it and still approved today (one no longer approved takes no new placements)."""
    problems: dict[str, str] = {}
    if offered_from > start:
        problems["product_id"] = (
            f"the product is offered from {offered_from.isoformat()}, not on the start "
            "date (R-INV-4)"
        )
    if not approved_on(start):
        problems["product_id"] = (
            f"{institution} is not an approved institution on {start.isoformat()} (R-INV-4)"
        )
    elif not approved_on(max(start, today)):
        problems["product_id"] = (
            f"{institution} is no longer an approved institution: it takes no new "
            "placements (R-INV-4)"
        )
    return problems


def limits_problem(amount: Pence, minimum: Pence | None, maximum: Pence | None) -> str | None:
    if minimum is not None and amount < minimum:
        return f"is below the product's minimum of {format_money(minimum)} (R-INV-4)"
    if maximum is not None and amount > maximum:
        return f"is above the product's maximum of {format_money(maximum)} (R-INV-4)"
    return None


def protection_problem(amount: Pence, already: Pence, limit: Pence, on: date) -> str | None:
    """R-INV-4: one client's money with one institution stays within the deposit protection
    limit in force on the start date (the limit itself allowed)."""
    if already + amount > limit:
        return (
            f"would put {format_money(already + amount)} with this institution for the client "
            f"({format_money(already)} already), above the deposit protection limit of "
            f"{format_money(limit)} in force on {on.isoformat()} (R-INV-4)"
        )
    return None
