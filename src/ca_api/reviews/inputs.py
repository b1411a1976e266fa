"""GraphQL inputs of a client's annual review, contacts and changes of circumstances (the
schema's own file is ``reviews/schema.py``): what a caller sends, described in the council's
words. Each mutation takes one ``input``, its idempotency key last."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.reviews.types import CircumstanceKind, ContactKind, ReviewMethod

_CORRECTS = (
    "The record of this kind this one corrects (R-AUD-2): it must stand (not corrected "
    "already); null: a first record."
)
_REASON = "Why this corrects the record before it: required with corrects, else null."


@strawberry.input(description="A review of a client (R-CARE-1, seed 002 B 13.1-13.3), and the key.")
class RecordAnnualReviewInput:
    client_id: strawberry.ID = strawberry.field(description="The client reviewed (ACTIVE).")
    reviewed_on: date = strawberry.field(description="The day of the review: not in the future.")
    methods: list[ReviewMethod] = strawberry.field(
        description="How it was carried out: one or a combination (B 13.3)."
    )
    needs: str = strawberry.field(
        description="The client's needs: what would improve or enhance their life (B 13.3)."
    )
    finances: str = strawberry.field(
        description="The review of the client's finances and investments (B 13.2)."
    )
    client_involved: bool = strawberry.field(
        description="Whether the client was involved in the review (B 13.1)."
    )
    not_involved_reason: str | None = strawberry.field(
        default=None, description="Why not, when the client was not involved (then required)."
    )
    actions: str | None = strawberry.field(default=None, description="The actions arising.")
    corrects: strawberry.ID | None = strawberry.field(default=None, description=_CORRECTS)
    reason: str | None = strawberry.field(default=None, description=_REASON)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A contact with or about a client (seed 002 B 13.4), and the key.")
class RecordClientContactInput:
    client_id: strawberry.ID = strawberry.field(description="The client it concerns.")
    contacted_on: date = strawberry.field(description="The day of the contact: not in the future.")
    kind: ContactKind = strawberry.field(description="A visit, call, letter, meeting or e-mail.")
    with_whom: str = strawberry.field(description="With whom.")
    about: str = strawberry.field(description="What it was about.")
    corrects: strawberry.ID | None = strawberry.field(default=None, description=_CORRECTS)
    reason: str | None = strawberry.field(default=None, description=_REASON)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A change in a client's circumstances (seed 002 B 13.5, B 18.2), and the key."
)
class RecordCircumstanceChangeInput:
    client_id: strawberry.ID = strawberry.field(description="The client (ACTIVE, living).")
    occurred_on: date = strawberry.field(description="The day it happened: not in the future.")
    kind: CircumstanceKind = strawberry.field(description="What changed.")
    details: str = strawberry.field(description="What happened.")
    corrects: strawberry.ID | None = strawberry.field(default=None, description=_CORRECTS)
    reason: str | None = strawberry.field(default=None, description=_REASON)
    idempotency_key: str = idempotency_key_field()
