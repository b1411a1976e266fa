"""GraphQL for the financial assessment status (seed 002 B 4.2-4.4): thin. ``Client`` shows its
current status (``clients/schema.py`` imports ``FinancialAssessment`` and ``assessment_of``);
``recordFinancialAssessment`` records a new one."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import FINANCIAL_ASSESSMENT_WRITE, allow
from ca_api.common import loaders
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money, money_or_none
from ca_api.context import Context
from ca_api.financial_assessments import service
from ca_api.financial_assessments.inputs import AssessmentStatus, RecordFinancialAssessmentInput
from ca_api.financial_assessments.models import FinancialAssessment as Row


@strawberry.type(
    description="Where a client's financial assessment stands (seed 002 B 4.2-4.4): the latest "
    "recorded; NOT_ASSESSED, with nothing recorded, for a client never recorded."
)
class FinancialAssessment:
    status: AssessmentStatus = strawberry.field(description="Where it stands.")
    referred_on: date | None = strawberry.field(
        description="The day the referral for assessment was made, if known."
    )
    assessed_on: date | None = strawberry.field(
        description="The day the assessed charge applies from; null unless ASSESSED."
    )
    weekly_charge: Money | None = strawberry.field(
        description="The assessed charge per week; null unless ASSESSED."
    )
    note: str = strawberry.field(description="What the officer said of it.")
    recorded_by: str | None = strawberry.field(
        description="Who recorded it; null when nothing was recorded."
    )
    recorded_at: datetime | None = strawberry.field(
        description="When it was recorded; null when nothing was recorded."
    )

    @classmethod
    def of(cls, row: Row | None) -> FinancialAssessment:
        if row is None:
            return cls(
                status=AssessmentStatus.NOT_ASSESSED,
                referred_on=None,
                assessed_on=None,
                weekly_charge=None,
                note="",
                recorded_by=None,
                recorded_at=None,
            )
        return cls(
            status=AssessmentStatus(row.status),
            referred_on=row.referred_on,
            assessed_on=row.assessed_on,
            weekly_charge=money_or_none(row.weekly_charge),
            note=row.note,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


async def assessment_of(ctx: Context, client_id: uuid.UUID) -> FinancialAssessment:
    """The client's current status, through the request's one loader."""
    row = await loaders.one(ctx, "financial_assessments.current", service.current_of).load(
        client_id
    )
    return FinancialAssessment.of(row)


@strawberry.type(description="The client's financial assessment status as now recorded.")
class FinancialAssessmentPayload:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    financial_assessment: FinancialAssessment = strawberry.field(description="Where it now stands.")
    replayed: bool = replayed_field(
        "A repeat of an earlier request with this key: nothing was done again."
    )


RecordFinancialAssessmentResult = Annotated[
    FinancialAssessmentPayload | ValidationProblem | NotFoundProblem | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordFinancialAssessmentResult",
        description="The status recorded, or why it was not.",
    ),
]


@strawberry.type
class FinancialAssessmentMutation:
    @strawberry.mutation(
        extensions=allow(FINANCIAL_ASSESSMENT_WRITE),
        description="Record where the client's financial assessment stands (seed 002 B "
        "4.2-4.4): NOT_ASSESSED, REFERRED (on a day) or ASSESSED (a weekly charge from a day). "
        "A new entry each time; the latest counts.",
    )
    async def record_financial_assessment(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordFinancialAssessmentInput,
            strawberry.argument(description="The status, and the request's idempotency key."),
        ],
    ) -> RecordFinancialAssessmentResult:
        cid = decode_uuid("Client", input.client_id)
        done = await as_caller(
            info, service.record, cid, input.to_entry(), idempotency_key=input.idempotency_key
        )
        return FinancialAssessmentPayload(
            client_id=node_id("Client", done.client_id),
            financial_assessment=FinancialAssessment.of(done.current),
            replayed=done.replayed,
        )
