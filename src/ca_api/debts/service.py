"""The order a client's debts are paid in (R-DEBT-1), asked at the payment door.

After a confirmed death (R-DEATH-2, seed 002 B 29.2) a payment of an invoice on the
DEBT_BEFORE_DEATH basis is refused (DebtOutOfOrder, code DEBT_OUT_OF_ORDER) while an invoice
ranked before it (``rules.debt_ahead``), dated up to and including the date of death, is still
open: ``payments.raising`` and ``payments.approving`` ask ``refuse_out_of_order`` when the
payment is raised and again when it is approved (when the money is held, R-PAY-3). Nothing
here writes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.debts import repository, rules
from ca_api.debts.rules import Debt, DebtStage
from ca_api.errors import ErrorCode, MoneyProblem
from ca_api.invoices.models import Invoice
from ca_api.invoices.rules import InvoiceKind, InvoiceStatus


class DebtOutOfOrder(MoneyProblem):
    """A debt paid before one that comes first in R-DEBT-1's order: an InvalidStateProblem with
    the code DEBT_OUT_OF_ORDER, its message naming the invoice to pay first. Nothing written."""

    def __init__(self, message: str, ahead: Debt) -> None:
        super().__init__(
            ErrorCode.DEBT_OUT_OF_ORDER,
            message,
            invoice_first=str(ahead.invoice_id),
            supplier_invoice_number=ahead.supplier_invoice_number,
        )


def debt_of(invoice: Invoice, status: InvoiceStatus = InvoiceStatus.RECEIVED) -> Debt:
    return Debt(
        invoice_id=invoice.id,
        kind=InvoiceKind(invoice.kind),
        invoice_date=invoice.invoice_date,
        received_on=invoice.received_on,
        supplier_invoice_number=invoice.supplier_invoice_number,
        status=status,
    )


async def open_debts(session: AsyncSession, invoice: Invoice, up_to: date) -> list[Debt]:
    """The client's invoices dated up to ``up_to`` neither paid nor cancelled, in R-DEBT-1's
    order."""
    rows = await repository.open_debts(session, invoice.client_id, up_to)
    return rules.in_order(
        Debt(
            invoice_id=r.id,
            kind=InvoiceKind(r.kind),
            invoice_date=r.invoice_date,
            received_on=r.received_on,
            supplier_invoice_number=r.supplier_invoice_number,
            status=InvoiceStatus(r.status),
            queried=bool(r.queried),
        )
        for r in rows
    )


async def refuse_out_of_order(
    session: AsyncSession, invoice: Invoice, died_on: date, stage: DebtStage
) -> None:
    """DebtOutOfOrder when an invoice of the client's ranked before ``invoice`` in R-DEBT-1's
    order, dated up to and including the death on ``died_on``, holds it back at ``stage``
    (``rules.debt_ahead``). The caller holds ``invoice``'s lock, in its transaction."""
    debt = debt_of(invoice)
    ahead = rules.debt_ahead(debt, await open_debts(session, invoice, died_on), died_on, stage)
    if ahead is not None:
        raise DebtOutOfOrder(rules.out_of_order_message(debt, ahead, died_on, stage), ahead)
