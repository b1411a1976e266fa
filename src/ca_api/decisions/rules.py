"""Pure rules for decisions and gifts (R-DEC, R-ROLE-2). No I/O. The employee register's
rules (R-ROLE-3) are ``employees.rules``; the approval limit tables' ``policy.rules``."""

from __future__ import annotations

import calendar
import enum
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from ca_api.approvals.rules import Lifecycle
from ca_api.approvals.rules import four_eyes as four_eyes  # R-ROLE-2, for decisions too
from ca_api.employees.rules import normalise_name as normalise_name  # a gift recipient's
from ca_api.money import Pence
from ca_api.policy.rules import ApprovalSubject

MAX_TEXT = 4000
MAX_NAME = 200
GIFT_HISTORY_YEARS = 5  # the approver sees the last five years of giving (R-DEC-3)


class DecisionKind(enum.StrEnum):
    """The decisions of domain.md R-DEC (seed 002 Appendix 2)."""

    BEST_INTEREST = "BEST_INTEREST"
    GIFT = "GIFT"
    CONFLICT_OF_INTEREST = "CONFLICT_OF_INTEREST"
    DEBT_STATEMENT = "DEBT_STATEMENT"  # financial statement of outstanding debts (R-DEBT-3)
    INVESTMENT_PLAN = "INVESTMENT_PLAN"  # R-INV-3
    FINANCIAL_PLAN = "FINANCIAL_PLAN"  # financial plans and budgets (R-CARE-2)


# Each kind is judged under the approval limits' row of the same name (R-DEC-2, R-DEC-4).
SUBJECT: dict[DecisionKind, ApprovalSubject] = {
    DecisionKind.BEST_INTEREST: ApprovalSubject.BEST_INTEREST,
    DecisionKind.GIFT: ApprovalSubject.GIFT,
    DecisionKind.CONFLICT_OF_INTEREST: ApprovalSubject.CONFLICT_OF_INTEREST,
    DecisionKind.DEBT_STATEMENT: ApprovalSubject.DEBT_STATEMENT,
    DecisionKind.INVESTMENT_PLAN: ApprovalSubject.INVESTMENT_PLAN,
    DecisionKind.FINANCIAL_PLAN: ApprovalSubject.FINANCIAL_PLAN,
}


class DecisionStatus(enum.StrEnum):
    RAISED = "RAISED"
    APPROVED = "APPROVED"
    REFUSED = "REFUSED"
    SUPERSEDED = "SUPERSEDED"


class DecisionEventKind(enum.StrEnum):
    APPROVED = "APPROVED"
    REFUSED = "REFUSED"
    SUPERSEDED = "SUPERSEDED"


# Superseded wins; then approved or refused; none: still RAISED (awaiting a decision). Only a
# RAISED decision is approved or refused; any but a SUPERSEDED one may be superseded (a refused or
# approved decision changed is a new decision). The status table gives the status in Python and
# in SQL (``approvals.rules.status_of``, ``approvals.repository.status_case``).
LIFECYCLE: Lifecycle[DecisionEventKind, DecisionStatus] = Lifecycle(
    statuses=(
        (DecisionEventKind.SUPERSEDED, DecisionStatus.SUPERSEDED),
        (DecisionEventKind.APPROVED, DecisionStatus.APPROVED),
        (DecisionEventKind.REFUSED, DecisionStatus.REFUSED),
    ),
    before=DecisionStatus.RAISED,
    transitions={
        DecisionEventKind.APPROVED: frozenset({DecisionStatus.RAISED}),
        DecisionEventKind.REFUSED: frozenset({DecisionStatus.RAISED}),
        DecisionEventKind.SUPERSEDED: frozenset(
            {DecisionStatus.RAISED, DecisionStatus.APPROVED, DecisionStatus.REFUSED}
        ),
    },
)
DECISION_STATUSES = LIFECYCLE.statuses
# The status a decision's events bring.
decision_status = LIFECYCLE.status


def transition_problem(status: DecisionStatus, event: DecisionEventKind) -> str | None:
    if LIFECYCLE.allows(status, event):
        return None
    if event is DecisionEventKind.SUPERSEDED:
        return "the decision was superseded already: change its successor instead"
    return f"the decision is {status.value}: only a RAISED decision can be decided"


# --- the gift year (R-DEC-3, R-ORD-1) ------------------------------------------------------


def _anniversary(order_date: date, year: int) -> date:
    """The order's anniversary in ``year``; 29 February falls on 28 February in other years."""
    day = min(order_date.day, calendar.monthrange(year, order_date.month)[1])
    return date(year, order_date.month, day)


def gift_year(order_date: date, on: date) -> tuple[date, date]:
    """The order's gift year containing ``on``: the twelve months from the latest anniversary of
    the order (on or before ``on``) to the day before the next, both inclusive. The court sets
    the yearly limit in the order, so its year runs from the order's date."""
    start = _anniversary(order_date, on.year)
    if start > on:
        start = _anniversary(order_date, on.year - 1)
    end = _anniversary(order_date, start.year + 1)
    return start, date.fromordinal(end.toordinal() - 1)


def years_before(on: date, years: int) -> date:
    """The same day ``years`` earlier (29 February -> 28 February)."""
    day = min(on.day, calendar.monthrange(on.year - years, on.month)[1])
    return date(on.year - years, on.month, day)


def remaining_allowance(yearly_limit: Pence | None, given_this_year: Pence) -> Pence | None:
    """None: the order names no yearly limit."""
    if yearly_limit is None:
        return None
    return max(0, yearly_limit - given_this_year)


# --- what a decision records (R-DEC-1) -----------------------------------------------------


@dataclass(frozen=True)
class DecisionDraft:
    kind: DecisionKind
    amount: Pence
    what_was_decided: str
    best_interests_reason: str
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None
    notes: str | None = None
    recipient_name: str | None = None
    recipient_date_of_birth: date | None = None


def _text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def tidy(d: DecisionDraft) -> DecisionDraft:
    return replace(
        d,
        what_was_decided=d.what_was_decided.strip(),
        best_interests_reason=d.best_interests_reason.strip(),
        consulted=d.consulted.strip(),
        why_client_not_involved=_text(d.why_client_not_involved),
        notes=_text(d.notes),
        recipient_name=_text(d.recipient_name),
    )


def stored(d: DecisionDraft) -> dict[str, Any]:
    """The draft's fields as a decision row stores them (the kind by its value)."""
    return asdict(d) | {"kind": d.kind.value}


def validate_decision(d: DecisionDraft, today: date) -> dict[str, str]:
    """R-DEC-1: what, why in the client's best interests, who was consulted, whether the
    client was involved (and why not), the amount; a gift also its recipient (R-DEC-3)."""
    problems: dict[str, str] = {}
    for name, value in (
        ("what_was_decided", d.what_was_decided),
        ("best_interests_reason", d.best_interests_reason),
        ("consulted", d.consulted),
    ):
        if not value:
            problems[name] = "is required (R-DEC-1)"
        elif len(value) > MAX_TEXT:
            problems[name] = f"is longer than {MAX_TEXT} characters"
    if d.notes is not None and len(d.notes) > MAX_TEXT:
        problems["notes"] = f"is longer than {MAX_TEXT} characters"
    if not d.client_involved and d.why_client_not_involved is None:
        problems["why_client_not_involved"] = (
            "say why the client was not involved: they are consulted where possible (R-DEC-1)"
        )
    if d.why_client_not_involved is not None and len(d.why_client_not_involved) > MAX_TEXT:
        problems["why_client_not_involved"] = f"is longer than {MAX_TEXT} characters"
    if d.amount < 0:
        problems["amount"] = "cannot be negative"
    if d.kind is DecisionKind.GIFT:
        if d.amount <= 0:
            problems["amount"] = "a gift is more than 0.00"
        if d.recipient_name is None:
            problems["recipient_name"] = "a gift names its recipient (R-DEC-3)"
        elif len(d.recipient_name) > MAX_NAME:
            problems["recipient_name"] = f"is longer than {MAX_NAME} characters"
        elif not normalise_name(d.recipient_name):
            problems["recipient_name"] = "is not a name"
        if d.recipient_date_of_birth is not None and d.recipient_date_of_birth > today:
            problems["recipient_date_of_birth"] = "is in the future"
    elif d.recipient_name is not None or d.recipient_date_of_birth is not None:
        problems["recipient_name"] = "only a gift has a recipient"
    return problems
