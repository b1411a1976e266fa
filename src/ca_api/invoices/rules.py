"""Pure rules for invoices (R-PAY-1, R-PAY-2, R-PAY-4 to R-PAY-7): no I/O, no clock.

The figures (21 working days, 21 days, the £10 evidence threshold) are policy data passed in by
the service (R-DATA), never literals here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ca_api import workdays
from ca_api.auth.permissions import OFFICERS
from ca_api.auth.principal import Role
from ca_api.common.rules import text_problem
from ca_api.ledger.rules import Category, CounterpartyKind
from ca_api.money import Pence, format_money

MAX_DESCRIPTION = 500
MAX_NOTE = 2000
MAX_INVOICE_NUMBER = 60
MAX_ITEMS = 200


class InvoiceKind(enum.StrEnum):
    SUPPLIER = "SUPPLIER"  # a bill: utilities, goods, services, care fees
    CARE_PROVIDER_REIMBURSEMENT = "CARE_PROVIDER_REIMBURSEMENT"  # what a provider spent (R-PAY-5)
    COUNCIL_CARE_CONTRIBUTION = (
        "COUNCIL_CARE_CONTRIBUTION"  # the council's charge, from SAP (R-PAY-4)
    )


class InvoiceStatus(enum.StrEnum):
    """Derived from the invoice's checks, events and payments (never stored)."""

    RECEIVED = "RECEIVED"  # not every check recorded and passed
    CHECKED = "CHECKED"  # the seven checks of R-PAY-2 passed
    PAYMENT_RAISED = "PAYMENT_RAISED"  # a payment awaits approval
    APPROVED = "APPROVED"  # approved: the money is held
    PAID = "PAID"  # the payment was made
    FUNDS_SHORT = "FUNDS_SHORT"  # approval refused for want of funds: contact the sender (R-PAY-3)
    CANCELLED = "CANCELLED"


class HoldCause(enum.StrEnum):
    """Why an invoice is held (R-REF-7, seed 002 B 4.5)."""

    ON_APPOINTMENT = "ON_APPOINTMENT"  # outstanding when the council was appointed
    OFFICER = "OFFICER"  # put by an officer


# Outstanding: neither paid nor cancelled. A council invoice outstanding when the council is
# appointed for the client is held (R-REF-7, seed 002 B 4.5).
CLOSED = frozenset({InvoiceStatus.PAID, InvoiceStatus.CANCELLED})
HELD_ON_APPOINTMENT = frozenset({InvoiceKind.COUNCIL_CARE_CONTRIBUTION})


class InvoiceCheckName(enum.StrEnum):
    """The checks of R-PAY-2, in the order the policy lists them."""

    HEADED = "HEADED"  # business name, address, telephone and VAT details
    DATED = "DATED"
    FOR_THIS_CLIENT = "FOR_THIS_CLIENT"
    GOODS_RECEIVED = "GOODS_RECEIVED"  # goods or services received in full
    HOW_TO_PAY = "HOW_TO_PAY"
    ARITHMETIC = "ARITHMETIC"
    NOT_DUPLICATE = "NOT_DUPLICATE"


ALL_CHECKS: tuple[InvoiceCheckName, ...] = tuple(InvoiceCheckName)


class InvoiceEventKind(enum.StrEnum):
    FUNDS_SHORT = "FUNDS_SHORT"  # recorded by the service when an approval finds funds short
    SENDER_CONTACTED = "SENDER_CONTACTED"  # R-PAY-3
    QUERIED = "QUERIED"  # a query about the invoice's validity, for the SCAO (R-PAY-7)
    CANCELLED = "CANCELLED"


# What an officer records by hand; FUNDS_SHORT is the service's alone.
OFFICER_INVOICE_EVENTS = frozenset(
    {InvoiceEventKind.SENDER_CONTACTED, InvoiceEventKind.QUERIED, InvoiceEventKind.CANCELLED}
)


# --- who may record which invoices --------------------------------------------------------

# Integrations record only their own kind of invoice: Controcc the care providers' (bills and
# reimbursements), SAP the council's care-contribution charges. Officers record any kind.
INTEGRATION_INVOICE_KINDS: dict[Role, frozenset[InvoiceKind]] = {
    Role.INTEGRATION_CONTROCC: frozenset(
        {InvoiceKind.SUPPLIER, InvoiceKind.CARE_PROVIDER_REIMBURSEMENT}
    ),
    Role.INTEGRATION_SAP: frozenset({InvoiceKind.COUNCIL_CARE_CONTRIBUTION}),
}


def invoice_kinds_allowed(roles: frozenset[Role]) -> frozenset[InvoiceKind]:
    if not roles.isdisjoint(OFFICERS):
        return frozenset(InvoiceKind)
    allowed: frozenset[InvoiceKind] = frozenset()
    for role in roles:
        allowed |= INTEGRATION_INVOICE_KINDS.get(role, frozenset())
    return allowed


class InvoiceSource(enum.StrEnum):
    """Where an invoice came from, as recorded on it (stored as its value)."""

    OFFICER = "OFFICER"  # by post, recorded by an officer
    CONTROCC = "CONTROCC"
    SAP = "SAP"
    OTHER = "OTHER"  # none of these: a caller with none of their roles


def invoice_source(roles: frozenset[Role]) -> InvoiceSource:
    """Where an invoice came from, as recorded on it."""
    if not roles.isdisjoint(OFFICERS):
        return InvoiceSource.OFFICER
    if Role.INTEGRATION_SAP in roles:
        return InvoiceSource.SAP
    if Role.INTEGRATION_CONTROCC in roles:
        return InvoiceSource.CONTROCC
    return InvoiceSource.OTHER


# --- due dates (R-PAY-1, R-PAY-4) ---------------------------------------------------------


def due_figure(kind: InvoiceKind) -> str:
    """The policy figure that sets an invoice's days to pay (R-DATA)."""
    if kind is InvoiceKind.COUNCIL_CARE_CONTRIBUTION:
        return "council_invoice_payment_days"  # R-PAY-4: calendar days
    return "invoice_payment_working_days"  # R-PAY-1: working days


def due_date(kind: InvoiceKind, received_on: date, days: int) -> date:
    """R-PAY-1: paid within ``days`` working days of receipt (England and Wales); R-PAY-4: a
    council care-contribution invoice within ``days`` calendar days."""
    if kind is InvoiceKind.COUNCIL_CARE_CONTRIBUTION:
        return received_on + timedelta(days=days)
    return workdays.add_working_days(received_on, days)


def days_overdue(due_on: date, today: date, status: InvoiceStatus, *, on_hold: bool = False) -> int:
    """Calendar days past the due date while unpaid; 0 once paid or cancelled, and while on
    hold (no overdue chasing, R-REF-7)."""
    if status in CLOSED or on_hold:
        return 0
    return max(0, (today - due_on).days)


# --- recording an invoice -----------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    description: str
    amount: Pence
    evidence_seen: bool


@dataclass(frozen=True)
class InvoiceDraft:
    supplier_invoice_number: str
    invoice_date: date
    amount: Pence
    kind: InvoiceKind
    category: Category
    description: str
    period_start: date | None
    period_end: date | None
    items: tuple[Item, ...]
    official_invoice: bool
    direct_debit: bool


# The kind of counterparty each kind of invoice must come from; a plain bill may come from
# any supplier of goods or services.
SUPPLIER_KINDS: dict[InvoiceKind, frozenset[CounterpartyKind]] = {
    InvoiceKind.CARE_PROVIDER_REIMBURSEMENT: frozenset({CounterpartyKind.CARE_PROVIDER}),
    InvoiceKind.COUNCIL_CARE_CONTRIBUTION: frozenset({CounterpartyKind.COUNCIL}),
    InvoiceKind.SUPPLIER: frozenset(
        {
            CounterpartyKind.SUPPLIER,
            CounterpartyKind.CARE_PROVIDER,
            CounterpartyKind.COUNCIL,
            CounterpartyKind.OPG,
            CounterpartyKind.OTHER,
        }
    ),
}

# R-OPG-1: the council's care charge is reported as "local authority charges for care".
KIND_CATEGORIES: dict[InvoiceKind, frozenset[Category]] = {
    InvoiceKind.COUNCIL_CARE_CONTRIBUTION: frozenset({Category.OUT_LOCAL_AUTHORITY_CARE_CHARGES}),
}


def category_problem(category: Category) -> str | None:
    """Why money cannot be paid out under ``category`` through an invoice or payment."""
    if not category.money_out:
        return f"{category.value} is not a money-out category (R-OPG-1)"
    if category is Category.OUT_GIFTS:
        return "a gift is made through a gift decision, not a payment (R-DEC-3, R-ROLE-3)"
    if category is Category.OUT_INVESTMENT_PURCHASES:
        return (
            "a client's surplus is invested only by a lodgement or a placement, each an approved "
            "investment plan within the surplus rule, not a payment (R-INV-2, R-INV-4, R-DEC)"
        )
    if category is Category.OUT_DEPUTY_FEES:
        return (
            "the council's deputy fees are taken only by a fee run, at the rates in force, not "
            "a payment (R-FEE-1, R-FEE-3, R-FEE-6)"
        )
    return None


def personal_allowance_problem(
    category: Category, payee_kind: CounterpartyKind, period_end: date | None, received_on: date
) -> str | None:
    """R-PAY-6: personal allowance is never advanced to a care provider. A provider is repaid
    for allowance it has already given the client: the period must have ended by receipt."""
    if category is not Category.OUT_PERSONAL_ALLOWANCE:
        return None
    if payee_kind is not CounterpartyKind.CARE_PROVIDER:
        return None
    if period_end is None:
        return (
            "personal allowance paid to a care provider needs the period it covers, to show "
            "it is not an advance (R-PAY-6)"
        )
    if period_end > received_on:
        return (
            f"the period ends {period_end.isoformat()}, after the invoice was received "
            f"({received_on.isoformat()}): personal allowance is never advanced to a care "
            "provider (R-PAY-6)"
        )
    return None


def validate_invoice(
    draft: InvoiceDraft, *, received_on: date, supplier_kind: CounterpartyKind
) -> dict[str, str]:
    """Problems with an invoice, by field (empty when it may be recorded)."""
    number = draft.supplier_invoice_number
    problems = text_problem(
        "supplier_invoice_number", number, required=True, maximum=MAX_INVOICE_NUMBER
    )
    if draft.amount <= 0:
        problems["amount"] = "must be more than 0.00"
    problems |= text_problem(
        "description", draft.description, required=True, maximum=MAX_DESCRIPTION
    )
    if draft.invoice_date > received_on:
        problems["invoice_date"] = "is after the day the invoice was received"
    if (
        draft.period_start is not None
        and draft.period_end is not None
        and draft.period_end < draft.period_start
    ):
        problems["period_end"] = "is before the period's start"
    if supplier_kind not in SUPPLIER_KINDS[draft.kind]:
        allowed = ", ".join(sorted(k.value for k in SUPPLIER_KINDS[draft.kind]))
        problems["supplier_id"] = (
            f"a {draft.kind.value} invoice comes from a counterparty of kind {allowed}, "
            f"not {supplier_kind.value}"
        )
    if (problem := category_problem(draft.category)) is not None:
        problems["category"] = problem
    elif draft.kind in KIND_CATEGORIES and draft.category not in KIND_CATEGORIES[draft.kind]:
        wanted = ", ".join(sorted(c.value for c in KIND_CATEGORIES[draft.kind]))
        problems["category"] = f"a {draft.kind.value} invoice is categorised {wanted} (R-OPG-1)"
    elif (
        problem := personal_allowance_problem(
            draft.category, supplier_kind, draft.period_end, received_on
        )
    ) is not None:
        problems["period_end"] = problem
    problems |= _item_problems(draft)
    return problems


def _item_problems(draft: InvoiceDraft) -> dict[str, str]:
    problems: dict[str, str] = {}
    items = draft.items
    if draft.kind is InvoiceKind.CARE_PROVIDER_REIMBURSEMENT and not items:
        problems["items"] = (
            "a reimbursement lists what was spent, item by item, to check against receipts "
            "(R-PAY-5)"
        )
        return problems
    if len(items) > MAX_ITEMS:
        problems["items"] = f"at most {MAX_ITEMS} items"
        return problems
    for n, item in enumerate(items, start=1):
        problems |= text_problem(
            f"items.{n}.description", item.description, required=True, maximum=MAX_DESCRIPTION
        )
        if item.amount <= 0:
            problems[f"items.{n}.amount"] = "must be more than 0.00"
    total = sum(i.amount for i in items)
    if items and total != draft.amount:
        problems["items"] = (
            f"the items add up to {format_money(total)}, not the invoice's "
            f"{format_money(draft.amount)}"
        )
    return problems


# --- before payment (R-PAY-2, R-PAY-5) ----------------------------------------------------


@dataclass(frozen=True)
class CheckEntry:
    """One R-PAY-2 check to record: passed or not, and a note (required when it failed)."""

    check: InvoiceCheckName
    passed: bool
    note: str | None = None


def tidy_check(entry: CheckEntry) -> CheckEntry:
    return CheckEntry(entry.check, entry.passed, (entry.note or "").strip() or None)


def check_problem(entry: CheckEntry) -> str | None:
    """What is wrong with a (tidied) check's note, or None."""
    if entry.note is None and not entry.passed:
        return "say why the check failed"
    if entry.note is not None and len(entry.note) > MAX_NOTE:
        return f"is longer than {MAX_NOTE} characters"
    return None


def checks_problems(entries: Sequence[CheckEntry]) -> dict[str, str]:
    """Several (tidied) checks recorded in one call: at least one, each check at most once,
    each as ``check_problem`` wants it; problems keyed ``checks.N.field``."""
    if not entries:
        return {"checks": "give at least one check"}
    problems: dict[str, str] = {}
    seen: set[InvoiceCheckName] = set()
    for i, entry in enumerate(entries):
        if entry.check in seen:
            problems[f"checks.{i}.check"] = f"{entry.check.value} is in this call twice"
        seen.add(entry.check)
        if (problem := check_problem(entry)) is not None:
            problems[f"checks.{i}.note"] = problem
    return problems


def missing_checks(latest: Mapping[InvoiceCheckName, bool]) -> list[InvoiceCheckName]:
    """The R-PAY-2 checks not yet recorded, or whose latest record failed, in policy order."""
    return [name for name in ALL_CHECKS if latest.get(name) is not True]


def reimbursement_problems(
    official_invoice: bool, items: Sequence[Item], evidence_threshold: Pence
) -> dict[str, str]:
    """R-PAY-5: a care provider is reimbursed only against an official invoice, and every item
    over the threshold only once its receipt has been seen."""
    problems: dict[str, str] = {}
    if not official_invoice:
        problems["official_invoice"] = (
            "a care provider is reimbursed only against an official invoice (R-PAY-5)"
        )
    unseen = [
        n
        for n, item in enumerate(items, start=1)
        if item.amount > evidence_threshold and not item.evidence_seen
    ]
    if unseen:
        lines = ", ".join(str(n) for n in unseen)
        problems["items"] = (
            f"items over {format_money(evidence_threshold)} need their evidence seen before "
            f"payment (R-PAY-5): line {lines}"
        )
    return problems
