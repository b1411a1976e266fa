"""GraphQL inputs of the register of complaints and appeals (the schema's own file is
``complaints/schema.py``, the enums are in ``complaints/types.py``). Each mutation takes one
``input``, its idempotency key last."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.complaints.rules import Details
from ca_api.complaints.types import (
    AppealAgainst,
    AppealOutcome,
    ComplaintMadeBy,
    ComplaintOutcome,
    ComplaintTo,
)


@strawberry.input(description="A complaint's details (seed 002 B 30.4).")
class ComplaintDetailsInput:
    made_by: ComplaintMadeBy = strawberry.field(description="The client, or someone for them.")
    on_behalf_of_name: str | None = strawberry.field(
        default=None, description="Who complained for the client (required then; else null)."
    )
    on_behalf_of_relationship: str | None = strawberry.field(
        default=None,
        description="How they stand to the client (required then; else null).",
    )
    made_to: ComplaintTo = strawberry.field(description="To whom it was made.")
    received_on: date = strawberry.field(description="When it was received: not in the future.")
    summary: str = strawberry.field(description="What it is about.")

    def details(self) -> Details:
        return Details(
            body=self.made_to.value,
            dated=self.received_on,
            summary=self.summary,
            made_by=self.made_by,
            on_behalf_name=self.on_behalf_of_name,
            on_behalf_relationship=self.on_behalf_of_relationship,
        )


@strawberry.input(description="An appeal's details (seed 002 B 30.3).")
class AppealDetailsInput:
    against: AppealAgainst = strawberry.field(description="Whose decision it appeals.")
    decision_dated: date = strawberry.field(
        description="The date of the decision appealed: not in the future."
    )
    decision_summary: str = strawberry.field(description="What the decision said.")
    grounds: str = strawberry.field(
        description="Why the team disagrees, reviewed under the legislation (B 30.3)."
    )

    def details(self) -> Details:
        return Details(
            body=self.against.value,
            dated=self.decision_dated,
            summary=self.decision_summary,
            grounds=self.grounds,
        )


@strawberry.input(description="A complaint received for a client, and the idempotency key.")
class RecordComplaintInput:
    client_id: strawberry.ID = strawberry.field(description="The client it concerns.")
    details: ComplaintDetailsInput = strawberry.field(description="The complaint.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A complaint's details corrected, why, and the key.")
class CorrectComplaintInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint.")
    details: ComplaintDetailsInput = strawberry.field(description="The details as they should be.")
    reason: str = strawberry.field(description="Why the details standing are wrong.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A complaint's outcome, and the key.")
class RecordComplaintOutcomeInput:
    complaint_id: strawberry.ID = strawberry.field(description="The complaint.")
    outcome: ComplaintOutcome = strawberry.field(description="How it ended.")
    decided_on: date = strawberry.field(
        description="When: not in the future, not before it was received."
    )
    summary: str | None = strawberry.field(default=None, description="What was decided.")
    reason: str | None = strawberry.field(
        default=None,
        description="Only to correct an outcome recorded already: why (R-AUD-2); else null.",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="An appeal prepared for a client (B 30.3), and the key.")
class PrepareAppealInput:
    client_id: strawberry.ID = strawberry.field(description="The client it concerns.")
    details: AppealDetailsInput = strawberry.field(description="The appeal.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="An appeal's details corrected, why, and the key.")
class CorrectAppealInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    details: AppealDetailsInput = strawberry.field(description="The details as they should be.")
    reason: str = strawberry.field(description="Why the details standing are wrong.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The appeal the deputy approves, and the key.")
class ApproveAppealInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The appeal the deputy does not approve, why, and the key.")
class RefuseAppealInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    reason: str = strawberry.field(description="Why it is not to be lodged.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="An approved appeal lodged, and the key.")
class RecordAppealLodgedInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    lodged_on: date = strawberry.field(
        description="When: not in the future, nor before the decision or the approval."
    )
    reference: str = strawberry.field(description="The body's reference for the appeal.")
    reason: str | None = strawberry.field(
        default=None,
        description="Only to correct a lodging recorded already: why (R-AUD-2); else null.",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A lodged appeal's outcome, and the key.")
class RecordAppealOutcomeInput:
    appeal_id: strawberry.ID = strawberry.field(description="The appeal.")
    outcome: AppealOutcome = strawberry.field(description="How it ended.")
    decided_on: date = strawberry.field(
        description="When: not in the future, not before it was lodged."
    )
    summary: str | None = strawberry.field(default=None, description="What was decided.")
    reason: str | None = strawberry.field(
        default=None,
        description="Only to correct an outcome recorded already: why (R-AUD-2); else null.",
    )
    idempotency_key: str = idempotency_key_field()
