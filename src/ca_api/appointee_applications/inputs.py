"""GraphQL inputs and enums of the DWP appointeeship application (the schema's own file is
``appointee_applications/schema.py``). Each mutation takes one ``input``, its idempotency key
last."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from ca_api.appointee_applications import rules
from ca_api.common.arguments import idempotency_key_field
from ca_api.common.types import graphql_enum

DeadlineState = rules.DeadlineState
graphql_enum(
    DeadlineState,
    "Where an application deadline stands: the DWP appointeeship application of an accepted "
    "referral (R-REF-5), or the Court of Protection deputyship application (R-REF-6, R-INV-1).",
    {
        DeadlineState.DUE: "Not sent (made) yet, and the due date is today or later.",
        DeadlineState.MET: "Sent (made) on or before the due date.",
        DeadlineState.MISSED: "Sent (made) after the due date, or not yet and the due date has "
        "passed.",
    },
    name="AppointeeApplicationDeadlineState",
)
# The state argument of both application deadline lists (the DWP's and the Court's).
DeadlineStateFilter = Annotated[
    DeadlineState | None,
    strawberry.argument(description="Only those in this state, as of today."),
]
DwpOutcome = rules.DwpOutcome
graphql_enum(
    DwpOutcome,
    "The DWP's decision on an appointeeship application.",
    {
        DwpOutcome.APPOINTED: "The council is appointed appointee (form BF57 received).",
        DwpOutcome.REFUSED: "The DWP refused the application, with its reason.",
    },
    name="DwpDecisionOutcome",
)


@strawberry.input(
    description="The appointeeship application (BF56) sent to the DWP, and the request's "
    "idempotency key."
)
class RecordAppointeeApplicationSentInput:
    referral_id: strawberry.ID = strawberry.field(
        description="The client's referral: ACCEPTED, its application not yet recorded."
    )
    sent_on: date = strawberry.field(
        description="The day the BF56 was sent: not before the referral became valid, not "
        "after today."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The DWP's decision, and the request's idempotency key.")
class RecordDwpDecisionInput:
    referral_id: strawberry.ID = strawberry.field(
        description="The client's referral: its application sent, no decision recorded yet."
    )
    outcome: DwpOutcome = strawberry.field(description="APPOINTED or REFUSED.")
    decided_on: date = strawberry.field(
        description="The day of the decision (the BF57's date when APPOINTED): not before the "
        "application was sent, not after today."
    )
    reason: str = strawberry.field(
        default="", description="The DWP's reason: required when REFUSED."
    )
    appointeeship_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="When APPOINTED, the client's appointeeship as recorded with "
        "recordAppointeeship, if it is recorded already.",
    )
    idempotency_key: str = idempotency_key_field()
