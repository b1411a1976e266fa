"""GraphQL of the register of complaints and appeals (issue 14 item 8; R-AUD-4, seed 002 B 30):
thin. Casework records complaints and their outcomes; the senior officer prepares appeals, the
deputy approves them before lodging (four eyes); officers and audit read the register. The
inputs are in ``complaints/inputs.py``, the types and enums in ``complaints/types.py``."""

from __future__ import annotations

import uuid
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
from ca_api.common.arguments import replayed_field
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
from ca_api.complaints.inputs import (
    ApproveAppealInput,
    CorrectAppealInput,
    CorrectComplaintInput,
    PrepareAppealInput,
    RecordAppealLodgedInput,
    RecordAppealOutcomeInput,
    RecordComplaintInput,
    RecordComplaintOutcomeInput,
    RefuseAppealInput,
)
from ca_api.complaints.rules import EventKind, RegisterKind
from ca_api.complaints.types import Appeal, Complaint
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
