"""Policy's GraphQL inputs, described in the council's words (issue 11 item 4): a new version of
the approval limits (R-DEC-4). The types and resolvers are in ``schema.py``."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.scalars import Money


@strawberry.input(description="One row of the approval limits table.")
class ApprovalLimitInput:
    subject: str = strawberry.field(
        description="PAYMENT, GIFT, CONFLICT_OF_INTEREST, DEBT_STATEMENT, INVESTMENT_PLAN, "
        "BEST_INTEREST or FINANCIAL_PLAN."
    )
    role: str = strawberry.field(
        description="senior_officer, governance_manager or head_of_service; a role above may "
        "also approve (R-DEC-2)."
    )
    up_to: Money | None = strawberry.field(description="Inclusive; null: any amount.")


@strawberry.input(description="The whole approval limits table from a date (R-DEC-4).")
class AddApprovalLimitVersionInput:
    effective_from: date = strawberry.field(
        description="After every existing version's date, and not in the past."
    )
    note: str = strawberry.field(description="The committee decision it records.")
    limits: list[ApprovalLimitInput] = strawberry.field(
        description="Every row of the new table, each subject and role once: every subject "
        "needs a role that may approve any amount (upTo null)."
    )
