"""Pure rules of the order a client's debts are paid in (R-DEBT-1): no I/O, no clock.

R-DEBT-1: "care homes for personal allowance they advanced; the council for care contributions;
unsecured creditors, oldest first." An invoice's place in that order comes from its kind
(``invoices.rules.InvoiceKind``): a care provider's reimbursement (the personal allowance the
home advanced, R-PAY-5) first, the council's care contribution (R-PAY-4) second, a supplier's
bill (an unsecured creditor) third; within a kind, the oldest first (the date on the invoice,
then the day it was received, then its id, so the order is total).

After a confirmed death (R-DEATH-2, seed 002 B 29.2) the debts up to and including the date of
death are paid in this order: a payment of one is refused while a debt ranked before it is still
open (``debt_ahead``). Issue 14's debts found on appointment (``outstanding_debts``, seed 002
B 14) are ranked by the same ``order_key`` (their kind mapped onto the invoice kinds,
``FOUND_DEBT_KIND``) and what the client can afford is shared out in that order
(``allocate``).

Not in the order:
- an invoice an officer (or the service) QUERIED (R-PAY-7): its validity is with the SCAO, so
  it does not hold the others back;
- an invoice dated after the death: queried, never paid as a debt (R-DEATH-2);
- the funeral's costs (the FUNERAL basis): they come first in law, before any debt, and are
  paid on their own basis, never asked this.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ca_api.invoices.rules import InvoiceKind, InvoiceStatus

# R-DEBT-1, first to last.
DEBT_ORDER: tuple[InvoiceKind, ...] = (
    InvoiceKind.CARE_PROVIDER_REIMBURSEMENT,  # the care home's personal allowance advanced
    InvoiceKind.COUNCIL_CARE_CONTRIBUTION,  # the council's care contributions
    InvoiceKind.SUPPLIER,  # unsecured creditors, oldest first
)

CREDITOR: dict[InvoiceKind, str] = {
    InvoiceKind.CARE_PROVIDER_REIMBURSEMENT: "the care home's personal allowance advanced",
    InvoiceKind.COUNCIL_CARE_CONTRIBUTION: "the council's care contribution",
    InvoiceKind.SUPPLIER: "an unsecured creditor",
}


def debt_rank(kind: InvoiceKind) -> int:
    """0 for the first paid (R-DEBT-1)."""
    return DEBT_ORDER.index(kind)


@dataclass(frozen=True)
class Debt:
    """An invoice as the order sees it."""

    invoice_id: uuid.UUID
    kind: InvoiceKind
    invoice_date: date
    received_on: date
    supplier_invoice_number: str
    status: InvoiceStatus = InvoiceStatus.RECEIVED
    queried: bool = False  # an officer or the service recorded QUERIED (R-PAY-7)


def order_key(debt: Debt) -> tuple[int, date, date, str]:
    """Where the debt stands in R-DEBT-1's order: its kind's rank, then oldest first."""
    return (
        debt_rank(debt.kind),
        debt.invoice_date,
        debt.received_on,
        str(debt.invoice_id),
    )


def in_order(debts: Iterable[Debt]) -> list[Debt]:
    """The debts, first to be paid first (R-DEBT-1)."""
    return sorted(debts, key=order_key)


class DebtStage(enum.StrEnum):
    """When the order is asked of a payment of a debt."""

    RAISED = "RAISED"  # the payment is raised
    APPROVED = "APPROVED"  # the payment is approved: the money is held for it (R-PAY-3)


# What an earlier debt must have come to for a later one's payment to go ahead. Raising: the
# earlier one has a payment raised (or further). Approving, which is when the money is held
# (R-PAY-3): the earlier one's money is held already (APPROVED) or gone (PAID), so a later debt
# never takes from the account what an earlier one is still waiting for. FUNDS_SHORT (its
# payment refused for want of funds, R-PAY-3) holds the later ones back: paying them would pay
# them first (R-DEBT-1; R-DEBT-2 tells every creditor when funds are short).
SETTLED_ENOUGH: dict[DebtStage, frozenset[InvoiceStatus]] = {
    DebtStage.RAISED: frozenset(
        {
            InvoiceStatus.PAYMENT_RAISED,
            InvoiceStatus.APPROVED,
            InvoiceStatus.PAID,
            InvoiceStatus.CANCELLED,
        }
    ),
    DebtStage.APPROVED: frozenset(
        {InvoiceStatus.APPROVED, InvoiceStatus.PAID, InvoiceStatus.CANCELLED}
    ),
}


def holds_back(earlier: Debt, stage: DebtStage) -> bool:
    """Whether a debt ranked before another keeps the other's payment from going ahead at
    ``stage``: it is open and not queried (a queried invoice is the SCAO's, R-PAY-7)."""
    return not earlier.queried and earlier.status not in SETTLED_ENOUGH[stage]


def debt_ahead(debt: Debt, others: Iterable[Debt], up_to: date, stage: DebtStage) -> Debt | None:
    """The first debt, dated up to and including ``up_to`` (the date of death), ranked before
    ``debt`` in R-DEBT-1's order and holding it back at ``stage``; None when ``debt`` may be
    paid now."""
    mine = order_key(debt)
    ahead = [
        d
        for d in others
        if d.invoice_id != debt.invoice_id
        and d.invoice_date <= up_to
        and order_key(d) < mine
        and holds_back(d, stage)
    ]
    return min(ahead, key=order_key, default=None)


def out_of_order_message(debt: Debt, ahead: Debt, died_on: date, stage: DebtStage) -> str:
    """Why ``debt`` is not paid yet, naming the debt that comes first."""
    first = "raise its payment" if stage is DebtStage.RAISED else "have its payment approved"
    return (
        f"debts up to the client's death on {died_on.isoformat()} are paid in the order of "
        f"R-DEBT-1 (seed 002 B 29.2): invoice {ahead.supplier_invoice_number} of "
        f"{ahead.invoice_date.isoformat()} ({CREDITOR[ahead.kind]}, "
        f"{ahead.status.value}) comes before invoice {debt.supplier_invoice_number} of "
        f"{debt.invoice_date.isoformat()} ({CREDITOR[debt.kind]}): {first} first, or query "
        "it (R-PAY-7) if it is in doubt"
    )


# --- debts found on appointment (issue 14 item 2; R-DEBT-1..3, seed 002 B 14) ----------------


class FoundDebtKind(enum.StrEnum):
    """The kinds of a debt found on appointment (seed 002 B 14.2), in R-DEBT-1's order."""

    CARE_HOME_PERSONAL_ALLOWANCE = "CARE_HOME_PERSONAL_ALLOWANCE"  # "subbing" the allowance
    COUNCIL_CARE_CONTRIBUTION = "COUNCIL_CARE_CONTRIBUTION"  # the council's client contributions
    OTHER_UNSECURED = "OTHER_UNSECURED"  # unsecured creditors, in date order


# A found debt ranks as the invoice kind of the same creditor: one order (R-DEBT-1) for both.
FOUND_DEBT_KIND: dict[FoundDebtKind, InvoiceKind] = {
    FoundDebtKind.CARE_HOME_PERSONAL_ALLOWANCE: InvoiceKind.CARE_PROVIDER_REIMBURSEMENT,
    FoundDebtKind.COUNCIL_CARE_CONTRIBUTION: InvoiceKind.COUNCIL_CARE_CONTRIBUTION,
    FoundDebtKind.OTHER_UNSECURED: InvoiceKind.SUPPLIER,
}


def found_debt(
    debt_id: uuid.UUID, kind: FoundDebtKind, incurred_on: date, found_on: date, reference: str
) -> Debt:
    """A debt found on appointment as the order sees it: ranked by its kind, then incurred
    oldest first (then found, then its id)."""
    return Debt(
        invoice_id=debt_id,
        kind=FOUND_DEBT_KIND[kind],
        invoice_date=incurred_on,
        received_on=found_on,
        supplier_invoice_number=reference,
    )


@dataclass(frozen=True)
class Allocation:
    """What a debt is given of the funds the client can afford: ``position`` is its place in
    R-DEBT-1's order (1 first); ``owed`` what is outstanding, ``allocated`` what is paid."""

    debt: Debt
    position: int
    owed: int
    allocated: int

    @property
    def short(self) -> int:
        """What the plan leaves unpaid."""
        return self.owed - self.allocated


def allocate(owed: Iterable[tuple[Debt, int]], funds: int) -> list[Allocation]:
    """Share ``funds`` (pence the client can afford) among the debts in R-DEBT-1's order: each
    is paid in full while the funds last, the first the funds cannot clear gets what is left,
    those after it nothing (seed 002 B 14.2: a later creditor is never paid before an earlier
    one is cleared)."""
    left = max(0, funds)
    out: list[Allocation] = []
    for position, (debt, amount) in enumerate(sorted(owed, key=lambda d: order_key(d[0])), 1):
        given = min(left, max(0, amount))
        left -= given
        out.append(Allocation(debt, position, amount, given))
    return out


def funds_short(allocations: Iterable[Allocation]) -> bool:
    """R-DEBT-2: the client cannot repay every debt in full from what they can afford."""
    return any(a.short > 0 for a in allocations)


def creditors_to_write_to(allocations: Iterable[Allocation]) -> list[Allocation]:
    """R-DEBT-2 (seed 002 B 14.3 "write to all creditors"): where funds are short, every
    creditor is told in writing that the client lacks capacity and cannot repay in full, those
    the plan pays as well as those it leaves unpaid (the seed says all; each letter says what the
    plan pays them). None when funds cover every debt."""
    every = list(allocations)
    if not funds_short(every):
        return []
    return every
