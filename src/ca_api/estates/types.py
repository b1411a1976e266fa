"""GraphQL types and enums of a deceased client's estate, without the queries
(``estates/schema.py``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from ca_api.common.ids import encode_id
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.estates import rules
from ca_api.estates.models import EstateClaimant as ClaimantRow
from ca_api.estates.models import EstateReferral as ReferralRow
from ca_api.estates.reads import EstatePaymentView, EstateView
from ca_api.payments.inputs import PaymentStatus

ClaimantKind = rules.ClaimantKind
graphql_enum(
    ClaimantKind,
    "Who takes a deceased client's estate (seed 002 B 29.3-29.4, R-DEATH-3).",
    {
        ClaimantKind.EXECUTOR: "The executor of a valid will the council holds (B 29.3): the "
        "will's reference and date, the grant of probate if any.",
        ClaimantKind.NEXT_OF_KIN: "The next of kin: an entitled relative under the intestacy "
        "rules, with the relationship and the evidence of it.",
    },
    name="EstateClaimantKind",
)
EstateRoute = rules.EstateRoute
graphql_enum(
    EstateRoute,
    "Where a deceased client's estate went (R-DEATH-3, R-DEATH-4, seed 002 B 29.3-29.6).",
    {
        EstateRoute.EXECUTOR: "Paid to the executor, whatever its size.",
        EstateRoute.NEXT_OF_KIN: "Paid to the next of kin, whatever its size.",
        EstateRoute.KEPT_BY_COUNCIL: "No executor or next of kin and the small-estate limit or "
        "below (B 29.5: '£500 and below'): kept by the council, paid to its own counterparty "
        "'Client Affairs small estates' as the service's income.",
        EstateRoute.TREASURY_SOLICITOR: "No executor or next of kin and over the small-estate "
        "limit (B 29.6): paid to the Treasury Solicitor (Bona Vacantia) once referred.",
    },
)
EstateStage = rules.EstateStage
graphql_enum(
    EstateStage,
    "What is outstanding of a deceased client's estate.",
    {
        EstateStage.AWAITING_REFERRAL: "No executor or next of kin, over the small-estate limit, "
        "and no Treasury Solicitor referral recorded.",
        EstateStage.NOT_RAISED: "Money to pay and no estate payment raised.",
        EstateStage.RAISED: "The estate payment raised or approved, not yet made.",
        EstateStage.PAID: "The estate payment made.",
        EstateStage.NIL: "Nothing left in the CMS account and no estate payment: a nil estate.",
    },
)


@strawberry.type(
    description="Who takes a deceased client's estate as recorded (B 29.3, R-DEATH-3). Never "
    "changed: a correction is a new record that supersedes it (R-AUD-2)."
)
class EstateClaimant:
    kind: ClaimantKind = strawberry.field(description="Executor or next of kin.")
    name: str = strawberry.field(description="Their name.")
    will_reference: str | None = strawberry.field(description="An executor's: the will.")
    will_dated: date | None = strawberry.field(description="An executor's: the will's date.")
    probate_reference: str | None = strawberry.field(
        description="An executor's: the grant of probate, if granted."
    )
    probate_granted_on: date | None = strawberry.field(
        description="An executor's: when probate was granted."
    )
    relationship: str | None = strawberry.field(
        description="Next of kin's: how they are related to the client."
    )
    evidence: str | None = strawberry.field(
        description="Next of kin's: the evidence of the relationship."
    )
    counterparty_id: strawberry.ID = strawberry.field(
        description="The counterparty the estate is paid to."
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
    def of(cls, row: ClaimantRow) -> EstateClaimant:
        return cls(
            kind=ClaimantKind(row.kind),
            name=row.name,
            will_reference=row.will_reference,
            will_dated=row.will_dated,
            probate_reference=row.probate_reference,
            probate_granted_on=row.probate_granted_on,
            relationship=row.relationship,
            evidence=row.evidence,
            counterparty_id=strawberry.ID(encode_id("Counterparty", row.counterparty_id)),
            reason=row.reason,
            corrects_previous=row.supersedes_id is not None,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


@strawberry.type(
    description="A deceased client's estate referred to the Treasury Solicitor (Bona "
    "Vacantia, seed 002 B 29.6, R-DEATH-4)."
)
class TreasurySolicitorReferral:
    referred_on: date = strawberry.field(description="When it was referred.")
    reference: str = strawberry.field(description="The Bona Vacantia reference.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, row: ReferralRow) -> TreasurySolicitorReferral:
        return cls(
            referred_on=row.referred_on,
            reference=row.reference,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


@strawberry.type(
    description="An estate payment raised (R-DEATH-3, R-DEATH-4): where the estate went and on "
    "what figures; the payment carries it through approval (approvePayment, makePayment)."
)
class EstatePayment:
    route: EstateRoute = strawberry.field(description="Where the estate goes.")
    amount: Money = strawberry.field(
        description="The estate: the whole available balance of the CMS account when raised."
    )
    small_estate_limit: Money = strawberry.field(
        description="The small-estate limit in force on the date of death (policy figure "
        "small_estate_limit), the estate compared with it when no claimant was recorded."
    )
    limit_effective_from: date = strawberry.field(
        description="The date the limit used came into force."
    )
    payment_id: strawberry.ID = strawberry.field(description="The payment that carries it.")
    payment_status: PaymentStatus = strawberry.field(description="Where that payment stands.")
    raised_by: str = strawberry.field(description="Who raised it.")
    raised_at: datetime = strawberry.field(description="When it was raised.")

    @classmethod
    def of(cls, p: EstatePaymentView) -> EstatePayment:
        row = p.row
        return cls(
            route=EstateRoute(row.route),
            amount=Money(row.amount),
            small_estate_limit=Money(row.limit_amount),
            limit_effective_from=row.limit_effective_from,
            payment_id=strawberry.ID(encode_id("Payment", row.payment_id)),
            payment_status=PaymentStatus(p.status),
            raised_by=row.recorded_by,
            raised_at=row.recorded_at,
        )


@strawberry.type(
    description="A deceased client's estate (issue 13 item 5; R-DEATH-3, R-DEATH-4, seed 002 "
    "B 29.3-29.6): who takes it, the Treasury Solicitor referral, the estate payment, and "
    "whether the case is closed."
)
class Estate:
    claimant: EstateClaimant | None = strawberry.field(
        description="Who takes it now: the executor or next of kin; null: none recorded."
    )
    claimant_history: list[EstateClaimant] = strawberry.field(
        description="Every record of who takes it, oldest first (corrections included)."
    )
    referral: TreasurySolicitorReferral | None = strawberry.field(
        description="The Treasury Solicitor referral; null: none."
    )
    payment: EstatePayment | None = strawberry.field(
        description="The estate payment that stands (the last not cancelled); null: none raised."
    )
    payments: list[EstatePayment] = strawberry.field(
        description="Every estate payment raised, oldest first (cancelled ones included)."
    )
    stage: EstateStage | None = strawberry.field(
        description="What is outstanding of it; null while no death is confirmed."
    )
    closed: bool = strawberry.field(description="Whether the client's case is CLOSED.")

    @classmethod
    def of(cls, view: EstateView, stage: rules.EstateStage | None) -> Estate:
        claimant, payment = view.claimant, view.payment
        return cls(
            claimant=EstateClaimant.of(claimant) if claimant is not None else None,
            claimant_history=[EstateClaimant.of(c) for c in view.claimants],
            referral=TreasurySolicitorReferral.of(view.referral) if view.referral else None,
            payment=EstatePayment.of(payment) if payment is not None else None,
            payments=[EstatePayment.of(p) for p in view.payments],
            stage=stage,
            closed=view.closed,
        )
