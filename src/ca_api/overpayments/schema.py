"""GraphQL of benefit overpayments after a client's death (issue 13 item 3, R-DEATH-2, seed 002
B 29.2): thin. Officers and audit read them; casework records the paying agency's request,
which raises the repayment (approved and made as every payment); a senior officer releases one
the agency says is not owed."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    OVERPAYMENT_READ,
    OVERPAYMENT_RELEASE,
    OVERPAYMENT_REPAYMENT_REQUEST,
    allow,
)
from ca_api.clients.schema import readable_client_id
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InsufficientFundsProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.overpayments import service
from ca_api.overpayments.reads import OverpaymentView
from ca_api.overpayments.types import BenefitOverpayment, OverpaymentRepaymentRequest
from ca_api.payments.schema import Payment

TYPE_NAME = "BenefitOverpayment"


@strawberry.type
class BenefitOverpaymentQuery:
    @strawberry.field(
        extensions=[Paged(25), *allow(OVERPAYMENT_READ)],
        description="A deceased client's benefit overpayments (R-DEATH-2, seed 002 B 29.2): "
        "benefits and pensions received for days after the date of death, oldest receipt "
        "first; only those neither repaid nor released with outstanding: true.",
    )
    async def benefit_overpayments(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
        outstanding: Annotated[
            bool, strawberry.argument(description="Only those neither repaid nor released.")
        ] = False,
    ) -> Connection[BenefitOverpayment]:
        ctx = info.context
        cid = await readable_client_id(ctx, client_id)

        async def fetch(seek: Any) -> list[OverpaymentView]:
            return await service.of_client(ctx.session, cid, outstanding=outstanding, seek=seek)

        return await page.connection(
            cursor=PageRequest.date_id,
            fetch=fetch,
            key=lambda v: list(v.sort_key()),
            node=BenefitOverpayment.of,
        )


@strawberry.input(
    description="The paying agency's request to repay benefit overpayments (seed 002 B 29.2), "
    "and the request's idempotency key."
)
class RequestOverpaymentRepaymentInput:
    overpayment_ids: list[strawberry.ID] = strawberry.field(
        description="The overpayments (benefitOverpayments' overpaymentId) the agency asks for: "
        "all of one client and one payer, HELD or REPAYMENT_CANCELLED."
    )
    agency_reference: str = strawberry.field(description="The agency's reference for its request.")
    requested_on: date = strawberry.field(
        description="The date the agency asked: not in the future, not before the death."
    )
    amount: Money = strawberry.field(
        description="The amount the agency asks for: no more than is flagged on the overpayments "
        "named; any part of their held money it does not ask for stays held."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.type(description="The repayment request as the mutation left it.")
class OverpaymentRepaymentPayload:
    request: OverpaymentRepaymentRequest = strawberry.field(description="The request recorded.")
    overpayments: list[BenefitOverpayment] = strawberry.field(
        description="The overpayments it covers, now REPAYMENT_REQUESTED."
    )
    payment: Payment = strawberry.field(
        description="The repayment raised to the agency (basis REPAYMENT): another officer "
        "approves it (approvePayment) and it is made (makePayment)."
    )
    replayed: bool = replayed_field()


@strawberry.input(description="A benefit overpayment to release, why, and the key.")
class ReleaseBenefitOverpaymentInput:
    overpayment_id: strawberry.ID = strawberry.field(description="The overpayment.")
    reason: str = strawberry.field(
        description="Why nothing is owed (e.g. the agency's word that it will not ask)."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.type(description="The benefit overpayment as the release left it.")
class BenefitOverpaymentPayload:
    overpayment: BenefitOverpayment = strawberry.field(description="The overpayment now.")
    replayed: bool = replayed_field()


RequestOverpaymentRepaymentResult = Annotated[
    OverpaymentRepaymentPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | InsufficientFundsProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RequestOverpaymentRepaymentResult",
        description="The request recorded and the repayment raised, or why not: more asked "
        "than is flagged, overpayments of two clients or two payers, one already requested, "
        "repaid or released, a date in the future or before the death.",
    ),
]
ReleaseBenefitOverpaymentResult = Annotated[
    BenefitOverpaymentPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "ReleaseBenefitOverpaymentResult",
        description="The overpayment released, or why not: released already, its repayment "
        "requested (cancel the payment first), repaid with nothing held, no reason.",
    ),
]


@strawberry.type
class BenefitOverpaymentMutation:
    @strawberry.mutation(
        extensions=allow(OVERPAYMENT_REPAYMENT_REQUEST),
        description="Record the paying agency's request to repay benefit overpayments after a "
        "client's death (R-DEATH-2, seed 002 B 29.2) and, in the same transaction, release "
        "their holds and raise the repayment to the agency (winding-up basis REPAYMENT), which "
        "another officer approves and which is then made, as every payment. The agency may ask "
        "for less than was flagged (the rest stays held until released) but never more "
        "(ValidationProblem on amount); the overpayments named are all of one agency.",
    )
    async def request_overpayment_repayment(
        self,
        info: Info[Context, None],
        input: Annotated[
            RequestOverpaymentRepaymentInput,
            strawberry.argument(description="The agency's request, and the key."),
        ],
    ) -> RequestOverpaymentRepaymentResult:
        done = await as_caller(
            info,
            service.request_repayment,
            [decode_uuid(TYPE_NAME, i) for i in input.overpayment_ids],
            input.agency_reference,
            input.requested_on,
            int(input.amount),
            idempotency_key=input.idempotency_key,
        )
        return OverpaymentRepaymentPayload(
            request=OverpaymentRepaymentRequest.of(done.request),
            overpayments=[BenefitOverpayment.of(v) for v in done.overpayments],
            payment=Payment.from_view(done.payment),
            replayed=done.replayed,
        )

    @strawberry.mutation(
        extensions=allow(OVERPAYMENT_RELEASE),
        description="Release a benefit overpayment the agency says is not owed, with why "
        "(R-DEATH-2): its hold voided, the money joins the estate. Senior officers and above.",
    )
    async def release_benefit_overpayment(
        self,
        info: Info[Context, None],
        input: Annotated[
            ReleaseBenefitOverpaymentInput,
            strawberry.argument(description="Which overpayment, why, and the key."),
        ],
    ) -> ReleaseBenefitOverpaymentResult:
        done = await as_caller(
            info,
            service.release_overpayment,
            decode_uuid(TYPE_NAME, input.overpayment_id),
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return BenefitOverpaymentPayload(
            overpayment=BenefitOverpayment.of(done.overpayment), replayed=done.replayed
        )
