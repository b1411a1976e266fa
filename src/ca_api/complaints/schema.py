"""GraphQL of the register of complaints and appeals (issue 14 item 8; R-AUD-4, seed 002 B 30):
thin. Casework records complaints and their outcomes; the senior officer prepares appeals, the
deputy approves them before lodging (four eyes); officers and audit read the register."""

from __future__ import annotations

import uuid
from datetime import date
from functools import partial
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    APPEAL_APPROVE,
    APPEAL_PREPARE,
    COMPLAINT_READ,
    COMPLAINT_RECORD,
    allow,
)
from ca_api.clients.schema import client_filter
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.node import NodeType, by_role
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    FourEyesProblem,
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.complaints import reads, service
from ca_api.complaints.rules import Details, EventKind, RegisterKind
from ca_api.complaints.types import (
    Appeal,
    AppealAgainst,
    AppealOutcome,
    Complaint,
    ComplaintMadeBy,
    ComplaintOutcome,
    ComplaintTo,
)
from ca_api.context import Context


@strawberry.type(description="The complaint as the mutation left it.")
class ComplaintPayload:
    complaint: Complaint = strawberry.field(description="The complaint as it now stands.")
    replayed: bool = replayed_field()


@strawberry.type(description="The appeal as the mutation left it.")
class AppealPayload:
    appeal: Appeal = strawberry.field(description="The appeal as it now stands.")
    replayed: bool = replayed_field()


def _complaint(done: reads.EntryOutcome) -> ComplaintPayload:
    return ComplaintPayload(complaint=Complaint.of(done.view), replayed=done.replayed)


def _appeal(done: reads.EntryOutcome) -> AppealPayload:
    return AppealPayload(appeal=Appeal.of(done.view), replayed=done.replayed)


# --- inputs ---------------------------------------------------------------------------------


@strawberry.input(description="A complaint's details (seed 002 B 30.4).")
class ComplaintDetailsInput:
    made_by: ComplaintMadeBy = strawberry.field(description="The client, or someone for them.")
    on_behalf_of_name: str | None = strawberry.field(
        default=None, description="Who complained for the client (required then; else null)."
    )
    on_behalf_of_relationship: str | None = strawberry.field(
        default=None,
        description="How they stand to the client (required then; else null).",
    )
    made_to: ComplaintTo = strawberry.field(description="To whom it was made.")
    received_on: date = strawberry.field(description="When it was received: not in the future.")
    summary: str = strawberry.field(description="What it is about.")

    def details(self) -> Details:
        return Details(
            body=self.made_to.value,
            dated=self.received_on,
            summary=self.summary,
            made_by=self.made_by,
            on_behalf_name=self.on_behalf_of_name,
            on_behalf_relationship=self.on_behalf_of_relationship,
        )


@strawberry.input(description="An appeal's details (seed 002 B 30.3).")
class AppealDetailsInput:
    against: AppealAgainst = strawberry.field(description="Whose decision it appeals.")
    decision_dated: date = strawberry.field(
        description="The date of the decision appealed: not in the future."
    )
    decision_summary: str = strawberry.field(description="What the decision said.")
    grounds: str = strawberry.field(
        description="Why the team disagrees, reviewed under the legislation (B 30.3)."
    )

    def details(self) -> Details:
        return Details(
            body=self.against.value,
            dated=self.decision_dated,
            summary=self.decision_summary,
            grounds=self.grounds,
        )


@strawberry.input(description="A complaint received for a client, and the idempotency key.")
class RecordComplaintInput:
    client_id: strawberry.ID = strawberry.field(description="The client it concerns.")
    details: ComplaintDetailsInput = strawberry.field(description="The complaint.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A complaint's details corrected, why, and the key.")
class CorrectComplaintInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint.")
    details: ComplaintDetailsInput = strawberry.field(description="The details as they should be.")
    reason: str = strawberry.field(description="Why the details standing are wrong.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A complaint's outcome, and the key.")
class RecordComplaintOutcomeInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint.")
    outcome: ComplaintOutcome = strawberry.field(description="How it ended.")
    decided_on: date = strawberry.field(
        description="When: not in the future, not before it was received."
    )
    summary: str | None = strawberry.field(default=None, description="What was decided.")
    reason: str | None = strawberry.field(
        default=None,
        description="Only to correct an outcome recorded already: why (R-AUD-2); else null.",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="An appeal prepared for a client (B 30.3), and the key.")
class PrepareAppealInput:
    client_id: strawberry.ID = strawberry.field(description="The client it concerns.")
    details: AppealDetailsInput = strawberry.field(description="The appeal.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="An appeal's details corrected, why, and the key.")
class CorrectAppealInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    details: AppealDetailsInput = strawberry.field(description="The details as they should be.")
    reason: str = strawberry.field(description="Why the details standing are wrong.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The appeal the deputy approves, and the key.")
class ApproveAppealInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The appeal the deputy does not approve, why, and the key.")
class RefuseAppealInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    reason: str = strawberry.field(description="Why it is not to be lodged.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="An approved appeal lodged, and the key.")
class RecordAppealLodgedInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    lodged_on: date = strawberry.field(
        description="When: not in the future, nor before the decision or the approval."
    )
    reference: str = strawberry.field(description="The body's reference for the appeal.")
    reason: str | None = strawberry.field(
        default=None,
        description="Only to correct a lodging recorded already: why (R-AUD-2); else null.",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A lodged appeal's outcome, and the key.")
class RecordAppealOutcomeInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    outcome: AppealOutcome = strawberry.field(description="How it ended.")
    decided_on: date = strawberry.field(
        description="When: not in the future, not before it was lodged."
    )
    summary: str | None = strawberry.field(default=None, description="What was decided.")
    reason: str | None = strawberry.field(
        default=None,
        description="Only to correct an outcome recorded already: why (R-AUD-2); else null.",
    )
    idempotency_key: str = idempotency_key_field()


ComplaintResult = Annotated[
    ComplaintPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "ComplaintResult",
        description="The complaint, or why not: a field missing or wrong (a date in the "
        "future or before the one it follows, someone for the client unnamed, a correction "
        "without its reason), an outcome recorded already, no such complaint.",
    ),
]
AppealResult = Annotated[
    AppealPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "AppealResult",
        description="The appeal, or why not: a field missing or wrong, not in a status the "
        "step follows (lodged before the deputy approved it, an outcome before lodging), a "
        "correction without its reason, no such appeal.",
    ),
]
AppealDecisionResult = Annotated[
    AppealPayload
    | FourEyesProblem
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "AppealDecisionResult",
        description="The appeal approved or not, or why not: you prepared it or corrected it "
        "(four eyes, R-ROLE-2), it is not AWAITING_APPROVAL, no such appeal.",
    ),
]


def _open_arg() -> Any:
    return strawberry.argument(
        description="true: only those still open; false: only those closed; null: all."
    )


def _client_arg() -> Any:
    return strawberry.argument(description="Only this client's; null: every client's.")


def _key(view: reads.EntryView) -> list[str]:
    return [view.entry.recorded_at.isoformat(), str(view.entry.id)]


@strawberry.type
class ComplaintQuery:
    @strawberry.field(
        extensions=[Paged(50), *allow(COMPLAINT_READ)],
        description="The register of complaints (R-AUD-4, seed 002 B 30.4), oldest recorded "
        "first: of one client's or every client's, open or closed.",
    )
    async def complaints(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[strawberry.ID | None, _client_arg()] = None,
        open: Annotated[bool | None, _open_arg()] = None,
    ) -> Connection[Complaint]:
        ctx = info.context
        cid = await client_filter(ctx, client_id)

        async def fetch(seek: Any) -> list[reads.EntryView]:
            return await reads.register(
                ctx.session, RegisterKind.COMPLAINT, seek, client_id=cid, open_=open
            )

        return await page.connection(
            cursor=PageRequest.time_id, fetch=fetch, key=_key, node=Complaint.of
        )

    @strawberry.field(
        extensions=[Paged(50), *allow(COMPLAINT_READ)],
        description="The register of appeals against OPG, Court of Protection or DWP decisions "
        "(R-AUD-4, seed 002 B 30.1, 30.3, 30.5), oldest recorded first: of one client's or "
        "every client's, open (awaiting approval, approved, lodged) or closed (not approved, "
        "decided).",
    )
    async def appeals(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[strawberry.ID | None, _client_arg()] = None,
        open: Annotated[bool | None, _open_arg()] = None,
    ) -> Connection[Appeal]:
        ctx = info.context
        cid = await client_filter(ctx, client_id)

        async def fetch(seek: Any) -> list[reads.EntryView]:
            return await reads.register(
                ctx.session, RegisterKind.APPEAL, seek, client_id=cid, open_=open
            )

        return await page.connection(
            cursor=PageRequest.time_id, fetch=fetch, key=_key, node=Appeal.of
        )


def _id(kind: str, value: strawberry.ID) -> uuid.UUID:
    return decode_uuid(kind, value)


@strawberry.type
class ComplaintMutation:
    @strawberry.mutation(
        extensions=allow(COMPLAINT_RECORD),
        description="Record a complaint about the way a client's financial affairs are "
        "handled (R-AUD-4, seed 002 B 30.4): by the client or someone for them, to the OPG, "
        "the DWP or the council; OPEN until its outcome is recorded.",
    )
    async def record_complaint(
        self,
        info: Info[Context, None],
        input: Annotated[RecordComplaintInput, strawberry.argument(description="The complaint.")],
    ) -> ComplaintResult:
        done = await as_caller(
            info,
            service.record,
            RegisterKind.COMPLAINT,
            _id("Client", input.client_id),
            input.details.details(),
            idempotency_key=input.idempotency_key,
        )
        return _complaint(done)

    @strawberry.mutation(
        extensions=allow(COMPLAINT_RECORD),
        description="Correct a complaint's details by a new version, with the reason: the old "
        "stays in its history (R-AUD-2).",
    )
    async def correct_complaint(
        self,
        info: Info[Context, None],
        input: Annotated[CorrectComplaintInput, strawberry.argument(description="The fix.")],
    ) -> ComplaintResult:
        done = await as_caller(
            info,
            service.correct,
            RegisterKind.COMPLAINT,
            _id("Complaint", input.complaint_id),
            input.details.details(),
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _complaint(done)

    @strawberry.mutation(
        extensions=allow(COMPLAINT_RECORD),
        description="Record a complaint's outcome and when it was decided (R-AUD-4): it closes "
        "the complaint. Again, with the reason, corrects the outcome recorded (R-AUD-2).",
    )
    async def record_complaint_outcome(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordComplaintOutcomeInput, strawberry.argument(description="The outcome.")
        ],
    ) -> ComplaintResult:
        done = await as_caller(
            info,
            service.record_outcome,
            RegisterKind.COMPLAINT,
            _id("Complaint", input.complaint_id),
            input.outcome.value,
            input.decided_on,
            input.summary,
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _complaint(done)

    @strawberry.mutation(
        extensions=allow(APPEAL_PREPARE),
        description="Prepare an appeal against a decision of the OPG, the Court of Protection "
        "or the DWP the team disagrees with (seed 002 B 30.3, 30.5): the senior officer's review "
        "and grounds. It waits for the deputy's approval before it is lodged (approveAppeal).",
    )
    async def prepare_appeal(
        self,
        info: Info[Context, None],
        input: Annotated[PrepareAppealInput, strawberry.argument(description="The appeal.")],
    ) -> AppealResult:
        done = await as_caller(
            info,
            service.record,
            RegisterKind.APPEAL,
            _id("Client", input.client_id),
            input.details.details(),
            idempotency_key=input.idempotency_key,
        )
        return _appeal(done)

    @strawberry.mutation(
        extensions=allow(APPEAL_PREPARE),
        description="Correct an appeal's details by a new version, with the reason (R-AUD-2); "
        "whoever corrects it is one of its authors and may not approve it (R-ROLE-2). Refused "
        "while APPROVED: the deputy approved those very details.",
    )
    async def correct_appeal(
        self,
        info: Info[Context, None],
        input: Annotated[CorrectAppealInput, strawberry.argument(description="The fix.")],
    ) -> AppealResult:
        done = await as_caller(
            info,
            service.correct,
            RegisterKind.APPEAL,
            _id("Appeal", input.appeal_id),
            input.details.details(),
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _appeal(done)

    @strawberry.mutation(
        extensions=allow(APPEAL_APPROVE),
        description="Approve an appeal as the deputy before it is lodged (seed 002 B 30.3): "
        "never whoever prepared it or corrected its details (four eyes, R-ROLE-2).",
    )
    async def approve_appeal(
        self,
        info: Info[Context, None],
        input: Annotated[ApproveAppealInput, strawberry.argument(description="The appeal.")],
    ) -> AppealDecisionResult:
        done = await as_caller(
            info,
            service.decide_appeal,
            _id("Appeal", input.appeal_id),
            EventKind.APPROVED,
            idempotency_key=input.idempotency_key,
        )
        return _appeal(done)

    @strawberry.mutation(
        extensions=allow(APPEAL_APPROVE),
        description="Do not approve an appeal (the deputy, with the reason): it is closed, "
        "never lodged. Never by whoever prepared or corrected it (R-ROLE-2).",
    )
    async def refuse_appeal(
        self,
        info: Info[Context, None],
        input: Annotated[RefuseAppealInput, strawberry.argument(description="The appeal.")],
    ) -> AppealDecisionResult:
        done = await as_caller(
            info,
            service.decide_appeal,
            _id("Appeal", input.appeal_id),
            EventKind.REFUSED,
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _appeal(done)

    @strawberry.mutation(
        extensions=allow(APPEAL_PREPARE),
        description="Record an approved appeal lodged with the OPG, the Court of Protection or "
        "the DWP: the date and the body's reference. Again, with the reason, corrects it.",
    )
    async def record_appeal_lodged(
        self,
        info: Info[Context, None],
        input: Annotated[RecordAppealLodgedInput, strawberry.argument(description="Lodged.")],
    ) -> AppealResult:
        done = await as_caller(
            info,
            service.record_lodged,
            _id("Appeal", input.appeal_id),
            input.lodged_on,
            input.reference,
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _appeal(done)

    @strawberry.mutation(
        extensions=allow(APPEAL_PREPARE),
        description="Record a lodged appeal's outcome and when it was decided (R-AUD-4): it "
        "closes the appeal. Again, with the reason, corrects the outcome recorded (R-AUD-2).",
    )
    async def record_appeal_outcome(
        self,
        info: Info[Context, None],
        input: Annotated[RecordAppealOutcomeInput, strawberry.argument(description="The outcome.")],
    ) -> AppealResult:
        done = await as_caller(
            info,
            service.record_outcome,
            RegisterKind.APPEAL,
            _id("Appeal", input.appeal_id),
            input.outcome.value,
            input.decided_on,
            input.summary,
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _appeal(done)


# The types node(id:) fetches (common.node): with the roles of the register's own lists.
NODES: tuple[NodeType, ...] = (
    NodeType(
        "Complaint",
        COMPLAINT_READ,
        by_role(partial(reads.by_id, kind=RegisterKind.COMPLAINT), Complaint.of),
    ),
    NodeType(
        "Appeal",
        COMPLAINT_READ,
        by_role(partial(reads.by_id, kind=RegisterKind.APPEAL), Appeal.of),
    ),
)
