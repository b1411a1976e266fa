"""GraphQL enums and inputs of payments (the schema's own file is ``payments/schema.py``):
what a caller sends, described in the council's words."""

from __future__ import annotations

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.common.ids import decode_uuid
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.deaths.types import WindingUpBasis
from ca_api.ledger.types import Category
from ca_api.payments import particulars, rules

PaymentMethod = rules.PaymentMethod
PaymentStatus = rules.PaymentStatus
PaymentEventKind = rules.PaymentEventKind
graphql_enum(
    PaymentMethod,
    "How the money leaves the client's account.",
    BANK_TRANSFER="A bank transfer to the payee (the default).",
    DIRECT_DEBIT="Collected by the payee: the council's care charges where set up (R-PAY-4).",
    CHEQUE="A cheque to the payee.",
    CASH="Paid in cash.",
)
graphql_enum(
    PaymentStatus,
    "RAISED -> APPROVED -> MADE; RAISED | APPROVED -> CANCELLED.",
    RAISED="Raised: awaits approval by someone other than its authors (R-ROLE-2).",
    APPROVED="Approved within the approver's limit (R-DEC-2): the money is held on the "
    "client's account (R-PAY-3), not yet paid.",
    MADE="Made: the hold was posted and the money has left the client's account.",
    CANCELLED="Cancelled before it was made; an approved one's hold was released.",
)
graphql_enum(
    PaymentEventKind,
    "Something that happened to a payment after it was raised. Never changed (R-AUD-2).",
    APPROVED="Approved: the money was held (R-PAY-3).",
    MADE="Made: the hold was posted and the money left.",
    CANCELLED="Cancelled, with the reason; an approved one's hold was released.",
    REFUSED_FUNDS_SHORT="An approval was refused because the client's funds were short; the "
    "payment still awaits approval and the invoice's sender is contacted (R-PAY-3).",
)


# --- inputs -------------------------------------------------------------------------------


@strawberry.input(
    description="Either invoiceId (a checked invoice, paid in full to its supplier), or a "
    "standing payment: clientId, payeeId, amount, category, description and standing: true."
)
class RaisePaymentInput:
    invoice_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The invoice to pay, every check of R-PAY-2 passed; nothing else is given.",
    )
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="A standing payment's client."
    )
    payee_id: strawberry.ID | None = strawberry.field(
        default=None, description="A standing payment's payee (a counterparty's id)."
    )
    amount: Money | None = strawberry.field(
        default=None, description="A standing payment's amount."
    )
    category: Category | None = strawberry.field(
        default=None, description="A standing payment's OPG money-out category (R-OPG-1)."
    )
    description: str | None = strawberry.field(
        default=None, description="What a standing payment pays for."
    )
    standing: bool = strawberry.field(
        default=False, description="true for a standing payment, not of an invoice."
    )
    method: PaymentMethod | None = strawberry.field(
        default=None,
        description="How to pay; omitted: DIRECT_DEBIT for a council care charge set up "
        "for it (R-PAY-4), else BANK_TRANSFER.",
    )
    winding_up_basis: WindingUpBasis | None = strawberry.field(
        default=None,
        description="After the client's confirmed death: on what basis it is paid (seed 002 "
        "B 29); required then, and refused while the client lives. After death a payment is of "
        "an invoice (standing payments stopped): one dated up to the death only as "
        "DEBT_BEFORE_DEATH, in R-DEBT-1's order; one dated after it as FUNERAL or REPAYMENT. "
        "WIND_UP_FEE and ESTATE are never raised here (chargeWindUpFee, raiseEstatePayment).",
    )
    idempotency_key: str = idempotency_key_field()

    def to_request(self) -> particulars.PaymentRequest:
        return particulars.PaymentRequest(
            invoice_id=decode_uuid("Invoice", self.invoice_id) if self.invoice_id else None,
            client_id=decode_uuid("Client", self.client_id) if self.client_id else None,
            payee_id=decode_uuid("Counterparty", self.payee_id) if self.payee_id else None,
            amount=self.amount,
            category=self.category,
            description=self.description,
            standing=self.standing,
            method=self.method,
            winding_up_basis=self.winding_up_basis,
        )


PAYMENT_ID = "The payment's id."


@strawberry.input(description="The payment to approve, and the request's idempotency key.")
class ApprovePaymentInput:
    id: strawberry.ID = strawberry.field(description=PAYMENT_ID)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The payment to make, and the request's idempotency key.")
class MakePaymentInput:
    id: strawberry.ID = strawberry.field(description=PAYMENT_ID)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The payment to cancel, why, and the request's idempotency key.")
class CancelPaymentInput:
    id: strawberry.ID = strawberry.field(description=PAYMENT_ID)
    reason: str = strawberry.field(description="Why it is cancelled, kept with the payment.")
    idempotency_key: str = idempotency_key_field()
