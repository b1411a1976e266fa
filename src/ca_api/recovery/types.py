"""GraphQL types and enums of recovery of capacity, without the queries (``recovery/schema.py``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from ca_api.common.ids import node_id
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.files.types import StoredFile
from ca_api.payments.inputs import PaymentStatus
from ca_api.recovery import rules
from ca_api.recovery.models import RecoveryOrder as OrderRow
from ca_api.recovery.reads import HandoverView, RecoveryView

TYPE_NAME = "RecoveryOfCapacity"

RecoveryOutstandingStep = rules.RecoveryStep
graphql_enum(
    RecoveryOutstandingStep,
    "What still keeps a living client's case open (R-ORD-5, seed 002 B 27).",
    {
        RecoveryOutstandingStep.MONEY: "An account not at zero: money to hand back (or to bring "
        "home first from the Court Funds Office or a placement), or held for a payment.",
        RecoveryOutstandingStep.VALUABLES: "Items in the team's safe or checked out, not yet "
        "returned (returnValuable).",
    },
)


@strawberry.type(description="One thing still held for the client that keeps the case open.")
class RecoveryOutstanding:
    step: RecoveryOutstandingStep = strawberry.field(description="What it is.")
    count: int = strawberry.field(description="How many (accounts: 1; items in the safe).")
    amount: Money | None = strawberry.field(description="The account's balance; null for items.")
    detail: str = strawberry.field(description="What it is and what to do, in words.")

    @classmethod
    def of(cls, o: rules.Outstanding) -> RecoveryOutstanding:
        return cls(
            step=o.step,
            count=o.count,
            amount=Money(o.amount) if o.amount is not None else None,
            detail=o.detail,
        )


@strawberry.type(
    description="A record of the court's order (R-ORD-5, seed 002 B 27). Never changed: a "
    "correction is a new record that supersedes it (R-AUD-2)."
)
class RecoveryOrderRecord:
    order_date: date = strawberry.field(
        description="The date of the court's order: the deputyship's last day in force."
    )
    court_reference: str = strawberry.field(description="The court's reference of the order.")
    medical_evidence: str | None = strawberry.field(
        description="The medical evidence the court had (B 27.2), as recorded."
    )
    reason: str | None = strawberry.field(
        description="Why it corrects the record before it; null for the first."
    )
    corrects_previous: bool = strawberry.field(
        description="Whether it supersedes an earlier record (R-AUD-2)."
    )
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, row: OrderRow) -> RecoveryOrderRecord:
        return cls(
            order_date=row.order_date,
            court_reference=row.court_reference,
            medical_evidence=row.medical_evidence,
            reason=row.reason,
            corrects_previous=row.supersedes_id is not None,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


@strawberry.type(
    description="A payment handing the client's money back to them (R-ORD-5): the payment (a "
    "Payment: approvePayment, makePayment) and the evidence of where it goes."
)
class HandoverPayment:
    payment_id: strawberry.ID = strawberry.field(description="The payment.")
    amount: Money = strawberry.field(description="How much it hands back.")
    status: PaymentStatus = strawberry.field(description="Where that payment stands.")
    evidence: str = strawberry.field(
        description="The evidence of where the money goes (e.g. the client's bank statement "
        "showing the account in their own name)."
    )
    evidence_file: StoredFile | None = strawberry.field(
        description="The evidence as a file (PDF, JPEG or PNG), if one was given."
    )
    raised_by: str = strawberry.field(description="Who raised it.")
    raised_at: datetime = strawberry.field(description="When it was raised.")

    @classmethod
    def of(cls, h: HandoverView) -> HandoverPayment:
        return cls(
            payment_id=node_id("Payment", h.row.payment_id),
            amount=Money(h.amount),
            status=PaymentStatus(h.status),
            evidence=h.row.evidence,
            evidence_file=StoredFile.of(h.evidence_file) if h.evidence_file else None,
            raised_by=h.row.recorded_by,
            raised_at=h.row.recorded_at,
        )


@strawberry.type(
    description="A client's recovery of capacity (issue 14 item 7; R-ORD-5, seed 002 B 27): the "
    "court's order that they can manage their own affairs (which ended the deputyship), the "
    "payments handing their money back, what is still held, and whether the case is closed."
)
class RecoveryOfCapacity:
    recovery_id: strawberry.ID = strawberry.field(description="The recovery's id.")
    client_id: strawberry.ID = strawberry.field(description="The client.")
    deputyship_id: strawberry.ID = strawberry.field(
        description="The deputyship the order ended (its endDate is the order's date)."
    )
    order_date: date = strawberry.field(description="The order's date, as it stands.")
    court_reference: str = strawberry.field(description="The court's reference, as it stands.")
    medical_evidence: str | None = strawberry.field(
        description="The medical evidence (B 27.2), as it stands."
    )
    history: list[RecoveryOrderRecord] = strawberry.field(
        description="Every record of the order, oldest first (corrections included)."
    )
    handovers: list[HandoverPayment] = strawberry.field(
        description="The payments handing money back, oldest first."
    )
    outstanding: list[RecoveryOutstanding] = strawberry.field(
        description="What is still held for the client: every account not at zero, the items "
        "in the safe. Empty: the case may close (closeRecoveredCase)."
    )
    closed: bool = strawberry.field(description="Whether the client's case is CLOSED.")

    @classmethod
    def of(cls, view: RecoveryView) -> RecoveryOfCapacity:
        r = view.record
        return cls(
            recovery_id=node_id(TYPE_NAME, view.first.id),
            client_id=node_id("Client", r.client_id),
            deputyship_id=node_id("Deputyship", r.deputyship_id),
            order_date=r.order_date,
            court_reference=r.court_reference,
            medical_evidence=r.medical_evidence,
            history=[RecoveryOrderRecord.of(x) for x in view.records],
            handovers=[HandoverPayment.of(h) for h in view.handovers],
            outstanding=[RecoveryOutstanding.of(o) for o in view.outstanding],
            closed=view.closed,
        )
