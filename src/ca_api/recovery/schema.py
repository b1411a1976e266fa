"""GraphQL of recovery of capacity (issue 14 item 7; R-ORD-5, seed 002 B 27): thin. Those who
record orders record the court's order that the client can manage their affairs (it ends the
deputyship) and correct it; casework raises the payments handing money back; a senior officer
and above close the case once nothing is held; officers and audit read it; social workers see
none of it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    RECOVERY_CLOSE,
    RECOVERY_HANDOVER,
    RECOVERY_READ,
    RECOVERY_RECORD,
    allow,
)
from ca_api.clients.schema import readable_client_id
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.files.types import FileInput
from ca_api.payments.schema import Payment
from ca_api.recovery import handover, reads, recording
from ca_api.recovery.types import RecoveryOfCapacity


@strawberry.type(description="The client's recovery of capacity as the mutation left it.")
class RecoveryOfCapacityPayload:
    recovery: RecoveryOfCapacity = strawberry.field(description="The recovery now.")
    replayed: bool = replayed_field()


@strawberry.type(description="The payment raised to hand money back, and the recovery now.")
class HandoverPaymentPayload:
    recovery: RecoveryOfCapacity = strawberry.field(description="The recovery now.")
    payment: Payment = strawberry.field(
        description="The payment, RAISED: approvePayment (another officer), then makePayment."
    )
    replayed: bool = replayed_field()


@strawberry.input(
    description="The Court of Protection's order that the client can manage their own affairs "
    "(seed 002 B 27.1-27.2), and the key."
)
class RecordRecoveryOfCapacityInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    order_date: date = strawberry.field(
        description="The order's date: the deputyship in force then ends on it."
    )
    court_reference: str = strawberry.field(description="The court's reference of the order.")
    medical_evidence: str | None = strawberry.field(
        default=None, description="The medical evidence the court had (B 27.2), if known."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A correction of the recorded order (R-AUD-2): only what changes is given; the "
    "reason is required. A corrected date moves the deputyship's end to it."
)
class CorrectRecoveryOfCapacityInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    order_date: date | None = strawberry.field(default=None, description="The order's date.")
    court_reference: str | None = strawberry.field(
        default=None, description="The court's reference."
    )
    medical_evidence: str | None = strawberry.field(
        default=None, description="The medical evidence (B 27.2)."
    )
    reason: str = strawberry.field(description="Why the record before was wrong.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A payment handing the client's money back to them from their CMS account "
    "(R-ORD-5), with the evidence of where it goes, and the key."
)
class RaiseHandoverPaymentInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    payee_id: strawberry.ID = strawberry.field(
        description="The counterparty paid: the client's own account (createCounterparty)."
    )
    amount: Money = strawberry.field(description="How much is handed back.")
    evidence: str = strawberry.field(
        description="The evidence of where the money goes (e.g. the client's bank statement "
        "showing the account in their own name)."
    )
    evidence_file: FileInput | None = strawberry.field(
        default=None,
        description="The evidence as a file: a PDF, JPEG or PNG of at most 600,000 bytes (told "
        "from its contents), as base64.",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The client whose case closes, and the key.")
class CloseRecoveredCaseInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    idempotency_key: str = idempotency_key_field()


_Problems = ValidationProblem | InvalidStateProblem | NotFoundProblem | IdempotencyKeyReusedProblem
RecordRecoveryOfCapacityResult = Annotated[
    RecoveryOfCapacityPayload | _Problems,
    strawberry.union(
        "RecordRecoveryOfCapacityResult",
        description="The recovery recorded and the deputyship ended, or why not: no deputyship "
        "in force on the order's date, a date in the future or before the deputyship began, no "
        "reference, the client's death recorded, recorded already, a CLOSED client.",
    ),
]
CorrectRecoveryOfCapacityResult = Annotated[
    RecoveryOfCapacityPayload | _Problems,
    strawberry.union(
        "CorrectRecoveryOfCapacityResult",
        description="The recovery with its corrected record, or why not: no reason, nothing "
        "changed, none recorded, a date in the future or before the deputyship began.",
    ),
]
RaiseHandoverPaymentResult = Annotated[
    HandoverPaymentPayload | _Problems,
    strawberry.union(
        "RaiseHandoverPaymentResult",
        description="The handover payment raised, or why not: no court order recorded "
        "(INVALID_STATE), no evidence, an amount not above 0.00, a bad evidence file, an unknown "
        "payee, a CLOSED client, the client's confirmed death.",
    ),
]
CloseRecoveredCaseResult = Annotated[
    RecoveryOfCapacityPayload | _Problems,
    strawberry.union(
        "CloseRecoveredCaseResult",
        description="The recovery with the case closed, or why not: no court order recorded, "
        "an account not at zero or an item still held in the safe (INVALID_STATE, each named), "
        "closed already.",
    ),
]


def _payload(done: reads.RecoveryOutcome) -> RecoveryOfCapacityPayload:
    return RecoveryOfCapacityPayload(
        recovery=RecoveryOfCapacity.of(done.view), replayed=done.replayed
    )


@strawberry.type
class RecoveryQuery:
    @strawberry.field(
        extensions=allow(RECOVERY_READ),
        description="A client's recovery of capacity (R-ORD-5, seed 002 B 27): the court's "
        "order, the payments handing money back, what is still held; null when no order is "
        "recorded. NOT_FOUND for a client the caller may not read.",
    )
    async def recovery_of_capacity(
        self,
        info: Info[Context, None],
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
    ) -> RecoveryOfCapacity | None:
        ctx = info.context
        cid = await readable_client_id(ctx, client_id)
        view = await reads.recovery_of(ctx.session, cid)
        return RecoveryOfCapacity.of(view) if view is not None else None


@strawberry.type
class RecoveryMutation:
    @strawberry.mutation(
        extensions=allow(RECOVERY_RECORD),
        description="Record the Court of Protection's order that the client can manage their "
        "own affairs (R-ORD-5, seed 002 B 27): its date and reference; the deputyship in force "
        "on that date ends on it (a new version of the order, R-AUD-2). Money is then handed "
        "back (raiseHandoverPayment), documents and valuables returned (returnValuable), and "
        "the case closed (closeRecoveredCase).",
    )
    async def record_recovery_of_capacity(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordRecoveryOfCapacityInput, strawberry.argument(description="The order, the key.")
        ],
    ) -> RecordRecoveryOfCapacityResult:
        done = await as_caller(
            info,
            recording.record,
            decode_uuid("Client", input.client_id),
            order_date=input.order_date,
            court_reference=input.court_reference,
            medical_evidence=input.medical_evidence,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(RECOVERY_RECORD),
        description="Correct the recorded order's date, reference or medical evidence: a new "
        "record that supersedes the last, with the reason (R-AUD-2); a corrected date moves the "
        "deputyship's end with it.",
    )
    async def correct_recovery_of_capacity(
        self,
        info: Info[Context, None],
        input: Annotated[
            CorrectRecoveryOfCapacityInput,
            strawberry.argument(description="The correction, the key."),
        ],
    ) -> CorrectRecoveryOfCapacityResult:
        done = await as_caller(
            info,
            recording.correct,
            decode_uuid("Client", input.client_id),
            order_date=input.order_date,
            court_reference=input.court_reference,
            medical_evidence=input.medical_evidence,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(RECOVERY_HANDOVER),
        description="Raise a payment handing the client's money back to them from their CMS "
        "account (R-ORD-5, seed 002 B 27), with the evidence of where it goes; only after the "
        "court's order is recorded. It is approved by another officer within the limits "
        "(approvePayment, which holds the money) and made (makePayment), both refused unless "
        "the order is recorded.",
    )
    async def raise_handover_payment(
        self,
        info: Info[Context, None],
        input: Annotated[
            RaiseHandoverPaymentInput, strawberry.argument(description="The payment, the key.")
        ],
    ) -> RaiseHandoverPaymentResult:
        done = await as_caller(
            info,
            handover.raise_handover,
            decode_uuid("Client", input.client_id),
            payee_id=decode_uuid("Counterparty", input.payee_id),
            amount=int(input.amount),
            evidence=input.evidence,
            evidence_file_base64=input.evidence_file.content_base64
            if input.evidence_file is not None
            else None,
            idempotency_key=input.idempotency_key,
        )
        return HandoverPaymentPayload(
            recovery=RecoveryOfCapacity.of(done.view),
            payment=Payment.from_view(done.payment.payment),
            replayed=done.replayed,
        )

    @strawberry.mutation(
        extensions=allow(RECOVERY_CLOSE),
        description="Close the case of a client who recovered capacity (R-ORD-5, seed 002 "
        "B 27): the client CLOSED, only when every account is at zero and nothing is held in "
        "the safe; refused with everything still held, nothing written.",
    )
    async def close_recovered_case(
        self,
        info: Info[Context, None],
        input: Annotated[
            CloseRecoveredCaseInput, strawberry.argument(description="The client, the key.")
        ],
    ) -> CloseRecoveredCaseResult:
        done = await as_caller(
            info,
            recording.close,
            decode_uuid("Client", input.client_id),
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)
