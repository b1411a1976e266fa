"""GraphQL enums and inputs of existing investments (the schema's own file is
``investments/schema.py``): what a caller sends (the enum here, before the input that takes
it, so that strawberry meets it described), described in the council's words. Each
mutation takes one ``input`` (issue 11 item 4)."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.ids import decode_uuid
from ca_api.common.scalars import Money
from ca_api.common.types import describe_enum
from ca_api.investments import rules, service

InvestmentKind = rules.InvestmentKind
strawberry.enum(
    InvestmentKind,
    description="An existing investment's kind (R-INV-5).",
)
describe_enum(
    InvestmentKind,
    {
        InvestmentKind.SHARES: "Shares in a company.",
        InvestmentKind.BONDS: "Bonds: premium bonds, government or corporate bonds.",
        InvestmentKind.ISA: "An individual savings account.",
        InvestmentKind.OTHER: "Any other investment: the note says what.",
    },
)


@strawberry.input(description="An investment the client holds (R-INV-5).")
class ExistingInvestmentInput:
    client_id: strawberry.ID = strawberry.field(description="The client who holds it.")
    kind: InvestmentKind = strawberry.field(description="What kind of investment it is.")
    holder: str = strawberry.field(description="Who holds it, or where.")
    documents_held_at: str = strawberry.field(description="Where its documents are kept safe.")
    units: str | None = strawberry.field(default=None, description="A decimal string.")
    valuation: Money | None = strawberry.field(
        default=None, description="What it is worth; given with valuedOn, or neither."
    )
    valued_on: date | None = strawberry.field(
        default=None, description="The day it was valued: not in the future."
    )
    note: str | None = strawberry.field(
        default=None, description="Why it is kept (prudent to keep, R-INV-5), or anything else."
    )
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


@strawberry.input(description="An investment the client holds, to record (R-INV-5).")
class RecordExistingInvestmentInput(ExistingInvestmentInput):
    pass
