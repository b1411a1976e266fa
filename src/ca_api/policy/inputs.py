"""Policy's GraphQL inputs, described in the council's words (issue 11 item 4): a new version of
the approval limits (R-DEC-4). The types and resolvers are in ``schema.py``."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.auth.schema import Role
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.policy import rules

ApprovalSubject = rules.ApprovalSubject
graphql_enum(
    ApprovalSubject,
    "What an approval is for, as the approval limits name it (R-DEC): payments, and each kind "
    "of decision.",
    {
        "PAYMENT": "A payment out of a client's money (R-PAY).",
        "GIFT": "A gift from the client's money (R-DEC-3).",
        "CONFLICT_OF_INTEREST": "A decision where the council has a conflict of interest.",
        "DEBT_STATEMENT": "A financial statement of outstanding debts, with the plan to clear "
        "them (R-DEBT-3).",
        "INVESTMENT_PLAN": "An investment plan: a lodgement or a placement of the client's "
        "surplus, an investment statement (R-INV-2, R-INV-3).",
        "BEST_INTEREST": "Any other best interests decision (R-DEC-1).",
        "FINANCIAL_PLAN": "A financial plan and budget (R-BUD, R-CARE-2).",
        "TEMPORARY_ASSISTANCE": "Temporary financial assistance from the council before the "
        "client's own funds arrive, repaid from them (seed 002 B 4.6-4.7).",
    },
)


@strawberry.input(description="One row of the approval limits table.")
class ApprovalLimitInput:
    subject: ApprovalSubject = strawberry.field(description="What is approved.")
    role: Role = strawberry.field(
        description="SENIOR_OFFICER, GOVERNANCE_MANAGER or HEAD_OF_SERVICE (any other role is "
        "refused: it approves nothing); a role above may also approve (R-DEC-2)."
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
