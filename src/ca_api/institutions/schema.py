"""GraphQL for the register of approved institutions (R-INV-4, seed 002 7.11): thin. Parse, call
the service, map the result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import INSTITUTION_WRITE, INVESTMENT_READ, allow
from ca_api.common.ids import decode_uuid, node_id
from ca_api.common.node import NodeType
from ca_api.common.problems import NotFoundProblem, ValidationProblem
from ca_api.common.scalars import Money, Percent
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.institutions import models, service


@strawberry.type(description="A product (account type) of an approved institution (R-INV-4).")
class InstitutionProduct:
    @classmethod
    def from_row(cls, row: models.InstitutionProduct) -> InstitutionProduct:
        institution_id = node_id("ApprovedInstitution", row.institution_id)
        return from_source(cls, row, institution_id=institution_id, rate=row.rate_percent)

    id: strawberry.ID
    institution_id: strawberry.ID
    name: str = strawberry.field(description="The account type, e.g. Cash ISA.")
    rate: Percent = strawberry.field(description="A year's interest, in percent.")
    notice: str = strawberry.field(description="Notice to withdraw, e.g. Instant.")
    minimum: Money | None = strawberry.field(description="Null: no minimum.")
    maximum: Money | None = strawberry.field(description="Null: no limit.")
    effective_from: date = strawberry.field(
        description="Placements may start on or after this date."
    )


@strawberry.type(description="A review of an institution's standing (seed 002 7.11).")
class InstitutionReview:
    @classmethod
    def from_row(cls, row: models.InstitutionReview) -> InstitutionReview:
        return from_source(cls, row)

    reviewed_on: date
    still_approved: bool = strawberry.field(
        description="False: no new placements from the review date (R-INV-4)."
    )
    note: str
    recorded_by: str
    recorded_at: datetime


@strawberry.type(description="An institution on the register of approved institutions (R-INV-4).")
class ApprovedInstitution:
    view: strawberry.Private[service.InstitutionView]

    @classmethod
    def from_view(cls, view: service.InstitutionView) -> ApprovedInstitution:
        counterparty_id = node_id("Counterparty", view.institution.counterparty_id)
        return from_source(cls, view.institution, view=view, counterparty_id=counterparty_id)

    id: strawberry.ID
    name: str
    approved_on: date
    note: str | None
    counterparty_id: strawberry.ID = strawberry.field(
        description="Its ledger counterparty (kind INSTITUTION): interest comes from it."
    )

    @strawberry.field(description="Whether it is approved on a date (default today).")
    def approved(self, on: date | None = None) -> bool:
        return self.view.approved_on(on or clock.today())

    @strawberry.field
    def products(self) -> list[InstitutionProduct]:
        return [InstitutionProduct.from_row(p) for p in self.view.products]

    @strawberry.field
    def latest_review(self) -> InstitutionReview | None:
        r = self.view.latest_review
        return InstitutionReview.from_row(r) if r is not None else None

    @strawberry.field(description="Every review, oldest first.")
    def reviews(self) -> list[InstitutionReview]:
        return [InstitutionReview.from_row(r) for r in self.view.reviews]


@strawberry.input(description="A product of an approved institution (R-INV-4).")
class InstitutionProductInput:
    institution_id: strawberry.ID
    name: str = strawberry.field(description="The account type, e.g. Cash ISA.")
    rate: Percent = strawberry.field(
        description="A year's interest, in percent, from 0 to under 100."
    )
    notice: str
    minimum: Money | None = None
    maximum: Money | None = None
    effective_from: date = strawberry.field(description="Placements may start from this date.")

    def to_new(self) -> service.NewProduct:
        """The product for the service: every field as given, the institution's id decoded and
        the rate as text (the Percent scalar's Decimal; the service checks its range)."""
        institution_id = decode_uuid("ApprovedInstitution", self.institution_id)
        given = {"institution_id": institution_id, "rate": str(self.rate)}
        return service.NewProduct(**vars(self) | given)


@strawberry.type
class ApprovedInstitutionPayload:
    institution: ApprovedInstitution

    @classmethod
    def of(cls, view: service.InstitutionView) -> ApprovedInstitutionPayload:
        return cls(institution=ApprovedInstitution.from_view(view))


@strawberry.type
class InstitutionProductPayload:
    product: InstitutionProduct


InstitutionResult = Annotated[
    ApprovedInstitutionPayload | ValidationProblem | NotFoundProblem,
    strawberry.union("ApprovedInstitutionResult"),
]
InstitutionProductResult = Annotated[
    InstitutionProductPayload | ValidationProblem | NotFoundProblem,
    strawberry.union("InstitutionProductResult"),
]


@strawberry.type
class InstitutionQuery:
    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="The register of approved institutions with products and latest review "
        "(R-INV-4), by name.",
    )
    async def approved_institutions(self, info: Info[Context, None]) -> list[ApprovedInstitution]:
        views = await service.list_institutions(info.context.session)
        return [ApprovedInstitution.from_view(v) for v in views]


@strawberry.type
class InstitutionMutation:
    @strawberry.mutation(
        extensions=allow(INSTITUTION_WRITE),
        description="Put an institution on the register of approved institutions (R-INV-4); it "
        "becomes a ledger counterparty of kind INSTITUTION.",
    )
    async def add_approved_institution(
        self, info: Info[Context, None], name: str, approved_on: date, note: str | None = None
    ) -> InstitutionResult:
        ctx = info.context
        view = await service.add_institution(
            ctx.session, ctx.actor, name=name, approved_on=approved_on, note=note
        )
        return ApprovedInstitutionPayload.of(view)

    @strawberry.mutation(
        extensions=allow(INSTITUTION_WRITE),
        description="Add a product (account type, rate, notice, limits) of an approved "
        "institution (R-INV-4). A new rate is a new product.",
    )
    async def add_institution_product(
        self, info: Info[Context, None], input: InstitutionProductInput
    ) -> InstitutionProductResult:
        ctx = info.context
        row = await service.add_product(ctx.session, ctx.actor, input.to_new())
        return InstitutionProductPayload(product=InstitutionProduct.from_row(row))

    @strawberry.mutation(
        extensions=allow(INSTITUTION_WRITE),
        description="Record a review of an institution (seed 002 7.11). One no longer approved "
        "takes no new placements (R-INV-4).",
    )
    async def review_institution(
        self,
        info: Info[Context, None],
        institution_id: strawberry.ID,
        reviewed_on: date,
        still_approved: bool,
        note: str,
    ) -> InstitutionResult:
        ctx = info.context
        view = await service.review_institution(
            ctx.session,
            ctx.actor,
            decode_uuid("ApprovedInstitution", institution_id),
            reviewed_on=reviewed_on,
            still_approved=still_approved,
            note=note,
        )
        return ApprovedInstitutionPayload.of(view)


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
