"""GraphQL types and enums of benefit overpayments after a client's death (issue 13 item 3,
R-DEATH-2, seed 002 B 29.2), without the queries and mutations (``overpayments/schema.py``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import strawberry
from strawberry.types import Info

from ca_api.clients.schema import Client, client_of
from ca_api.common import loaders
from ca_api.common.ids import node_id
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.context import Context
from ca_api.invoices.types import counterparty
from ca_api.ledger.types import Counterparty
from ca_api.overpayments import rules, service
from ca_api.overpayments.models import RepaymentRequest
from ca_api.overpayments.reads import OverpaymentView
from ca_api.payments import views as payments
from ca_api.payments.schema import Payment
from ca_api.receipts import service as receipts
from ca_api.receipts.schema import Receipt

OverpaymentStatus = rules.OverpaymentStatus
graphql_enum(
    OverpaymentStatus,
    "Where a benefit overpayment after a client's death stands (R-DEATH-2, seed 002 B 29.2).",
    {
        OverpaymentStatus.HELD: "Flagged and held back in the client's account, awaiting the "
        "paying agency's request (or its word that nothing is owed).",
        OverpaymentStatus.REPAYMENT_REQUESTED: "The agency asked: the repayment is raised or "
        "approved, not yet made (approvePayment, makePayment).",
        OverpaymentStatus.REPAID: "The repayment was made to the agency.",
        OverpaymentStatus.REPAYMENT_CANCELLED: "Its repayment's payment was cancelled: still "
        "outstanding, and no longer held; the wind-up fee and the estate wait until it is "
        "requested again or released.",
        OverpaymentStatus.RELEASED: "Released: the agency says nothing is owed; the money joins "
        "the estate.",
    },
    name="BenefitOverpaymentStatus",
)


def overpayment_id(value: uuid.UUID) -> strawberry.ID:
    return node_id("BenefitOverpayment", value)


async def _receipt(ctx: Context, transfer_id: uuid.UUID) -> Receipt | None:
    record = await loaders.one(
        ctx,
        "overpayments.receipts",
        lambda s, ids: receipts.receipts_by_id(s, ctx.principal, ids),
    ).load(transfer_id)
    return Receipt.from_record(record) if record is not None else None


async def _payment(ctx: Context, payment_id: uuid.UUID) -> Payment | None:
    view = await loaders.one(
        ctx,
        "overpayments.payments",
        lambda s, ids: payments.payments_by_id(s, ctx.principal, ids),
    ).load(payment_id)
    return Payment.from_view(view) if view is not None else None


async def _agency(root: OverpaymentRepaymentRequest, info: Info[Context, None]) -> Counterparty:
    return await counterparty(info.context, root.payer_id)


async def _request_payment(
    root: OverpaymentRepaymentRequest, info: Info[Context, None]
) -> Payment | None:
    return await _payment(info.context, root.payment_id)


async def _request_overpayments(
    root: OverpaymentRepaymentRequest, info: Info[Context, None]
) -> list[BenefitOverpayment]:
    views = await service.overpayments_of_request(info.context.session, root.id_)
    return [BenefitOverpayment.of(v) for v in views]


@strawberry.type(
    description="The paying agency's request to repay benefit overpayments (seed 002 B 29.2), "
    "and the repayment raised for it."
)
class OverpaymentRepaymentRequest:
    id_: strawberry.Private[uuid.UUID]
    payer_id: strawberry.Private[uuid.UUID]
    payment_id: strawberry.Private[uuid.UUID]

    request_id: strawberry.ID = strawberry.field(description="The request's id.")
    agency_reference: str = strawberry.field(description="The agency's reference for its request.")
    requested_on: date = strawberry.field(description="The date the agency asked.")
    amount: Money = strawberry.field(description="The amount the agency asked for (its figure).")
    agency: Counterparty = strawberry.field(
        resolver=_agency, description="The paying agency, paid the repayment."
    )
    payment: Payment | None = strawberry.field(
        resolver=_request_payment,
        description="The repayment (winding-up basis REPAYMENT), approved and made like every "
        "payment; null to a caller who may not read it.",
    )
    overpayments: list[BenefitOverpayment] = strawberry.field(
        resolver=_request_overpayments,
        description="The overpayments (receipts) the repayment returns, oldest receipt first.",
    )
    recorded_by: str = strawberry.field(description="Who recorded the request.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, row: RepaymentRequest) -> OverpaymentRepaymentRequest:
        return cls(
            id_=row.id,
            payer_id=row.payer_id,
            payment_id=row.payment_id,
            request_id=node_id("OverpaymentRepaymentRequest", row.id),
            agency_reference=row.agency_reference,
            requested_on=row.requested_on,
            amount=Money(row.amount),
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


async def _client(root: BenefitOverpayment, info: Info[Context, None]) -> Client:
    return await client_of(info.context, root.view.row.client_id)


async def _receipt_of(root: BenefitOverpayment, info: Info[Context, None]) -> Receipt | None:
    return await _receipt(info.context, root.view.row.receipt_transfer_id)


async def _payer(root: BenefitOverpayment, info: Info[Context, None]) -> Counterparty:
    return await counterparty(info.context, root.view.row.payer_id)


@strawberry.type(
    description="A likely overpayment: the share of a benefit or pension receipt covering days "
    "after the client's date of death (R-DEATH-2, seed 002 B 29.2), held back until the paying "
    "agency asks for it or says nothing is owed."
)
class BenefitOverpayment:
    view: strawberry.Private[OverpaymentView]

    overpayment_id: strawberry.ID = strawberry.field(
        description="The overpayment's id (give it to the mutations)."
    )
    client: Client = strawberry.field(resolver=_client, description="The deceased client.")
    receipt: Receipt | None = strawberry.field(
        resolver=_receipt_of, description="The receipt it is part of."
    )
    payer: Counterparty = strawberry.field(
        resolver=_payer, description="Who paid it: the agency that may ask for it back."
    )
    days_after_death: int | None = strawberry.field(
        description="Days of the receipt's period after the date of death; null for a receipt "
        "with no period (all of it flagged when received after the death)."
    )
    days_in_period: int | None = strawberry.field(
        description="Days in the receipt's period (inclusive); null: no period."
    )
    amount_flagged: Money = strawberry.field(
        description="The share flagged as overpaid: the amount times the days after death over "
        "the days in the period, rounded half-up to the penny."
    )
    amount_held: Money = strawberry.field(
        description="What was held back when it was flagged: less than flagged when money had "
        "been spent before the death was confirmed."
    )
    shortfall: Money = strawberry.field(
        description="What could not be held when it was flagged (flagged - held)."
    )
    held_now: Money = strawberry.field(
        description="What is held back for it now: 0 once requested (the repayment holds it "
        "when approved), released or repaid, but for a remainder the agency did not ask for."
    )
    status: OverpaymentStatus = strawberry.field(description="Where it stands.")
    outstanding: bool = strawberry.field(
        description="Neither repaid nor released (or money still held for it): the estate "
        "and the case's closure wait for it."
    )
    flagged_by: str = strawberry.field(
        description="Who flagged it (who confirmed the death or recorded the receipt)."
    )
    flagged_at: datetime = strawberry.field(description="When it was flagged.")
    hold_transfer_id: strawberry.ID | None = strawberry.field(
        description="Its hold in the ledger now (while its repayment awaits approval, the "
        "share the agency asked for; heldNow counts any remainder too); null when none is open."
    )
    request: OverpaymentRepaymentRequest | None = strawberry.field(
        description="The latest repayment request covering it; null: none."
    )
    amount_requested: Money | None = strawberry.field(
        description="Its share of the latest request's amount; null: none."
    )
    release_reason: str | None = strawberry.field(description="Why it was released; null if not.")
    released_by: str | None = strawberry.field(description="Who released it; null if not.")
    released_at: datetime | None = strawberry.field(
        description="When it was released; null if not."
    )

    @classmethod
    def of(cls, v: OverpaymentView) -> BenefitOverpayment:
        row, latest, release = v.row, v.latest, v.release
        hold = v.current_hold_ids[0] if v.current_hold_ids else None
        return cls(
            view=v,
            overpayment_id=overpayment_id(row.id),
            days_after_death=row.days_after_death,
            days_in_period=row.days_in_period,
            amount_flagged=Money(row.amount_flagged),
            amount_held=Money(row.amount_held),
            shortfall=Money(v.shortfall),
            held_now=Money(v.held_now),
            status=v.status,
            outstanding=v.outstanding,
            flagged_by=row.recorded_by,
            flagged_at=row.recorded_at,
            hold_transfer_id=node_id("Transfer", hold) if hold is not None else None,
            request=OverpaymentRepaymentRequest.of(latest.request) if latest else None,
            amount_requested=Money(latest.item.amount) if latest else None,
            release_reason=release.reason if release else None,
            released_by=release.recorded_by if release else None,
            released_at=release.recorded_at if release else None,
        )
