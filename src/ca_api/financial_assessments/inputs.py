"""GraphQL inputs and enums of the financial assessment status (the schema's own file is
``financial_assessments/schema.py``)."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.financial_assessments import rules

AssessmentStatus = rules.AssessmentStatus
graphql_enum(
    AssessmentStatus,
    "Where a client's financial assessment stands (seed 002 B 4.2-4.4).",
    {
        AssessmentStatus.NOT_ASSESSED: "Not assessed: charged at their current rate, or "
        "nothing if never assessed, until the Financial Assessment team has the client's "
        "financial information (B 4.2).",
        AssessmentStatus.REFERRED: "Referred for a financial assessment with an ASC Visiting "
        "Officer, on referredOn (B 4.3).",
        AssessmentStatus.ASSESSED: "Assessed: charged the weekly charge from assessedOn (B 4.4).",
    },
    name="FinancialAssessmentStatus",
)


@strawberry.input(
    description="Where the client's financial assessment stands now, and the request's "
    "idempotency key."
)
class RecordFinancialAssessmentInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    status: AssessmentStatus = strawberry.field(description="NOT_ASSESSED, REFERRED or ASSESSED.")
    referred_on: date | None = strawberry.field(
        default=None,
        description="The day the referral for assessment was made: required when REFERRED, "
        "may be given when ASSESSED; not in the future.",
    )
    assessed_on: date | None = strawberry.field(
        default=None,
        description="The day the assessed charge applies from: required when ASSESSED only; not "
        "in the future.",
    )
    weekly_charge: Money | None = strawberry.field(
        default=None, description="The assessed charge per week: required when ASSESSED only."
    )
    note: str = strawberry.field(default="", description="Anything worth saying.")
    idempotency_key: str = idempotency_key_field()

    def to_entry(self) -> rules.AssessmentEntry:
        charge = self.weekly_charge
        return rules.AssessmentEntry(
            status=self.status,
            referred_on=self.referred_on,
            assessed_on=self.assessed_on,
            weekly_charge=int(charge) if charge is not None else None,
            note=self.note,
        )
