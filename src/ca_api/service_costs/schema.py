"""GraphQL of the service's cost and income (R-REP-3), workload (D 4) and the exceptions register
(D 1.3): thin. The governance manager records the cost table; officers, audit and the reporting
role read the reports (the reporting role without names or free text, R-ROLE); any officer
submits an exception to the policy, the governance manager decides it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    OFFICERS,
    POLICY_EXCEPTION_DECIDE,
    POLICY_EXCEPTION_READ,
    POLICY_EXCEPTION_RECORD,
    SERVICE_COSTS_WRITE,
    SERVICE_REPORT_DETAIL,
    SERVICE_REPORT_READ,
    allow,
)
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.node import NodeType
from ca_api.common.problems import (
    FourEyesProblem,
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money, Percent
from ca_api.context import Context
from ca_api.errors import ValidationFailed
from ca_api.service_costs import service
from ca_api.service_costs.rules import RoleCost
from ca_api.service_costs.types import (
    ExceptionBody,
    PolicyException,
    PolicyExceptionOutcome,
    ServiceCostAndIncome,
    ServiceCostTable,
    ServiceWorkload,
)

_FTE = re.compile(r"^(0|[1-9]\d{0,3})(\.\d{1,2})?$")


@strawberry.input(description="A staff role of the service and what it costs a year.")
class ServiceCostRoleInput:
    title: str = strawberry.field(description="The role, e.g. Senior Client Affairs Officer.")
    fte: str = strawberry.field(
        description='Full time equivalents in the service: a decimal string, e.g. "0.20".'
    )
    payroll_and_on_costs: Money = strawberry.field(description="Payroll plus on-costs a year.")
    overheads: Money | None = strawberry.field(
        default=None,
        description="Only where the source states an overheads figure the rate does not give "
        "to the penny: that figure, kept as stated (docs/service_costs.md). Null: the rate.",
    )


@strawberry.input(
    description="The whole cost table from a date (R-REP-3, R-DATA): it supersedes the one in "
    "force from that date; nothing recorded is edited."
)
class RecordServiceCostsInput:
    effective_from: date = strawberry.field(
        description="The first day it applies (a financial year's report uses the table in "
        "force on its 1 April); it may be past."
    )
    note: str = strawberry.field(description="Where the figures come from.")
    overhead_rate: Percent = strawberry.field(
        description='Overheads as a percentage of payroll plus on-costs, e.g. "11.1400".'
    )
    bank_charges: Money = strawberry.field(description="Bank charges a year.")
    roles: list[ServiceCostRoleInput] = strawberry.field(description="Every role, in order.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="An exception to the policy, submitted to the governance manager.")
class RecordPolicyExceptionInput:
    summary: str = strawberry.field(description="What the exception is and why it is asked for.")
    policy_reference: str = strawberry.field(
        description="The rule or section of the policy it departs from, e.g. B 22.1."
    )
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="The client it concerns, if any."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The governance manager's decision on an exception.")
class DecidePolicyExceptionInput:
    exception_id: strawberry.ID = strawberry.field(description="The exception.")
    outcome: PolicyExceptionOutcome = strawberry.field(description="APPROVED or REFUSED.")
    reason: str = strawberry.field(description="Why.")
    referred_to: list[ExceptionBody] = strawberry.field(
        default_factory=list,
        description="The groups it was put to after review (D 1.3), if any.",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.type(description="The cost table as recorded.")
class ServiceCostsPayload:
    table: ServiceCostTable = strawberry.field(description="The version recorded.")
    replayed: bool = replayed_field()


@strawberry.type(description="The exception as it now stands.")
class PolicyExceptionPayload:
    exception: PolicyException = strawberry.field(description="The exception.")
    replayed: bool = replayed_field()


RecordServiceCostsResult = Annotated[
    ServiceCostsPayload | ValidationProblem | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordServiceCostsResult",
        description="The version recorded, or why not: a field missing or wrong (no role, an "
        "FTE not a decimal of two places, a rate not under 100%).",
    ),
]
ServiceCostAndIncomeResult = Annotated[
    ServiceCostAndIncome | PolicyMissingProblem | ValidationProblem,
    strawberry.union(
        "ServiceCostAndIncomeResult",
        description="The year's cost and income, or POLICY_MISSING (name 'service costs'): no "
        "cost table is in force on the year's 1 April; or a year not from 1990 to 2200.",
    ),
]
RecordPolicyExceptionResult = Annotated[
    PolicyExceptionPayload | ValidationProblem | NotFoundProblem | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordPolicyExceptionResult",
        description="The exception submitted, or why not: a field missing, no such client.",
    ),
]
DecidePolicyExceptionResult = Annotated[
    PolicyExceptionPayload
    | ValidationProblem
    | FourEyesProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "DecidePolicyExceptionResult",
        description="The exception decided, or why not: you submitted it (four eyes, "
        "R-ROLE-2), it is decided already, no such exception, no reason.",
    ),
]


def _fte(value: str, i: int) -> Decimal:
    if not _FTE.fullmatch(value.strip()):
        raise ValidationFailed(
            {f"roles.{i}.fte": 'a decimal string of at most two places, e.g. "0.20"'}
        )
    return Decimal(value.strip())


def _detail(info: Info[Context, None]) -> bool:
    return info.context.principal.has_any(SERVICE_REPORT_DETAIL)


@strawberry.type
class ServiceCostQuery:
    @strawberry.field(
        extensions=allow(SERVICE_REPORT_READ),
        description="What the service cost and earned in a financial year, and the shortfall "
        "(R-REP-3): the cost table in force on 1 April, income from the ledger by value date.",
    )
    async def service_cost_and_income(
        self,
        info: Info[Context, None],
        financial_year: Annotated[
            int,
            strawberry.argument(
                description="The year it starts: 2014 is 2014-04-01 to 2015-03-31."
            ),
        ],
    ) -> ServiceCostAndIncomeResult:
        if not 1990 <= financial_year <= 2200:
            raise ValidationFailed({"financialYear": "a year from 1990 to 2200"})
        report = await service.cost_and_income(info.context.session, financial_year)
        return ServiceCostAndIncome.of(report)

    @strawberry.field(
        extensions=allow(SERVICE_REPORT_READ),
        description="Every version of the service's cost table, by effective date then as "
        "recorded (R-DATA).",
    )
    async def service_cost_tables(self, info: Info[Context, None]) -> list[ServiceCostTable]:
        detail = _detail(info)
        tables = await service.cost_tables(info.context.session)
        return [ServiceCostTable.of(v, list(r), detail=detail) for v, r in tables]

    @strawberry.field(
        extensions=allow(SERVICE_REPORT_READ),
        description="The workload on a date (seed 002 D 4): clients per FTE against the "
        "maximum in force and the excess, and the open items per officer (per role for the "
        "reporting role).",
    )
    async def workload(
        self,
        info: Info[Context, None],
        as_at: Annotated[date, strawberry.argument(description="The day.")],
    ) -> ServiceWorkload:
        by_name = info.context.principal.has_any(OFFICERS)
        report = await service.workload(info.context.session, as_at, by_name=by_name)
        return ServiceWorkload.of(report)

    @strawberry.field(
        extensions=allow(POLICY_EXCEPTION_READ),
        description="The register of exceptions to the policy (seed 002 D 1.3), submitted "
        "between the dates (inclusive; either may be left out), oldest first.",
    )
    async def policy_exceptions(
        self,
        info: Info[Context, None],
        from_: Annotated[
            date | None, strawberry.argument(name="from", description="The first day.")
        ] = None,
        to: Annotated[date | None, strawberry.argument(description="The last day.")] = None,
    ) -> list[PolicyException]:
        views = await service.exceptions(info.context.session, from_, to)
        detail = _detail(info)
        return [PolicyException.of(v, detail=detail) for v in views]


@strawberry.type
class ServiceCostMutation:
    @strawberry.mutation(
        extensions=allow(SERVICE_COSTS_WRITE),
        description="A new version of the service's cost table from a date (R-REP-3, R-DATA): "
        "staff roles with FTE and payroll plus on-costs, the overhead rate, the bank charges. "
        "The governance manager's.",
    )
    async def record_service_costs(
        self,
        info: Info[Context, None],
        input: Annotated[RecordServiceCostsInput, strawberry.argument(description="The table.")],
    ) -> RecordServiceCostsResult:
        roles = [
            RoleCost(
                title=r.title,
                fte=_fte(r.fte, i),
                payroll=int(r.payroll_and_on_costs),
                overheads=int(r.overheads) if r.overheads is not None else None,
            )
            for i, r in enumerate(input.roles)
        ]
        done = await as_caller(
            info,
            service.record_service_costs,
            effective_from=input.effective_from,
            note=input.note,
            overhead_rate=Decimal(input.overhead_rate),
            bank_charges=int(input.bank_charges),
            roles=roles,
            idempotency_key=input.idempotency_key,
        )
        return ServiceCostsPayload(
            table=ServiceCostTable.of(done.version, list(done.roles), detail=True),
            replayed=done.replayed,
        )

    @strawberry.mutation(
        extensions=allow(POLICY_EXCEPTION_RECORD),
        description="Submit an exception to the policy to the governance manager (seed 002 "
        "D 1.3), dated today.",
    )
    async def record_policy_exception(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordPolicyExceptionInput, strawberry.argument(description="The exception.")
        ],
    ) -> RecordPolicyExceptionResult:
        client_id = decode_uuid("Client", input.client_id) if input.client_id else None
        done = await as_caller(
            info,
            service.record_exception,
            summary=input.summary,
            policy_reference=input.policy_reference,
            client_id=client_id,
            idempotency_key=input.idempotency_key,
        )
        return PolicyExceptionPayload(
            exception=PolicyException.of(done.view, detail=True), replayed=done.replayed
        )

    @strawberry.mutation(
        extensions=allow(POLICY_EXCEPTION_DECIDE),
        description="The governance manager's decision on an exception, once, with the reason "
        "and the groups it was put to (D 1.3): never by whoever submitted it (R-ROLE-2).",
    )
    async def decide_policy_exception(
        self,
        info: Info[Context, None],
        input: Annotated[
            DecidePolicyExceptionInput, strawberry.argument(description="The decision.")
        ],
    ) -> DecidePolicyExceptionResult:
        done = await as_caller(
            info,
            service.decide_exception,
            decode_uuid("PolicyException", input.exception_id),
            outcome=input.outcome,
            reason=input.reason,
            referred_to=input.referred_to,
            idempotency_key=input.idempotency_key,
        )
        return PolicyExceptionPayload(
            exception=PolicyException.of(done.view, detail=True), replayed=done.replayed
        )


async def _tables_by_id(ctx: Context, ids: Sequence[Any]) -> dict[Any, ServiceCostTable]:
    detail = ctx.principal.has_any(SERVICE_REPORT_DETAIL)
    found = {}
    for version_id in ids:
        table = await service.cost_table(ctx.session, version_id)
        if table is not None:
            found[version_id] = ServiceCostTable.of(table[0], list(table[1]), detail=detail)
    return found


async def _exceptions_by_id(ctx: Context, ids: Sequence[Any]) -> dict[Any, PolicyException]:
    """The reporting role's get no names or free text here either."""
    detail = ctx.principal.has_any(SERVICE_REPORT_DETAIL)
    views = await service.exceptions_by_id(ctx.session, ids)
    return {k: PolicyException.of(v, detail=detail) for k, v in views.items()}


NODES: tuple[NodeType, ...] = (
    NodeType("ServiceCostTable", SERVICE_REPORT_READ, _tables_by_id),
    NodeType("PolicyException", POLICY_EXCEPTION_READ, _exceptions_by_id),
)
