"""GraphQL of a deceased client's estate and the close of a wound-up case (issue 13 item 5):
thin. Casework records who takes the estate and the Treasury Solicitor referral and raises the
estate payment (approved and made as every payment is); a senior officer closes the case;
officers and audit read the estate."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    ESTATE_PAY,
    ESTATE_READ,
    ESTATE_RECORD,
    allow,
)
from ca_api.clients.schema import Client, client_of, readable_client_id
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.context import Context
from ca_api.estates import payment as estate_payment
from ca_api.estates import reads, recording
from ca_api.estates.types import ClaimantKind, Estate
from ca_api.payments.schema import Payment


async def _estate(info: Info[Context, None], client_id: uuid.UUID) -> Estate:
    session = info.context.session
    view = await reads.estate_of(session, client_id)
    stage = (await reads.estate_state_of_clients(session, [client_id])).get(client_id)
    return Estate.of(view, stage)


@strawberry.type(description="A deceased client's estate as the mutation left it.")
class EstatePayload:
    client: Client = strawberry.field(description="The client.")
    estate: Estate = strawberry.field(description="The estate as it now stands.")
    replayed: bool = replayed_field()


async def estate_payload(info: Info[Context, None], done: reads.EstateOutcome) -> EstatePayload:
    client_id = done.view.client_id
    return EstatePayload(
        client=await client_of(info.context, client_id),
        estate=await _estate(info, client_id),
        replayed=done.replayed,
    )


@strawberry.type(description="The estate payment raised, and the estate it pays.")
class EstatePaymentPayload:
    client: Client = strawberry.field(description="The client.")
    estate: Estate = strawberry.field(description="The estate, with the payment's route.")
    payment: Payment = strawberry.field(
        description="The payment raised: a second officer approves it (approvePayment), then it "
        "is made (makePayment)."
    )
    replayed: bool = replayed_field()


@strawberry.input(
    description="Who takes a deceased client's estate (B 29.3, R-DEATH-3), how they are paid, "
    "and the idempotency key."
)
class RecordEstateClaimantInput:
    client_id: strawberry.ID = strawberry.field(description="The deceased client.")
    kind: ClaimantKind = strawberry.field(description="Executor or next of kin.")
    name: str = strawberry.field(
        description="Their name (the counterparty recorded for them when counterpartyId is null)."
    )
    will_reference: str | None = strawberry.field(
        default=None, description="An executor's: the valid will's reference (required)."
    )
    will_dated: date | None = strawberry.field(
        default=None, description="An executor's: the will's date (required; not after death)."
    )
    probate_reference: str | None = strawberry.field(
        default=None, description="An executor's: the grant of probate, if granted."
    )
    probate_granted_on: date | None = strawberry.field(
        default=None, description="An executor's: when probate was granted (with its reference)."
    )
    relationship: str | None = strawberry.field(
        default=None, description="Next of kin's: how they are related (required)."
    )
    evidence: str | None = strawberry.field(
        default=None, description="Next of kin's: the evidence of the relationship (required)."
    )
    counterparty_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An existing counterparty to pay them through; null: one is recorded for "
        "them (kind OTHER, their name).",
    )
    reason: str | None = strawberry.field(
        default=None,
        description="Why this corrects the record before it (required when one is recorded).",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="The estate referred to the Treasury Solicitor (Bona Vacantia), and the key."
)
class RecordTreasurySolicitorReferralInput:
    client_id: strawberry.ID = strawberry.field(description="The deceased client.")
    referred_on: date = strawberry.field(
        description="When it was referred: not before the death, not in the future."
    )
    reference: str = strawberry.field(description="The Bona Vacantia reference.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The deceased client whose estate to pay, and the key.")
class RaiseEstatePaymentInput:
    client_id: strawberry.ID = strawberry.field(description="The deceased client.")
    idempotency_key: str = idempotency_key_field()


RecordEstateClaimantResult = Annotated[
    EstatePayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordEstateClaimantResult",
        description="The estate with its claimant, or why not: no confirmed death, the will or "
        "the relationship's evidence missing, a correction without its reason, the estate "
        "payment raised already.",
    ),
]
RecordTreasurySolicitorReferralResult = Annotated[
    EstatePayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | PolicyMissingProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordTreasurySolicitorReferralResult",
        description="The estate with its referral, or why not: no confirmed death, referred "
        "already, an executor or next of kin recorded, an estate within the small-estate limit.",
    ),
]
RaiseEstatePaymentResult = Annotated[
    EstatePaymentPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | PolicyMissingProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RaiseEstatePaymentResult",
        description="The estate payment raised, or why not (everything outstanding listed): no "
        "confirmed death, the wind-up fee not charged, invoices or payments open, money away "
        "from the CMS account, overpayments not repaid, raised already, nothing left to pay, "
        "over the limit with no referral.",
    ),
]


@strawberry.type
class EstateQuery:
    @strawberry.field(
        extensions=allow(ESTATE_READ),
        description="A client's estate (issue 13 item 5): who takes it, the Treasury Solicitor "
        "referral, the estate payment and its route, what is outstanding, whether the case is "
        "closed. NOT_FOUND for a client the caller may not read.",
    )
    async def estate(
        self,
        info: Info[Context, None],
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
    ) -> Estate:
        cid = await readable_client_id(info.context, client_id)
        return await _estate(info, cid)


@strawberry.type
class EstateMutation:
    @strawberry.mutation(
        extensions=allow(ESTATE_RECORD),
        description="Record who takes a deceased client's estate (seed 002 B 29.3, R-DEATH-3): "
        "the executor of a valid will or the next of kin, and the counterparty they are paid "
        "through. A second record corrects the first, with the reason (R-AUD-2).",
    )
    async def record_estate_claimant(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordEstateClaimantInput,
            strawberry.argument(description="Who takes the estate, and the key."),
        ],
    ) -> RecordEstateClaimantResult:
        done = await as_caller(
            info,
            recording.record_claimant,
            decode_uuid("Client", input.client_id),
            input.kind,
            name=input.name,
            will_reference=input.will_reference,
            will_dated=input.will_dated,
            probate_reference=input.probate_reference,
            probate_granted_on=input.probate_granted_on,
            relationship=input.relationship,
            evidence=input.evidence,
            counterparty_id=decode_uuid("Counterparty", input.counterparty_id)
            if input.counterparty_id is not None
            else None,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return await estate_payload(info, done)

    @strawberry.mutation(
        extensions=allow(ESTATE_RECORD),
        description="Record a deceased client's estate referred to the Treasury Solicitor "
        "(Bona Vacantia, seed 002 B 29.6): no executor or next of kin, over the small-estate "
        "limit; once.",
    )
    async def record_treasury_solicitor_referral(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordTreasurySolicitorReferralInput,
            strawberry.argument(description="The referral, and the key."),
        ],
    ) -> RecordTreasurySolicitorReferralResult:
        done = await as_caller(
            info,
            recording.record_referral,
            decode_uuid("Client", input.client_id),
            input.referred_on,
            input.reference,
            idempotency_key=input.idempotency_key,
        )
        return await estate_payload(info, done)

    @strawberry.mutation(
        extensions=allow(ESTATE_PAY),
        description="Raise the estate payment (R-DEATH-3, R-DEATH-4, seed 002 B 29.4-29.6): the "
        "whole available balance of the CMS account, to the executor or next of kin whatever "
        "its size; with neither, kept by the council at the small-estate limit in force on the "
        "date of death and below, paid to the Treasury Solicitor over it once referred. Only "
        "after the wind-up fee, every debt to the death and every payment discharged, and "
        "money with the Court Funds Office or in a placement come home. A second officer "
        "approves it (approvePayment) and it is made (makePayment).",
    )
    async def raise_estate_payment(
        self,
        info: Info[Context, None],
        input: Annotated[
            RaiseEstatePaymentInput, strawberry.argument(description="Whose estate, and the key.")
        ],
    ) -> RaiseEstatePaymentResult:
        done = await as_caller(
            info,
            estate_payment.raise_estate_payment,
            decode_uuid("Client", input.client_id),
            idempotency_key=input.idempotency_key,
        )
        client_id = done.view.client_id
        return EstatePaymentPayload(
            client=await client_of(info.context, client_id),
            estate=await _estate(info, client_id),
            payment=Payment.from_view(done.payment.payment),
            replayed=done.replayed,
        )
