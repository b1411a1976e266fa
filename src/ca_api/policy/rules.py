"""Pure policy rules: who may approve what (R-DEC-2), and how a figure applies on a date."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ca_api.auth.principal import Role
from ca_api.money import Pence


class ApprovalSubject(enum.StrEnum):
    """What an approval is for: each decision kind of domain.md R-DEC, payments, and temporary
    financial assistance (seed 002 B 4.6: the band of financial plans, migration 0018)."""

    PAYMENT = "PAYMENT"
    GIFT = "GIFT"
    CONFLICT_OF_INTEREST = "CONFLICT_OF_INTEREST"
    DEBT_STATEMENT = "DEBT_STATEMENT"
    INVESTMENT_PLAN = "INVESTMENT_PLAN"
    BEST_INTEREST = "BEST_INTEREST"
    FINANCIAL_PLAN = "FINANCIAL_PLAN"
    TEMPORARY_ASSISTANCE = "TEMPORARY_ASSISTANCE"


# R-DEC-2: a role above the named one may also approve; a role below may not.
APPROVAL_RANK: dict[Role, int] = {
    Role.SENIOR_OFFICER: 1,
    Role.GOVERNANCE_MANAGER: 2,
    Role.HEAD_OF_SERVICE: 3,
}


@dataclass(frozen=True)
class LimitVersion:
    id: int
    effective_from: date
    # (subject, role) -> inclusive limit in pence; None: any amount
    limits: dict[tuple[ApprovalSubject, Role], Pence | None]


def may_approve(
    version: LimitVersion, subject: ApprovalSubject, roles: frozenset[Role], amount: Pence
) -> bool:
    """True when one of ``roles`` is at or above a role the limits name for ``subject`` at an
    amount up to and including ``amount``'s band."""
    best = max((APPROVAL_RANK.get(r, 0) for r in roles), default=0)
    if best == 0:
        return False
    for (subj, named_role), up_to in version.limits.items():
        if subj != subject:
            continue
        if APPROVAL_RANK.get(named_role, 99) <= best and (up_to is None or amount <= up_to):
            return True
    return False


def lowest_approver(version: LimitVersion, subject: ApprovalSubject, amount: Pence) -> Role | None:
    """The most junior role that may approve ``amount`` of ``subject``, for messages."""
    candidates = [
        role
        for (subj, role), up_to in version.limits.items()
        if subj == subject and (up_to is None or amount <= up_to)
    ]
    return min(candidates, key=lambda r: APPROVAL_RANK.get(r, 99), default=None)


# --- the maximum for any one amount (issue 9 item 6) ------------------------------------------

AMOUNT_MAXIMUM = "amount_maximum"  # PENCE (migration 0012): no one amount may go beyond it


@dataclass(frozen=True)
class MoneyAt:
    """An amount a caller sent, and where: ``lines.3.amount`` (GraphQL names)."""

    path: str
    pence: Pence


def over_maximum(amounts: Iterable[MoneyAt], maximum: Pence) -> list[MoneyAt]:
    """The amounts beyond ``maximum`` either side of zero; the maximum itself is allowed, as
    every limit of R-DEC includes its figure."""
    return [a for a in amounts if abs(a.pence) > maximum]


# A new version's note names the committee decision it records (R-DEC-4).
MAX_LIMIT_NOTE = 4000


# --- approval limit tables (R-DEC-4) -------------------------------------------------------


@dataclass(frozen=True)
class LimitRow:
    subject: str
    role: str
    up_to: Pence | None


def validate_limit_table(
    effective_from: date,
    note: str,
    rows: Sequence[LimitRow],
    *,
    today: date,
    latest: date | None,
) -> dict[str, str]:
    """A new version of the approval limits: the whole table, from a date after every existing
    version's and not in the past; every subject has someone who may approve any amount."""
    problems: dict[str, str] = {}
    if effective_from < today:
        problems["effective_from"] = "is in the past: limits are not changed retrospectively"
    elif latest is not None and effective_from <= latest:
        problems["effective_from"] = (
            f"must be after the latest version's effective date ({latest.isoformat()})"
        )
    if not note.strip():
        problems["note"] = "is required: name the committee decision (R-DEC-4)"
    elif len(note) > MAX_LIMIT_NOTE:
        problems["note"] = f"is longer than {MAX_LIMIT_NOTE} characters"
    subjects = {s.value for s in ApprovalSubject}
    roles = {r.value for r in APPROVAL_RANK}
    seen: set[tuple[str, str]] = set()
    bad: list[str] = []
    for r in rows:
        if r.subject not in subjects:
            bad.append(f"{r.subject!r} is not a subject")
        if r.role not in roles:
            bad.append(f"{r.role!r} is not a role that approves")
        if r.up_to is not None and r.up_to < 0:
            bad.append(f"{r.subject}/{r.role}: upTo cannot be negative")
        if (r.subject, r.role) in seen:
            bad.append(f"{r.subject}/{r.role} is given twice")
        seen.add((r.subject, r.role))
    unbounded = {r.subject for r in rows if r.up_to is None}
    missing = sorted(s for s in subjects if s not in unbounded)
    if missing:
        bad.append(
            "the whole table is needed: every subject needs a role that may approve any amount "
            f"(upTo null); missing for {', '.join(missing)}"
        )
    if bad:
        problems["limits"] = "; ".join(bad)
    return problems
