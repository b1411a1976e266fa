"""Pure rules of temporary financial assistance (seed 002 B 4.6-4.7, R-DEC, R-ROLE-2): no I/O,
no clock.

Before a new client's money reaches the council (the appointeeship or deputyship not yet
granted, the benefits not yet paid into the Client Monies Service), the Client Affairs team may
ask the council to pay for something the client needs. The request is approved within the
limits of seed 002 Appendix 2 (subject ``TEMPORARY_ASSISTANCE``, migration 0018: the band of
"Financial plans and budgets", SCAO up to £5,000.00, TGM above), the Senior Client Affairs
Officer implements it (the council pays from its own money), and it is repaid from the client's
funds once they arrive, tracked until repaid in full.

REQUESTED -> APPROVED | REJECTED; APPROVED -> PAID; PAID -> REPAID (when the repayments reach
the amount). Repayments in between leave it PAID, with less outstanding.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from ca_api.approvals.rules import StatusTable, status_of, transition_allowed
from ca_api.ledger.rules import Category
from ca_api.money import Pence, format_money

MAX_PURPOSE = 2000  # what it pays for
MAX_WHY = 2000  # why the client's own funds are not yet available
MAX_REASON = 2000  # why it was rejected
MAX_PAYMENT_REFERENCE = 100  # the council's own payment reference


class AssistanceStatus(enum.StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PAID = "PAID"
    REPAID = "REPAID"


class AssistanceEventKind(enum.StrEnum):
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PAID = "PAID"
    REPAID = "REPAID"


# The status table (the first event present wins; none: REQUESTED) gives the status in Python
# and in SQL (``approvals.rules.status_of``, ``approvals.repository.status_case``).
ASSISTANCE_STATUSES: StatusTable[AssistanceEventKind, AssistanceStatus] = (
    (AssistanceEventKind.REPAID, AssistanceStatus.REPAID),
    (AssistanceEventKind.PAID, AssistanceStatus.PAID),
    (AssistanceEventKind.REJECTED, AssistanceStatus.REJECTED),
    (AssistanceEventKind.APPROVED, AssistanceStatus.APPROVED),
)


def assistance_status(events: Iterable[str]) -> AssistanceStatus:
    """REQUESTED -> APPROVED | REJECTED; APPROVED -> PAID -> REPAID."""
    return status_of(ASSISTANCE_STATUSES, events, AssistanceStatus.REQUESTED)


# The transition table: the statuses each event may be recorded from. A repayment is allowed
# where REPAID is (the assistance PAID), and completes it when nothing is left outstanding.
TRANSITIONS: dict[AssistanceEventKind, frozenset[AssistanceStatus]] = {
    AssistanceEventKind.APPROVED: frozenset({AssistanceStatus.REQUESTED}),
    AssistanceEventKind.REJECTED: frozenset({AssistanceStatus.REQUESTED}),
    AssistanceEventKind.PAID: frozenset({AssistanceStatus.APPROVED}),
    AssistanceEventKind.REPAID: frozenset({AssistanceStatus.PAID}),
}

_VERB = {
    AssistanceEventKind.APPROVED: "approved",
    AssistanceEventKind.REJECTED: "rejected",
    AssistanceEventKind.PAID: "paid",
    AssistanceEventKind.REPAID: "repaid",
}


def transition_problem(status: AssistanceStatus, event: AssistanceEventKind) -> str | None:
    if transition_allowed(TRANSITIONS, status, event):
        return None
    allowed = " or ".join(s.value for s in sorted(TRANSITIONS[event]))
    return (
        f"the temporary assistance is {status.value}: only assistance {allowed} can be "
        f"{_VERB[event]}"
    )


def outstanding(amount: Pence, repaid: Pence, status: AssistanceStatus) -> Pence:
    """What the client owes, or will owe once it is paid: the amount less what was repaid;
    nothing for assistance rejected (never paid) or repaid in full."""
    if status in (AssistanceStatus.REJECTED, AssistanceStatus.REPAID):
        return 0
    return amount - repaid


def repayment_problem(amount: Pence, left: Pence) -> str | None:
    """Why a repayment of ``amount`` cannot be taken when ``left`` is outstanding (None: it can):
    more than 0.00, and never more than what is owed."""
    if amount <= 0:
        return "must be more than 0.00"
    if amount > left:
        return (
            f"is more than the {format_money(left)} outstanding: a repayment never exceeds what "
            "the client owes"
        )
    return None


def category_problem(category: Category) -> str | None:
    """The OPG money-out category of what it pays for (R-OPG-1): each repayment leaves the
    client's account under it, as if the client had paid for it themselves."""
    if not category.money_out:
        return f"{category.value} is not a money-out category (R-OPG-1)"
    if category in (Category.OUT_GIFTS, Category.OUT_INVESTMENT_PURCHASES):
        return f"{category.value} is not something temporary assistance pays for (R-DEC, R-INV-2)"
    return None
