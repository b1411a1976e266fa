"""GraphQL for existing investments (R-INV-5): thin. Parse, call the service, map the result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import INVESTMENT_PROPOSE, INVESTMENT_READ, allow
from ca_api.clients.schema import readable_client
from ca_api.common.ids import decode_uuid, node_id_or_none
from ca_api.common.node import NodeType
from ca_api.common.problems import InvalidStateProblem, NotFoundProblem, ValidationProblem
from ca_api.common.rules import decimal_text
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.investments import models, rules, service

InvestmentKind = rules.InvestmentKind
strawberry.enum(InvestmentKind, description="An existing investment's kind (R-INV-5).")


@strawberry.type(
    description="An investment the client already holds, kept where prudent (R-INV-5)."
)
class ExistingInvestment:
    @classmethod
    def from_row(cls, row: models.ExistingInvestment) -> ExistingInvestment:
        return from_source(
            cls,
            row,
            units=decimal_text(row.units) if row.units is not None else None,
            revises_id=node_id_or_none("ExistingInvestment", row.revises_id),
        )

    id: strawberry.ID
    client_id: strawberry.ID
    kind: InvestmentKind
    holder: str = strawberry.field(description="Who holds it, or where.")
    units: str | None = strawberry.field(description="Units held, as a decimal string.")
    valuation: Money | None
    valued_on: date | None
    documents_held_at: str = strawberry.field(
        description="Where its documents are kept in safe keeping (R-INV-5)."
    )
    note: str | None
    revises_id: strawberry.ID | None = strawberry.field(
        description="The record this one revalues or revises."
    )
    recorded_by: str
    recorded_at: datetime


@strawberry.input(description="An investment the client holds (R-INV-5).")
class ExistingInvestmentInput:
    client_id: strawberry.ID
    kind: InvestmentKind
    holder: str = strawberry.field(description="Who holds it, or where.")
    documents_held_at: str = strawberry.field(description="Where its documents are kept safe.")
    units: str | None = strawberry.field(default=None, description="A decimal string.")
    valuation: Money | None = None
    valued_on: date | None = None
    note: str | None = None
    revises_id: strawberry.ID | None = strawberry.field(
        default=None, description="The record this revalues (a new row; the old is kept)."
    )

    def to_new(self) -> service.NewInvestment:
        """The record for the service: every field as given, the ids decoded."""
        ids = {
            "client_id": decode_uuid("Client", self.client_id),
            "revises_id": (
                decode_uuid("ExistingInvestment", self.revises_id) if self.revises_id else None
            ),
        }
        return service.NewInvestment(**vars(self) | ids)


@strawberry.type
class ExistingInvestmentPayload:
    investment: ExistingInvestment


ExistingInvestmentResult = Annotated[
    ExistingInvestmentPayload | ValidationProblem | NotFoundProblem | InvalidStateProblem,
    strawberry.union("ExistingInvestmentResult"),
]


@strawberry.type
class InvestmentQuery:
    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="A client's existing investments (R-INV-5): the latest record of each, or "
        "with includeRevised every record kept.",
    )
    async def investments(
        self, info: Info[Context, None], client_id: strawberry.ID, include_revised: bool = False
    ) -> list[ExistingInvestment]:
        ctx = info.context
        cid = decode_uuid("Client", client_id)
        await readable_client(ctx, cid, client_id)
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
        self, info: Info[Context, None], input: ExistingInvestmentInput
    ) -> ExistingInvestmentResult:
        ctx = info.context
        row = await service.record_investment(ctx.session, ctx.actor, input.to_new())
        return ExistingInvestmentPayload(investment=ExistingInvestment.from_row(row))


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
