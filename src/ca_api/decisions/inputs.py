"""GraphQL inputs of the decisions' mutations (the schema's own file is
``decisions/schema.py``; what a decision records, ``DecisionInput``, is in ``decisions/types.py``):
what a caller sends, described in the council's words."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.decisions.types import DecisionInput

DECISION_ID = "The decision's id."
REASON = "Why, in plain words; kept for audit."


@strawberry.input(description="A decision to raise (R-DEC-1), and the request's idempotency key.")
class RaiseDecisionInput(DecisionInput):
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The decision to approve, and the request's idempotency key.")
class ApproveDecisionInput:
    id: strawberry.ID = strawberry.field(description=DECISION_ID)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The decision to refuse, why, and the request's idempotency key.")
class RefuseDecisionInput:
    id: strawberry.ID = strawberry.field(description=DECISION_ID)
    reason: str = strawberry.field(description=REASON)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="The decision to replace, the new decision (for the same client and of the "
    "same kind, R-AUD-2), why, and the request's idempotency key."
)
class SupersedeDecisionInput(DecisionInput):
    id: strawberry.ID = strawberry.field(description="The decision to replace.")
    reason: str = strawberry.field(description=REASON)
    idempotency_key: str = idempotency_key_field()


# Each mutation's one argument, described once.
RaiseDecisionArg = Annotated[
    RaiseDecisionInput,
    strawberry.argument(
        description="What the decision records (R-DEC-1), and the request's idempotency key."
    ),
]
ApproveDecisionArg = Annotated[
    ApproveDecisionInput,
    strawberry.argument(description="What to approve, and the request's idempotency key."),
]
RefuseDecisionArg = Annotated[
    RefuseDecisionInput,
    strawberry.argument(description="What to refuse, why, and the request's idempotency key."),
]
SupersedeDecisionArg = Annotated[
    SupersedeDecisionInput,
    strawberry.argument(
        description="The decision to replace, the new decision, why, and the request's "
        "idempotency key."
    ),
]
