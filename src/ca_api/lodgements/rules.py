"""Pure rules for lodgements with the Court Funds Office (R-INV-2, R-INV-6) and interest on
them (R-DATA). No I/O.

Interest is the one run of ``ca_api.ledger.interest``, as on CMS accounts (R-ACC-1): simple
daily interest, actual/365 fixed; each day earns its end-of-day balance (by value date) x the
Court Funds Office special account rate in force that day / 100 / 365; the days are summed
exactly and rounded half-up to the penny once per account per period.
"""

from __future__ import annotations

import enum

from ca_api.clients.rules import LegalRole
from ca_api.decisions.rules import DecisionStatus
from ca_api.money import Pence, format_money

__all__ = [
    "COURT_FUNDS_OFFICE",
    "COURT_FUNDS_RATE",
    "MAX_REASON",
    "LodgementStatus",
    "deputy_problem",
    "lodgement_status",
    "validate_withdrawal",
]

COURT_FUNDS_RATE = "court_funds_office_rate"  # the policy figure (PERCENT a year), R-DATA
COURT_FUNDS_OFFICE = "Court Funds Office"  # the counterparty interest comes from
MAX_REASON = 4000


class LodgementStatus(enum.StrEnum):
    PROPOSED = "PROPOSED"  # its investment plan decision awaits the governance manager
    APPROVED = "APPROVED"  # approved, not yet lodged
    LODGED = "LODGED"  # the money moved to the Court Funds account
    REFUSED = "REFUSED"  # the decision was refused
    SUPERSEDED = "SUPERSEDED"  # the decision was changed: the successor is a new decision


def lodgement_status(decision: DecisionStatus, lodged: bool) -> LodgementStatus:
    """Derived, never stored: lodged wins; else the decision's status."""
    if lodged:
        return LodgementStatus.LODGED
    return {
        DecisionStatus.RAISED: LodgementStatus.PROPOSED,
        DecisionStatus.APPROVED: LodgementStatus.APPROVED,
        DecisionStatus.REFUSED: LodgementStatus.REFUSED,
        DecisionStatus.SUPERSEDED: LodgementStatus.SUPERSEDED,
    }[decision]


def deputy_problem(role: LegalRole, doing: str) -> str | None:
    """R-INV-2, R-INV-4: only a deputy invests a client's surplus. An appointee may deal with
    benefits only (no capital, no investments), so an appointee-only client is refused.
    ``doing``: what was asked, e.g. "lodge a client's money with the Court Funds Office"."""
    if role in (LegalRole.DEPUTY, LegalRole.BOTH):
        return None
    return (
        f"the council is {role.value.lower()} for this client, not deputy: only a deputy may "
        f"{doing} (R-INV-2)"
    )


def what_was_decided(amount: Pence) -> str:
    return (
        f"Lodge {format_money(amount)} of the client's surplus with the Court Funds Office "
        "special account (R-INV-2)"
    )


def validate_amount(amount: Pence) -> dict[str, str]:
    return {} if amount > 0 else {"amount": "must be more than 0.00"}


def validate_withdrawal(amount: Pence, reason: str) -> dict[str, str]:
    """R-INV-6: money comes back when the client needs it, and why is recorded (R-AUD-1)."""
    problems = validate_amount(amount)
    text = reason.strip()
    if not text:
        problems["reason"] = "is required: say what the client needs the money for (R-INV-6)"
    elif len(text) > MAX_REASON:
        problems["reason"] = f"is longer than {MAX_REASON} characters"
    return problems
