"""GraphQL types for asset declarations and threshold flags (R-INV-1, R-INV-2), and the page of
a list of clients on a date. The root fields are ``planning.schema``'s."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Protocol, TypeVar

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.clients.schema import LegalRole
from ca_api.common.ids import node_id_or_none
from ca_api.common.node import Node
from ca_api.common.pagination import Connection, Page
from ca_api.common.problems import NotFoundProblem, ValidationProblem
from ca_api.common.scalars import Money
from ca_api.common.types import from_source, graphql_enum
from ca_api.context import Context
from ca_api.planning import rules, thresholds
from ca_api.planning.models import ClientAssetDeclaration as DeclarationRow
from ca_api.planning.plan_types import BudgetPlan, plan_of

ThresholdFlagKind = rules.FlagKind
ThresholdFlagReason = rules.FlagReason
graphql_enum(
    ThresholdFlagKind,
    "DEPUTYSHIP_APPLICATION (R-INV-1) or LODGEMENT with the Court Funds Office (R-INV-2).",
    {
        "DEPUTYSHIP_APPLICATION": "An appointee-only client to apply to the Court of "
        "Protection for a deputyship for (R-INV-1).",
        "LODGEMENT": "A deputy client whose surplus is to be lodged with the Court Funds Office "
        "or placed with an approved institution (R-INV-2).",
    },
    name="ThresholdFlagKind",
)
graphql_enum(
    ThresholdFlagReason,
    "Why a client is flagged (R-INV-1, R-INV-2).",
    {
        "ASSETS_ABOVE_NEEDS": "Appointee: assets reach the threshold above twelve months' "
        "needs, per the budget plan (R-INV-1).",
        "HOLDS_CAPITAL": "Appointee: found to hold capital (R-INV-1).",
        "HOLDS_PROPERTY": "Appointee: found to own property (R-INV-1).",
        "HOLDS_PRIVATE_PENSION": "Appointee: found to have a private pension (R-INV-1).",
        "SURPLUS_AT_OR_ABOVE_THRESHOLD": "Deputy: the plan's surplus is at or above the "
        "lodgement threshold (R-INV-2).",
    },
    name="ThresholdFlagReason",
)


class _ByReference(Protocol):
    @property
    def reference(self) -> str: ...


R = TypeVar("R", bound=_ByReference)
T = TypeVar("T")


@strawberry.type(description="What a client was found to hold (R-INV-1).")
class ClientAssetDeclaration(Node):
    @classmethod
    def from_row(cls, row: DeclarationRow) -> ClientAssetDeclaration:
        return from_source(cls, row)

    id: strawberry.ID = strawberry.field(description="The declaration's global id.")
    client_id: strawberry.ID = strawberry.field(description="The id of the client it is about.")
    declared_on: date = strawberry.field(
        description="The day it was found; the latest declaration on or before a date stands."
    )
    capital: bool = strawberry.field(description="The client holds capital.")
    property: bool = strawberry.field(description="The client owns property.")
    private_pension: bool = strawberry.field(description="The client has a private pension.")
    note: str = strawberry.field(description="What was found, and where (the evidence).")
    recorded_by: str = strawberry.field(description="Who recorded the declaration.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")


async def _flag_plan(self: ThresholdFlag, info: Info[Context, None]) -> BudgetPlan | None:
    return await plan_of(info.context, self.flag.plan.id if self.flag.plan else None)


@strawberry.type(description="A client flagged by a threshold on a date (R-INV-1, R-INV-2).")
class ThresholdFlag:
    flag: strawberry.Private[thresholds.ThresholdFlag]

    @classmethod
    def from_flag(cls, flag: thresholds.ThresholdFlag) -> ThresholdFlag:
        plan, declaration = flag.plan, flag.declaration
        return from_source(
            cls,
            flag,
            flag=flag,
            client_reference=flag.reference,
            client_name=f"{flag.given_name} {flag.family_name}",
            threshold_name=flag.threshold.name,
            threshold=Money(flag.threshold.amount),
            threshold_effective_from=flag.threshold.effective_from,
            plan_id=node_id_or_none("BudgetPlan", plan.id if plan is not None else None),
            plan_year_start=plan.plan_year_start if plan is not None else None,
            declaration=ClientAssetDeclaration.from_row(declaration) if declaration else None,
        )

    client_id: strawberry.ID = strawberry.field(description="The client's id.")
    client_reference: str = strawberry.field(description="The client's case reference.")
    client_name: str = strawberry.field(description="The client's given and family name.")
    legal_role: LegalRole = strawberry.field(description="The council's legal role on the date.")
    kind: ThresholdFlagKind = strawberry.field(description="What the flag calls for.")
    reasons: list[ThresholdFlagReason] = strawberry.field(
        description="Why the client is flagged: one reason or more."
    )
    threshold_name: str = strawberry.field(description="The policy figure applied.")
    threshold: Money = strawberry.field(description="The threshold in force on the date.")
    threshold_effective_from: date = strawberry.field(
        description="The day the threshold applied came into force (R-DATA)."
    )
    assets: Money | None = strawberry.field(
        description="Appointee: the posted balances of all the client's accounts."
    )
    twelve_months_needs: Money | None = strawberry.field(
        description="Appointee: the plan's annual expenditure."
    )
    assets_above_needs: Money | None = strawberry.field(
        description="Appointee: assets less twelve months' needs (R-INV-1)."
    )
    surplus: Money | None = strawberry.field(description="The plan's surplus (R-BUD-3).")
    plan_id: strawberry.ID | None = strawberry.field(
        description="The plan in force on the date, if any."
    )
    plan: BudgetPlan | None = strawberry.field(
        resolver=_flag_plan, description="The plan in force on the date, if any."
    )
    plan_year_start: date | None = strawberry.field(
        description="The first day of the plan in force's year; null without a plan."
    )
    plan_review_due_on: date | None = strawberry.field(
        description="When the plan is due for its yearly review (R-CARE-2)."
    )

    plan_stale: bool = strawberry.field(
        description="The flag rests on a stale plan: on the date, the plan is past its yearly "
        "review (R-CARE-2). Nothing is lodged or placed on a stale plan's surplus until it is "
        "reviewed. False when there is no plan."
    )
    declaration: ClientAssetDeclaration | None = strawberry.field(
        description="Appointee: the declaration in force on the date, if any."
    )


@strawberry.type(description="The asset declaration recorded.")
class ClientAssetDeclarationPayload:
    declaration: ClientAssetDeclaration = strawberry.field(
        description="The declaration as recorded."
    )


DeclareClientAssetsResult = Annotated[
    ClientAssetDeclarationPayload | ValidationProblem | NotFoundProblem,
    strawberry.union(
        "DeclareClientAssetsResult",
        description="The declaration, or why it was not recorded.",
    ),
]


async def clients_page(
    info: Info[Context, None],
    on: date | None,
    page: Page,
    listing: Callable[..., Awaitable[Sequence[R]]],
    node: Callable[[R], T],
) -> Connection[T]:
    """A page (``Paged(50)``) of a list of clients on a date (default today) in reference
    order, as ``thresholds.threshold_flags`` and ``plan_reviews.plan_reviews`` make it."""
    ctx = info.context
    return await page.connection(
        cursor=lambda req: req.one(str),
        fetch=lambda seek: listing(ctx.session, ctx.principal, on or clock.today(), seek=seek),
        key=lambda r: [r.reference],
        node=node,
    )
