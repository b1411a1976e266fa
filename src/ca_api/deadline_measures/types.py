"""GraphQL types of the deadline measures (issue 16 item 4): numbers only. No field here names
a client or returns a client type: the ``reporting`` role reads them."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.deadline_measures import service
from ca_api.reports.types import ReportCount


@strawberry.type(
    description="One promise's cases due in the period (R-REP-4): due = met + missed + open."
)
class DeadlineMeasure:
    measure: str = strawberry.field(
        description="The promise's stable key: DWP_APPOINTEESHIP_APPLICATION, INVOICE_PAYMENT, "
        "COUNCIL_INVOICE_PAYMENT, INVESTMENT_STATEMENT, ANNUAL_REVIEW, BUDGET_PLAN_REVIEW, "
        "WILL_COURT_NOTICE (more may be added)."
    )
    promise: str = strawberry.field(description="The promise as the policy makes it.")
    rules: str = strawberry.field(description="The rules and seed sections it comes from.")
    due: ReportCount = strawberry.field(description="Cases whose due date is in the period.")
    met: ReportCount = strawberry.field(description="Done on or before the due date.")
    missed: ReportCount = strawberry.field(
        description="Done after the due date, or not done and the due date before asOf."
    )
    open: ReportCount = strawberry.field(
        description="Not done, and due on asOf or later: still in time."
    )

    @staticmethod
    def of(m: service.MeasureCounts) -> DeadlineMeasure:
        c = m.cells
        return DeadlineMeasure(
            measure=m.key,
            promise=m.promise,
            rules=m.rules,
            due=ReportCount.of(c["due"]),
            met=ReportCount.of(c["met"]),
            missed=ReportCount.of(c["missed"]),
            open=ReportCount.of(c["open"]),
        )


@strawberry.type(
    description="Deadlines met and missed (R-REP-4, seed 002 B 31, D 3): each promise's cases "
    "due in a period, judged as of the council's today."
)
class DeadlinesReport:
    start: date = strawberry.field(name="from", description="The period's first day.")
    end: date = strawberry.field(name="to", description="The period's last day (included).")
    as_of: date = strawberry.field(
        description="The council's today, the day the cases are judged on: a case not done "
        "and due before it is missed; due on it or later, open."
    )
    suppressed_below: int | None = strawberry.field(
        description="The suppression threshold applied to your counts (policy figure "
        "report_small_count_suppression); null when you see every count plainly (officers, "
        "audit)."
    )
    measures: list[DeadlineMeasure] = strawberry.field(description="Each promise, in order.")

    @staticmethod
    def of(r: service.DeadlinesReport) -> DeadlinesReport:
        return DeadlinesReport(
            start=r.start,
            end=r.end,
            as_of=r.as_of,
            suppressed_below=r.suppression_threshold,
            measures=[DeadlineMeasure.of(m) for m in r.measures],
        )
