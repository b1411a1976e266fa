"""GraphQL for the DWP appointeeship application clock (R-REF-5): thin. Parse, call the
service, map the result."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.appointee_applications import models, service
from ca_api.appointee_applications.inputs import (
    DeadlineState,
    DeadlineStateFilter,
    DwpOutcome,
    RecordAppointeeApplicationSentInput,
    RecordDwpDecisionInput,
)
from ca_api.auth.permissions import (
    APPOINTEE_APPLICATION_READ,
    APPOINTEE_APPLICATION_WRITE,
    allow,
)
from ca_api.clients.schema import Client, client_of
from ca_api.common import deadlines as deadline_clock
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id, node_id_or_none
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.types import from_source
from ca_api.context import Context


@strawberry.type(description="The DWP's decision on an appointeeship application.")
class DwpDecision:
    outcome: DwpOutcome = strawberry.field(description="APPOINTED (BF57 received) or REFUSED.")
    decided_on: date = strawberry.field(description="The day of the decision.")
    reason: str = strawberry.field(description="The DWP's reason, when REFUSED; empty otherwise.")
    appointeeship_id: strawberry.ID | None = strawberry.field(
        description="The appointeeship it resulted in, as recorded with recordAppointeeship; "
        "null when REFUSED or not named."
    )
    recorded_by: str = strawberry.field(description="The officer who recorded it (R-AUD-1).")

    @classmethod
    def of(cls, row: models.DwpDecision) -> DwpDecision:
        a = node_id_or_none("Appointeeship", row.appointeeship_id)
        return from_source(cls, row, appointeeship_id=a)


@strawberry.type(
    description="An accepted referral's DWP appointeeship application deadline (R-REF-5): due "
    "within 5 working days of the day the referral became valid (England and Wales bank "
    "holidays excluded), and whether the promise was kept."
)
class AppointeeApplicationDeadline:
    d: strawberry.Private[service.Deadline]

    @strawberry.field(description="The accepted referral's id.")
    def referral_id(self) -> strawberry.ID:
        return node_id("Referral", self.d.accepted.referral_id)

    @strawberry.field(description="The referred client's id.")
    def client_id(self) -> strawberry.ID:
        return node_id("Client", self.d.accepted.client_id)

    @strawberry.field(description="The referred client.")
    async def client(self, info: Info[Context, None]) -> Client | None:
        return await client_of(info.context, self.d.accepted.client_id)

    @strawberry.field(
        description="The day the referral became valid: the council's date of its acceptance."
    )
    def valid_on(self) -> date:
        return self.d.accepted.valid_on

    @strawberry.field(
        description="The day the application is due: the 5th working day after validOn."
    )
    def due_on(self) -> date:
        return self.d.due_on

    @strawberry.field(description="The day the BF56 was sent to the DWP; null until it is.")
    def sent_on(self) -> date | None:
        return self.d.accepted.sent_on

    @strawberry.field(description="The officer who recorded it sent; null until it is.")
    def sent_recorded_by(self) -> str | None:
        a = self.d.accepted.application
        return a.recorded_by if a is not None else None

    @strawberry.field(description="DUE, MET or MISSED, as of today.")
    def state(self) -> DeadlineState:
        return self.d.state

    @strawberry.field(description="The DWP's decision; null until it is recorded.")
    def dwp_decision(self) -> DwpDecision | None:
        dec = self.d.accepted.decision
        return DwpDecision.of(dec) if dec is not None else None


@strawberry.type(description="The deadline as the mutation left it.")
class AppointeeApplicationPayload:
    deadline: AppointeeApplicationDeadline = strawberry.field(
        description="The referral's application deadline as it now stands."
    )
    replayed: bool = replayed_field(
        "A repeat of an earlier request with this key: nothing was done again."
    )

    @classmethod
    def of(cls, done: service.DeadlineOutcome) -> AppointeeApplicationPayload:
        return cls(deadline=AppointeeApplicationDeadline(d=done.deadline), replayed=done.replayed)


RecordAppointeeApplicationSentResult = Annotated[
    AppointeeApplicationPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordAppointeeApplicationSentResult",
        description="The application recorded as sent, or why it was not.",
    ),
]
RecordDwpDecisionResult = Annotated[
    AppointeeApplicationPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordDwpDecisionResult", description="The DWP's decision recorded, or why it was not."
    ),
]


@strawberry.type
class AppointeeApplicationQuery:
    @strawberry.field(
        extensions=[Paged(25), *allow(APPOINTEE_APPLICATION_READ)],
        description="The DWP appointeeship application deadline of every accepted referral "
        "(R-REF-5), soonest due first.",
    )
    async def appointee_application_deadlines(
        self,
        info: Info[Context, None],
        page: Page,
        state: DeadlineStateFilter = None,
    ) -> Connection[AppointeeApplicationDeadline]:
        return await deadline_clock.connection(
            page,
            lambda seek: service.deadlines(info.context.session, state=state, seek=seek),
            lambda d: AppointeeApplicationDeadline(d=d),
        )


@strawberry.type
class AppointeeApplicationMutation:
    @strawberry.mutation(
        extensions=allow(APPOINTEE_APPLICATION_WRITE),
        description="Record the appointeeship application (BF56) sent to the DWP for an "
        "ACCEPTED referral (R-REF-5): once; it meets the deadline when sent on or before the "
        "5th working day after the referral became valid.",
    )
    async def record_appointee_application_sent(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordAppointeeApplicationSentInput,
            strawberry.argument(description="The application, and the request's idempotency key."),
        ],
    ) -> RecordAppointeeApplicationSentResult:
        rid = decode_uuid("Referral", input.referral_id)
        done = await as_caller(
            info, service.record_sent, rid, input.sent_on, idempotency_key=input.idempotency_key
        )
        return AppointeeApplicationPayload.of(done)

    @strawberry.mutation(
        extensions=allow(APPOINTEE_APPLICATION_WRITE),
        description="Record the DWP's decision on the application sent: APPOINTED (BF57 "
        "received; name the appointeeship recorded with recordAppointeeship, if it is) or "
        "REFUSED with the DWP's reason. Once; it creates no appointeeship itself.",
    )
    async def record_dwp_decision(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordDwpDecisionInput,
            strawberry.argument(description="The decision, and the request's idempotency key."),
        ],
    ) -> RecordDwpDecisionResult:
        rid = decode_uuid("Referral", input.referral_id)
        aid = input.appointeeship_id
        decision = service.Decision(
            outcome=input.outcome,
            decided_on=input.decided_on,
            reason=input.reason,
            appointeeship_id=decode_uuid("Appointeeship", aid) if aid is not None else None,
        )
        done = await as_caller(
            info, service.record_decision, rid, decision, idempotency_key=input.idempotency_key
        )
        return AppointeeApplicationPayload.of(done)
