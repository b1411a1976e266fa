"""GraphQL of a client's death (issue 13): thin. Casework records it, a senior officer who did
not record it confirms it (R-ROLE-2); officers and audit read it (``Client.death``) and the list
of clients being wound up."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    DEATH_CONFIRM,
    DEATH_READ,
    DEATH_RECORD,
    WIND_UP_FEE_CHARGE,
    allow,
)
from ca_api.clients.schema import Client, client_of, readable_client_id
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    FourEyesProblem,
    IdempotencyKeyReusedProblem,
    InsufficientFundsProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.context import Context
from ca_api.deaths import notifications, recording, wind_up_fee
from ca_api.deaths.types import Death, NotificationChannel, NotificationRecipient, WindUpFee


@strawberry.type(description="A client's death as the mutation left it.")
class DeathPayload:
    client: Client = strawberry.field(description="The client, with their death.")
    death: Death = strawberry.field(description="The death as it now stands.")
    replayed: bool = replayed_field()


async def _payload(info: Info[Context, None], done: recording.DeathOutcome) -> DeathPayload:
    client = await client_of(info.context, done.view.death.client_id)
    return DeathPayload(client=client, death=Death.of(done.view), replayed=done.replayed)


@strawberry.input(description="A client's death to record, and the request's idempotency key.")
class RecordDeathInput:
    client_id: strawberry.ID = strawberry.field(description="The client who died.")
    died_on: date = strawberry.field(
        description="The date of death: not in the future, not before the client's birth."
    )
    certificate_reference: str = strawberry.field(
        description="How it was verified: the death certificate's reference."
    )
    notes: str | None = strawberry.field(default=None, description="Anything else to note.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The client whose death, recorded in error, to withdraw.")
class WithdrawDeathInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    reason: str = strawberry.field(description="Why the record was wrong.")
    idempotency_key: str = idempotency_key_field()


WithdrawDeathResult = Annotated[
    DeathPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "WithdrawDeathResult",
        description="The death withdrawn, or why not: no reason, none recorded, confirmed "
        "already (a confirmed death stands).",
    ),
]


@strawberry.input(description="The client whose recorded death to confirm, and the key.")
class ConfirmDeathInput:
    client_id: strawberry.ID = strawberry.field(description="The client whose death to confirm.")
    idempotency_key: str = idempotency_key_field()


RecordDeathResult = Annotated[
    DeathPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordDeathResult",
        description="The death recorded (PENDING_CONFIRMATION), or why not: a date in the "
        "future or before birth, a death recorded already.",
    ),
]
ConfirmDeathResult = Annotated[
    DeathPayload
    | FourEyesProblem
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "ConfirmDeathResult",
        description="The death confirmed, or why not: you recorded it (R-ROLE-2), none "
        "recorded, confirmed already.",
    ),
]


@strawberry.type
class DeathMutation:
    @strawberry.mutation(
        extensions=allow(DEATH_RECORD),
        description="Record a client's death (issue 13): the date and the death certificate's "
        "reference. It takes effect only once a second officer confirms it (confirmDeath).",
    )
    async def record_death(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordDeathInput, strawberry.argument(description="The death, and the key.")
        ],
    ) -> RecordDeathResult:
        done = await as_caller(
            info,
            recording.record_death,
            decode_uuid("Client", input.client_id),
            input.died_on,
            input.certificate_reference,
            input.notes,
            idempotency_key=input.idempotency_key,
        )
        return await _payload(info, done)

    @strawberry.mutation(
        extensions=allow(DEATH_CONFIRM),
        description="Confirm a client's recorded death: never by whoever recorded it (R-ROLE-2). "
        "It takes effect: the client DECEASED_WINDING_UP, standing payments and the personal "
        "allowance stopped, money leaving only on a winding-up basis (seed 002 B 29).",
    )
    async def confirm_death(
        self,
        info: Info[Context, None],
        input: Annotated[
            ConfirmDeathInput, strawberry.argument(description="Whose death, and the key.")
        ],
    ) -> ConfirmDeathResult:
        done = await as_caller(
            info,
            recording.confirm_death,
            decode_uuid("Client", input.client_id),
            idempotency_key=input.idempotency_key,
        )
        return await _payload(info, done)

    @strawberry.mutation(
        extensions=allow(DEATH_CONFIRM),
        description="Withdraw a client's death recorded in error, before anyone confirms it, with "
        "the reason (R-AUD-2: the record stays, marked WITHDRAWN); nothing had taken effect, and "
        "the death may be recorded afresh. A confirmed death is not withdrawn.",
    )
    async def withdraw_death(
        self,
        info: Info[Context, None],
        input: Annotated[
            WithdrawDeathInput, strawberry.argument(description="Whose death, why, and the key.")
        ],
    ) -> WithdrawDeathResult:
        done = await as_caller(
            info,
            recording.withdraw_death,
            decode_uuid("Client", input.client_id),
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return await _payload(info, done)


# --- the death's notifications (item 2, R-DEATH-1) --------------------------------------------


@strawberry.type(
    description="One item of a deceased client's notification list (R-DEATH-1, seed 002 "
    "B 29.1), and whether it was sent."
)
class DeathNotification:
    recipient: NotificationRecipient = strawberry.field(description="Who is told.")
    organisation_key: str = strawberry.field(
        description="Names the item among the client's (with the recipient): give both to "
        "recordDeathNotificationSent."
    )
    organisation_name: str = strawberry.field(description="The organisation or person.")
    channel: NotificationChannel = strawberry.field(description="How it goes.")
    sent_on: date | None = strawberry.field(description="When it was sent; null: outstanding.")
    sent_by: str | None = strawberry.field(description="Who sent it (recorded it sent).")
    outbox_message_id: strawberry.ID | None = strawberry.field(
        description="A council team's: the outbox message that tells it."
    )
    outstanding: bool = strawberry.field(description="Not sent yet.")

    @classmethod
    def of(cls, n: notifications.Notification) -> DeathNotification:
        message = n.outbox_message_id
        return cls(
            recipient=n.recipient,
            organisation_key=n.organisation_key,
            organisation_name=n.organisation_name,
            channel=n.channel,
            sent_on=n.sent_on,
            sent_by=n.sent_by,
            outbox_message_id=strawberry.ID(encode_id("OutboxMessage", message))
            if message is not None
            else None,
            outstanding=n.outstanding,
        )


@strawberry.type(description="A death notification as the mutation left it.")
class DeathNotificationPayload:
    notification: DeathNotification = strawberry.field(description="The item as it now stands.")
    replayed: bool = replayed_field()


@strawberry.input(description="A letter of the death's list sent, and the idempotency key.")
class RecordDeathNotificationSentInput:
    client_id: strawberry.ID = strawberry.field(description="The deceased client.")
    recipient: NotificationRecipient = strawberry.field(description="The item's recipient.")
    organisation_key: str = strawberry.field(description="The item's organisationKey.")
    sent_on: date = strawberry.field(
        description="When it was sent: not in the future, not before the death."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="Someone to tell whom the records do not show (the solicitor holding the will, "
    "a company), and the idempotency key."
)
class AddDeathNotificationInput:
    client_id: strawberry.ID = strawberry.field(description="The deceased client.")
    recipient: NotificationRecipient = strawberry.field(
        description="WILL_SOLICITOR or COMPANY; the rest come from the records."
    )
    organisation_name: str = strawberry.field(description="Whom to tell.")
    idempotency_key: str = idempotency_key_field()


DeathNotificationResult = Annotated[
    DeathNotificationPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "DeathNotificationResult",
        description="The item as it now stands, or why not: not on the list, sent already, "
        "a council team's (recorded in the outbox), no confirmed death.",
    ),
]


@strawberry.type
class DeathNotificationQuery:
    @strawberry.field(
        extensions=[Paged(50), *allow(DEATH_READ)],
        description="A deceased client's notification list (R-DEATH-1, seed 002 B 29.1), by "
        "recipient then name; only those not yet sent with outstanding: true. Empty while no "
        "death is confirmed.",
    )
    async def death_notifications(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
        outstanding: Annotated[
            bool, strawberry.argument(description="Only those not yet sent.")
        ] = False,
    ) -> Connection[DeathNotification]:
        ctx = info.context
        cid = await readable_client_id(ctx, client_id)

        async def fetch(seek: Any) -> list[notifications.Notification]:
            return await notifications.notifications(
                ctx.session, cid, outstanding=outstanding, seek=seek
            )

        return await page.connection(
            cursor=_notification_cursor,
            fetch=fetch,
            key=lambda n: list(n.sort_key()),
            node=DeathNotification.of,
        )


def _notification_cursor(page: PageRequest) -> tuple[int, str, str] | None:
    key = page.key(int, str, str)
    return (int(key[0]), str(key[1]), str(key[2])) if key is not None else None


@strawberry.type
class DeathNotificationMutation:
    @strawberry.mutation(
        extensions=allow(DEATH_RECORD),
        description="Record a letter of a deceased client's notification list sent: the date, "
        "by you; once (R-DEATH-1). A council team's is recorded on its outbox message.",
    )
    async def record_death_notification_sent(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordDeathNotificationSentInput,
            strawberry.argument(description="Which item, when, and the key."),
        ],
    ) -> DeathNotificationResult:
        done = await as_caller(
            info,
            notifications.record_notification_sent,
            decode_uuid("Client", input.client_id),
            input.recipient,
            input.organisation_key,
            input.sent_on,
            idempotency_key=input.idempotency_key,
        )
        return DeathNotificationPayload(
            notification=DeathNotification.of(done.notification), replayed=done.replayed
        )

    @strawberry.mutation(
        extensions=allow(DEATH_RECORD),
        description="Add someone to a deceased client's notification list whom the records do "
        "not show: the solicitor holding the will, or a company (R-DEATH-1).",
    )
    async def add_death_notification(
        self,
        info: Info[Context, None],
        input: Annotated[
            AddDeathNotificationInput,
            strawberry.argument(description="Whom to tell, and the key."),
        ],
    ) -> DeathNotificationResult:
        done = await as_caller(
            info,
            notifications.add_notification,
            decode_uuid("Client", input.client_id),
            input.recipient,
            input.organisation_name,
            idempotency_key=input.idempotency_key,
        )
        return DeathNotificationPayload(
            notification=DeathNotification.of(done.notification), replayed=done.replayed
        )


# --- the wind-up fee (item 4, R-FEE-5, seed 002 B 29.4) ----------------------------------------


@strawberry.type(description="The wind-up fee as the mutation left it.")
class WindUpFeePayload:
    client: Client = strawberry.field(description="The client.")
    wind_up_fee: WindUpFee = strawberry.field(description="The fee taken.")
    replayed: bool = replayed_field()


@strawberry.input(description="The deceased client to take the wind-up fee from, and the key.")
class ChargeWindUpFeeInput:
    client_id: strawberry.ID = strawberry.field(description="The deceased client.")
    idempotency_key: str = idempotency_key_field()


ChargeWindUpFeeResult = Annotated[
    WindUpFeePayload
    | InsufficientFundsProblem
    | PolicyMissingProblem
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "ChargeWindUpFeeResult",
        description="The fee taken, or why not: no confirmed death, charged already, invoices "
        "or payments outstanding (listed), too little in the CMS account, no figure in force.",
    ),
]


@strawberry.type
class WindUpFeeMutation:
    @strawberry.mutation(
        extensions=allow(WIND_UP_FEE_CHARGE),
        description="Take the council's wind-up fee from a deceased client's CMS account "
        "(R-FEE-5, seed 002 B 29.4), appointee-only and deputy clients alike: once per client, "
        "the figure in force on the date of death, only after every invoice dated up to the "
        "death is paid or cancelled and every payment raised is made or cancelled; before any "
        "estate payment.",
    )
    async def charge_wind_up_fee(
        self,
        info: Info[Context, None],
        input: Annotated[
            ChargeWindUpFeeInput, strawberry.argument(description="Whose fee, and the key.")
        ],
    ) -> ChargeWindUpFeeResult:
        done = await as_caller(
            info,
            wind_up_fee.charge_wind_up_fee,
            decode_uuid("Client", input.client_id),
            idempotency_key=input.idempotency_key,
        )
        client = await client_of(info.context, done.fee.client_id)
        return WindUpFeePayload(
            client=client, wind_up_fee=WindUpFee.of(done.fee), replayed=done.replayed
        )
