"""GraphQL inputs of fees (the schema's own file is ``fees/schema.py``): what a caller sends,
described in the council's words."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field


@strawberry.input(
    description="The period whose fees to charge (R-FEE-1 to R-FEE-4), and the request's "
    "idempotency key."
)
class RunFeesInput:
    period_start: date = strawberry.field(
        description="The first day: fees falling due from it are charged."
    )
    period_end: date = strawberry.field(description="Inclusive.")
    idempotency_key: str = idempotency_key_field()
