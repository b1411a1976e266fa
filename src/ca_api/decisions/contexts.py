"""GraphQL types of what a decision's approver weighs it against: a gift's recipient and the
client's estate and past giving (R-DEC-3), an investment plan's surplus (R-INV-2). Fields of
``decisions.schema.Decision``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.common import loaders
from ca_api.common.ids import encode_id
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.decisions import gifts
from ca_api.errors import ErrorCode
from ca_api.ledger import reads as ledger_reads
from ca_api.ledger.types import Counterparty
from ca_api.lodgements import surplus
from ca_api.planning import service as planning
from ca_api.planning.service import PlanView

if TYPE_CHECKING:
    from ca_api.planning.plan_types import BudgetPlan

# The plan an investment plan's surplus comes from; the planning schema builds on decisions.
LazyBudgetPlan = Annotated["BudgetPlan", strawberry.lazy("ca_api.planning.plan_types")]


@strawberry.type(description="Who a gift is to (R-DEC-3).")
class GiftRecipient:
    name: str = strawberry.field(
        description="The recipient's name, checked against the council employee register "
        "(R-ROLE-3)."
    )
    date_of_birth: date | None = strawberry.field(
        description="Tells the recipient apart from an employee of the same name; null: not given."
    )
    counterparty_id: strawberry.Private[uuid.UUID | None]

    async def _counterparty(self, info: Info[Context, None]) -> Counterparty | None:
        if self.counterparty_id is None:
            return None
        loader = loaders.one(
            info.context, "ledger.counterparties_by_id", ledger_reads.counterparties_by_id
        )
        row = await loader.load(self.counterparty_id)
        return Counterparty.from_row(row) if row is not None else None

    counterparty: Counterparty | None = strawberry.field(
        resolver=_counterparty,
        description="The recipient as a counterparty the client's money is paid to; null: "
        "none named.",
    )


@strawberry.type(
    description="A gift weighed against the client's estate and past giving, as they stand "
    "today (R-DEC-3). The gift year is the order's: the twelve months from the latest "
    "anniversary of the deputyship order's date."
)
class GiftContext:
    on: date = strawberry.field(description="The date it is weighed on: today.")
    total_balance: Money = strawberry.field(
        description="The client's balance across all their accounts (the ledger)."
    )
    available_balance: Money = strawberry.field(description="The same, less money on hold.")
    makes_gifts: bool = strawberry.field(
        description="A deputyship in force grants the power to make gifts (R-ORD-1)."
    )
    yearly_limit: Money | None = strawberry.field(
        description="The order's yearly gift limit; null: none named, or no power."
    )
    year_start: date | None = strawberry.field(
        description="The first day of the order's current gift year; null: no power to gift."
    )
    year_end: date | None = strawberry.field(
        description="The last day of the order's current gift year; null: no power to gift."
    )
    approved_this_year: Money | None = strawberry.field(
        description="Gifts approved in the order's current gift year (null: no power)."
    )
    approved_last_five_years: Money = strawberry.field(
        description="Gifts approved in the last five years: the client's past giving (R-DEC-3)."
    )
    remaining_allowance: Money | None = strawberry.field(
        description="What may still be given this gift year; null: the order names no limit; "
        "0.00 when no order in force grants the power."
    )


def gift_context(c: gifts.GiftContext) -> GiftContext:
    return from_source(GiftContext, c)


@strawberry.type(
    description="A lodgement's or placement's INVESTMENT_PLAN decision weighed against the "
    "client's surplus on a date (R-INV-2; seed 002 B 7.7, 7.9-7.10, 20.2-20.4): the budget plan "
    "in force it comes from (R-BUD-3), the threshold in force, what else already counts against "
    "the surplus, and whether approving it would be refused, and why."
)
class SurplusContext:
    on: date = strawberry.field(description="The date it is weighed on: today.")
    plan_id: strawberry.ID | None = strawberry.field(
        description="The client's budget plan in force on the date; null: none."
    )
    plan_uuid: strawberry.Private[uuid.UUID | None]

    async def _plan(self, info: Info[Context, None]) -> LazyBudgetPlan | None:
        from ca_api.planning.plan_types import BudgetPlan

        if self.plan_uuid is None:
            return None

        async def fetch(session: Any, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PlanView]:
            found = {i: await planning.get_plan(session, i) for i in ids}
            return {i: v for i, v in found.items() if v is not None}

        view = await loaders.one(info.context, "decisions.plans", fetch).load(self.plan_uuid)
        return BudgetPlan.from_view(view) if view is not None else None

    plan: LazyBudgetPlan | None = strawberry.field(
        resolver=_plan,
        description="The client's budget plan in force on the date (R-BUD-3); null: none.",
    )
    plan_year_start: date | None = strawberry.field(
        description="The first day of the plan's year; null: no plan in force."
    )
    plan_review_due_on: date | None = strawberry.field(
        description="When the plan is due for its yearly review (R-CARE-2)."
    )
    plan_stale: bool = strawberry.field(description="Past its yearly review (R-CARE-2).")
    plan_approved: bool = strawberry.field(description="The plan's decision is approved (R-DEC).")
    surplus: Money | None = strawberry.field(description="The plan's surplus (R-BUD-3).")
    threshold_name: str = strawberry.field(description="The policy figure applied (R-DATA).")
    threshold: Money = strawberry.field(description="The lodgement threshold in force.")
    threshold_effective_from: date = strawberry.field(
        description="The day the threshold's value in force took effect (R-DATA)."
    )
    committed: Money = strawberry.field(
        description="What else counts against the surplus: other lodgements and placements "
        "proposed or approved, and those lodged or placed since the plan's year start."
    )
    remaining_surplus: Money | None = strawberry.field(
        description="What is left of the surplus: surplus - committed."
    )
    amount: Money = strawberry.field(description="This decision's amount.")
    refusal: ErrorCode | None = strawberry.field(
        description="The code approving it now would be refused with (NO_APPROVED_PLAN, "
        "BUDGET_PLAN_STALE, SURPLUS_BELOW_THRESHOLD, OVER_SURPLUS); null: within the rule."
    )
    refusal_message: str | None = strawberry.field(
        description="Why approving it would be refused, in words; null: within the rule."
    )


def surplus_context(j: surplus.SurplusJudgement) -> SurplusContext:
    p = j.position
    refusal = j.refusal
    return from_source(
        SurplusContext,
        p,
        plan_id=strawberry.ID(encode_id("BudgetPlan", p.plan_id)) if p.plan_id else None,
        plan_uuid=p.plan_id,
        plan_review_due_on=p.review_due_on,
        plan_stale=p.stale,
        threshold_name=j.threshold.name,
        threshold_effective_from=j.threshold.effective_from,
        remaining_surplus=p.available,
        amount=j.amount,
        refusal=ErrorCode(refusal[0].value) if refusal else None,
        refusal_message=refusal[1] if refusal else None,
    )
