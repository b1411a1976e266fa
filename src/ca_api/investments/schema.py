"""GraphQL for existing investments (R-INV-5): thin. Parse, call the service, map the result."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from ca_api.auth.permissions import INVESTMENT_PROPOSE, INVESTMENT_READ, allow
from ca_api.clients.schema import Client, client_of, readable_client_id
from ca_api.common import loaders
from ca_api.common.calls import as_caller
from ca_api.common.ids import node_id_or_none
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.problems import InvalidStateProblem, NotFoundProblem, ValidationProblem
from ca_api.common.rules import decimal_text
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.investments import models, service
from ca_api.investments.inputs import InvestmentKind, RecordExistingInvestmentInput


async def load_investment(
    ctx: Context, investment_id: uuid.UUID
) -> models.ExistingInvestment | None:
    """A record by id, if its client is one the caller may read, through the request's one
    loader of records."""

    async def fetch(
        session: AsyncSession, keys: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, models.ExistingInvestment]:
        return await service.investments_by_id(session, ctx.principal, keys)

    return await loaders.one(ctx, "investments.by_id", fetch).load(investment_id)


@strawberry.type(
    description="An investment the client already holds, kept where prudent (R-INV-5)."
)
class ExistingInvestment(Node):
    row: strawberry.Private[models.ExistingInvestment]

    @classmethod
    def from_row(cls, row: models.ExistingInvestment) -> ExistingInvestment:
        return from_source(
            cls,
            row,
            row=row,
            units=decimal_text(row.units) if row.units is not None else None,
            revises_id=node_id_or_none("ExistingInvestment", row.revises_id),
        )

    id: strawberry.ID = strawberry.field(description="The record's global id.")
    client_id: strawberry.ID = strawberry.field(description="The client who holds it.")
    kind: InvestmentKind = strawberry.field(description="What kind of investment it is.")
    holder: str = strawberry.field(description="Who holds it, or where.")
    units: str | None = strawberry.field(description="Units held, as a decimal string.")
    valuation: Money | None = strawberry.field(
        description="What it was worth on the valuation date; null: not valued."
    )
    valued_on: date | None = strawberry.field(
        description="The day it was valued; null: not valued."
    )
    documents_held_at: str = strawberry.field(
        description="Where its documents are kept in safe keeping (R-INV-5)."
    )
    note: str | None = strawberry.field(description="Why it is kept, or anything else noted.")
    revises_id: strawberry.ID | None = strawberry.field(
        description="The record this one revalues or revises."
    )
    recorded_by: str = strawberry.field(description="The officer who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @strawberry.field(description="The client who holds it.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.row.client_id)

    @strawberry.field(
        description="The record this one revalues or revises, kept as it was (R-AUD-2); null "
        "for a first record."
    )
    async def revises(self, info: Info[Context, None]) -> ExistingInvestment | None:
        if self.row.revises_id is None:
            return None
        row = await load_investment(info.context, self.row.revises_id)
        return ExistingInvestment.from_row(row) if row is not None else None


@strawberry.type(description="An existing investment, as recorded.")
class ExistingInvestmentPayload:
    investment: ExistingInvestment = strawberry.field(description="The new record.")


ExistingInvestmentResult = Annotated[
    ExistingInvestmentPayload | ValidationProblem | NotFoundProblem | InvalidStateProblem,
    strawberry.union(
        "ExistingInvestmentResult",
        description="The new record, or why nothing was recorded.",
    ),
]


@strawberry.type
class InvestmentQuery:
    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="A client's existing investments (R-INV-5): the latest record of each, or "
        "with includeRevised every record kept.",
    )
    async def investments(
        self,
        info: Info[Context, None],
        client_id: Annotated[
            strawberry.ID, strawberry.argument(description="The client whose investments.")
        ],
        include_revised: Annotated[
            bool,
            strawberry.argument(
                description="Also the records later revalued or revised (R-AUD-2: kept)."
            ),
        ] = False,
    ) -> list[ExistingInvestment]:
        ctx = info.context
        cid = await readable_client_id(ctx, client_id)
        rows = await service.investments_of(ctx.session, cid, include_revised=include_revised)
        return [ExistingInvestment.from_row(r) for r in rows]


@strawberry.type
class InvestmentMutation:
    @strawberry.mutation(
        extensions=allow(INVESTMENT_PROPOSE),
        description="Record an investment the client holds, kept where prudent, with where its "
        "documents are held (R-INV-5). A revaluation is a new record naming the old.",
    )
    async def record_existing_investment(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordExistingInvestmentInput,
            strawberry.argument(description="The investment held."),
        ],
    ) -> ExistingInvestmentResult:
        row = await as_caller(info, service.record_investment, input.to_new())
        return ExistingInvestmentPayload(investment=ExistingInvestment.from_row(row))


# The types node(id:) fetches (common.node): a record has no lookup of its own, so it has the
# roles of a client's list (investments), scoped to the clients the caller may read.
NODES = (
    NodeType(
        "ExistingInvestment",
        INVESTMENT_READ,
        in_scope(service.investments_by_id, ExistingInvestment.from_row),
    ),
)
