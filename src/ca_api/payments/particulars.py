"""What a payment pays (R-PAY-1, R-PAY-2, R-PAY-4, R-PAY-6, R-INV-2): a checked invoice, whose
particulars it takes, or a standing payment with its own, each checked before it is raised."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.actor import Actor
from ca_api.common.rules import text_problem
from ca_api.deaths.rules import WindingUpBasis
from ca_api.errors import ApiError, ErrorCode, InvalidState, ValidationFailed
from ca_api.invoices import checks as invoice_checks
from ca_api.invoices import events as invoices
from ca_api.invoices import holds as invoice_holds
from ca_api.invoices import rules as invoice_rules
from ca_api.invoices.rules import InvoiceKind, InvoiceStatus
from ca_api.ledger.rules import Category, CounterpartyKind
from ca_api.money import Pence
from ca_api.payments import rules
from ca_api.payments.rules import MAX_DESCRIPTION, PaymentMethod


@dataclass(frozen=True)
class PaymentRequest:
    """Either an invoice to pay, or a standing payment's particulars."""

    invoice_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    payee_id: uuid.UUID | None = None
    amount: Pence | None = None
    category: Category | None = None
    description: str | None = None
    standing: bool = False
    method: PaymentMethod | None = None
    winding_up_basis: WindingUpBasis | None = None  # after a confirmed death (seed 002 B 29)


# Winding-up payments the service computes itself, never raised by hand: the wind-up fee
# (chargeWindUpFee) and the estate, routed by R-DEATH-3/4 after the fee (raiseEstatePayment).
COMPUTED_BASES: dict[WindingUpBasis, str] = {
    WindingUpBasis.WIND_UP_FEE: (
        "the wind-up fee is taken by chargeWindUpFee, once, at the figure in force on the date "
        "of death, after the debts (R-FEE-5)"
    ),
    WindingUpBasis.ESTATE: (
        "the estate is paid through raiseEstatePayment, which routes it to the executor, next "
        "of kin, the Treasury Solicitor or the council (R-DEATH-3, R-DEATH-4) after the wind-up "
        "fee (R-FEE-5)"
    ),
}


def forbidden(message: str) -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN, message)


def request_payload(req: PaymentRequest) -> dict[str, Any]:
    return {
        "invoice_id": str(req.invoice_id) if req.invoice_id else None,
        "client_id": str(req.client_id) if req.client_id else None,
        "payee_id": str(req.payee_id) if req.payee_id else None,
        "amount": req.amount,
        "category": req.category.value if req.category else None,
        "description": req.description,
        "standing": req.standing,
        "method": req.method.value if req.method else None,
        # only when given: a key stored before there was a basis replays as it did
    } | ({"winding_up_basis": req.winding_up_basis.value} if req.winding_up_basis else {})


def shape_problems(req: PaymentRequest) -> dict[str, str]:
    """A payment is for an invoice, or a standing payment with all its particulars."""
    particulars = {
        "client_id": req.client_id,
        "payee_id": req.payee_id,
        "amount": req.amount,
        "category": req.category,
        "description": req.description,
    }
    if req.invoice_id is not None:
        given = [k for k, v in particulars.items() if v is not None]
        problems = {k: "comes from the invoice: leave it out" for k in given}
        if req.standing:
            problems["standing"] = "a payment of an invoice is not a standing payment"
        return problems
    problems = {k: "is required without an invoice" for k, v in particulars.items() if v is None}
    if not req.standing:
        problems["standing"] = (
            "a payment without an invoice is a standing payment (standing: true); a bill is "
            "paid against its invoice (R-PAY-1, R-PAY-2)"
        )
    return problems


async def invoice_payment(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, requested: PaymentMethod | None
) -> dict[str, Any]:
    invoice, status = await invoices.locked(session, invoice_id)
    if InvoiceKind(invoice.kind) not in invoice_rules.invoice_kinds_allowed(actor.principal.roles):
        raise forbidden(f"this integration may not pay {invoice.kind} invoices")
    if status not in (InvoiceStatus.RECEIVED, InvoiceStatus.CHECKED):
        raise InvalidState(
            f"the invoice is {status.value}: it has a payment already or is closed",
            status=status.value,
        )
    await invoice_checks.ready_to_pay(session, invoice)
    method, problem = rules.payment_method(
        requested, direct_debit_set_up=invoice.direct_debit, from_invoice=True
    )
    if problem is not None:
        raise ValidationFailed({"method": problem})
    return {
        "client_id": invoice.client_id,
        "invoice_id": invoice.id,
        "payee_id": invoice.supplier_id,
        "amount": invoice.amount,
        "category": invoice.category,
        "method": method.value,
        "description": f"{invoice.description} (invoice {invoice.supplier_invoice_number})",
        "standing": False,
    }


# Money goes to these only as a lodgement or a placement (R-INV-2), never as a payment.
INVESTMENT_PAYEES = frozenset(
    {CounterpartyKind.COURT_FUNDS_OFFICE.value, CounterpartyKind.INSTITUTION.value}
)


async def standing_payment(session: AsyncSession, req: PaymentRequest) -> dict[str, Any]:
    assert req.client_id and req.payee_id and req.category and req.amount is not None
    payee = await invoices.client_and_counterparty(session, req.client_id, req.payee_id)
    problems: dict[str, str] = {}
    if req.amount <= 0:
        problems["amount"] = "must be more than 0.00"
    description = (req.description or "").strip()
    problems |= text_problem("description", description, required=True, maximum=MAX_DESCRIPTION)
    if (problem := rules.category_problem(req.category)) is not None:
        problems["category"] = problem
    elif req.category is Category.OUT_PERSONAL_ALLOWANCE and payee.kind == "CARE_PROVIDER":
        problems["payee_id"] = (
            "personal allowance is never advanced to a care provider (R-PAY-6): the provider "
            "is repaid against its invoice for what it gave the client"
        )
    if payee.kind in INVESTMENT_PAYEES:
        problems["payee_id"] = (
            "money goes to the Court Funds Office or an institution only as a lodgement or a "
            "placement, which the surplus rule judges (R-INV-2): propose one"
        )
    method, problem = rules.payment_method(
        req.method, direct_debit_set_up=False, from_invoice=False
    )
    if problem is not None:
        problems["method"] = problem
    if problems:
        raise ValidationFailed(problems)
    if payee.kind == CounterpartyKind.COUNCIL.value:  # its held charges (R-REF-7)
        await invoice_holds.refuse_if_charges_held(
            session, req.client_id, req.payee_id, req.category.value
        )
    return {
        "client_id": req.client_id,
        "invoice_id": None,
        "payee_id": req.payee_id,
        "amount": req.amount,
        "category": req.category.value,
        "method": method.value,
        "description": description,
        "standing": True,
    }
