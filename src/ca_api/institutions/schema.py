"""GraphQL for the register of approved institutions (R-INV-4, seed 002 7.11): thin. Parse, call
the service, map the result."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import INSTITUTION_WRITE, INVESTMENT_READ, allow
from ca_api.common import loaders
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id
from ca_api.common.node import Node, NodeType, by_role
from ca_api.common.problems import NotFoundProblem, ValidationProblem
from ca_api.common.scalars import Money, Percent
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.errors import found
from ca_api.institutions import models, service
from ca_api.institutions.inputs import (
    AddApprovedInstitutionInput,
    AddInstitutionProductInput,
    ReviewInstitutionInput,
)
from ca_api.ledger import reads as ledger_reads
from ca_api.ledger.types import Counterparty

# --- per-request loaders (N+1 is a bug): also how placements reach an institution ----------


async def load_institution(ctx: Context, institution_id: uuid.UUID) -> ApprovedInstitution:
    """An institution on the register, through the request's one loader of institutions."""
    loader = loaders.one(ctx, "institutions.by_id", service.institutions_by_id)
    view = await loader.load(institution_id)
    return ApprovedInstitution.from_view(found(view, "approved institution", institution_id))


async def load_product(ctx: Context, product_id: uuid.UUID) -> InstitutionProduct:
    """A product of an approved institution, through the request's one loader of products."""
    row = await loaders.one(ctx, "institutions.products_by_id", service.products_by_id).load(
        product_id
    )
    return InstitutionProduct.from_row(found(row, "institution product", product_id))


# --- types --------------------------------------------------------------------------------


@strawberry.type(description="A product (account type) of an approved institution (R-INV-4).")
class InstitutionProduct(Node):
    row: strawberry.Private[models.InstitutionProduct]

    @classmethod
    def from_row(cls, row: models.InstitutionProduct) -> InstitutionProduct:
        institution_id = node_id("ApprovedInstitution", row.institution_id)
        return from_source(cls, row, row=row, institution_id=institution_id, rate=row.rate_percent)

    id: strawberry.ID = strawberry.field(
        description="The product's global id: a placement names it (placeFunds)."
    )
    institution_id: strawberry.ID = strawberry.field(
        description="The approved institution offering it (its institution)."
    )
    name: str = strawberry.field(description="The account type, e.g. Cash ISA.")
    rate: Percent = strawberry.field(description="A year's interest, in percent.")
    notice: str = strawberry.field(description="Notice to withdraw, e.g. Instant.")
    minimum: Money | None = strawberry.field(description="Null: no minimum.")
    maximum: Money | None = strawberry.field(description="Null: no limit.")
    effective_from: date = strawberry.field(
        description="Placements may start on or after this date."
    )

    @strawberry.field(description="The approved institution offering it (R-INV-4).")
    async def institution(self, info: Info[Context, None]) -> ApprovedInstitution:
        return await load_institution(info.context, self.row.institution_id)


@strawberry.type(description="A review of an institution's standing (seed 002 7.11).")
class InstitutionReview:
    @classmethod
    def from_row(cls, row: models.InstitutionReview) -> InstitutionReview:
        return from_source(cls, row)

    reviewed_on: date = strawberry.field(description="The day the institution was reviewed.")
    still_approved: bool = strawberry.field(
        description="False: no new placements from the review date (R-INV-4)."
    )
    note: str = strawberry.field(description="What the review found.")
    recorded_by: str = strawberry.field(description="The officer who recorded the review.")
    recorded_at: datetime = strawberry.field(description="When the review was recorded.")


@strawberry.type(description="An institution on the register of approved institutions (R-INV-4).")
class ApprovedInstitution(Node):
    view: strawberry.Private[service.InstitutionView]

    @classmethod
    def from_view(cls, view: service.InstitutionView) -> ApprovedInstitution:
        counterparty_id = node_id("Counterparty", view.institution.counterparty_id)
        return from_source(cls, view.institution, view=view, counterparty_id=counterparty_id)

    id: strawberry.ID = strawberry.field(description="The institution's global id.")
    name: str = strawberry.field(description="Its name, unique on the register.")
    approved_on: date = strawberry.field(
        description="The day it was put on the register; placements may start from then (R-INV-4)."
    )
    note: str | None = strawberry.field(description="Why it was approved, if recorded.")
    counterparty_id: strawberry.ID = strawberry.field(
        description="Its ledger counterparty (kind INSTITUTION): interest comes from it."
    )

    @strawberry.field(
        description="Its ledger counterparty (kind INSTITUTION): a placement's interest comes "
        "from it (R-INV-6)."
    )
    async def counterparty(self, info: Info[Context, None]) -> Counterparty:
        loader = loaders.one(
            info.context, "ledger.counterparties_by_id", ledger_reads.counterparties_by_id
        )
        row = await loader.load(self.view.institution.counterparty_id)
        return Counterparty.from_row(
            found(row, "counterparty", self.view.institution.counterparty_id)
        )

    @strawberry.field(description="Whether it is approved on a date (default today).")
    def approved(
        self,
        on: Annotated[
            date | None, strawberry.argument(description="The day asked about; default today.")
        ] = None,
    ) -> bool:
        return self.view.approved_on(on or clock.today())

    @strawberry.field(
        description="Its products (account types), by name then the date each is offered from."
    )
    def products(self) -> list[InstitutionProduct]:
        return [InstitutionProduct.from_row(p) for p in self.view.products]

    @strawberry.field(description="Its latest review of standing (seed 002 7.11), if any.")
    def latest_review(self) -> InstitutionReview | None:
        r = self.view.latest_review
        return InstitutionReview.from_row(r) if r is not None else None

    @strawberry.field(description="Every review, oldest first.")
    def reviews(self) -> list[InstitutionReview]:
        return [InstitutionReview.from_row(r) for r in self.view.reviews]


@strawberry.type(description="An institution on the register, as the change left it.")
class ApprovedInstitutionPayload:
    institution: ApprovedInstitution = strawberry.field(
        description="The institution, with its products and reviews."
    )

    @classmethod
    def of(cls, view: service.InstitutionView) -> ApprovedInstitutionPayload:
        return cls(institution=ApprovedInstitution.from_view(view))


@strawberry.type(description="A product added to an approved institution.")
class InstitutionProductPayload:
    product: InstitutionProduct = strawberry.field(description="The product as recorded.")


InstitutionResult = Annotated[
    ApprovedInstitutionPayload | ValidationProblem | NotFoundProblem,
    strawberry.union(
        "ApprovedInstitutionResult",
        description="The institution as changed, or why the register was not changed.",
    ),
]
InstitutionProductResult = Annotated[
    InstitutionProductPayload | ValidationProblem | NotFoundProblem,
    strawberry.union(
        "InstitutionProductResult",
        description="The product as added, or why it was not.",
    ),
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
        self,
        info: Info[Context, None],
        input: Annotated[
            AddApprovedInstitutionInput,
            strawberry.argument(description="The institution, when and why it was approved."),
        ],
    ) -> InstitutionResult:
        view = await as_caller(
            info,
            service.add_institution,
            name=input.name,
            approved_on=input.approved_on,
            note=input.note,
        )
        return ApprovedInstitutionPayload.of(view)

    @strawberry.mutation(
        extensions=allow(INSTITUTION_WRITE),
        description="Add a product (account type, rate, notice, limits) of an approved "
        "institution (R-INV-4). A new rate is a new product.",
    )
    async def add_institution_product(
        self,
        info: Info[Context, None],
        input: Annotated[
            AddInstitutionProductInput, strawberry.argument(description="The product to add.")
        ],
    ) -> InstitutionProductResult:
        row = await as_caller(info, service.add_product, input.to_new())
        return InstitutionProductPayload(product=InstitutionProduct.from_row(row))

    @strawberry.mutation(
        extensions=allow(INSTITUTION_WRITE),
        description="Record a review of an institution (seed 002 7.11). One no longer approved "
        "takes no new placements (R-INV-4).",
    )
    async def review_institution(
        self,
        info: Info[Context, None],
        input: Annotated[
            ReviewInstitutionInput,
            strawberry.argument(description="The institution reviewed, when, and what was found."),
        ],
    ) -> InstitutionResult:
        view = await as_caller(
            info,
            service.review_institution,
            decode_uuid("ApprovedInstitution", input.institution_id),
            reviewed_on=input.reviewed_on,
            still_approved=input.still_approved,
            note=input.note,
        )
        return ApprovedInstitutionPayload.of(view)


# The types node(id:) fetches (common.node): neither has a lookup of its own, so each has the
# roles of the register's list (approvedInstitutions), through which both are read.
NODES = (
    NodeType(
        "ApprovedInstitution",
        INVESTMENT_READ,
        by_role(service.institutions_by_id, ApprovedInstitution.from_view),
    ),
    NodeType(
        "InstitutionProduct",
        INVESTMENT_READ,
        by_role(service.products_by_id, InstitutionProduct.from_row),
    ),
)
