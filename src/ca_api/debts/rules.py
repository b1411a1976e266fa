"""Pure rules of the order a client's debts are paid in (R-DEBT-1): no I/O, no clock.

R-DEBT-1: "care homes for personal allowance they advanced; the council for care contributions;
unsecured creditors, oldest first." An invoice's place in that order comes from its kind
(``invoices.rules.InvoiceKind``): a care provider's reimbursement (the personal allowance the
home advanced, R-PAY-5) first, the council's care contribution (R-PAY-4) second, a supplier's
bill (an unsecured creditor) third; within a kind, the oldest first (the date on the invoice,
then the day it was received, then its id, so the order is total).

After a confirmed death (R-DEATH-2, seed 002 B 29.2) the debts up to and including the date of
death are paid in this order: a payment of one is refused while a debt ranked before it is still
open (``debt_ahead``). Issue 14's debts on appointment reuse ``order_key`` and ``debt_ahead``.

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
