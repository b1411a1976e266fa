"""GraphQL for the Court of Protection deputyship application (R-REF-6, R-INV-1, R-ORD-2):
thin. Parse, call the service, map the result. The notices' types are in ``notice_types.py``,
the inputs and enums in ``inputs.py``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.appointee_applications.inputs import DeadlineState, DeadlineStateFilter
from ca_api.auth.permissions import (
    DEPUTYSHIP_APPLICATION_READ,
    DEPUTYSHIP_APPLICATION_WRITE,
    allow,
)
from ca_api.clients.schema import Client, client_of
from ca_api.common import deadlines as deadline_clock
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id, node_id_or_none, parse_id
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    Problem,
    ValidationProblem,
    problem_for,
)
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.deputyship_applications import (
    court_application,
    deadlines,
    models,
    order_notices,
    rules,
)
from ca_api.deputyship_applications.inputs import (
    AddDeputyshipNoticeOrganisationInput,
    CourtOfProtectionStage,
    DeputyshipApplicationCause,
    RecordCourtOfProtectionApplicationMadeInput,
    RecordCourtOfProtectionStageInput,
    RecordDeputyshipApplicationNeededInput,
    RecordDeputyshipNoticeSentInput,
)
from ca_api.deputyship_applications.notice_types import (
    AddDeputyshipNoticeOrganisationResult,
    DeputyshipNotice,
    DeputyshipNoticePayload,
    RecordDeputyshipNoticeSentResult,
)
from ca_api.errors import ApiError, ErrorCode, found

APPLICATION = "CourtOfProtectionApplication"
DEADLINE_TYPES = set(deadlines.TYPE_OF_CAUSE.values())
ORGANISATION_TYPES = {order_notices.COUNTERPARTY, order_notices.ADDED, order_notices.INVESTMENT}


def _decode_one_of(value: str, types: set[str], what: str) -> tuple[str, uuid.UUID]:
    type_name, _ = parse_id(value)
    if type_name not in types:
        raise ApiError(ErrorCode.BAD_ID, f"{value!r} is not the id of {what}", id=value)
    return type_name, decode_uuid(type_name, value)


@strawberry.type(description="A stage of a Court of Protection application, as recorded.")
class CourtOfProtectionApplicationStage:
    stage: CourtOfProtectionStage = strawberry.field(description="The stage.")
    occurred_on: date = strawberry.field(description="The day it happened.")
    note: str = strawberry.field(
        description="What happened (the reason, when REFUSED or WITHDRAWN)."
    )
    deputyship_id: strawberry.ID | None = strawberry.field(
        description="With ORDER_MADE: the deputyship recorded for the order; null otherwise."
    )
    recorded_by: str = strawberry.field(description="The officer who recorded it (R-AUD-1).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, row: models.CopApplicationStage) -> CourtOfProtectionApplicationStage:
        return from_source(cls, row, deputyship_id=node_id_or_none("Deputyship", row.deputyship_id))


@strawberry.type(
    description="The application made to the Court of Protection for a deputyship, and its "
    "stages since (append-only, R-AUD-2)."
)
class CourtOfProtectionApplication:
    recorded: strawberry.Private[tuple[models.CopApplicationStage, ...]]
    application_id: strawberry.ID = strawberry.field(
        description="The application's id (recordCourtOfProtectionStage)."
    )
    made_on: date = strawberry.field(description="The day the forms were sent to the court.")
    forms: list[str] = strawberry.field(description="The forms sent (COP1 among them).")
    court_reference: str = strawberry.field(
        description="The court's case number; empty until known."
    )
    note: str = strawberry.field(description="The officer's note.")
    recorded_by: str = strawberry.field(description="The officer who recorded it made (R-AUD-1).")

    @classmethod
    def of(
        cls, row: models.CopApplication, recorded: tuple[models.CopApplicationStage, ...]
    ) -> CourtOfProtectionApplication:
        return from_source(
            cls,
            row,
            recorded=recorded,
            application_id=node_id(APPLICATION, row.id),
        )

    @strawberry.field(description="Its stages, oldest first.")
    def stages(self) -> list[CourtOfProtectionApplicationStage]:
        return [CourtOfProtectionApplicationStage.of(s) for s in self.recorded]

    @strawberry.field(description="The latest stage; null while none is recorded.")
    def current_stage(self) -> CourtOfProtectionStage | None:
        return CourtOfProtectionStage(self.recorded[-1].stage) if self.recorded else None

    @strawberry.field(description="The stages that may be recorded next; empty once it is over.")
    def next_stages(self) -> list[CourtOfProtectionStage]:
        allowed = rules.allowed_next([rules.Stage(s.stage) for s in self.recorded])
        return [s for s in rules.Stage if s in allowed]

    @strawberry.field(
        description="The deputyship the order made is recorded as (ORDER_MADE); null until then."
    )
    def deputyship_id(self) -> strawberry.ID | None:
        made = [s.deputyship_id for s in self.recorded if s.deputyship_id is not None]
        return node_id("Deputyship", made[-1]) if made else None


@strawberry.type(
    description="A deputyship application deadline (issue 12 item 2): an accepted referral "
    "that recorded private income, property or bank accounts is due with the DWP application, "
    "the 5th working day after it became valid (R-REF-6); an appointee-only client flagged by "
    "the threshold flags, the 5th working day after an officer recorded the need (R-INV-1). "
    "England and Wales bank holidays are not working days."
)
class DeputyshipApplicationDeadline:
    d: strawberry.Private[deadlines.Deadline]

    @strawberry.field(
        description="The deadline's id: the accepted referral's (R-REF-6) or the need's "
        "(R-INV-1), as recordCourtOfProtectionApplicationMade takes it."
    )
    def deadline_id(self) -> strawberry.ID:
        return node_id(deadlines.TYPE_OF_CAUSE[self.d.due.cause], self.d.due.source_id)

    @strawberry.field(description="Why it is due.")
    def cause(self) -> DeputyshipApplicationCause:
        return self.d.due.cause

    @strawberry.field(description="The accepted referral (R-REF-6); null for a flag (R-INV-1).")
    def referral_id(self) -> strawberry.ID | None:
        if self.d.due.cause is rules.Cause.REFERRAL_ASSETS_KNOWN:
            return node_id("Referral", self.d.due.source_id)
        return None

    @strawberry.field(
        description="What made it due: PRIVATE_INCOME, PROPERTY or BANK_ACCOUNTS as the "
        "referral recorded them; or the threshold flag's reasons (ThresholdFlagReason)."
    )
    def known(self) -> list[str]:
        return list(self.d.due.known)

    @strawberry.field(description="The client's id.")
    def client_id(self) -> strawberry.ID:
        return node_id("Client", self.d.due.client_id)

    @strawberry.field(description="The client.")
    async def client(self, info: Info[Context, None]) -> Client | None:
        return await client_of(info.context, self.d.due.client_id)

    @strawberry.field(
        description="The day the clock started: the day the referral became valid (its "
        "acceptance), or the day the need was recorded."
    )
    def starts_on(self) -> date:
        return self.d.due.starts_on

    @strawberry.field(description="The day the application is due: 5 working days after.")
    def due_on(self) -> date:
        return self.d.due_on

    @strawberry.field(
        description="DUE, MET (made on or before dueOn) or MISSED (made after it, or not made "
        "and dueOn has passed), as of today."
    )
    def state(self) -> DeadlineState:
        return self.d.state

    @strawberry.field(description="The application made; null until it is.")
    def application(self) -> CourtOfProtectionApplication | None:
        a = self.d.application
        return CourtOfProtectionApplication.of(a, self.d.stages) if a else None


@strawberry.type(description="The deadline as the mutation left it.")
class DeputyshipApplicationPayload:
    deadline: DeputyshipApplicationDeadline = strawberry.field(
        description="The deputyship application deadline as it now stands."
    )
    replayed: bool = replayed_field(
        "A repeat of an earlier request with this key: nothing was done again."
    )

    @classmethod
    def of(cls, done: deadlines.DeadlineOutcome) -> DeputyshipApplicationPayload:
        return cls(deadline=DeputyshipApplicationDeadline(d=done.deadline), replayed=done.replayed)


@strawberry.type(
    description="The stage cannot follow those recorded (ISSUED, NOTIFIED, then ORDER_MADE or "
    "REFUSED; an open request for further information answered first; nothing after the end). "
    "Nothing was written."
)
class StageOutOfOrderProblem(Problem):
    stage: CourtOfProtectionStage = strawberry.field(description="The stage refused.")
    allowed_next: list[CourtOfProtectionStage] = strawberry.field(
        description="The stages that may come next; empty once the application is over."
    )


@problem_for(court_application.StageOutOfOrder)
def _out_of_order(exc: court_application.StageOutOfOrder) -> StageOutOfOrderProblem:
    return StageOutOfOrderProblem(
        code=exc.code, message=exc.message, stage=exc.stage, allowed_next=exc.allowed
    )


RecordDeputyshipApplicationNeededResult = Annotated[
    DeputyshipApplicationPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordDeputyshipApplicationNeededResult",
        description="The need recorded and its deadline, or why not.",
    ),
]
RecordCourtOfProtectionApplicationMadeResult = Annotated[
    DeputyshipApplicationPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordCourtOfProtectionApplicationMadeResult",
        description="The application recorded as made, or why it was not.",
    ),
]
RecordCourtOfProtectionStageResult = Annotated[
    DeputyshipApplicationPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | StageOutOfOrderProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordCourtOfProtectionStageResult",
        description="The stage recorded, or why it was not.",
    ),
]


@strawberry.type
class DeputyshipApplicationQuery:
    @strawberry.field(
        extensions=[Paged(25), *allow(DEPUTYSHIP_APPLICATION_READ)],
        description="Every deputyship application deadline (R-REF-6, R-INV-1), soonest due first.",
    )
    async def deputyship_application_deadlines(
        self,
        info: Info[Context, None],
        page: Page,
        state: DeadlineStateFilter = None,
    ) -> Connection[DeputyshipApplicationDeadline]:
        return await deadline_clock.connection(
            page,
            lambda seek: deadlines.deadlines(info.context.session, state=state, seek=seek),
            lambda d: DeputyshipApplicationDeadline(d=d),
        )

    @strawberry.field(
        extensions=[Paged(50), *allow(DEPUTYSHIP_APPLICATION_READ)],
        description="The organisations to tell of a deputy order (R-ORD-2): the counterparties "
        "of the client's ledger and invoices (not the council or the OPG) and those added, by "
        "name, each with the notice sent, if it is.",
    )
    async def deputyship_notices(
        self,
        info: Info[Context, None],
        page: Page,
        deputyship_id: Annotated[
            strawberry.ID, strawberry.argument(description="The deputy order.")
        ],
        outstanding: Annotated[
            bool, strawberry.argument(description="Only the notices not sent yet.")
        ] = False,
    ) -> Connection[DeputyshipNotice]:
        ctx = info.context
        did = decode_uuid("Deputyship", deputyship_id)
        order = found(
            await order_notices.readable_order(ctx.session, ctx.principal, did),
            "deputyship",
            deputyship_id,
        )

        return await page.connection(
            cursor=PageRequest.text_id,
            fetch=lambda seek: order_notices.notices(
                ctx.session, order, outstanding=outstanding, seek=seek
            ),
            key=lambda n: [n.name, str(n.organisation_id)],
            node=DeputyshipNotice.of,
        )


@strawberry.type
class DeputyshipApplicationMutation:
    @strawberry.mutation(
        extensions=allow(DEPUTYSHIP_APPLICATION_WRITE),
        description="Record that a deputyship application is needed for an appointee-only "
        "client flagged by the threshold flags today (R-INV-1): due 5 working days from today.",
    )
    async def record_deputyship_application_needed(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordDeputyshipApplicationNeededInput,
            strawberry.argument(description="The client, and the request's idempotency key."),
        ],
    ) -> RecordDeputyshipApplicationNeededResult:
        cid = decode_uuid("Client", input.client_id)
        done = await as_caller(
            info,
            court_application.record_need,
            cid,
            input.note,
            idempotency_key=input.idempotency_key,
        )
        return DeputyshipApplicationPayload.of(done)

    @strawberry.mutation(
        extensions=allow(DEPUTYSHIP_APPLICATION_WRITE),
        description="Record the deputyship application made to the Court of Protection (COP1 "
        "and the other forms sent) for a deadline: once; it meets the deadline when made on or "
        "before its dueOn.",
    )
    async def record_court_of_protection_application_made(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordCourtOfProtectionApplicationMadeInput,
            strawberry.argument(description="The application, and the request's idempotency key."),
        ],
    ) -> RecordCourtOfProtectionApplicationMadeResult:
        type_name, source_id = _decode_one_of(
            input.deadline_id, DEADLINE_TYPES, "a deputyship application deadline"
        )
        made = court_application.Made(
            made_on=input.made_on,
            forms=list(input.forms),
            court_reference=input.court_reference,
            note=input.note,
        )
        done = await as_caller(
            info,
            court_application.record_made,
            source_id,
            type_name,
            made,
            idempotency_key=input.idempotency_key,
        )
        return DeputyshipApplicationPayload.of(done)

    @strawberry.mutation(
        extensions=allow(DEPUTYSHIP_APPLICATION_WRITE),
        description="Record the next stage of a Court of Protection application, in order "
        "(StageOutOfOrderProblem otherwise); ORDER_MADE names the client's deputyship recorded "
        "with recordDeputyship, whose notices (deputyshipNotices) are then to be sent.",
    )
    async def record_court_of_protection_stage(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordCourtOfProtectionStageInput,
            strawberry.argument(description="The stage, and the request's idempotency key."),
        ],
    ) -> RecordCourtOfProtectionStageResult:
        aid = decode_uuid(APPLICATION, input.application_id)
        did = input.deputyship_id
        stage = court_application.StageRecord(
            stage=input.stage,
            occurred_on=input.occurred_on,
            note=input.note,
            deputyship_id=decode_uuid("Deputyship", did) if did is not None else None,
        )
        done = await as_caller(
            info, court_application.record_stage, aid, stage, idempotency_key=input.idempotency_key
        )
        return DeputyshipApplicationPayload.of(done)

    @strawberry.mutation(
        extensions=allow(DEPUTYSHIP_APPLICATION_WRITE),
        description="Add an organisation the client deals with that the ledger does not show "
        "to those told of a deputy order (R-ORD-2): once per name.",
    )
    async def add_deputyship_notice_organisation(
        self,
        info: Info[Context, None],
        input: Annotated[
            AddDeputyshipNoticeOrganisationInput,
            strawberry.argument(description="The organisation, and the request's idempotency key."),
        ],
    ) -> AddDeputyshipNoticeOrganisationResult:
        did = decode_uuid("Deputyship", input.deputyship_id)
        done = await as_caller(
            info,
            order_notices.add_organisation,
            did,
            input.name,
            input.kind,
            idempotency_key=input.idempotency_key,
        )
        return DeputyshipNoticePayload.of(done)

    @strawberry.mutation(
        extensions=allow(DEPUTYSHIP_APPLICATION_WRITE),
        description="Record the notice of a deputy order sent to one organisation (R-ORD-2, "
        '"registering" the deputyship): once each.',
    )
    async def record_deputyship_notice_sent(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordDeputyshipNoticeSentInput,
            strawberry.argument(description="The notice, and the request's idempotency key."),
        ],
    ) -> RecordDeputyshipNoticeSentResult:
        did = decode_uuid("Deputyship", input.deputyship_id)
        type_name, oid = _decode_one_of(
            input.organisation_id, ORGANISATION_TYPES, "an organisation to tell"
        )
        done = await as_caller(
            info,
            order_notices.record_notice_sent,
            did,
            type_name,
            oid,
            input.sent_on,
            input.note,
            idempotency_key=input.idempotency_key,
        )
        return DeputyshipNoticePayload.of(done)
