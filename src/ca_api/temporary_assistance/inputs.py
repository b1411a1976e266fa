"""GraphQL enums and inputs of temporary financial assistance (the schema's own file is
``temporary_assistance/schema.py``). Each mutation takes one ``input``, its idempotency key
last."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum, own_fields
from ca_api.ledger.types import Category
from ca_api.temporary_assistance import rules, service

AssistanceStatus = rules.AssistanceStatus
graphql_enum(
    AssistanceStatus,
    "Where temporary financial assistance stands (seed 002 B 4.6-4.7): REQUESTED -> APPROVED | "
    "REJECTED; APPROVED -> PAID -> REPAID.",
    {
        AssistanceStatus.REQUESTED: "Requested: awaits approval by someone other than whoever "
        "requested it (R-ROLE-2), within the approval limits (R-DEC-2).",
        AssistanceStatus.APPROVED: "Approved: the council is to pay it (the SCAO implements it).",
        AssistanceStatus.REJECTED: "Rejected, with the reason: nothing is paid or owed.",
        AssistanceStatus.PAID: "The council paid it from its own money; the client owes what "
        "is outstanding until it is repaid from their funds.",
        AssistanceStatus.REPAID: "Repaid in full from the client's funds.",
    },
    name="TemporaryAssistanceStatus",
)
AssistanceEventKind = rules.AssistanceEventKind
graphql_enum(
    AssistanceEventKind,
    "Something that happened to temporary financial assistance. Never changed (R-AUD-2).",
    {
        AssistanceEventKind.APPROVED: "Approved, under the approval limits named (R-DEC-4).",
        AssistanceEventKind.REJECTED: "Rejected, with the reason, under the approval limits "
        "named (R-DEC-4).",
        AssistanceEventKind.PAID: "Paid by the council: the date and its payment reference.",
        AssistanceEventKind.REPAID: "Repaid in full: the last repayment cleared it.",
    },
    name="TemporaryAssistanceEventKind",
)

ASSISTANCE_ID = "The temporary assistance's id."


@strawberry.input(
    description="The Temporary Financial Assistance Request form (seed 002 B 4.6), and the "
    "request's idempotency key."
)
class RequestTemporaryAssistanceInput:
    client_id: strawberry.ID = strawberry.field(description="The client it is for.")
    amount: Money = strawberry.field(
        description="How much the council is asked to pay: more than 0.00. Who may approve it "
        "depends on it (approvalLimits, subject TEMPORARY_ASSISTANCE)."
    )
    purpose: str = strawberry.field(description="What it pays for.")
    payee_id: strawberry.ID = strawberry.field(
        description="Who the council pays (a counterparty's id)."
    )
    category: Category = strawberry.field(
        description="The OPG money-out category of what it pays for (R-OPG-1): each repayment "
        "leaves the client's account under it."
    )
    why_funds_unavailable: str = strawberry.field(
        description="Why the client's own funds are not yet available (e.g. the appointeeship "
        "applied for, benefits not yet paid to the council)."
    )
    idempotency_key: str = idempotency_key_field()

    def to_request(self) -> service.AssistanceRequest:
        ids = {"client_id": "Client", "payee_id": "Counterparty"}
        values = own_fields(
            self, RequestTemporaryAssistanceInput, leave={"idempotency_key"}, ids=ids
        )
        return service.AssistanceRequest(**values)


@strawberry.input(description="The assistance to approve, and the request's idempotency key.")
class ApproveTemporaryAssistanceInput:
    id: strawberry.ID = strawberry.field(description=ASSISTANCE_ID)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The assistance to reject, why, and the request's idempotency key.")
class RejectTemporaryAssistanceInput:
    id: strawberry.ID = strawberry.field(description=ASSISTANCE_ID)
    reason: str = strawberry.field(description="Why it is rejected, kept with it.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="Approved assistance the council has paid (seed 002 B 4.7), and the request's "
    "idempotency key."
)
class RecordTemporaryAssistancePaidInput:
    id: strawberry.ID = strawberry.field(description=ASSISTANCE_ID)
    paid_on: date = strawberry.field(description="The day the council paid it: not after today.")
    payment_reference: str = strawberry.field(
        description="The council's own reference for the payment (not the client's money)."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A repayment from the client's funds, and the request's idempotency key."
)
class RecordTemporaryAssistanceRepaymentInput:
    id: strawberry.ID = strawberry.field(description=ASSISTANCE_ID)
    amount: Money = strawberry.field(
        description="How much the client repays now: more than 0.00, at most what is "
        "outstanding and what the client's account has available (R-PAY-3)."
    )
    idempotency_key: str = idempotency_key_field()
