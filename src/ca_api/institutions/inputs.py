"""GraphQL inputs of the register of approved institutions (the schema's own file is
``institutions/schema.py``): what a caller sends, described in the council's words. Each
mutation takes one ``input`` (issue 11 item 4)."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.ids import decode_uuid
from ca_api.common.scalars import Money, Percent
from ca_api.institutions import service


@strawberry.input(description="An institution to put on the register of approved institutions.")
class AddApprovedInstitutionInput:
    name: str = strawberry.field(description="The institution's name, new to the register.")
    approved_on: date = strawberry.field(
        description="The day it was approved: today or in the past."
    )
    note: str | None = strawberry.field(default=None, description="Why it was approved.")


@strawberry.input(description="A product of an approved institution (R-INV-4).")
class InstitutionProductInput:
    institution_id: strawberry.ID = strawberry.field(
        description="The approved institution offering the product."
    )
    name: str = strawberry.field(description="The account type, e.g. Cash ISA.")
    rate: Percent = strawberry.field(
        description="A year's interest, in percent, from 0 to under 100."
    )
    notice: str = strawberry.field(description="Notice to withdraw, e.g. Instant, 90 days.")
    minimum: Money | None = strawberry.field(
        default=None, description="The least a placement may be; null: no minimum."
    )
    maximum: Money | None = strawberry.field(
        default=None, description="The most a placement may be; null: no limit."
    )
    effective_from: date = strawberry.field(description="Placements may start from this date.")

    def to_new(self) -> service.NewProduct:
        """The product for the service: every field as given, the institution's id decoded and
        the rate as text (the Percent scalar's Decimal; the service checks its range)."""
        institution_id = decode_uuid("ApprovedInstitution", self.institution_id)
        given = {"institution_id": institution_id, "rate": str(self.rate)}
        return service.NewProduct(**vars(self) | given)


@strawberry.input(description="A product of an approved institution to add (R-INV-4).")
class AddInstitutionProductInput(InstitutionProductInput):
    pass


@strawberry.input(description="A review of an institution on the register (seed 002 7.11).")
class ReviewInstitutionInput:
    institution_id: strawberry.ID = strawberry.field(description="The institution reviewed.")
    reviewed_on: date = strawberry.field(
        description="The day of the review: not in the future, not before it was approved."
    )
    still_approved: bool = strawberry.field(
        description="False: it takes no new placements from the review date (R-INV-4)."
    )
    note: str = strawberry.field(description="What the review found.")
