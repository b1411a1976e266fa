"""GraphQL inputs of lodgements (the schema's own file is ``lodgements/schema.py``): what a
caller sends, described in the council's words. Each mutation takes one ``input`` (issue 11
item 4)."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common import decision_inputs
from ca_api.common.arguments import idempotency_key_field
from ca_api.common.scalars import Money
from ca_api.common.types import own_fields
from ca_api.lodgements import service


@strawberry.input(description="A proposal to lodge surplus with the Court Funds Office.")
class LodgementProposalInput:
    client_id: strawberry.ID = strawberry.field(
        description="The client: a deputy (or deputy and appointee) client only."
    )
    amount: Money = strawberry.field(
        description="The money to lodge: no more than what is left of the surplus (R-INV-2)."
    )
    best_interests_reason: str = strawberry.field(
        description="Why lodging is in the client's best interests (R-DEC-1)."
    )
    consulted: str = decision_inputs.consulted_field("Who was consulted (R-DEC-1).")
    client_involved: bool = decision_inputs.client_involved_field()
    why_client_not_involved: str | None = decision_inputs.why_client_not_involved_field(
        "Why not, when the client did not take part (R-DEC-1)."
    )
    notes: str | None = strawberry.field(default=None, description="Anything else to record.")

    def to_proposal(self) -> service.Proposal:
        """The proposal for the service: every field of the proposal as given (not the
        request's idempotency key a subclass adds), the client's id decoded."""
        ids = {"client_id": "Client"}
        return service.Proposal(**own_fields(self, LodgementProposalInput, ids=ids))


@strawberry.input(
    description="A proposal to lodge surplus with the Court Funds Office, and the request's "
    "idempotency key."
)
class ProposeLodgementInput(LodgementProposalInput):
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The approved lodgement to lodge, and the request's idempotency key.")
class LodgeInput:
    lodgement_id: strawberry.ID = strawberry.field(description="The approved lodgement.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="Money to bring back from a client's Court Funds account (R-INV-6), and the "
    "request's idempotency key."
)
class WithdrawFromCourtFundsInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    amount: Money = strawberry.field(description="The money to bring back: at most the balance.")
    reason: str = strawberry.field(description="What the client needs it for (R-INV-6).")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="The period to credit Court Funds interest for (R-DATA), and the request's "
    "idempotency key."
)
class PostCourtFundsInterestInput:
    period_start: date = strawberry.field(description="The first day of the period.")
    period_end: date = strawberry.field(description="The last day of the period (inclusive).")
    idempotency_key: str = idempotency_key_field()
