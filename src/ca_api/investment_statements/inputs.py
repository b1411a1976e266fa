"""GraphQL inputs of investment statements (the schema's own file is
``investment_statements/schema.py``): what a caller sends, described in the council's words.
Each mutation takes one ``input`` (issue 11 item 4)."""

from __future__ import annotations

import strawberry

from ca_api.common import decision_inputs
from ca_api.common.arguments import idempotency_key_field
from ca_api.common.scalars import Money
from ca_api.common.types import own_fields
from ca_api.investment_statements import service


@strawberry.input(description="An investment statement on a deputy order (R-INV-3).")
class InvestmentStatementInput:
    client_id: strawberry.ID = strawberry.field(description="The deputy client.")
    deputyship_id: strawberry.ID = strawberry.field(
        description="The client's deputy order it is on (R-INV-3)."
    )
    summary: str = strawberry.field(
        description="Why the plan is in the client's best interests (R-DEC-1)."
    )
    investments_summary: str = strawberry.field(
        description="The client's investments as reviewed, and what is to become of each "
        "(R-INV-3, R-INV-5)."
    )
    surplus: Money = strawberry.field(description="Available for investment over 12 months' needs.")
    consulted: str = decision_inputs.consulted_field()
    client_involved: bool = decision_inputs.client_involved_field()
    why_client_not_involved: str | None = decision_inputs.why_client_not_involved_field()

    def to_new(self) -> service.NewStatement:
        """The statement for the service: every field of the statement as given (not the
        request's idempotency key a subclass adds), the ids decoded."""
        ids = {"client_id": "Client", "deputyship_id": "Deputyship"}
        return service.NewStatement(**own_fields(self, InvestmentStatementInput, ids=ids))


@strawberry.input(
    description="An investment statement on a deputy order (R-INV-3), and the request's "
    "idempotency key."
)
class RecordInvestmentStatementInput(InvestmentStatementInput):
    idempotency_key: str = idempotency_key_field()
