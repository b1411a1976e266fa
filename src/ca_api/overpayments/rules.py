"""Pure rules of benefit overpayments after a client's death (issue 13 item 3, R-DEATH-2, seed
002 B 29.2: "Overpayments of benefits should be repaid upon request from the relevant agency").
No I/O.

A benefit or pension received for days after the date of death is a likely overpayment: it is
flagged and held back until the paying agency asks for it (a repayment) or says nothing is owed
(a release)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from ca_api.ledger.interest import round_half_up
from ca_api.ledger.rules import Category
from ca_api.money import Pence

# Money a paying agency may reclaim after a death (R-DEATH-2): benefits and pensions.
FLAGGED_CATEGORIES = frozenset(
    {Category.IN_BENEFITS, Category.IN_STATE_PENSION, Category.IN_PRIVATE_PENSION}
)
MAX_REFERENCE = 100
MAX_REASON = 2000


@dataclass(frozen=True)
class Flag:
    """The likely overpayment in one receipt: ``amount`` pence for ``days_after_death`` of
    ``days_in_period`` days (both None for a receipt with no period)."""

    amount: Pence
    days_after_death: int | None
    days_in_period: int | None


def flagged_share(
    category: Category,
    amount: Pence,
    died_on: date,
    *,
    value_date: date,
    period_start: date | None,
    period_end: date | None,
) -> Flag | None:
    """The share of a receipt that is a likely overpayment after a death on ``died_on``
    (R-DEATH-2, seed 002 B 29.2), or None when there is none.

    Only benefits and pensions (IN_BENEFITS, IN_STATE_PENSION, IN_PRIVATE_PENSION) are flagged.
    With a period (``period_start``..``period_end``, both inclusive) the share is the amount
    times the days after the death over the days in the period, rounded half-up to the penny:
    a period ending on or before the date of death has none, one starting after it is all
    overpaid (the day of death itself is a day the client lived, so it is not "after").

    Without a period, all of it when its value date is after the date of death and none
    otherwise: a guess that errs on holding too much, as the paying agency decides the real
    figure when it asks (the request's amount is the agency's, and may be less).
    """
    if category not in FLAGGED_CATEGORIES or amount <= 0:
        return None
    if period_start is None or period_end is None:
        if value_date > died_on:
            return Flag(amount, None, None)
        return None
    days_in_period = (period_end - period_start).days + 1
    if days_in_period <= 0 or period_end <= died_on:
        return None
    first_after = max(period_start, date.fromordinal(died_on.toordinal() + 1))
    days_after = (period_end - first_after).days + 1
    share = round_half_up(Fraction(amount * days_after, days_in_period))
    if share <= 0:
        return None
    return Flag(share, days_after, days_in_period)


def holdable(flagged: Pence, available: Pence) -> Pence:
    """What of a flagged share can be held: all of it, or what the account has left when money
    was spent before the death was confirmed (the rest is the shortfall, recorded)."""
    return max(0, min(flagged, available))


class OverpaymentStatus(enum.StrEnum):
    """Where a benefit overpayment stands, derived from its rows and its repayment's payment."""

    HELD = "HELD"  # flagged and held back, awaiting the agency
    REPAYMENT_REQUESTED = "REPAYMENT_REQUESTED"  # the agency asked; the payment raised/approved
    REPAID = "REPAID"  # the repayment was made
    REPAYMENT_CANCELLED = "REPAYMENT_CANCELLED"  # its payment cancelled: outstanding, not held
    RELEASED = "RELEASED"  # nothing owed: the hold voided, the money joins the estate


OUTSTANDING = frozenset(
    {
        OverpaymentStatus.HELD,
        OverpaymentStatus.REPAYMENT_REQUESTED,
        OverpaymentStatus.REPAYMENT_CANCELLED,
    }
)
# A fresh request, or a release, may cover an overpayment in these states.
OPEN_TO_REQUEST = frozenset({OverpaymentStatus.HELD, OverpaymentStatus.REPAYMENT_CANCELLED})


def overpayment_status(released: bool, payment_status: str | None) -> OverpaymentStatus:
    """From whether it was released and the status of the payment of its latest repayment
    request (None: never requested). A cancelled payment leaves it outstanding again; a
    repayment made stays REPAID even when a remainder the agency did not ask for is released."""
    if payment_status == "MADE":  # a remainder released after it does not undo the repayment
        return OverpaymentStatus.REPAID
    if released:
        return OverpaymentStatus.RELEASED
    if payment_status is None:
        return OverpaymentStatus.HELD
    if payment_status == "CANCELLED":
        return OverpaymentStatus.REPAYMENT_CANCELLED
    return OverpaymentStatus.REPAYMENT_REQUESTED


def allocate(asked: Pence, flagged: Sequence[Pence]) -> list[Pence]:
    """The agency's figure shared over the overpayments it covers, in the order given (oldest
    first), each up to what is flagged on it. The caller has checked ``asked <= sum(flagged)``."""
    out: list[Pence] = []
    left = asked
    for f in flagged:
        take = min(f, left)
        out.append(take)
        left -= take
    return out


def request_problems(
    asked: Pence,
    flagged_total: Pence,
    requested_on: date,
    died_on: date,
    today: date,
    reference: str,
) -> dict[str, str]:
    """Why a repayment request cannot be recorded as given (empty: it can)."""
    problems: dict[str, str] = {}
    if asked <= 0:
        problems["amount"] = "must be more than 0.00"
    elif asked > flagged_total:
        problems["amount"] = (
            "is more than is flagged as overpaid on the receipts it covers: the agency's figure "
            "is checked against them (R-DEATH-2)"
        )
    if requested_on > today:
        problems["requested_on"] = "is in the future"
    elif requested_on < died_on:
        problems["requested_on"] = "is before the date of death"
    if not reference.strip():
        problems["agency_reference"] = "is required: the agency's reference for its request"
    elif len(reference.strip()) > MAX_REFERENCE:
        problems["agency_reference"] = f"is longer than {MAX_REFERENCE} characters"
    return problems
