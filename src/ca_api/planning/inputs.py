"""GraphQL inputs of planning (the schema's own file is ``planning/schema.py``): what a caller
sends, described in the council's words. Each mutation takes one ``input`` (issue 11 item 4)."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.common.ids import decode_uuid
from ca_api.common.scalars import Money
from ca_api.planning import rules, service
from ca_api.planning.plan_types import PlanFrequency


@strawberry.input(
    description="A line counts in the totals with an annualAmount entered directly, or an amount "
    "and a frequency (amount x times a year); with neither it is a note of past spending."
)
class BudgetLineInput:
    item: str = strawberry.field(description='What is paid or received, e.g. "Pension credit".')
    amount: Money | None = strawberry.field(
        default=None, description="The amount each time it is paid or received (R-BUD-1)."
    )
    frequency: PlanFrequency | None = strawberry.field(
        default=None, description="How often the amount is paid or received (R-BUD-1)."
    )
    annual_amount: Money | None = strawberry.field(
        default=None,
        description="An annual figure entered directly; it is counted instead of amount x times.",
    )
    note: str | None = strawberry.field(default=None, description="The officer's note on the line.")

    def to_line(self, side: rules.Side) -> rules.PlanLine:
        return rules.PlanLine(
            side=side,
            item=self.item,
            amount=self.amount,
            frequency=self.frequency,
            annual_entered=self.annual_amount,
            note=self.note,
        )


@strawberry.input(
    description="A client's yearly budget plan, line by line, as the officer made it with the "
    "client where possible (R-CARE-2, R-BUD-1); the printed totals, where a paper plan is copied, "
    "are kept to show where its own sums differ."
)
class BudgetPlanInput:
    client_id: strawberry.ID = strawberry.field(description="The id of the client it is for.")
    plan_year_start: date = strawberry.field(
        description="The first day of the year the plan is for (plans run from 1 April)."
    )
    opening_balance: Money = strawberry.field(
        description="The client's account balance at the plan's start (R-BUD-3)."
    )
    income: list[BudgetLineInput] = strawberry.field(
        description="What the client receives (R-BUD-1)."
    )
    expenditure: list[BudgetLineInput] = strawberry.field(
        description="What the client pays out: twelve months' needs (R-BUD-1, R-INV-1)."
    )
    notes: str | None = strawberry.field(default=None, description="The officer's notes.")
    personal_allowance_last_year: Money | None = strawberry.field(
        default=None,
        description="Last year's actual personal allowance: the plan shows this year's with the "
        "price rise in force at its start (R-BUD-4).",
    )
    printed_income: Money | None = strawberry.field(
        default=None, description="The annual income the paper plan printed, if copied from one."
    )
    printed_expenditure: Money | None = strawberry.field(
        default=None, description="The annual expenditure the paper plan printed."
    )
    printed_available_income: Money | None = strawberry.field(
        default=None, description="The available income the paper plan printed (R-BUD-2)."
    )
    printed_surplus: Money | None = strawberry.field(
        default=None, description="The surplus the paper plan printed (R-BUD-3)."
    )
    supersedes: strawberry.ID | None = strawberry.field(
        default=None, description="The plan this one revises; it stays as it was."
    )

    def to_new(self) -> service.NewPlan:
        lines = [ln.to_line(rules.Side.INCOME) for ln in self.income] + [
            ln.to_line(rules.Side.EXPENDITURE) for ln in self.expenditure
        ]
        return service.NewPlan(
            client_id=decode_uuid("Client", self.client_id),
            plan_year_start=self.plan_year_start,
            opening_balance=self.opening_balance,
            lines=lines,
            notes=self.notes,
            personal_allowance_last_year=self.personal_allowance_last_year,
            printed=rules.PrintedTotals(
                income=self.printed_income,
                expenditure=self.printed_expenditure,
                available=self.printed_available_income,
                surplus=self.printed_surplus,
            ),
            supersedes_id=(
                decode_uuid("BudgetPlan", self.supersedes) if self.supersedes is not None else None
            ),
        )


@strawberry.input(
    description="A client's yearly budget plan, line by line, as the officer made it with the "
    "client where possible (R-CARE-2, R-BUD-1); the printed totals, where a paper plan is copied, "
    "are kept to show where its own sums differ. With the request's idempotency key."
)
class RecordBudgetPlanInput(BudgetPlanInput):
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="What a client was found to hold (R-INV-1), with the evidence and the day."
)
class DeclareClientAssetsInput:
    client_id: strawberry.ID = strawberry.field(description="The client's id.")
    capital: bool = strawberry.field(description="The client holds capital (R-INV-1).")
    property: bool = strawberry.field(description="The client owns property (R-INV-1).")
    private_pension: bool = strawberry.field(
        description="The client has a private pension (R-INV-1)."
    )
    note: str = strawberry.field(description="What was found, and where (the evidence).")
    declared_on: date | None = strawberry.field(
        default=None, description="The day it was found; default today."
    )

    def to_declaration(self) -> rules.AssetDeclaration:
        return rules.AssetDeclaration(self.capital, self.property, self.private_pension)


@strawberry.input(
    description="The plan to submit for approval, who was consulted and whether the client took "
    "part (R-DEC-1, R-CARE-2), and the request's idempotency key."
)
class SubmitBudgetPlanInput:
    plan_id: strawberry.ID = strawberry.field(description="The id of the plan to submit.")
    consulted: str = strawberry.field(
        description="Who was consulted on the plan: family, carers, the care manager (R-DEC-1)."
    )
    client_involved: bool = strawberry.field(
        description="The client took part in making the plan, as R-CARE-2 asks where possible."
    )
    why_client_not_involved: str | None = strawberry.field(
        default=None, description="Why not, when the client did not take part."
    )
    idempotency_key: str = idempotency_key_field()
