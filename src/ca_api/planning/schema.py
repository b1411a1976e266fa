"""GraphQL for planning: thin. Parse, call the service, map the result.

Budget plans (R-BUD-1 to R-BUD-4, R-CARE-2) and their yearly review here; clients' asset
declarations and the threshold flags (R-INV-1, R-INV-2) read from effective-dated policy figures
(R-DATA) have their types in ``planning.threshold_schema`` and their root fields here.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import PLAN_READ, PLAN_WRITE, THRESHOLD_FLAGS_READ, allow
from ca_api.clients.schema import readable_client
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id
from ca_api.common.keyset import Seek
from ca_api.common.node import NodeType, by_role
from ca_api.common.pagination import Connection, Page, Paged, PageRequest, bad_cursor
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    Problem,
    ValidationProblem,
    problem_for,
)
from ca_api.context import Context
from ca_api.errors import found
from ca_api.planning import approval, plan_reviews, service, thresholds
from ca_api.planning.inputs import (
    DeclareClientAssetsInput,
    RecordBudgetPlanInput,
    SubmitBudgetPlanInput,
)
from ca_api.planning.plan_types import BudgetPlan, PlanReview
from ca_api.planning.service import PlanAlreadySuperseded, PlanView, RecordedPlan
from ca_api.planning.threshold_schema import (
    ClientAssetDeclaration,
    ClientAssetDeclarationPayload,
    DeclareClientAssetsResult,
    ThresholdFlag,
    clients_page,
)

# Arguments several root fields take, described once.
ON = Annotated[
    date | None, strawberry.argument(description="The council's date to judge on; default today.")
]


# --- results ---


@strawberry.type(description="The plan revised has already been superseded by another.")
class PlanAlreadySupersededProblem(Problem):
    superseded_by_id: strawberry.ID = strawberry.field(
        description="The id of the revision that replaced it: revise that one instead."
    )


@strawberry.type(description="The budget plan recorded, revised or submitted.")
class BudgetPlanPayload:
    @classmethod
    def of(cls, done: RecordedPlan) -> BudgetPlanPayload:
        return cls(plan=BudgetPlan.from_view(done.view), replayed=done.replayed)

    plan: BudgetPlan = strawberry.field(description="The plan as it now stands.")
    replayed: bool = replayed_field("True when this repeats an earlier request.")


RecordBudgetPlanResult = Annotated[
    BudgetPlanPayload
    | ValidationProblem
    | NotFoundProblem
    | PolicyMissingProblem
    | IdempotencyKeyReusedProblem
    | PlanAlreadySupersededProblem,
    strawberry.union(
        "RecordBudgetPlanResult",
        description="The plan, or why it was not recorded or submitted.",
    ),
]


@problem_for(PlanAlreadySuperseded)
def _already_superseded(exc: PlanAlreadySuperseded) -> PlanAlreadySupersededProblem:
    return PlanAlreadySupersededProblem(
        code=exc.code,
        message=exc.message,
        superseded_by_id=node_id("BudgetPlan", exc.superseded_by),
    )


# --- root fields ---


def _plan_key(page: PageRequest) -> tuple[date, datetime, uuid.UUID] | None:
    """The cursor of a client's plans: (plan year start, recorded at, id)."""
    key = page.key(str, str, str)
    if key is None:
        return None
    try:
        return date.fromisoformat(key[0]), datetime.fromisoformat(key[1]), uuid.UUID(key[2])
    except ValueError as exc:
        raise bad_cursor() from exc


@strawberry.type
class PlanningQuery:
    @strawberry.field(extensions=allow(PLAN_READ), description="One budget plan, by id.")
    async def budget_plan(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The plan's id.")],
    ) -> BudgetPlan:
        view = await service.get_plan(info.context.session, decode_uuid("BudgetPlan", id))
        return BudgetPlan.from_view(found(view, "budget plan", id))

    @strawberry.field(
        extensions=[Paged(25), *allow(PLAN_READ)],
        description="A client's budget plans, newest plan year first, superseded ones included.",
    )
    async def budget_plans(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client's id.")],
    ) -> Connection[BudgetPlan]:
        ctx = info.context

        async def plans(seek: Seek[tuple[date, datetime, uuid.UUID]]) -> list[PlanView]:
            cid = decode_uuid("Client", client_id)
            await readable_client(ctx, cid, client_id)
            return await service.plans_of_client(ctx.session, cid, seek=seek)

        return await page.connection(
            cursor=_plan_key,
            fetch=plans,
            key=lambda v: [
                v.plan.plan_year_start.isoformat(),
                v.plan.recorded_at.isoformat(),
                str(v.plan.id),
            ],
            node=BudgetPlan.from_view,
        )

    @strawberry.field(
        extensions=[Paged(50), *allow(THRESHOLD_FLAGS_READ)],
        description="Clients flagged on a date (default today), in reference order: appointee-"
        "only clients for a deputyship application (R-INV-1), deputy clients for lodgement "
        "(R-INV-2), by the thresholds in force on that date (R-DATA).",
    )
    async def threshold_flags(
        self, info: Info[Context, None], page: Page, on: ON = None
    ) -> Connection[ThresholdFlag]:
        # A figure missing is a POLICY_MISSING error (ca_api.graphql.ErrorPolicy).
        return await clients_page(
            info, on, page, thresholds.threshold_flags, ThresholdFlag.from_flag
        )


@strawberry.type
class PlanReviewQuery:
    @strawberry.field(
        extensions=[Paged(50), *allow(PLAN_READ)],
        description="Clients taken on whose plan is missing, a year old, or nearly (R-CARE-2, "
        "R-REP-4), in reference order.",
    )
    async def budget_plan_reviews(
        self, info: Info[Context, None], page: Page, on: ON = None
    ) -> Connection[PlanReview]:
        return await clients_page(info, on, page, plan_reviews.plan_reviews, PlanReview.from_review)


@strawberry.type
class PlanningMutation:
    @strawberry.mutation(
        extensions=allow(PLAN_WRITE),
        description="Record a client's yearly budget plan, line by line (R-BUD, R-CARE-2). A "
        "revision names the plan it supersedes; plans are never edited. Approval as a "
        '"financial plans and budgets" decision (R-DEC) is linked by the decisions module.',
    )
    async def record_budget_plan(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordBudgetPlanInput,
            strawberry.argument(description="The plan, and the request's idempotency key."),
        ],
    ) -> RecordBudgetPlanResult:
        done = await as_caller(
            info, service.record_plan, input.to_new(), idempotency_key=input.idempotency_key
        )
        return BudgetPlanPayload.of(done)

    @strawberry.mutation(
        extensions=allow(PLAN_WRITE),
        description="Record that a client holds (or no longer holds) capital, property or a "
        "private pension (R-INV-1); the latest declaration on or before a date stands.",
    )
    async def declare_client_assets(
        self,
        info: Info[Context, None],
        input: Annotated[
            DeclareClientAssetsInput,
            strawberry.argument(description="What the client holds, with the evidence."),
        ],
    ) -> DeclareClientAssetsResult:
        row = await as_caller(
            info,
            thresholds.declare_assets,
            decode_uuid("Client", input.client_id),
            input.to_declaration(),
            note=input.note,
            declared_on=input.declared_on,
        )
        return ClientAssetDeclarationPayload(declaration=ClientAssetDeclaration.from_row(row))

    @strawberry.mutation(
        extensions=allow(PLAN_WRITE),
        description='Submit a plan for approval as a "financial plans and budgets" decision for '
        "its annual expenditure (R-CARE-2, R-DEC): a senior officer approves within the limit in "
        "force, the governance manager above it, never whoever submitted it (R-ROLE-2).",
    )
    async def submit_budget_plan(
        self,
        info: Info[Context, None],
        input: Annotated[
            SubmitBudgetPlanInput,
            strawberry.argument(
                description="The plan to submit, who was consulted, and the request's "
                "idempotency key."
            ),
        ],
    ) -> RecordBudgetPlanResult:
        done = await as_caller(
            info,
            approval.submit_plan,
            decode_uuid("BudgetPlan", input.plan_id),
            consulted=input.consulted,
            client_involved=input.client_involved,
            why_client_not_involved=input.why_client_not_involved,
            idempotency_key=input.idempotency_key,
        )
        return BudgetPlanPayload.of(done)


# The types node(id:) fetches (common.node): each with the roles of its own lookup. A
# declaration has none: it is read through thresholdFlags.
NODES: tuple[NodeType, ...] = (
    NodeType("BudgetPlan", PLAN_READ, by_role(service.plans_by_id, BudgetPlan.from_view)),
    NodeType(
        "ClientAssetDeclaration",
        THRESHOLD_FLAGS_READ,
        by_role(thresholds.declarations_by_id, ClientAssetDeclaration.from_row),
    ),
)
