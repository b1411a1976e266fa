"""Pure rules of a client's outstanding debts found on appointment (issue 14 item 2; R-DEBT-1..3,
seed 002 B 14): what a debt record needs, the financial statement's text and the letter to a
creditor (their templates). No I/O, no clock.

The order the debts are paid in and the sharing out of what the client can afford are
``debts.rules`` (``found_debt``, ``allocate``, ``creditors_to_write_to``): one order (R-DEBT-1)
for debts found on appointment and debts after death.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from string import Template

from ca_api.debts.rules import Allocation, FoundDebtKind
from ca_api.money import format_money

MAX_NAME = 200
MAX_TEXT = 2000

KIND_WORDS: dict[FoundDebtKind, str] = {
    FoundDebtKind.CARE_HOME_PERSONAL_ALLOWANCE: "care home: personal allowance advanced",
    FoundDebtKind.COUNCIL_CARE_CONTRIBUTION: "council: client care contributions",
    FoundDebtKind.OTHER_UNSECURED: "unsecured creditor",
}


def debt_problems(
    *, creditor: str, amount: int, incurred_on: date, found_on: date, today: date
) -> dict[str, str]:
    """A debt found (B 14.1): its creditor, an amount above nothing, incurred no later than it was
    found, found no later than today."""
    problems: dict[str, str] = {}
    if not creditor:
        problems["creditor"] = "is required"
    elif len(creditor) > MAX_NAME:
        problems["creditor"] = f"is longer than {MAX_NAME} characters"
    if amount <= 0:
        problems["amount"] = "must be more than 0.00"
    if found_on > today:
        problems["found_on"] = "is in the future"
    if incurred_on > found_on:
        problems["incurred_on"] = "is after the day the debt was found"
    return problems


@dataclass(frozen=True)
class Line:
    """A debt in the statement: its allocation and who the creditor is."""

    allocation: Allocation
    creditor: str
    kind: FoundDebtKind
    incurred_on: date
    reference: str | None


def statement_text(client_reference: str, funds: int, lines: Sequence[Line], on: date) -> str:
    """The financial statement of outstanding debts with the plan to clear them (R-DEBT-3,
    seed 002 B 14.4), in R-DEBT-1's order (B 14.2)."""
    owed = sum(ln.allocation.owed for ln in lines)
    paid = sum(ln.allocation.allocated for ln in lines)
    rows = [
        f"{ln.allocation.position}. {ln.creditor} ({KIND_WORDS[ln.kind]}), incurred "
        f"{ln.incurred_on.isoformat()}: owed £{format_money(ln.allocation.owed)}, to pay "
        f"£{format_money(ln.allocation.allocated)}, unpaid £{format_money(ln.allocation.short)}"
        for ln in lines
    ]
    short = owed - paid
    end = (
        f"Funds are short by £{format_money(short)}: every creditor left unpaid is told in "
        "writing that the client lacks capacity and cannot repay (R-DEBT-2, B 14.3)."
        if short
        else "The funds clear every debt."
    )
    return "\n".join(
        [
            f"Financial statement of outstanding debts: client {client_reference}, "
            f"{on.isoformat()}",
            "Debts are repaid in the order of seed 002 B 14.2 (R-DEBT-1): care homes for "
            "personal allowance advanced, the council for care contributions, unsecured "
            "creditors oldest first.",
            f"Funds the client can afford: £{format_money(funds)}. Owed: £{format_money(owed)}. "
            f"To pay: £{format_money(paid)}.",
            *rows,
            end,
        ]
    )


def what_was_decided(lines: Sequence[Line]) -> str:
    """The DEBT_STATEMENT decision's summary (R-DEC-1); the statement in full is the plan's."""
    owed = sum(ln.allocation.owed for ln in lines)
    paid = sum(ln.allocation.allocated for ln in lines)
    return (
        f"Financial statement of outstanding debts (R-DEBT-3, seed 002 B 14.4): pay "
        f"£{format_money(paid)} of £{format_money(owed)} owed to {len(lines)} creditor(s) in "
        f"the order of R-DEBT-1 (B 14.2)"
        + (f"; £{format_money(owed - paid)} cannot be repaid (R-DEBT-2)" if owed > paid else "")
    )


LETTER = Template(
    """East Sussex County Council, Client Affairs Team
$on

To: $creditor
Your reference: $reference
Our client: $client

Dear Sir or Madam,

The council acts for our client, who lacks the mental capacity to deal with their own financial
affairs. We have reviewed the debts our client owes. Their funds are not enough to repay all of
them, and they are repaid in the order the council's policy requires.

You are owed £$owed. $outcome

Yours faithfully,
Client Affairs Team
"""
)


def letter_text(client_reference: str, line: Line, on: date) -> str:
    """The letter to a creditor (R-DEBT-2, seed 002 B 14.3): the client lacks capacity to deal
    with their financial affairs and cannot repay the debt (what is paid, what cannot be)."""
    return LETTER.substitute(
        on=on.strftime("%d %B %Y"),
        creditor=line.creditor,
        reference=line.reference or "none given",
        client=client_reference,
        owed=format_money(line.allocation.owed),
        outcome=(
            f"Under the financial plan we are able to pay you £{format_money(a.allocated)}. We "
            f"confirm that our\nclient is unable to repay the remaining £{format_money(a.short)}."
            if (a := line.allocation).short > 0
            else "Under the financial plan your debt is repaid in full, in its turn."
        ),
    )


def letter_problem(already_sent: bool, sent_on: date, made_on: date, today: date) -> str | None:
    """A letter's sending: once, not before it was made, not in the future."""
    if already_sent:
        return "this letter's sending is recorded already: once"
    if sent_on > today:
        return "is in the future"
    if sent_on < made_on:
        return f"is before the letter was made on {made_on.isoformat()}"
    return None


def repayment_problem(
    decision_status: str, allocated: int, payee_known: bool, raised: bool
) -> str | None:
    """A payment against a debt (B 14.4): only under an APPROVED plan (R-DEBT-3), for a debt the
    plan pays something, to a payee named on the debt, once per plan and debt."""
    if decision_status != "APPROVED":
        return (
            f"the plan's financial statement is {decision_status}: a debt is repaid only under "
            "an approved statement (R-DEBT-3, seed 002 B 14.4)"
        )
    if raised:
        return "a payment against this debt under this plan is raised already"
    if allocated <= 0:
        return "the plan pays this debt nothing: the funds run out before it (R-DEBT-1)"
    if not payee_known:
        return "the debt names no payee: correct the debt with the creditor's counterparty"
    return None
