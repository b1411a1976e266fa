"""Pure rules of recovery of capacity (issue 14 item 7; R-ORD-5, seed 002 B 27): no I/O, no
clock.

The court's order that the client can manage their own affairs ends the deputyship on its date
(B 27.1, 27.3); the client's money is then handed back to them through payments and their
documents and valuables returned from the safe. Their case closes only when every account is at
zero (nothing posted, nothing held for a payment) and nothing is held in the safe: each thing
still held is one ``Outstanding`` item, and a case with none may close. The same list refuses
closing any living client by amendment (``amendClient`` to CLOSED) while money or valuables are
held.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from ca_api.common.rules import text_problem
from ca_api.ledger.rules import AccountKind
from ca_api.money import Pence, format_money

MAX_REFERENCE = 40
MAX_TEXT = 2000

# Money away from the client's accounts at home comes home before it is handed back.
AWAY = frozenset({AccountKind.CLIENT_COURT_FUNDS.value, AccountKind.CLIENT_PLACEMENT.value})


class RecoveryStep(enum.StrEnum):
    """What keeps a recovered (or any living) client's case open."""

    MONEY = "MONEY"  # an account not at zero: money to hand back, or held for a payment
    VALUABLES = "VALUABLES"  # items in the team's safe or checked out, not yet returned (B 24)


@dataclass(frozen=True)
class Outstanding:
    step: RecoveryStep
    count: int
    amount: Pence | None
    detail: str


@dataclass(frozen=True)
class AccountFacts:
    name: str
    kind: str
    posted: Pence
    held: Pence


def order_problems(
    *,
    order_date: date,
    court_reference: str | None,
    medical_evidence: str | None,
    today: date,
    deputyship_from: date | None,
) -> dict[str, str]:
    """What is wrong with the court's order as given (B 27.1-27.2): a date in the future or
    before the deputyship it ends began, no reference, text too long."""
    problems = text_problem(
        "court_reference", court_reference, required=True, maximum=MAX_REFERENCE
    )
    problems |= text_problem("medical_evidence", medical_evidence, required=False, maximum=MAX_TEXT)
    if order_date > today:
        problems["order_date"] = "is in the future"
    elif deputyship_from is not None and order_date < deputyship_from:
        problems["order_date"] = (
            f"is before the deputyship it ends began ({deputyship_from.isoformat()})"
        )
    return problems


def handover_problems(amount: Pence, evidence: str | None) -> dict[str, str]:
    """A handover payment: something to pay, and the evidence of where it goes (R-ORD-5)."""
    problems = text_problem("evidence", evidence, required=True, maximum=MAX_TEXT)
    if amount <= 0:
        problems["amount"] = "must be more than 0.00"
    return problems


def outstanding(accounts: list[AccountFacts], valuables_held: int) -> list[Outstanding]:
    """Everything still held for the client: each account not at zero, then the items in the
    safe. Empty: the case may close (R-ORD-5, B 27)."""
    out: list[Outstanding] = []
    for a in accounts:
        if a.posted == 0 and a.held == 0:
            continue
        if a.held:
            what = f"{format_money(a.held)} held for a payment approved and not yet made"
        elif a.kind in AWAY:
            what = "bring it home to the CMS account, then hand it back"
        else:
            what = "hand it back to the client (raiseHandoverPayment)"
        out.append(
            Outstanding(
                RecoveryStep.MONEY,
                1,
                a.posted,
                f"{a.name} ({a.kind}) stands at {format_money(a.posted)}: {what}",
            )
        )
    if valuables_held:
        out.append(
            Outstanding(
                RecoveryStep.VALUABLES,
                valuables_held,
                None,
                f"{valuables_held} item(s) held in the safe: return them (returnValuable)",
            )
        )
    return out
