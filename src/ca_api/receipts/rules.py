"""Pure rules for money in: what a receipt must say (R-ACC-4, R-ACC-6, R-OPG-1), the four-weekly
benefits run, and interest on CMS accounts (R-ACC-1). No I/O.

Interest on CMS accounts follows the one convention of ``ca_api.ledger.interest`` (R-ACC-1),
shared with the Court Funds Office's (R-DATA); its functions are importable from here too.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ca_api.clients.rules import ClientStatus
from ca_api.common.rules import optional_text
from ca_api.ledger.interest import (  # noqa: F401 (the interest rules, importable from here too)
    RateFrom,
    accrued_interest,
    daily_balances,
    daily_rates,
    interest_due,
    round_half_up,
    validate_interest_period,
)
from ca_api.ledger.rules import Benefit, Category, CounterpartyKind, category_for_benefit
from ca_api.money import Pence

# One recordBenefitRun call, all or nothing. 1,000 lines of the longest ids, benefit names and
# amounts are about 270 kB of JSON, well inside the 1 MB request limit (CA_API_MAX_BODY_BYTES;
# tests/test_receipts.py measures it): a 12,000-receipt four-weekly run is 12 calls.
MAX_RUN_LINES = 1000
MAX_RECEIPT_NUMBER = 40
MAX_REFERENCE = 100
MAX_DESCRIPTION = 200
INTEREST_RATE = "cms_interest_rate"  # the policy figure (PERCENT a year), R-ACC-1, R-DATA


class ReceiptMethod(enum.StrEnum):
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH = "CASH"
    CHEQUE = "CHEQUE"


# R-ACC-4: cash and cheques are recorded on receipt, with a numbered receipt, and banked.
IN_HAND = frozenset({ReceiptMethod.CASH, ReceiptMethod.CHEQUE})

# Who pays a benefit: the DWP, or the council for housing benefit.
BENEFIT_PAYERS = frozenset({CounterpartyKind.DWP, CounterpartyKind.COUNCIL})


@dataclass(frozen=True)
class ReceiptDraft:
    """A receipt as entered, before it is checked."""

    client_id: uuid.UUID
    payer_id: uuid.UUID
    amount: Pence
    value_date: date  # the day the money was in the CMS account: for cash and cheques, banked
    method: ReceiptMethod
    category: Category | None = None
    benefit: Benefit | None = None
    period_start: date | None = None
    period_end: date | None = None
    received_on: date | None = None  # cash and cheques: the day it came in (R-ACC-4)
    receipt_number: str | None = None
    reference: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class ReceiptFacts:
    """What is recorded for a checked draft."""

    category: Category
    received_on: date
    banked_on: date
    receipt_number: str | None
    reference: str | None
    description: str


def label(value: enum.Enum) -> str:
    return str(value.value).replace("_", " ").capitalize()


def category_of(category: Category | None, benefit: Benefit | None) -> Category | None:
    """The OPG category: a benefit's is derived from the benefit type (R-OPG-1, R-ACC-6)."""
    return category_for_benefit(benefit) if benefit is not None else category


def _period_problems(start: date | None, end: date | None, *, prefix: str = "") -> dict[str, str]:
    """A period covered is both dates or neither, in order."""
    if start is None and end is None:
        return {}
    if start is None or end is None:
        missing = "period_start" if start is None else "period_end"
        return {f"{prefix}{missing}": "a period needs both a start and an end"}
    if end < start:
        return {f"{prefix}period_end": "is before the period's start"}
    return {}


def validate_receipt(d: ReceiptDraft, today: date) -> dict[str, str]:
    """Problems with a receipt, by field (empty when it is fine)."""
    problems: dict[str, str] = {}
    if d.amount <= 0:
        problems["amount"] = "must be more than 0.00"
    if d.value_date > today:
        problems["value_date"] = "is in the future: record money once it has arrived"
    # R-OPG-1, R-ACC-6: a money-in category; benefits by benefit type.
    if d.benefit is not None:
        derived = category_for_benefit(d.benefit)
        if d.category is not None and d.category is not derived:
            problems["category"] = f"a {d.benefit.value} receipt is {derived.value}"
    elif d.category is None:
        problems["category"] = "is required (or give the benefit, which implies it)"
    elif not d.category.money_in:
        problems["category"] = f"{d.category.value} is not a money-in category"
    elif d.category in (Category.IN_BENEFITS, Category.IN_STATE_PENSION):
        problems["benefit"] = (
            f"is required for {d.category.value}: benefits are recorded separately (R-ACC-6)"
        )
    problems |= _period_problems(d.period_start, d.period_end)
    number = optional_text(d.receipt_number)
    # R-ACC-4: cash and cheques carry a receipt number and the day they came in.
    if d.method in IN_HAND:
        if number is None:
            problems["receipt_number"] = f"is required for {d.method.value} (R-ACC-4)"
        if d.received_on is None:
            problems["received_on"] = f"is required for {d.method.value} (R-ACC-4)"
        elif d.received_on > d.value_date:
            problems["received_on"] = "is after the value date: money is banked after it comes in"
    else:
        if number is not None:
            problems["receipt_number"] = "is for cash and cheques only"
        if d.received_on is not None and d.received_on != d.value_date:
            problems["received_on"] = "a bank transfer is received on its value date"
    if number is not None and len(number) > MAX_RECEIPT_NUMBER:
        problems["receipt_number"] = f"is longer than {MAX_RECEIPT_NUMBER} characters"
    reference = optional_text(d.reference)
    if reference is not None and len(reference) > MAX_REFERENCE:
        problems["reference"] = f"is longer than {MAX_REFERENCE} characters"
    description = optional_text(d.description)
    if description is not None and len(description) > MAX_DESCRIPTION:
        problems["description"] = f"is longer than {MAX_DESCRIPTION} characters"
    return problems


def benefit_description(benefit: Benefit, start: date | None, end: date | None) -> str:
    if start is not None and end is not None:
        return f"{label(benefit)} {start.isoformat()} to {end.isoformat()}"
    return label(benefit)


def facts(d: ReceiptDraft) -> ReceiptFacts:
    """What to record for a draft that ``validate_receipt`` passed."""
    category = category_of(d.category, d.benefit)
    assert category is not None
    description = optional_text(d.description)
    if description is None:
        if d.benefit is not None:
            description = benefit_description(d.benefit, d.period_start, d.period_end)
        else:
            what = label(category).removeprefix("In ").capitalize()
            description = f"{what} by {label(d.method).lower()}"
    return ReceiptFacts(
        category=category,
        received_on=d.received_on or d.value_date,
        banked_on=d.value_date,
        receipt_number=optional_text(d.receipt_number),
        reference=optional_text(d.reference),
        description=description,
    )


def client_problem(status: str | None) -> str | None:
    """Why no money may be recorded for a client with this status (None: it may). Money is
    recorded only for a client the council acts for: not a closed case, not a referral that
    has not been taken on (R-REF: no appointment yet)."""
    if status == ClientStatus.CLOSED:
        return "the client's case is closed: money is no longer recorded for them"
    if status == ClientStatus.REFERRED:
        return "the client is a referral not yet taken on: nobody may receive money for them yet"
    return None


def banked_same_day(received_on: date, banked_on: date | None) -> bool:
    """R-ACC-4: cash and cheques are banked the day they come in; later is allowed but shown."""
    return banked_on is not None and banked_on == received_on


def payer_problem(benefit: Benefit | None, payer_kind: CounterpartyKind) -> str | None:
    """Why this payer cannot pay this receipt (None: it can). Benefits come from the DWP, or
    from the council (housing benefit)."""
    if benefit is not None and payer_kind not in BENEFIT_PAYERS:
        return f"a benefit is paid by the DWP or the council, not a {payer_kind.value}"
    return None


# --- The four-weekly benefits run (R-ACC-6) ---------------------------------------------------


@dataclass(frozen=True)
class RunLine:
    client_id: uuid.UUID
    payer_id: uuid.UUID
    benefit: Benefit
    amount: Pence
    period_start: date
    period_end: date
    reference: str | None = None  # the sender's reference for it (Controcc's receipt id)


def validate_run(lines: Sequence[RunLine], value_date: date, today: date) -> dict[str, str]:
    """Problems with a benefits run, by field (``lines.3.amount``: the fourth line's amount)."""
    problems: dict[str, str] = {}
    if not lines:
        problems["lines"] = "a run has at least one line"
    elif len(lines) > MAX_RUN_LINES:
        problems["lines"] = (
            f"a run call takes at most {MAX_RUN_LINES} lines: split the run into several calls"
        )
    if value_date > today:
        problems["value_date"] = "is in the future: record money once it has arrived"
    seen: dict[tuple[uuid.UUID, Benefit, date, date], int] = {}
    for i, line in enumerate(lines[:MAX_RUN_LINES]):
        at = f"lines.{i}."
        if line.amount <= 0:
            problems[f"{at}amount"] = "must be more than 0.00"
        problems |= _period_problems(line.period_start, line.period_end, prefix=at)
        key = (line.client_id, line.benefit, line.period_start, line.period_end)
        if key in seen:
            problems[f"{at}benefit"] = (
                f"repeats line {seen[key]}: the same benefit for the same client and period"
            )
        else:
            seen[key] = i
    return problems
