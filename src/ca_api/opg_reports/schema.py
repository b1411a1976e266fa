"""GraphQL of the OPG annual report (issue 15; R-OPG, R-OPG-2, R-ROLE-2): thin. Casework opens
a deputy client's report, generates it from the ledger, writes its text and prepares it; a senior
officer who did not generate, write or prepare it approves it, returns it, marks it submitted or
corrects it; officers and audit read them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import OPG_REPORT_APPROVE, OPG_REPORT_READ, OPG_REPORT_WRITE, allow
from ca_api.clients.schema import client_filter
from ca_api.common.arguments import ONLY_CLIENT, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.node import NodeType, by_role
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    FourEyesProblem,
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.context import Context
from ca_api.opg_reports import drafting, report_views, reports_due, submission
from ca_api.opg_reports.inputs import (
    ApproveOpgReportInput,
    CorrectOpgReportInput,
    GenerateOpgReportInput,
    MarkOpgReportSubmittedInput,
    OpenOpgReportInput,
    PrepareOpgReportInput,
    RecordOpgReportTextInput,
    ReturnOpgReportInput,
)
from ca_api.opg_reports.types import OpgReport, OpgReportDue, OpgReportDueState, OpgReportStatus

TYPE = "OpgReport"


@strawberry.type(description="The report as the mutation left it.")
class OpgReportPayload:
    report: OpgReport = strawberry.field(description="The report as it now stands.")
    replayed: bool = replayed_field()


def _payload(done: report_views.ReportOutcome) -> OpgReportPayload:
    return OpgReportPayload(report=OpgReport.of(done.view), replayed=done.replayed)


def _union(name: str, description: str) -> Any:
    return strawberry.union(name, description=description)


OpenOpgReportResult = Annotated[
    OpgReportPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    _union(
        "OpenOpgReportResult",
        "The report opened, or why not: one not yet submitted exists (OPG_REPORT_ALREADY_OPEN), "
        "the client has no deputyship (NOT_A_DEPUTY_CLIENT), no such client.",
    ),
]
GenerateOpgReportResult = Annotated[
    OpgReportPayload
    | ValidationProblem
    | InvalidStateProblem
    | PolicyMissingProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    _union(
        "GenerateOpgReportResult",
        "The new version, or why not: the report is not OPEN (submitted: correct it), no "
        "threshold figure is in force for the period's end (POLICY_MISSING), no such report.",
    ),
]
RecordOpgReportTextResult = Annotated[
    OpgReportPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    _union(
        "RecordOpgReportTextResult",
        "The text recorded, or why not: empty or too long, the report is not OPEN.",
    ),
]
PrepareOpgReportResult = Annotated[
    OpgReportPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    _union(
        "PrepareOpgReportResult",
        "The report prepared, or why not: not OPEN, its period has not ended, no version is "
        "generated, it does not balance (OPG_REPORT_UNBALANCED, naming the entries).",
    ),
]
ApproveOpgReportResult = Annotated[
    OpgReportPayload
    | ValidationProblem
    | FourEyesProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    _union(
        "ApproveOpgReportResult",
        "The report approved, or why not: you generated a version, wrote its text or prepared "
        "it (four eyes, R-ROLE-2), it is not PREPARED, it does not balance "
        "(OPG_REPORT_UNBALANCED).",
    ),
]
ReturnOpgReportResult = Annotated[
    OpgReportPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    _union(
        "ReturnOpgReportResult",
        "The report returned to OPEN, or why not: no reason, it is not PREPARED or APPROVED.",
    ),
]
MarkOpgReportSubmittedResult = Annotated[
    OpgReportPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    _union(
        "MarkOpgReportSubmittedResult",
        "The report submitted, or why not: the date is in the future or not after the period, "
        "no reference, it is not APPROVED, it does not balance (OPG_REPORT_UNBALANCED: an entry "
        "posted into the period after it was generated; the message names it).",
    ),
]
CorrectOpgReportResult = Annotated[
    OpgReportPayload
    | ValidationProblem
    | InvalidStateProblem
    | PolicyMissingProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    _union(
        "CorrectOpgReportResult",
        "The correction's new version (the report OPEN again), or why not: no reason, it is "
        "not SUBMITTED.",
    ),
]


def _report_key(v: report_views.ReportView) -> list[str]:
    return [v.report.due_on.isoformat(), str(v.report.id)]


def _due_key(d: reports_due.Due) -> list[str]:
    return [d.due_on.isoformat(), str(d.client_id)]


@strawberry.type
class OpgReportQuery:
    @strawberry.field(
        extensions=[Paged(50), *allow(OPG_REPORT_READ)],
        description="OPG annual reports (R-OPG) by due date: one client's or every client's, "
        "of one due state or status.",
    )
    async def opg_reports(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this client's; null: every client's."),
        ] = None,
        due_state: Annotated[
            OpgReportDueState | None,
            strawberry.argument(description="Only those in this due state today."),
        ] = None,
        status: Annotated[
            OpgReportStatus | None, strawberry.argument(description="Only those in this status.")
        ] = None,
    ) -> Connection[OpgReport]:
        ctx = info.context
        cid = await client_filter(ctx, client_id)

        async def fetch(seek: Any) -> list[report_views.ReportView]:
            return await report_views.list_reports(
                ctx.session, client_id=cid, status=status, due_state=due_state, seek=seek
            )

        return await page.connection(
            cursor=PageRequest.date_id, fetch=fetch, key=_report_key, node=OpgReport.of
        )

    @strawberry.field(
        extensions=allow(OPG_REPORT_READ),
        description="Every client with a deputyship in force on the day and their next OPG "
        "report (opened or not): its period, due date and due state, by due date.",
        deprecation_reason="Use opgReportsComingDue: the same rows, paged (first/after, "
        "last/before), filtered by due state, due date and client.",
    )
    async def opg_reports_due(
        self,
        info: Info[Context, None],
        as_of: Annotated[
            date | None, strawberry.argument(description="The day; null: today.")
        ] = None,
    ) -> list[OpgReportDue]:
        due = await reports_due.reports_due(info.context.session, as_of or clock.today())
        return [OpgReportDue.of(d) for d in due]

    @strawberry.field(
        extensions=[Paged(25), *allow(OPG_REPORT_READ)],
        description="Every client with a deputyship in force on the day and their next OPG "
        "report (R-OPG): the one opened and not yet submitted, else the next period's (from "
        "the day after the last report's, or from the order's date), due on the 56th day "
        "after the period ends; soonest due first, then by client. dueState OVERDUE for "
        "those past their due date, dueBy for those due by a day, clientId for one client's.",
    )
    async def opg_reports_coming_due(
        self,
        info: Info[Context, None],
        page: Page,
        as_of: Annotated[
            date | None,
            strawberry.argument(
                description="The day the deputyships are in force on and the due states are "
                "judged on; null: today."
            ),
        ] = None,
        due_state: Annotated[
            OpgReportDueState | None,
            strawberry.argument(
                description="Only those in this due state on the day (SUBMITTED: none, the "
                "list holds the reports still to submit)."
            ),
        ] = None,
        due_by: Annotated[
            date | None, strawberry.argument(description="Only those due on or before this day.")
        ] = None,
        client_id: ONLY_CLIENT = None,
    ) -> Connection[OpgReportDue]:
        ctx = info.context
        cid = await client_filter(ctx, client_id)
        on = as_of or clock.today()

        async def fetch(seek: Any) -> list[reports_due.Due]:
            return await reports_due.reports_coming_due(
                ctx.session, as_of=on, due_state=due_state, due_by=due_by, client_id=cid, seek=seek
            )

        return await page.connection(
            cursor=PageRequest.date_id, fetch=fetch, key=_due_key, node=OpgReportDue.of
        )


def _report(raw: strawberry.ID) -> Any:
    return decode_uuid(TYPE, raw)


@strawberry.type
class OpgReportMutation:
    @strawberry.mutation(
        extensions=allow(OPG_REPORT_WRITE),
        description="Open a deputy client's next OPG report (R-OPG): the first period from the "
        "order's date, each next from the day after the last, a year less a day, due on the "
        "56th day after; one not yet submitted at a time.",
    )
    async def open_opg_report(
        self,
        info: Info[Context, None],
        input: Annotated[OpenOpgReportInput, strawberry.argument(description="The client.")],
    ) -> OpenOpgReportResult:
        done = await as_caller(
            info,
            drafting.open_report,
            decode_uuid("Client", input.client_id),
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(OPG_REPORT_WRITE),
        description="Generate a new version of an OPEN report from the ledger as it stands "
        "(R-OPG-1, R-OPG-2): money per account and category, the other sections, the type.",
    )
    async def generate_opg_report(
        self,
        info: Info[Context, None],
        input: Annotated[GenerateOpgReportInput, strawberry.argument(description="The report.")],
    ) -> GenerateOpgReportResult:
        done = await as_caller(
            info,
            drafting.generate_report,
            _report(input.report_id),
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(OPG_REPORT_WRITE),
        description="Write a free-text section of an OPEN report (the latest per section wins).",
    )
    async def record_opg_report_text(
        self,
        info: Info[Context, None],
        input: Annotated[RecordOpgReportTextInput, strawberry.argument(description="The text.")],
    ) -> RecordOpgReportTextResult:
        done = await as_caller(
            info,
            drafting.record_text,
            _report(input.report_id),
            input.section,
            input.text,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(OPG_REPORT_WRITE),
        description="Send an OPEN report for review: after its period's end, with a version "
        "generated, balanced to the penny (R-OPG-2).",
    )
    async def prepare_opg_report(
        self,
        info: Info[Context, None],
        input: Annotated[PrepareOpgReportInput, strawberry.argument(description="The report.")],
    ) -> PrepareOpgReportResult:
        done = await as_caller(
            info,
            submission.prepare_report,
            _report(input.report_id),
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(OPG_REPORT_APPROVE),
        description="Approve a PREPARED report: never whoever generated a version, wrote its "
        "text or prepared it (four eyes, R-ROLE-2); still balanced (R-OPG-2).",
    )
    async def approve_opg_report(
        self,
        info: Info[Context, None],
        input: Annotated[ApproveOpgReportInput, strawberry.argument(description="The report.")],
    ) -> ApproveOpgReportResult:
        done = await as_caller(
            info,
            submission.approve_report,
            _report(input.report_id),
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(OPG_REPORT_APPROVE),
        description="Return a PREPARED or APPROVED report to OPEN, with the reason.",
    )
    async def return_opg_report(
        self,
        info: Info[Context, None],
        input: Annotated[ReturnOpgReportInput, strawberry.argument(description="The report.")],
    ) -> ReturnOpgReportResult:
        done = await as_caller(
            info,
            submission.return_report,
            _report(input.report_id),
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(OPG_REPORT_APPROVE),
        description="Mark an APPROVED report submitted to the OPG, with the date and the OPG's "
        "reference: refused unless it balances (OPG_REPORT_UNBALANCED names the entries); the "
        "PDF is stored; then immutable (a change is a correction).",
    )
    async def mark_opg_report_submitted(
        self,
        info: Info[Context, None],
        input: Annotated[
            MarkOpgReportSubmittedInput, strawberry.argument(description="The submission.")
        ],
    ) -> MarkOpgReportSubmittedResult:
        done = await as_caller(
            info,
            submission.mark_submitted,
            _report(input.report_id),
            input.submitted_on,
            input.opg_reference,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(OPG_REPORT_APPROVE),
        description="Correct a SUBMITTED report: a new version from the ledger that says why; "
        "the report is OPEN again, to be reviewed and submitted again.",
    )
    async def correct_opg_report(
        self,
        info: Info[Context, None],
        input: Annotated[CorrectOpgReportInput, strawberry.argument(description="The report.")],
    ) -> CorrectOpgReportResult:
        done = await as_caller(
            info,
            submission.correct_report,
            _report(input.report_id),
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)


async def _reports_by_id(session: Any, ids: Any) -> dict[Any, report_views.ReportView]:
    return {v.report.id: v for v in await report_views.views(session, ids)}


NODES: tuple[NodeType, ...] = (
    NodeType(TYPE, OPG_REPORT_READ, by_role(_reports_by_id, OpgReport.of)),
)
