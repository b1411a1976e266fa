"""GraphQL of winding up a deceased client's affairs (issue 13 item 6): thin. Officers and
auditors list the clients being wound up, each with what is still outstanding."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import CASE_CLOSE, DEATH_READ, allow
from ca_api.clients.schema import Client, client_of
from ca_api.common import loaders
from ca_api.common.arguments import idempotency_key_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money, money_or_none
from ca_api.common.types import graphql_enum
from ca_api.context import Context
from ca_api.deaths.types import Death
from ca_api.deaths.wind_up_fee import wind_up_fees_of_clients
from ca_api.estates.schema import EstatePayload, estate_payload
from ca_api.winding_up import rules, service

WindingUpStep = rules.WindingUpStep
graphql_enum(
    WindingUpStep,
    "A step of winding up a deceased client's affairs still open, in the policy's order "
    "(seed 002 B 29).",
    {
        WindingUpStep.NOTIFICATIONS: "Someone on the death's notification list is not yet told "
        "(R-DEATH-1, B 29.1).",
        WindingUpStep.DEBTS_BEFORE_DEATH: "Debts to the date of death unpaid: invoices dated up "
        "to and including it neither paid nor cancelled (B 29.2, R-DEBT-1), and temporary "
        "assistance the council paid and not repaid (B 4.6).",
        WindingUpStep.INVOICES_AFTER_DEATH: "Invoices dated after the death, queried (R-DEATH-2): "
        "cancelled, or paid as the funeral's, before the case closes.",
        WindingUpStep.PAYMENTS_OPEN: "Payments raised or approved, not yet made nor cancelled.",
        WindingUpStep.OVERPAYMENTS: "Benefits received for days after the death, held until the "
        "paying agency asks for them or they are released (B 29.2).",
        WindingUpStep.MONEY_AWAY: "Money away from the CMS account (with the Court Funds Office, "
        "in a placement, or cash held): it comes home before the estate is paid.",
        WindingUpStep.WIND_UP_FEE: "The council's wind-up fee is not yet taken (R-FEE-5, B 29.4).",
        WindingUpStep.VALUABLES: "Items the team holds in its safe for the client (or checked "
        "out), not yet returned: they go back with the estate before the case closes (B 24, "
        "R-CARE-3).",
        WindingUpStep.ESTATE: "Money left in the client's accounts for the estate: the executor, "
        "next of kin, the Treasury Solicitor or the council (R-DEATH-3, R-DEATH-4).",
    },
)


@strawberry.type(description="One step of winding up still open for a deceased client.")
class WindingUpOutstanding:
    step: WindingUpStep = strawberry.field(description="Which step.")
    count: int = strawberry.field(description="How many items (invoices, payments, letters).")
    amount: Money | None = strawberry.field(description="How much, where money is involved.")
    detail: str = strawberry.field(description="What is outstanding, in words.")

    @classmethod
    def of(cls, o: rules.Outstanding) -> WindingUpOutstanding:
        return cls(step=o.step, count=o.count, amount=money_or_none(o.amount), detail=o.detail)


@strawberry.type(description="A client being wound up (seed 002 B 29, Appendix 1).")
class WindingUpClient:
    case: strawberry.Private[service.WindingUpCase]

    @strawberry.field(description="The client.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.case.view.death.client_id)

    @strawberry.field(description="Their confirmed death.")
    def death(self) -> Death:
        return Death.of(self.case.view)

    @strawberry.field(description="Days since the date of death, today.")
    def days_since_death(self) -> int:
        return self.case.days_since_death

    @strawberry.field(
        description="Every step of winding up still open, in the policy's order (seed 002 "
        "B 29): empty when the case is ready to close."
    )
    def outstanding(self) -> list[WindingUpOutstanding]:
        return [WindingUpOutstanding.of(o) for o in self.case.outstanding]


@strawberry.type
class WindingUpQuery:
    @strawberry.field(
        extensions=[Paged(25), *allow(DEATH_READ)],
        description="Clients whose death is confirmed and whose affairs are being wound up, the "
        "longest dead first, with how long since the death and what is outstanding for each "
        "(issue 13).",
    )
    async def clients_being_wound_up(
        self, info: Info[Context, None], page: Page
    ) -> Connection[WindingUpClient]:
        ctx = info.context

        def key(c: service.WindingUpCase) -> list[str]:
            return [c.view.death.died_on.isoformat(), str(c.view.death.id)]

        async def fetch(seek: Any) -> list[service.WindingUpCase]:
            found = await service.cases(ctx.session, seek)
            # each death's windUpFee as the page read it: not read again (issue 18 item 1)
            loaders.one(ctx, "deaths.wind_up_fee", wind_up_fees_of_clients).prime_many(
                {c.view.death.client_id: c.wind_up_fee for c in found}
            )
            return found

        return await page.connection(
            cursor=PageRequest.date_id,
            fetch=fetch,
            key=key,
            node=lambda c: WindingUpClient(case=c),
        )


@strawberry.input(description="The deceased client whose case to close, and the key.")
class CloseWoundUpCaseInput:
    client_id: strawberry.ID = strawberry.field(description="The deceased client.")
    idempotency_key: str = idempotency_key_field()


CloseWoundUpCaseResult = Annotated[
    EstatePayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "CloseWoundUpCaseResult",
        description="The case closed, or why not (everything outstanding listed): a "
        "notification not sent, the fee not charged, an account not at zero or a hold open, "
        "the estate payment not made, invoices or payments open, overpayments not repaid.",
    ),
]


@strawberry.type
class WindingUpMutation:
    @strawberry.mutation(
        extensions=allow(CASE_CLOSE),
        description="Close a deceased client's case (issue 13 item 5): the client CLOSED, only "
        "once every death notification is sent, the wind-up fee charged, every account at zero "
        "with no hold, the estate payment made, and no invoice, payment or overpayment "
        "outstanding (refused with the list). The one way a wound-up case closes.",
    )
    async def close_wound_up_case(
        self,
        info: Info[Context, None],
        input: Annotated[
            CloseWoundUpCaseInput, strawberry.argument(description="Whose case, and the key.")
        ],
    ) -> CloseWoundUpCaseResult:
        done = await as_caller(
            info,
            service.close_wound_up_case,
            decode_uuid("Client", input.client_id),
            idempotency_key=input.idempotency_key,
        )
        return await estate_payload(info, done)
