"""GraphQL for placements with approved institutions (R-INV-4, R-INV-6): thin. Parse, call the
service, map the result."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import INVESTMENT_EXECUTE, INVESTMENT_PROPOSE, INVESTMENT_READ, allow
from ca_api.clients.schema import Client, client_of, readable_client_id
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id, node_id_or_none
from ca_api.common.keyset import Seek, seek_rows
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
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
from ca_api.common.types import describe_enum, from_source
from ca_api.context import Context
from ca_api.decisions.schema import Decision, DecisionStatus, decision_of
from ca_api.institutions.schema import (
    ApprovedInstitution,
    InstitutionProduct,
    load_institution,
    load_product,
)
from ca_api.ledger.types import LedgerAccount, Transfer, load_client_account, load_transfer
from ca_api.placements import rules, service
from ca_api.placements.inputs import (
    MakePlacementInput,
    MatureOrWithdrawPlacementInput,
    PlaceFundsInput,
)
from ca_api.placements.rules import PlacementEventKind

PlacementStatus = rules.PlacementStatus
strawberry.enum(
    PlacementStatus,
    description="PROPOSED (its INVESTMENT_PLAN decision awaits approval) -> APPROVED -> PLACED "
    "-> MATURED | WITHDRAWN; REFUSED when its decision was refused or superseded.",
)
describe_enum(
    PlacementStatus,
    {
        PlacementStatus.PROPOSED: (
            "Proposed: its INVESTMENT_PLAN decision awaits the governance manager's approval "
            "(R-DEC); no money has moved."
        ),
        PlacementStatus.APPROVED: (
            "Its decision is approved; the money has not moved yet (makePlacement)."
        ),
        PlacementStatus.REFUSED: "Its decision was refused or superseded: it is never placed.",
        PlacementStatus.PLACED: (
            "The money is with the institution, in the placement's own account."
        ),
        PlacementStatus.MATURED: (
            "The money came back to CMS on or after the maturity date, with interest."
        ),
        PlacementStatus.WITHDRAWN: (
            "The money came back to CMS before the maturity date (R-INV-6)."
        ),
    },
)


@strawberry.type(description="Money placed with an approved institution (R-INV-4, R-INV-6).")
class Placement(Node):
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

    id: strawberry.ID = strawberry.field(description="The placement's global id.")
    client_id: strawberry.ID = strawberry.field(description="The client whose money it is.")
    institution_id: strawberry.ID = strawberry.field(
        description="The approved institution the money is placed with (its institution)."
    )
    product_id: strawberry.ID = strawberry.field(
        description="The institution's product it is placed in (its product)."
    )
    amount: Money = strawberry.field(
        description="The money placed: within the product's limits and, with the client's other "
        "open placements with the institution, the deposit protection limit (R-INV-4)."
    )
    start_date: date = strawberry.field(
        description="The day the money is placed: the value date of the transfer from CMS."
    )
    maturity_date: date = strawberry.field(
        description="The day it matures: at most 12 months after the start date (R-INV-4)."
    )
    rate: Percent = strawberry.field(
        description="The product's rate when proposed, percent a year."
    )
    status: PlacementStatus = strawberry.field(
        description="Where it stands, from its decision's and its own events."
    )
    decision_id: strawberry.ID = strawberry.field(
        description="Its INVESTMENT_PLAN decision (approveDecision approves it)."
    )
    decision_status: DecisionStatus = strawberry.field(
        description="Where its INVESTMENT_PLAN decision stands (R-DEC)."
    )
    protection_limit: Money = strawberry.field(
        description="The deposit protection limit in force on the start date."
    )
    protection_limit_effective_from: date = strawberry.field(
        description="The day the protection limit it was judged under came into force."
    )
    proposed_by: str = strawberry.field(description="The officer who proposed it.")

    @strawberry.field(description="The client whose money it is.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.view.placement.client_id)

    @strawberry.field(description="The approved institution the money is placed with (R-INV-4).")
    async def institution(self, info: Info[Context, None]) -> ApprovedInstitution:
        return await load_institution(info.context, self.view.placement.institution_id)

    @strawberry.field(description="The institution's product it is placed in, at its rate.")
    async def product(self, info: Info[Context, None]) -> InstitutionProduct:
        return await load_product(info.context, self.view.placement.product_id)

    @strawberry.field(
        description="Its INVESTMENT_PLAN decision, which the governance manager approves (R-DEC)."
    )
    async def decision(self, info: Info[Context, None]) -> Decision:
        return await decision_of(info.context, self.view.placement.decision_id)

    @strawberry.field(description="Its own CLIENT_PLACEMENT ledger account, once placed.")
    def account_id(self) -> strawberry.ID | None:
        e = self.view.event(PlacementEventKind.PLACED)
        return node_id("LedgerAccount", e.account_id) if e else None

    @strawberry.field(description="The transfer from CMS, once placed.")
    def placed_transfer_id(self) -> strawberry.ID | None:
        e = self.view.event(PlacementEventKind.PLACED)
        return node_id("Transfer", e.principal_transfer_id) if e else None

    @strawberry.field(
        description="Its own CLIENT_PLACEMENT ledger account, holding the money while placed; "
        "null until placed."
    )
    async def account(self, info: Info[Context, None]) -> LedgerAccount | None:
        e = self.view.event(PlacementEventKind.PLACED)
        return await load_client_account(info.context, e.account_id) if e else None

    @strawberry.field(description="The transfer of the money from CMS; null until placed.")
    async def placed_transfer(self, info: Info[Context, None]) -> Transfer | None:
        e = self.view.event(PlacementEventKind.PLACED)
        return await load_transfer(info.context, e.principal_transfer_id) if e else None

    @strawberry.field(description="The transfer of the money back to CMS; null until back.")
    async def returned_transfer(self, info: Info[Context, None]) -> Transfer | None:
        e = self.view.returned
        return await load_transfer(info.context, e.principal_transfer_id) if e else None

    @strawberry.field(
        description="The transfer of the interest from the institution to CMS (R-INV-6); null "
        "until back, or if no interest was due."
    )
    async def interest_transfer(self, info: Info[Context, None]) -> Transfer | None:
        e = self.view.returned
        if e is None or e.interest_transfer_id is None:
            return None
        return await load_transfer(info.context, e.interest_transfer_id)

    @strawberry.field(description="When the money came back (matured or withdrawn).")
    def returned_on(self) -> date | None:
        e = self.view.returned
        return e.on_date if e else None

    @strawberry.field(description="Interest credited on return.")
    def interest(self) -> Money | None:
        e = self.view.returned
        return money_or_none(e.interest) if e else None

    @strawberry.field(
        description="Days from the start date to the return, once back: the days interest is "
        "paid for (R-INV-6)."
    )
    def days_held(self) -> int | None:
        e = self.view.returned
        return e.days_held if e else None

    @strawberry.field(description="The transfer of the money back to CMS, once back.")
    def returned_transfer_id(self) -> strawberry.ID | None:
        e = self.view.returned
        return node_id("Transfer", e.principal_transfer_id) if e else None

    @strawberry.field(
        description="The transfer of the interest from the institution to CMS, once back; "
        "null if no interest was due."
    )
    def interest_transfer_id(self) -> strawberry.ID | None:
        e = self.view.returned
        return node_id_or_none("Transfer", e.interest_transfer_id) if e else None


@strawberry.type(description="A placement, as the change left it.")
class PlacementPayload:
    placement: Placement = strawberry.field(description="The placement as it now stands.")
    replayed: bool = replayed_field()

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
    strawberry.union(
        "PlacementResult",
        description="The placement as changed, or why nothing was done (no money moved).",
    ),
]


@strawberry.type
class PlacementQuery:
    @strawberry.field(
        extensions=[
            Paged(
                25,
                first="At most this many (default 25, capped).",
                after="The cursor of the last placement already seen.",
            ),
            *allow(INVESTMENT_READ),
        ],
        description="A client's placements, latest start date first (R-INV-4).",
    )
    async def placements(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[
            strawberry.ID, strawberry.argument(description="The client whose placements.")
        ],
        status: Annotated[
            PlacementStatus | None,
            strawberry.argument(description="Only placements in this status; null: every one."),
        ] = None,
    ) -> Connection[Placement]:
        ctx = info.context

        async def fetch(seek: Seek[tuple[date, uuid.UUID]]) -> list[service.PlacementView]:
            cid = await readable_client_id(ctx, client_id)
            views = await service.placements_of_client(ctx.session, cid, status)
            # latest first: (start_date, id) descending; a client has few placements
            return seek_rows(
                views, seek, key=lambda v: (v.placement.start_date, v.placement.id), descending=True
            )

        return await page.connection(
            cursor=PageRequest.date_id,
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
        self,
        info: Info[Context, None],
        input: Annotated[
            PlaceFundsInput,
            strawberry.argument(
                description="The placement proposed, and the request's idempotency key."
            ),
        ],
    ) -> PlacementResult:
        view = await as_caller(
            info, service.place_funds, input.to_new(), idempotency_key=input.idempotency_key
        )
        return PlacementPayload.of(view)

    @strawberry.mutation(
        extensions=allow(INVESTMENT_EXECUTE),
        description="Carry out an approved placement: its own placement account, the amount "
        "moved from CMS on the start date, only if the surplus rule still allows it today "
        "(SurplusRuleProblem, R-INV-2). Short of funds, nothing moves.",
    )
    async def make_placement(
        self,
        info: Info[Context, None],
        input: Annotated[
            MakePlacementInput,
            strawberry.argument(
                description="The approved placement to make, and the request's idempotency key."
            ),
        ],
    ) -> PlacementResult:
        pid = decode_uuid("Placement", input.placement_id)
        view = await as_caller(
            info, service.make_placement, pid, idempotency_key=input.idempotency_key
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
        input: Annotated[
            MatureOrWithdrawPlacementInput,
            strawberry.argument(
                description="The placement to bring back, the day the money came back, and the "
                "request's idempotency key."
            ),
        ],
    ) -> PlacementResult:
        pid = decode_uuid("Placement", input.placement_id)
        view = await as_caller(
            info,
            service.mature_or_withdraw,
            pid,
            input.on_date,
            idempotency_key=input.idempotency_key,
        )
        return PlacementPayload.of(view)


# The types node(id:) fetches (common.node): a placement has no lookup of its own, so it has
# the roles of a client's list (placements), scoped to the clients the caller may read.
NODES = (
    NodeType("Placement", INVESTMENT_READ, in_scope(service.placements_by_id, Placement.from_view)),
)
