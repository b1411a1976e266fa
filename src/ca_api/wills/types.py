"""GraphQL types and enums of a client's wills and funeral, without the queries
(``wills/schema.py``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from ca_api.appointee_applications.inputs import DeadlineState
from ca_api.common.ids import node_id
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.decisions.types import DecisionStatus
from ca_api.payments.inputs import PaymentStatus
from ca_api.wills import rules
from ca_api.wills.models import FuneralWishes as WishesRow
from ca_api.wills.models import WillRecord as WillRow
from ca_api.wills.reads import FuneralPlanView, PlanPaymentView, WillsView, WillView

WillKind = rules.WillKind
graphql_enum(
    WillKind,
    "What was found (seed 002 B 21.1).",
    {
        WillKind.WILL: "A last will and testament.",
        WillKind.CODICIL: "A codicil: an addition to a will.",
    },
)
WillHolder = rules.WillHolder
graphql_enum(
    WillHolder,
    "Where a will is held (seed 002 B 21.2, B 24.1).",
    {
        WillHolder.COUNCIL_SAFE: "In the Client Affairs team's safe (B 21.2, B 24.1).",
        WillHolder.SOLICITOR: "By a solicitor (holder: the firm): told of the client's death "
        "(B 29.1), an item of the death's notification list.",
        WillHolder.CLIENT: "By the client.",
        WillHolder.OTHER: "Elsewhere (holder: where, e.g. a bank or a relative).",
    },
)


@strawberry.type(
    description="A record of a will or codicil (B 21.1-21.2). Never changed: a correction is a "
    "new record that supersedes it (R-AUD-2)."
)
class WillRecordEntry:
    kind: WillKind = strawberry.field(description="Will or codicil.")
    dated: date | None = strawberry.field(description="The date it bears; null: not known.")
    found_on: date = strawberry.field(description="The day the team found it.")
    held_by: WillHolder = strawberry.field(description="Where it is held.")
    holder: str | None = strawberry.field(
        description="The solicitor holding it, or where it is (required for SOLICITOR, OTHER)."
    )
    reference: str | None = strawberry.field(
        description="The holder's reference, or the safe's envelope number."
    )
    reason: str | None = strawberry.field(description="Why it corrects the one before; null.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, row: WillRow) -> WillRecordEntry:
        return cls(
            kind=WillKind(row.kind),
            dated=row.dated,
            found_on=row.found_on,
            held_by=WillHolder(row.held_by),
            holder=row.holder,
            reference=row.reference,
            reason=row.reason,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


@strawberry.type(
    description="A will or codicil of the client (seed 002 B 21, R-CARE-5) as it stands, and "
    "the notice to the Court of Protection, due immediately (B 21.1: the day it was found)."
)
class Will:
    will_id: strawberry.ID = strawberry.field(
        description="The will's id (its first record): give it to recordWillCourtNotice or to "
        "recordWill's correctsWillId."
    )
    current: WillRecordEntry = strawberry.field(description="The record as it stands.")
    history: list[WillRecordEntry] = strawberry.field(
        description="Every record of it, oldest first (corrections included)."
    )
    court_notice_due_on: date = strawberry.field(
        description="When the Court of Protection is to be told: the day it was first found "
        "(B 21.1 'notified immediately')."
    )
    court_notice_state: DeadlineState = strawberry.field(
        description="DUE (not sent, due today or later), MET (sent on the day found), MISSED "
        "(sent later, or not sent and the day has passed), as of today."
    )
    court_notified_on: date | None = strawberry.field(
        description="When the Court of Protection was told; null: not yet."
    )
    court_notified_by: str | None = strawberry.field(description="Who recorded it sent.")
    court_notice_reference: str | None = strawberry.field(description="The notice's reference.")

    @classmethod
    def of(cls, w: WillView) -> Will:
        n = w.notice
        return cls(
            will_id=node_id("Will", w.first.id),
            current=WillRecordEntry.of(w.current),
            history=[WillRecordEntry.of(r) for r in w.records],
            court_notice_due_on=w.notice_due_on,
            court_notice_state=w.notice_state,
            court_notified_on=n.sent_on if n is not None else None,
            court_notified_by=n.recorded_by if n is not None else None,
            court_notice_reference=n.reference if n is not None else None,
        )


@strawberry.type(
    description="The client's funeral wishes as recorded (B 28.1). Never changed: a correction "
    "is a new record that supersedes it (R-AUD-2)."
)
class FuneralWishesEntry:
    wishes: str = strawberry.field(description="What the client wishes for their funeral.")
    client_involved: bool = strawberry.field(description="Whether sought with the client.")
    source: str | None = strawberry.field(description="Who told the team, if not the client.")
    reason: str | None = strawberry.field(description="Why it corrects the one before; null.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, row: WishesRow) -> FuneralWishesEntry:
        return cls(
            wishes=row.wishes,
            client_involved=row.client_involved,
            source=row.source,
            reason=row.reason,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


@strawberry.type(description="A payment raised for a funeral plan.")
class FuneralPlanPayment:
    payment_id: strawberry.ID = strawberry.field(description="The payment.")
    status: PaymentStatus = strawberry.field(description="Where that payment stands.")
    raised_by: str = strawberry.field(description="Who raised it.")
    raised_at: datetime = strawberry.field(description="When it was raised.")

    @classmethod
    def of(cls, p: PlanPaymentView) -> FuneralPlanPayment:
        return cls(
            payment_id=node_id("Payment", p.row.payment_id),
            status=PaymentStatus(p.status),
            raised_by=p.row.recorded_by,
            raised_at=p.row.recorded_at,
        )


@strawberry.type(
    description="A funeral plan proposed for purchase from the client's funds (B 28.2, "
    "R-CARE-5): paid only once its best interest decision is approved."
)
class FuneralPlan:
    funeral_plan_id: strawberry.ID = strawberry.field(
        description="The plan's id: give it to raiseFuneralPlanPayment."
    )
    provider: str = strawberry.field(description="The funeral plan provider.")
    description: str = strawberry.field(description="What the plan is.")
    amount: Money = strawberry.field(description="Its price, paid from the client's funds.")
    payee_id: strawberry.ID = strawberry.field(description="The counterparty paid.")
    decision_id: strawberry.ID = strawberry.field(
        description="Its BEST_INTEREST decision (approveDecision, within the Appendix 2 limits)."
    )
    decision_status: DecisionStatus = strawberry.field(description="Where the decision stands.")
    payments: list[FuneralPlanPayment] = strawberry.field(
        description="The payments raised for it, oldest first (cancelled ones included)."
    )
    proposed_by: str = strawberry.field(description="Who proposed it.")
    proposed_at: datetime = strawberry.field(description="When it was proposed.")

    @classmethod
    def of(cls, v: FuneralPlanView) -> FuneralPlan:
        p = v.plan
        return cls(
            funeral_plan_id=node_id("FuneralPlan", p.id),
            provider=p.provider,
            description=p.description,
            amount=Money(p.amount),
            payee_id=node_id("Counterparty", p.counterparty_id),
            decision_id=node_id("Decision", p.decision_id),
            decision_status=DecisionStatus(v.decision_status),
            payments=[FuneralPlanPayment.of(x) for x in v.payments],
            proposed_by=p.recorded_by,
            proposed_at=p.recorded_at,
        )


@strawberry.type(
    description="A client's wills and funeral (issue 14 item 5; R-CARE-5, seed 002 B 21, B 28)."
)
class WillsAndFuneral:
    wills: list[Will] = strawberry.field(
        description="Each will or codicil, the earliest found first."
    )
    funeral_wishes: FuneralWishesEntry | None = strawberry.field(
        description="The funeral wishes as they stand; null: none recorded."
    )
    funeral_wishes_history: list[FuneralWishesEntry] = strawberry.field(
        description="Every record of the wishes, oldest first (corrections included)."
    )
    funeral_plans: list[FuneralPlan] = strawberry.field(
        description="The funeral plans proposed, oldest first."
    )

    @classmethod
    def of(cls, v: WillsView) -> WillsAndFuneral:
        return cls(
            wills=[Will.of(w) for w in v.wills],
            funeral_wishes=FuneralWishesEntry.of(v.wishes[-1]) if v.wishes else None,
            funeral_wishes_history=[FuneralWishesEntry.of(w) for w in v.wishes],
            funeral_plans=[FuneralPlan.of(p) for p in v.plans],
        )
