"""GraphQL for investment statements on deputy orders (R-INV-3): thin. Parse, call the service,
map the result."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import INVESTMENT_PROPOSE, INVESTMENT_READ, allow
from ca_api.clients.schema import readable_client
from ca_api.common.ids import decode_uuid, node_id
from ca_api.common.node import NodeType
from ca_api.common.pagination import Connection, PageRequest, paginate
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.decisions.schema import DecisionStatus
from ca_api.investment_statements import rules, service

StatementStatus = rules.StatementStatus
strawberry.enum(
    StatementStatus,
    description="DUE (not submitted, on or before the due date), OVERDUE (not submitted after "
    "it), SUBMITTED (awaiting the governance manager's approval), APPROVED (R-INV-3).",
)


@strawberry.type(description="An investment statement on a deputy order (R-INV-3).")
class InvestmentStatement:
    @classmethod
    def from_view(cls, view: service.StatementView) -> InvestmentStatement:
        s = view.statement
        return from_source(
            cls,
            s,
            deputyship_id=node_id("Deputyship", s.deputyship_id),
            decision_id=node_id("Decision", s.decision_id),
            decision_status=view.decision_status,
            approved_on=view.approved_on,
        )

    id: strawberry.ID
    client_id: strawberry.ID
    deputyship_id: strawberry.ID
    summary: str
    investments_summary: str
    surplus: Money
    submitted_on: date
    decision_id: strawberry.ID = strawberry.field(
        description="Its INVESTMENT_PLAN decision (the governance manager approves)."
    )
    decision_status: DecisionStatus
    approved_on: date | None
    recorded_by: str


@strawberry.type(description="A deputy order's investment statement: when due and where it stands.")
class InvestmentStatementDue:
    @classmethod
    def from_row(cls, row: service.StatementDue) -> InvestmentStatementDue:
        s = row.statement
        return from_source(
            cls,
            row,
            deputyship_id=node_id("Deputyship", row.deputyship_id),
            statement=InvestmentStatement.from_view(s) if s is not None else None,
        )

    deputyship_id: strawberry.ID
    client_id: strawberry.ID
    client_reference: str
    case_number: str
    order_date: date

    due_date: date = strawberry.field(
        description="The order date plus three calendar months; a day the month lacks falls on "
        "its last day (30 November -> 28/29 February)."
    )

    status: StatementStatus
    days_overdue: int = strawberry.field(
        description="Days past the due date (OVERDUE), or by which it was late."
    )

    statement: InvestmentStatement | None = strawberry.field(
        description="The statement submitted or approved by the date, if any."
    )
    submitted_on: date | None
    approved_on: date | None


@strawberry.input(description="An investment statement on a deputy order (R-INV-3).")
class InvestmentStatementInput:
    client_id: strawberry.ID
    deputyship_id: strawberry.ID
    summary: str
    investments_summary: str
    surplus: Money = strawberry.field(description="Available for investment over 12 months' needs.")
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None

    def to_new(self) -> service.NewStatement:
        """The statement for the service: every field as given, the ids decoded."""
        ids = {
            "client_id": decode_uuid("Client", self.client_id),
            "deputyship_id": decode_uuid("Deputyship", self.deputyship_id),
        }
        return service.NewStatement(**vars(self) | ids)


@strawberry.type
class InvestmentStatementPayload:
    statement: InvestmentStatement
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")


InvestmentStatementResult = Annotated[
    InvestmentStatementPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union("InvestmentStatementResult"),
]


@strawberry.type
class InvestmentStatementQuery:
    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="Every deputy order in force on a date with its investment statement's due "
        "date (order date + 3 calendar months, R-INV-3) and status on that date, oldest order "
        "first: overdue statements show as OVERDUE.",
    )
    async def investment_statements_due(
        self,
        info: Info[Context, None],
        on: date | None = None,
        client_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[InvestmentStatementDue]:
        ctx = info.context

        async def fetch(
            key: tuple[date, uuid.UUID] | None, limit: int
        ) -> list[service.StatementDue]:
            cid = decode_uuid("Client", client_id) if client_id is not None else None
            if cid is not None and client_id is not None:
                await readable_client(ctx, cid, client_id)
            day = on or clock.today()
            return await service.statements_due(
                ctx.session, day, client_id=cid, after=key, limit=limit
            )

        return await paginate(
            first,
            after,
            default=50,
            maximum=ctx.settings.max_page_size,
            cursor=PageRequest.after_date_id,
            fetch=fetch,
            key=lambda r: [r.order_date.isoformat(), str(r.deputyship_id)],
            node=InvestmentStatementDue.from_row,
        )


@strawberry.type
class InvestmentStatementMutation:
    @strawberry.mutation(
        extensions=allow(INVESTMENT_PROPOSE),
        description="Submit the investment statement on a deputy order (R-INV-3): raises an "
        "INVESTMENT_PLAN decision for the governance manager to approve.",
    )
    async def record_investment_statement(
        self, info: Info[Context, None], input: InvestmentStatementInput, idempotency_key: str
    ) -> InvestmentStatementResult:
        ctx = info.context
        view = await service.record_statement(
            ctx.session, ctx.actor, input.to_new(), idempotency_key=idempotency_key
        )
        return InvestmentStatementPayload(
            statement=InvestmentStatement.from_view(view), replayed=view.replayed
        )


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
