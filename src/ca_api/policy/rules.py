"""Pure policy rules: who may approve what (R-DEC-2), and how a figure applies on a date."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ca_api.auth.principal import Role
from ca_api.money import Pence


class ApprovalSubject(enum.StrEnum):
    """What an approval is for: each decision kind of domain.md R-DEC, and payments."""

    PAYMENT = "PAYMENT"
    GIFT = "GIFT"
    CONFLICT_OF_INTEREST = "CONFLICT_OF_INTEREST"
    DEBT_STATEMENT = "DEBT_STATEMENT"
    INVESTMENT_PLAN = "INVESTMENT_PLAN"
    BEST_INTEREST = "BEST_INTEREST"
    FINANCIAL_PLAN = "FINANCIAL_PLAN"


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
