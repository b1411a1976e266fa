"""GraphQL inputs of placements (the schema's own file is ``placements/schema.py``): what a
caller sends, described in the council's words. Each mutation takes one ``input`` (issue 11
item 4)."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common import decision_inputs
from ca_api.common.arguments import idempotency_key_field
from ca_api.common.scalars import Money
from ca_api.common.types import own_fields
from ca_api.placements import service


@strawberry.input(description="A placement to propose (R-INV-4). Give termMonths or maturityDate.")
class PlacementInput:
    client_id: strawberry.ID = strawberry.field(
        description="The client whose money is placed: a deputy client only (R-INV-2)."
    )
    product_id: strawberry.ID = strawberry.field(
        description="The approved institution's product to place it in (R-INV-4)."
    )
    amount: Money = strawberry.field(
        description="The money to place: surplus funds only (R-INV-2), within the product's "
        "limits and the deposit protection limit with the institution (R-INV-4)."
    )
    start_date: date = strawberry.field(
        description="The day the money is placed: past (recording one made then) or future."
    )
    term_months: int | None = strawberry.field(default=None, description="At most 12 (policy).")
    maturity_date: date | None = strawberry.field(
        default=None, description="At most 12 calendar months after the start date (policy)."
    )
    best_interests_reason: str = strawberry.field(
        description="Why it is in the client's best interests (R-DEC-1)."
    )
    consulted: str = decision_inputs.consulted_field()
    client_involved: bool = decision_inputs.client_involved_field()
    why_client_not_involved: str | None = decision_inputs.why_client_not_involved_field()
    notes: str | None = strawberry.field(
        default=None, description="Anything else the decision should record."
    )

    def to_new(self) -> service.NewPlacement:
        """The proposal for the service: every field of the placement as given (not the
        request's idempotency key a subclass adds), the ids decoded."""
        ids = {"client_id": "Client", "product_id": "InstitutionProduct"}
        return service.NewPlacement(**own_fields(self, PlacementInput, ids=ids))


@strawberry.input(
    description="A placement to propose (R-INV-4), and the request's idempotency key. Give "
    "termMonths or maturityDate."
)
class PlaceFundsInput(PlacementInput):
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The approved placement to make, and the request's idempotency key.")
class MakePlacementInput:
    placement_id: strawberry.ID = strawberry.field(description="The approved placement to make.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="The placed placement to bring back (R-INV-6), the day its money came back, and "
    "the request's idempotency key."
)
class MatureOrWithdrawPlacementInput:
    placement_id: strawberry.ID = strawberry.field(
        description="The placed placement to bring back."
    )
    on_date: date = strawberry.field(
        description="The day the money came back: from the start date to today."
    )
    idempotency_key: str = idempotency_key_field()
