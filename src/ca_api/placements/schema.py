"""GraphQL for placements with approved institutions (R-INV-4, R-INV-6): thin. Parse, call the
service, map the result."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import INVESTMENT_EXECUTE, INVESTMENT_PROPOSE, INVESTMENT_READ, allow
from ca_api.clients.schema import readable_client
from ca_api.common.ids import decode_uuid, node_id, node_id_or_none
from ca_api.common.node import NodeType
from ca_api.common.pagination import Connection, PageRequest, paginate
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InsufficientFundsProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    SurplusRuleProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money, Percent, money_or_none
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.decisions.schema import DecisionStatus
from ca_api.placements import rules, service
from ca_api.placements.rules import PlacementEventKind

PlacementStatus = rules.PlacementStatus
strawberry.enum(
    PlacementStatus,
    description="PROPOSED (its INVESTMENT_PLAN decision awaits approval) -> APPROVED -> PLACED "
    "-> MATURED | WITHDRAWN; REFUSED when its decision was refused or superseded.",
)


@strawberry.type(description="Money placed with an approved institution (R-INV-4, R-INV-6).")
class Placement:
    view: strawberry.Private[service.PlacementView]

    @classmethod
    def from_view(cls, view: service.PlacementView) -> Placement:
        p = view.placement
        return from_source(
            cls,
            p,
            view=view,
            institution_id=node_id("ApprovedInstitution", p.institution_id),
            product_id=node_id("InstitutionProduct", p.product_id),
            rate=p.rate_percent,
            status=view.status,
            decision_id=node_id("Decision", p.decision_id),
            decision_status=view.decision_status,
            protection_limit_effective_from=p.protection_limit_from,
        )

    id: strawberry.ID
    client_id: strawberry.ID
    institution_id: strawberry.ID
    product_id: strawberry.ID
    amount: Money
    start_date: date
    maturity_date: date
    rate: Percent = strawberry.field(
        description="The product's rate when proposed, percent a year."
    )
    status: PlacementStatus
    decision_id: strawberry.ID = strawberry.field(
        description="Its INVESTMENT_PLAN decision (approveDecision approves it)."
    )
    decision_status: DecisionStatus
    protection_limit: Money = strawberry.field(
        description="The deposit protection limit in force on the start date."
    )
    protection_limit_effective_from: date
    proposed_by: str

    @strawberry.field(description="Its own CLIENT_PLACEMENT ledger account, once placed.")
    def account_id(self) -> strawberry.ID | None:
        e = self.view.event(PlacementEventKind.PLACED)
        return node_id("LedgerAccount", e.account_id) if e else None

    @strawberry.field(description="The transfer from CMS, once placed.")
    def placed_transfer_id(self) -> strawberry.ID | None:
        e = self.view.event(PlacementEventKind.PLACED)
        return node_id("Transfer", e.principal_transfer_id) if e else None

    @strawberry.field(description="When the money came back (matured or withdrawn).")
    def returned_on(self) -> date | None:
        e = self.view.returned
        return e.on_date if e else None

    @strawberry.field(description="Interest credited on return.")
    def interest(self) -> Money | None:
        e = self.view.returned
        return money_or_none(e.interest) if e else None

    @strawberry.field
    def days_held(self) -> int | None:
        e = self.view.returned
        return e.days_held if e else None

    @strawberry.field
    def returned_transfer_id(self) -> strawberry.ID | None:
        e = self.view.returned
        return node_id("Transfer", e.principal_transfer_id) if e else None

    @strawberry.field
    def interest_transfer_id(self) -> strawberry.ID | None:
        e = self.view.returned
        return node_id_or_none("Transfer", e.interest_transfer_id) if e else None


@strawberry.input(description="A placement to propose (R-INV-4). Give termMonths or maturityDate.")
class PlacementInput:
    client_id: strawberry.ID
    product_id: strawberry.ID
    amount: Money
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
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None
    notes: str | None = None

    def to_new(self) -> service.NewPlacement:
        """The proposal for the service: every field as given, the ids decoded."""
        ids = {
            "client_id": decode_uuid("Client", self.client_id),
            "product_id": decode_uuid("InstitutionProduct", self.product_id),
        }
        return service.NewPlacement(**vars(self) | ids)


@strawberry.type
class PlacementPayload:
    placement: Placement
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")

    @classmethod
    def of(cls, view: service.PlacementView) -> PlacementPayload:
        return cls(placement=Placement.from_view(view), replayed=view.replayed)


PlacementResult = Annotated[
    PlacementPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | InsufficientFundsProblem
    | IdempotencyKeyReusedProblem
    | PolicyMissingProblem
    | SurplusRuleProblem,
    strawberry.union("PlacementResult"),
]


@strawberry.type
class PlacementQuery:
    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="A client's placements, latest start date first (R-INV-4).",
    )
    async def placements(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        status: PlacementStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Placement]:
        ctx = info.context

        async def fetch(
            key: tuple[date, uuid.UUID] | None, limit: int
        ) -> list[service.PlacementView]:
            cid = decode_uuid("Client", client_id)
            await readable_client(ctx, cid, client_id)
            views = await service.placements_of_client(ctx.session, cid, status)
            if key is not None:  # latest first: (start_date, id) descending
                views = [v for v in views if (v.placement.start_date, v.placement.id) < key]
            return views[:limit]

        return await paginate(
            first,
            after,
            default=25,
            maximum=ctx.settings.max_page_size,
            cursor=PageRequest.after_date_id,
            fetch=fetch,
            key=lambda v: [v.placement.start_date.isoformat(), str(v.placement.id)],
            node=Placement.from_view,
        )


@strawberry.type
class PlacementMutation:
    @strawberry.mutation(
        extensions=allow(INVESTMENT_PROPOSE),
        description="Propose placing a client's money with an approved institution (R-INV-4): "
        "approved on the start date, at most 12 months, within the product's limits and the "
        "deposit protection limit in force on the start date for the client with that "
        "institution. Placements are for surplus funds: the surplus rule it shares with "
        "lodgements applies (SurplusRuleProblem, R-INV-2; seed 002 B 7.9-7.10), judged again on "
        "approval and when made. Raises an INVESTMENT_PLAN decision for the governance manager; "
        "no money moves yet.",
    )
    async def place_funds(
        self, info: Info[Context, None], input: PlacementInput, idempotency_key: str
    ) -> PlacementResult:
        ctx = info.context
        view = await service.place_funds(
            ctx.session, ctx.actor, input.to_new(), idempotency_key=idempotency_key
        )
        return PlacementPayload.of(view)

    @strawberry.mutation(
        extensions=allow(INVESTMENT_EXECUTE),
        description="Carry out an approved placement: its own placement account, the amount "
        "moved from CMS on the start date, only if the surplus rule still allows it today "
        "(SurplusRuleProblem, R-INV-2). Short of funds, nothing moves.",
    )
    async def make_placement(
        self, info: Info[Context, None], placement_id: strawberry.ID, idempotency_key: str
    ) -> PlacementResult:
        ctx = info.context
        pid = decode_uuid("Placement", placement_id)
        view = await service.make_placement(
            ctx.session, ctx.actor, pid, idempotency_key=idempotency_key
        )
        return PlacementPayload.of(view)

    @strawberry.mutation(
        extensions=allow(INVESTMENT_EXECUTE),
        description="Bring a placement's money back to CMS (R-INV-6) with simple interest at its "
        "rate for the days held (days/365, half-up to the penny) from the institution. MATURED "
        "on or after the maturity date, WITHDRAWN before. Once.",
    )
    async def mature_or_withdraw_placement(
        self,
        info: Info[Context, None],
        placement_id: strawberry.ID,
        on_date: date,
        idempotency_key: str,
    ) -> PlacementResult:
        ctx = info.context
        pid = decode_uuid("Placement", placement_id)
        view = await service.mature_or_withdraw(
            ctx.session, ctx.actor, pid, on_date, idempotency_key=idempotency_key
        )
        return PlacementPayload.of(view)


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
