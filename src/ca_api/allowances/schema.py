"""GraphQL of personal allowance and weekly cash (issue 14 item 9; R-PAY-6, R-BUD-4, seed 002
B 22-23): thin. Casework records a client's schedule, a change or a stop; a senior officer who
did not record it approves it; a senior officer runs the week's payments for every client at
once; officers and audit read them (not social workers)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.allowances import service, weekly_run
from ca_api.allowances.models import AllowancePayment as PaymentRow
from ca_api.allowances.types import AllowanceKind, AllowancePayment, AllowanceSchedule
from ca_api.allowances.types import WeeklyAllowanceRunPayload as WeeklyAllowanceRunPayload
from ca_api.auth.permissions import (
    ALLOWANCE_APPROVE,
    ALLOWANCE_READ,
    ALLOWANCE_RECORD,
    ALLOWANCE_RUN,
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
    OverApprovalLimitProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context


@strawberry.type(description="The schedule's version as the mutation left it.")
class AllowanceSchedulePayload:
    schedule: AllowanceSchedule = strawberry.field(description="The version as it now stands.")
    replayed: bool = replayed_field()


def _payload(done: service.ScheduleOutcome) -> AllowanceSchedulePayload:
    return AllowanceSchedulePayload(
        schedule=AllowanceSchedule.of(done.view), replayed=done.replayed
    )


@strawberry.input(
    description="A client's weekly personal allowance or weekly cash (seed 002 B 22-23), or a "
    "change to the one they have (then with the reason), and the key."
)
class RecordAllowanceScheduleInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    kind: AllowanceKind = strawberry.field(
        description="PERSONAL_ALLOWANCE, or WEEKLY_CASH for a client in the community."
    )
    weekly_amount: Money = strawberry.field(description="Paid each week: more than 0.00.")
    payee_id: strawberry.ID = strawberry.field(
        description="The counterparty it is paid to: the client's own account (their card's, "
        "B 23.2), of kind BANK or OTHER; never a care provider (R-PAY-6)."
    )
    starts_on: date = strawberry.field(description="The Monday of the first week it governs.")
    reason: str | None = strawberry.field(
        default=None,
        description="Required when the client has this schedule already: why it changes.",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A client's schedule stopped from a week, why, and the key.")
class StopAllowanceScheduleInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    kind: AllowanceKind = strawberry.field(description="Which schedule stops.")
    starts_on: date = strawberry.field(description="The Monday of the first week not paid.")
    reason: str = strawberry.field(description="Why it stops.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The schedule version to approve, and the key.")
class ApproveAllowanceScheduleInput:
    schedule_id: strawberry.ID = strawberry.field(description="The version awaiting approval.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The week to pay, and the key.")
class RunWeeklyAllowancesInput:
    week_starting: date = strawberry.field(
        description="The Monday of the week: begun (not in the future)."
    )
    idempotency_key: str = idempotency_key_field()


AllowanceScheduleResult = Annotated[
    AllowanceSchedulePayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "AllowanceScheduleResult",
        description="The version recorded, or why not: a field missing or wrong (not a Monday, "
        "a care provider as payee (R-PAY-6), weekly cash for a client not in the community, a "
        "change without its reason), the client deceased or closed (CLIENT_DECEASED, "
        "INVALID_STATE), nothing to stop, no such client or payee.",
    ),
]
AllowanceApprovalResult = Annotated[
    AllowanceSchedulePayload
    | FourEyesProblem
    | OverApprovalLimitProblem
    | PolicyMissingProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "AllowanceApprovalResult",
        description="The version approved, or why not: you recorded it (four eyes, R-ROLE-2), "
        "the year's amount is above your limit for a financial plan and budget (R-DEC-2), it "
        "is not AWAITING_APPROVAL or a later version supersedes it, the client died.",
    ),
]
WeeklyAllowanceRunResult = Annotated[
    WeeklyAllowanceRunPayload | ValidationProblem | IdempotencyKeyReusedProblem,
    strawberry.union(
        "WeeklyAllowanceRunResult",
        description="What the run paid and did not, or why it did not run: the week is not a "
        "Monday or is in the future.",
    ),
]


def _client_arg() -> Any:
    return strawberry.argument(description="Only this client's; null: every client's.")


def _schedule_key(v: service.ScheduleView) -> list[str]:
    return [v.schedule.recorded_at.isoformat(), str(v.schedule.id)]


def _payment_key(p: PaymentRow) -> list[str]:
    return [p.week_starting.isoformat(), str(p.id)]


@strawberry.type
class AllowanceQuery:
    @strawberry.field(
        extensions=[Paged(50), *allow(ALLOWANCE_READ)],
        description="Versions of weekly personal allowance and weekly cash schedules (seed 002 "
        "B 22-23), oldest recorded first: one client's or every client's.",
    )
    async def allowance_schedules(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[strawberry.ID | None, _client_arg()] = None,
    ) -> Connection[AllowanceSchedule]:
        ctx = info.context
        cid = await client_filter(ctx, client_id)

        async def fetch(seek: Any) -> list[service.ScheduleView]:
            return await service.list_schedules(ctx.session, cid, seek)

        return await page.connection(
            cursor=PageRequest.time_id, fetch=fetch, key=_schedule_key, node=AllowanceSchedule.of
        )

    @strawberry.field(
        extensions=[Paged(50), *allow(ALLOWANCE_READ)],
        description="Allowances paid by the weekly runs, the latest week first: one client's or "
        "every client's.",
    )
    async def allowance_payments(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[strawberry.ID | None, _client_arg()] = None,
    ) -> Connection[AllowancePayment]:
        ctx = info.context
        cid = await client_filter(ctx, client_id)

        async def fetch(seek: Any) -> list[PaymentRow]:
            return list(await service.list_payments(ctx.session, cid, seek))

        return await page.connection(
            cursor=PageRequest.date_id, fetch=fetch, key=_payment_key, node=AllowancePayment.of
        )


@strawberry.type
class AllowanceMutation:
    @strawberry.mutation(
        extensions=allow(ALLOWANCE_RECORD),
        description="Record a client's weekly personal allowance or weekly cash (seed 002 "
        "B 22-23), or change it by a new version with the reason (R-AUD-2): paid each week "
        "from its start once approved.",
    )
    async def record_allowance_schedule(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordAllowanceScheduleInput, strawberry.argument(description="The schedule.")
        ],
    ) -> AllowanceScheduleResult:
        req = service.ScheduleRequest(
            client_id=decode_uuid("Client", input.client_id),
            kind=input.kind,
            starts_on=input.starts_on,
            weekly_amount=input.weekly_amount,
            payee_id=decode_uuid("Counterparty", input.payee_id),
            reason=input.reason,
        )
        done = await as_caller(
            info, service.record_schedule, req, idempotency_key=input.idempotency_key
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(ALLOWANCE_RECORD),
        description="Stop a client's weekly personal allowance or weekly cash from a week, "
        "with the reason: a new version, in force without approval (it moves no money).",
    )
    async def stop_allowance_schedule(
        self,
        info: Info[Context, None],
        input: Annotated[StopAllowanceScheduleInput, strawberry.argument(description="The stop.")],
    ) -> AllowanceScheduleResult:
        req = service.ScheduleRequest(
            client_id=decode_uuid("Client", input.client_id),
            kind=input.kind,
            starts_on=input.starts_on,
            reason=input.reason,
        )
        done = await as_caller(
            info, service.record_schedule, req, idempotency_key=input.idempotency_key
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(ALLOWANCE_APPROVE),
        description="Approve a schedule's version: never whoever recorded it (four eyes, "
        "R-ROLE-2), within the limits of a financial plan and budget on the year's amount "
        "(weekly x 52, R-BUD-4, R-DEC-2). The weekly run's payments need no approval each.",
    )
    async def approve_allowance_schedule(
        self,
        info: Info[Context, None],
        input: Annotated[
            ApproveAllowanceScheduleInput, strawberry.argument(description="The version.")
        ],
    ) -> AllowanceApprovalResult:
        done = await as_caller(
            info,
            service.approve_schedule,
            decode_uuid("AllowanceSchedule", input.schedule_id),
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(ALLOWANCE_RUN),
        description="Pay every approved schedule in force for the week, for every client at "
        "once, in one transaction (seed 002 B 22-23): once per client, kind and week (a second "
        "run for the week pays and writes nothing); nothing after a confirmed death (B 29) or "
        "for a closed case, never below zero (R-PAY-3), never to a care provider (R-PAY-6).",
    )
    async def run_weekly_allowances(
        self,
        info: Info[Context, None],
        input: Annotated[RunWeeklyAllowancesInput, strawberry.argument(description="The week.")],
    ) -> WeeklyAllowanceRunResult:
        done = await as_caller(
            info, weekly_run.run_week, input.week_starting, idempotency_key=input.idempotency_key
        )
        return WeeklyAllowanceRunPayload.of(done)


async def _schedules_by_id(session: Any, ids: Any) -> dict[Any, service.ScheduleView]:
    return {v.schedule.id: v for v in await service.views(session, ids)}


async def _payments_by_id(session: Any, ids: Any) -> dict[Any, PaymentRow]:
    return {p.id: p for p in await service.payments_by_id(session, ids)}


NODES: tuple[NodeType, ...] = (
    NodeType("AllowanceSchedule", ALLOWANCE_READ, by_role(_schedules_by_id, AllowanceSchedule.of)),
    NodeType("AllowancePayment", ALLOWANCE_READ, by_role(_payments_by_id, AllowancePayment.of)),
)
