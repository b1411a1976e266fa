"""GraphQL inputs and enums of the Court of Protection deputyship application (the schema's own
file is ``deputyship_applications/schema.py``). Each mutation takes one ``input``, its
idempotency key last."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.common.types import graphql_enum
from ca_api.deputyship_applications import rules
from ca_api.ledger.vocabulary import CounterpartyKind

DeputyshipApplicationCause = rules.Cause
graphql_enum(
    DeputyshipApplicationCause,
    "Why a deputyship application to the Court of Protection is due.",
    {
        rules.Cause.REFERRAL_ASSETS_KNOWN: "The accepted referral recorded private income, "
        "property or bank accounts: applied for at the same time as the DWP appointeeship "
        "(R-REF-6), so due the same day.",
        rules.Cause.ASSETS_THRESHOLD_FLAG: "An appointee-only client flagged by the threshold "
        "flags (R-INV-1), recorded by an officer: due 5 working days from that day.",
    },
    name="DeputyshipApplicationCause",
)
CourtOfProtectionStage = rules.Stage
graphql_enum(
    CourtOfProtectionStage,
    "A stage of a Court of Protection application after it was made, in the order they come: "
    "ISSUED, NOTIFIED, then ORDER_MADE or REFUSED; further information may be asked for (and "
    "answered) before the decision; WITHDRAWN at any point.",
    {
        rules.Stage.ISSUED: "The court issued the application.",
        rules.Stage.NOTIFIED: "The client was notified of the application (COP14), and others "
        "as the court requires (COP15, COP20A).",
        rules.Stage.FURTHER_INFORMATION_REQUESTED: "The court asked for further information "
        "or an assessment; only its answer or a withdrawal may follow.",
        rules.Stage.FURTHER_INFORMATION_SENT: "The further information was sent to the court.",
        rules.Stage.ORDER_MADE: "The court made the deputy order: names the deputyship recorded "
        "with recordDeputyship. Final.",
        rules.Stage.REFUSED: "The court refused the application, with the reason. Final.",
        rules.Stage.WITHDRAWN: "The council withdrew the application, with the reason. Final.",
    },
    name="CourtOfProtectionStage",
)
DeputyshipNoticeSource = rules.NoticeSource
graphql_enum(
    DeputyshipNoticeSource,
    "Where an organisation told of a deputy order comes from (R-ORD-2).",
    {
        rules.NoticeSource.LEDGER: "A counterparty of the client's ledger or invoices: money "
        "came from or went to it.",
        rules.NoticeSource.OFFICER: "Added by an officer (addDeputyshipNoticeOrganisation).",
        rules.NoticeSource.INVESTMENT: "The holder of an existing investment of the client's "
        "(recordExistingInvestment, R-INV-5): its organisationId is the investment's first "
        "record.",
    },
    name="DeputyshipNoticeSource",
)


@strawberry.input(
    description="An appointee-only client flagged for a deputyship application (R-INV-1), and "
    "the request's idempotency key."
)
class RecordDeputyshipApplicationNeededInput:
    client_id: strawberry.ID = strawberry.field(
        description="The client: flagged DEPUTYSHIP_APPLICATION by thresholdFlags today."
    )
    note: str = strawberry.field(default="", description="What the officer checked.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="The application made to the Court of Protection, and the request's "
    "idempotency key."
)
class RecordCourtOfProtectionApplicationMadeInput:
    deadline_id: strawberry.ID = strawberry.field(
        description="The deadline's deadlineId: the accepted referral's id (R-REF-6) or the "
        "need's (R-INV-1)."
    )
    made_on: date = strawberry.field(
        description="The day the forms were sent: not before the deadline's startsOn, not "
        "after today."
    )
    forms: list[str] = strawberry.field(
        description="The forms sent, COP1 among them (COP1A, COP3, COP4, ...)."
    )
    court_reference: str = strawberry.field(
        default="", description="The court's case number, when known."
    )
    note: str = strawberry.field(default="", description="Anything to add.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="The next stage of a Court of Protection application, and the request's "
    "idempotency key."
)
class RecordCourtOfProtectionStageInput:
    application_id: strawberry.ID = strawberry.field(description="The application.")
    stage: CourtOfProtectionStage = strawberry.field(
        description="The stage: one that may follow those recorded."
    )
    occurred_on: date = strawberry.field(
        description="The day it happened: not before the stage before it, not after today."
    )
    note: str = strawberry.field(
        default="", description="What happened: required when REFUSED or WITHDRAWN."
    )
    deputyship_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="With ORDER_MADE only, and then required: the client's deputyship as "
        "recorded with recordDeputyship.",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="An organisation to tell of a deputy order that the client's ledger does not "
    "show (R-ORD-2), and the request's idempotency key."
)
class AddDeputyshipNoticeOrganisationInput:
    deputyship_id: strawberry.ID = strawberry.field(description="The deputy order.")
    name: str = strawberry.field(description="The organisation's name.")
    kind: CounterpartyKind = strawberry.field(description="What kind of organisation it is.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A notice of the deputy order sent to an organisation (R-ORD-2), and the "
    "request's idempotency key."
)
class RecordDeputyshipNoticeSentInput:
    deputyship_id: strawberry.ID = strawberry.field(description="The deputy order.")
    organisation_id: strawberry.ID = strawberry.field(
        description="The notice's organisationId (a Counterparty, an organisation added, or "
        "an ExistingInvestment whose holder is told)."
    )
    sent_on: date = strawberry.field(
        description="The day it was sent: not before the order, not after today."
    )
    note: str = strawberry.field(default="", description="How it was sent, a reference.")
    idempotency_key: str = idempotency_key_field()
