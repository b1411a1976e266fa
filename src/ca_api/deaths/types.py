"""GraphQL types and enums of a client's death, without the queries (``deaths/schema.py``), so
``Client.death`` (clients/schema.py) can name them without an import cycle."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import strawberry
from strawberry.types import Info

from ca_api.common import loaders
from ca_api.common.ids import encode_id
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.context import Context
from ca_api.deaths import rules
from ca_api.deaths.models import WindUpFee as WindUpFeeRow
from ca_api.deaths.reads import DeathView, deaths_of_clients
from ca_api.deaths.wind_up_fee import wind_up_fees_of_clients

DeathStatus = rules.DeathStatus
graphql_enum(
    DeathStatus,
    "Where a recorded death stands (issue 13, R-ROLE-2).",
    {
        DeathStatus.PENDING_CONFIRMATION: "Recorded; a second officer (not whoever recorded it, "
        "R-ROLE-2) must confirm it. Nothing has taken effect.",
        DeathStatus.CONFIRMED: "Confirmed: the client is DECEASED_WINDING_UP, standing "
        "payments and the personal allowance stopped, and money leaves only on a winding-up "
        "basis (seed 002 B 29).",
        DeathStatus.WITHDRAWN: "Recorded in error and withdrawn before anyone confirmed it "
        "(withdrawDeath, with the reason in the audit trail): it never took effect, and the "
        "client's death may be recorded afresh.",
    },
)
WindingUpBasis = rules.WindingUpBasis
graphql_enum(
    WindingUpBasis,
    "On what basis a payment after a client's confirmed death is made: the order's authority "
    "ended at death (seed 002 B 29).",
    {
        WindingUpBasis.FUNERAL: "The funeral's costs.",
        WindingUpBasis.DEBT_BEFORE_DEATH: "An invoice for goods or services up to and including "
        "the date of death (B 29.2, R-DEATH-2); one dated later is queried, not paid as a debt.",
        WindingUpBasis.WIND_UP_FEE: "The council's wind-up fee (B 29.4, R-FEE-5).",
        WindingUpBasis.REPAYMENT: "A repayment: a benefit overpayment back to the paying "
        "agency, temporary assistance back to the council (B 29.2).",
        WindingUpBasis.ESTATE: "The estate: to the executor, next of kin or Treasury Solicitor "
        "(B 29.3-29.6, R-DEATH-3, R-DEATH-4).",
    },
)


@strawberry.type(
    description="The council's wind-up fee taken from a deceased client (R-FEE-5, seed 002 "
    "B 29.4): once per client, the figure in force on the date of death."
)
class WindUpFee:
    amount: Money = strawberry.field(description="How much was taken.")
    figure_effective_from: date = strawberry.field(
        description="The policy figure's version: the date the figure used came into force "
        "(the one in force on the date of death; agreed yearly by Cabinet, B 6.5)."
    )
    charged_on: date = strawberry.field(description="The day it was taken.")
    charged_by: str = strawberry.field(description="Who took it.")
    charged_at: datetime = strawberry.field(description="When it was recorded.")
    transfer_id: strawberry.ID = strawberry.field(
        description="The ledger transfer that moved it from the client's CMS account to the "
        "council."
    )

    @classmethod
    def of(cls, row: WindUpFeeRow) -> WindUpFee:
        return cls(
            amount=Money(row.amount),
            figure_effective_from=row.figure_effective_from,
            charged_on=row.charged_on,
            charged_by=row.recorded_by,
            charged_at=row.recorded_at,
            transfer_id=strawberry.ID(encode_id("Transfer", row.transfer_id)),
        )


async def wind_up_fee_of(ctx: Context, client_id: uuid.UUID) -> WindUpFee | None:
    """The client's wind-up fee (None: not charged), through the request's one loader."""
    row = await loaders.one(ctx, "deaths.wind_up_fee", wind_up_fees_of_clients).load(client_id)
    return WindUpFee.of(row) if row is not None else None


async def _death_wind_up_fee(root: Death, info: Info[Context, None]) -> WindUpFee | None:
    return await wind_up_fee_of(info.context, root.client_id)


@strawberry.type(
    description="A client's death as recorded (issue 13): it takes effect once a second officer "
    "confirms it (R-ROLE-2)."
)
class Death:
    died_on: date = strawberry.field(description="The date of death.")
    certificate_reference: str = strawberry.field(
        description="How it was verified: the death certificate's reference."
    )
    notes: str | None = strawberry.field(description="Anything else noted when it was recorded.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    status: DeathStatus = strawberry.field(description="Where it stands.")
    confirmed_by: str | None = strawberry.field(
        description="Who confirmed it (never whoever recorded it); null until then."
    )
    confirmed_at: datetime | None = strawberry.field(
        description="When it was confirmed; null until then."
    )
    client_id: strawberry.Private[uuid.UUID]

    wind_up_fee: WindUpFee | None = strawberry.field(
        resolver=_death_wind_up_fee,
        description="The council's wind-up fee taken (R-FEE-5, B 29.4); null until charged "
        "(chargeWindUpFee).",
    )

    @classmethod
    def of(cls, view: DeathView) -> Death:
        d, e = view.death, view.confirmed
        return cls(
            died_on=d.died_on,
            certificate_reference=d.certificate_reference,
            notes=d.notes,
            recorded_by=d.recorded_by,
            recorded_at=d.recorded_at,
            status=view.status,
            confirmed_by=e.recorded_by if e is not None else None,
            confirmed_at=e.recorded_at if e is not None else None,
            client_id=d.client_id,
        )


async def death_of(ctx: Context, client_id: uuid.UUID) -> Death | None:
    """The client's recorded death (None: none recorded), through the request's one loader."""
    view = await loaders.one(ctx, "deaths.by_client", deaths_of_clients).load(client_id)
    return Death.of(view) if view is not None else None


NotificationRecipient = rules.NotificationRecipient
graphql_enum(
    NotificationRecipient,
    "Whom the team tells of a client's death (R-DEATH-1, seed 002 B 29.1).",
    {
        NotificationRecipient.COURT_OF_PROTECTION: "The Court of Protection (the council is "
        "deputy).",
        NotificationRecipient.DWP: "The DWP (the council is appointee, or a DWP counterparty "
        "paid the client: each one).",
        NotificationRecipient.CARE_MANAGEMENT: "The ASC Care Management team (through the outbox).",
        NotificationRecipient.SERVICE_AGREEMENT_TEAM: "The ASC Service Agreement team (through "
        "the outbox).",
        NotificationRecipient.INCOME_RECOVERY: "The BSD Income Recovery team (through the outbox).",
        NotificationRecipient.FINANCIAL_ASSESSMENT: "The ASC Financial Assessment team "
        "(through the outbox).",
        NotificationRecipient.HOUSING_BENEFIT: "Housing Benefit (through the outbox).",
        NotificationRecipient.COMPANY: "A company or organisation the client dealt with (the "
        "ledger's counterparties, invoices' suppliers, investments' holders; or added).",
        NotificationRecipient.COURT_FUNDS_OFFICE: "The OPG Court Funds Office (money lodged).",
        NotificationRecipient.CARE_PROVIDER: "The client's care provider.",
        NotificationRecipient.SOCIAL_WORKER: "The social worker or care worker.",
        NotificationRecipient.WILL_SOLICITOR: "The solicitor holding the will: each will "
        "recorded (recordWill) as held by a SOLICITOR, or one added by an officer.",
    },
    name="DeathNotificationRecipient",
)
NotificationChannel = rules.NotificationChannel
graphql_enum(
    NotificationChannel,
    "How a death notification goes.",
    {
        NotificationChannel.COUNCIL_TEAM: "To another council team through the outbox, written "
        "when the death is confirmed; sent when its outbox message is recorded SENT.",
        NotificationChannel.LETTER: "A letter an officer sends and records as sent.",
    },
    name="DeathNotificationChannel",
)
