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
from ca_api.clients.schema import Client, client_filter, client_of
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import node_id
from ca_api.common.keyset import Seek
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.common.types import describe_enum, from_source
from ca_api.context import Context
from ca_api.decisions.schema import Decision, DecisionStatus, decision_of
from ca_api.investment_statements import rules, service
from ca_api.investment_statements.inputs import RecordInvestmentStatementInput
from ca_api.orders.schema import Deputyship, deputyship_of

StatementStatus = rules.StatementStatus
strawberry.enum(
    StatementStatus,
    description="DUE (not submitted, on or before the due date), OVERDUE (not submitted after "
    "it), SUBMITTED (awaiting the governance manager's approval), APPROVED (R-INV-3).",
)
describe_enum(
    StatementStatus,
    {
        StatementStatus.DUE: "Not submitted yet, on or before the due date (R-INV-3).",
        StatementStatus.OVERDUE: (
            "Not submitted by the due date, three months after the order (R-INV-3)."
        ),
        StatementStatus.SUBMITTED: (
            "Submitted: its INVESTMENT_PLAN decision awaits the governance manager's approval "
            "(R-DEC)."
        ),
        StatementStatus.APPROVED: "Agreed by the governance manager (R-INV-3, R-DEC).",
    },
)


@strawberry.type(description="An investment statement on a deputy order (R-INV-3).")
class InvestmentStatement(Node):
    view: strawberry.Private[service.StatementView]

    @classmethod
    def from_view(cls, view: service.StatementView) -> InvestmentStatement:
        s = view.statement
        return from_source(
            cls,
            s,
            view=view,
            deputyship_id=node_id("Deputyship", s.deputyship_id),
            decision_id=node_id("Decision", s.decision_id),
            decision_status=view.decision_status,
            approved_on=view.approved_on,
        )

    id: strawberry.ID = strawberry.field(description="The statement's global id.")
    client_id: strawberry.ID = strawberry.field(description="The deputy client it is for.")
    deputyship_id: strawberry.ID = strawberry.field(
        description="The deputy order it is on (R-INV-3)."
    )
    summary: str = strawberry.field(
        description="Why the plan is in the client's best interests (R-DEC-1)."
    )
    investments_summary: str = strawberry.field(
        description="The client's investments as reviewed on the new order, and what is to "
        "become of each (R-INV-3, R-INV-5)."
    )
    surplus: Money = strawberry.field(
        description="Available for investment over 12 months' needs (R-INV-2)."
    )
    submitted_on: date = strawberry.field(description="The day it was submitted.")
    decision_id: strawberry.ID = strawberry.field(
        description="Its INVESTMENT_PLAN decision (the governance manager approves)."
    )
    decision_status: DecisionStatus = strawberry.field(
        description="Where its INVESTMENT_PLAN decision stands (R-DEC)."
    )
    approved_on: date | None = strawberry.field(
        description="The day its decision was approved; null until then."
    )
    recorded_by: str = strawberry.field(description="The officer who submitted it.")

    @strawberry.field(
        description="Its INVESTMENT_PLAN decision, which the governance manager approves (R-DEC)."
    )
    async def decision(self, info: Info[Context, None]) -> Decision:
        return await decision_of(info.context, self.view.statement.decision_id)

    @strawberry.field(description="The deputy client it is for.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.view.statement.client_id)

    @strawberry.field(description="The deputy order it is on (R-INV-3).")
    async def deputyship(self, info: Info[Context, None]) -> Deputyship:
        return await deputyship_of(info.context, self.view.statement.deputyship_id)


@strawberry.type(description="A deputy order's investment statement: when due and where it stands.")
class InvestmentStatementDue:
    due: strawberry.Private[service.StatementDue]

    @classmethod
    def from_row(cls, row: service.StatementDue) -> InvestmentStatementDue:
        s = row.statement
        return from_source(
            cls,
            row,
            due=row,
            deputyship_id=node_id("Deputyship", row.deputyship_id),
            statement=InvestmentStatement.from_view(s) if s is not None else None,
        )

    deputyship_id: strawberry.ID = strawberry.field(description="The deputy order.")
    client_id: strawberry.ID = strawberry.field(description="The deputy client.")
    client_reference: str = strawberry.field(
        description="The client's case reference, e.g. CA000123."
    )
    case_number: str = strawberry.field(description="The Court of Protection case number.")
    order_date: date = strawberry.field(description="The day the deputy order was made.")

    due_date: date = strawberry.field(
        description="The order date plus three calendar months; a day the month lacks falls on "
        "its last day (30 November -> 28/29 February)."
    )

    status: StatementStatus = strawberry.field(
        description="Where the statement stands on the day asked about."
    )
    days_overdue: int = strawberry.field(
        description="Days past the due date (OVERDUE), or by which it was late."
    )

    statement: InvestmentStatement | None = strawberry.field(
        description="The statement submitted or approved by the date, if any."
    )
    submitted_on: date | None = strawberry.field(
        description="The day the standing statement was submitted; null: none by the date."
    )
    approved_on: date | None = strawberry.field(
        description="The day it was approved, if that was by the date."
    )

    @strawberry.field(description="The deputy client.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.due.client_id)

    @strawberry.field(description="The deputy order the statement is due on (R-INV-3).")
    async def deputyship(self, info: Info[Context, None]) -> Deputyship:
        return await deputyship_of(info.context, self.due.deputyship_id)


@strawberry.type(description="An investment statement, as submitted.")
class InvestmentStatementPayload:
    statement: InvestmentStatement = strawberry.field(description="The statement submitted.")
    replayed: bool = replayed_field()


InvestmentStatementResult = Annotated[
    InvestmentStatementPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "InvestmentStatementResult",
        description="The statement submitted, or why it was not.",
    ),
]


@strawberry.type
class InvestmentStatementQuery:
    @strawberry.field(
        extensions=[
            Paged(
                50,
                first="At most this many orders (default 50, capped).",
                after="The cursor of the last order already seen.",
            ),
            *allow(INVESTMENT_READ),
        ],
        description="Every deputy order in force on a date with its investment statement's due "
        "date (order date + 3 calendar months, R-INV-3) and status on that date, oldest order "
        "first: overdue statements show as OVERDUE.",
    )
    async def investment_statements_due(
        self,
        info: Info[Context, None],
        page: Page,
        on: Annotated[
            date | None,
            strawberry.argument(description="The day the statements stand on; default today."),
        ] = None,
        client_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this client's orders; null: every client's."),
        ] = None,
    ) -> Connection[InvestmentStatementDue]:
        ctx = info.context

        async def fetch(seek: Seek[tuple[date, uuid.UUID]]) -> list[service.StatementDue]:
            cid = await client_filter(ctx, client_id)
            day = on or clock.today()
            return await service.statements_due(ctx.session, day, client_id=cid, seek=seek)

        return await page.connection(
            cursor=PageRequest.date_id,
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
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordInvestmentStatementInput,
            strawberry.argument(description="The statement, and the request's idempotency key."),
        ],
    ) -> InvestmentStatementResult:
        view = await as_caller(
            info, service.record_statement, input.to_new(), idempotency_key=input.idempotency_key
        )
        return InvestmentStatementPayload(
            statement=InvestmentStatement.from_view(view), replayed=view.replayed
        )


# The types node(id:) fetches (common.node): a statement has no lookup of its own, so it has
# the roles of the list it is read through (investmentStatementsDue), scoped to the clients the
# caller may read.
NODES = (
    NodeType(
        "InvestmentStatement",
        INVESTMENT_READ,
        in_scope(service.statements_by_id, InvestmentStatement.from_view),
    ),
)
