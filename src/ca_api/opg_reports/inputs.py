"""GraphQL inputs of the OPG annual report (issue 15): one ``input:`` per mutation, with its
idempotency key."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.arguments import idempotency_key_field
from ca_api.opg_reports.types import OpgFreeTextSection

REPORT = "The report."


@strawberry.input(description="The deputy client whose next report to open, and the key.")
class OpenOpgReportInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The report to generate a new version of from the ledger.")
class GenerateOpgReportInput:
    report_id: strawberry.ID = strawberry.field(description=REPORT)
    reason: str | None = strawberry.field(default=None, description="Why, if worth saying.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The officer's text for one section of the report.")
class RecordOpgReportTextInput:
    report_id: strawberry.ID = strawberry.field(description=REPORT)
    section: OpgFreeTextSection = strawberry.field(description="The section.")
    text: str = strawberry.field(description="The text (replaces the section's last).")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The report to send for review (OPEN -> PREPARED), and the key.")
class PrepareOpgReportInput:
    report_id: strawberry.ID = strawberry.field(description=REPORT)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The report to approve (PREPARED -> APPROVED), and the key.")
class ApproveOpgReportInput:
    report_id: strawberry.ID = strawberry.field(description=REPORT)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The report to return to OPEN, why, and the key.")
class ReturnOpgReportInput:
    report_id: strawberry.ID = strawberry.field(description=REPORT)
    reason: str = strawberry.field(description="Why: required.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The submitted report to correct by a new version, why, and the key.")
class CorrectOpgReportInput:
    report_id: strawberry.ID = strawberry.field(description=REPORT)
    reason: str = strawberry.field(description="Why: required.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The report submitted to the OPG: the date and its reference.")
class MarkOpgReportSubmittedInput:
    report_id: strawberry.ID = strawberry.field(description=REPORT)
    submitted_on: date = strawberry.field(
        description="When it was submitted: after the period's end, not in the future."
    )
    opg_reference: str = strawberry.field(description="The OPG's reference for it.")
    idempotency_key: str = idempotency_key_field()
