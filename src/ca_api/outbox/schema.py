"""GraphQL for the outbox (issue 12 item 3): thin. Parse, call the service, map the result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from ca_api.auth.permissions import OUTBOX_ACKNOWLEDGE, OUTBOX_DELIVER, OUTBOX_READ, allow
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id
from ca_api.common.keyset import Seek
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, encode_cursor
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.context import Context
from ca_api.outbox import service
from ca_api.outbox.inputs import (
    AcknowledgeOutboxMessagesInput,
    MessageState,
    OutboxMessageFilter,
    Recipient,
    RecordOutboxMessageAcknowledgedInput,
    RecordOutboxMessageSentInput,
    Topic,
)
from ca_api.outbox.models import OutboxAcknowledgement as AcknowledgementRow
from ca_api.outbox.models import OutboxDelivery as DeliveryRow


@strawberry.type(description="A step of an outbound message's delivery, as recorded.")
class OutboxDelivery:
    state: MessageState = strawberry.field(description="SENT or ACKNOWLEDGED.")
    note: str | None = strawberry.field(description="What the recorder said of it, if anything.")
    recorded_by: str = strawberry.field(description="Who recorded it (R-AUD-1).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, row: DeliveryRow) -> OutboxDelivery:
        return cls(
            state=MessageState(row.state),
            note=row.note,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


@strawberry.type(
    description="An outbound message: what another team or system must be told, written in the "
    "same transaction as what it tells of, and where its delivery stands."
)
class OutboxMessage(Node):
    view: strawberry.Private[service.MessageView]

    @classmethod
    def from_view(cls, view: service.MessageView) -> OutboxMessage:
        return cls(id=node_id("OutboxMessage", view.message.id), view=view)

    id: strawberry.ID = strawberry.field(description="The message's global id.")

    @strawberry.field(
        description="Its number: messages are numbered in the order they were committed (a "
        "feed's position)."
    )
    def sequence(self) -> int:
        return self.view.message.sequence

    @strawberry.field(description="What it says.")
    def topic(self) -> Topic:
        return Topic(self.view.message.topic)

    @strawberry.field(description="Who it is for.")
    def recipient(self) -> Recipient:
        return Recipient(self.view.message.recipient)

    @strawberry.field(description="The client it is about.")
    def client_id(self) -> strawberry.ID:
        return node_id("Client", self.view.message.client_id)

    @strawberry.field(
        description="The GraphQL type of the record it is about (Appointeeship, Deputyship, "
        "AppointeeApplication, Payment, Invoice, FeeCharge, ...; docs/integration_events.md "
        "names each topic's)."
    )
    def subject_type(self) -> str:
        return self.view.message.subject_type

    @strawberry.field(description="The id of the record it is about, of type subjectType.")
    def subject_id(self) -> strawberry.ID:
        m = self.view.message
        return node_id(m.subject_type, m.subject_id)

    @strawberry.field(
        description="What the recipient is told: no more personal data than it needs. To a "
        "council team, the client's reference and name and the facts; to SAP or Controcc, "
        "the event of docs/integration_events.md (the client's reference, never a name)."
    )
    def payload(self) -> JSON:
        data: Any = self.view.message.payload
        return data  # type: ignore[no-any-return]

    @strawberry.field(description="Who did what wrote it.")
    def created_by(self) -> str:
        return self.view.message.created_by

    @strawberry.field(description="When it was written.")
    def created_at(self) -> datetime:
        return self.view.message.created_at

    @strawberry.field(description="PENDING, SENT or ACKNOWLEDGED.")
    def state(self) -> MessageState:
        return self.view.state

    @strawberry.field(description="When it was recorded as sent; null until it is.")
    def sent_at(self) -> datetime | None:
        d = self.view.step(MessageState.SENT)
        return d.recorded_at if d is not None else None

    @strawberry.field(description="Who recorded it sent; null until it is.")
    def sent_by(self) -> str | None:
        d = self.view.step(MessageState.SENT)
        return d.recorded_by if d is not None else None

    @strawberry.field(description="When its acknowledgement was recorded; null until it is.")
    def acknowledged_at(self) -> datetime | None:
        d = self.view.step(MessageState.ACKNOWLEDGED)
        return d.recorded_at if d is not None else None

    @strawberry.field(description="Who recorded the acknowledgement; null until it is.")
    def acknowledged_by(self) -> str | None:
        d = self.view.step(MessageState.ACKNOWLEDGED)
        return d.recorded_by if d is not None else None

    @strawberry.field(description="Every step of its delivery, oldest first.")
    def deliveries(self) -> list[OutboxDelivery]:
        return [OutboxDelivery.of(d) for d in self.view.deliveries]


@strawberry.type(description="The message as the mutation left it.")
class OutboxMessagePayload:
    outbox_message: OutboxMessage = strawberry.field(description="The message as it now stands.")
    replayed: bool = replayed_field(
        "A repeat of an earlier request with this key: nothing was done again."
    )

    @classmethod
    def of(cls, done: service.MessageOutcome) -> OutboxMessagePayload:
        return cls(outbox_message=OutboxMessage.from_view(done.message), replayed=done.replayed)


RecordOutboxDeliveryResult = Annotated[
    OutboxMessagePayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordOutboxDeliveryResult", description="The delivery recorded, or why it was not."
    ),
]


@strawberry.type(
    description="An integration's acknowledgement of its own feed up to a message (issue 17)."
)
class OutboxAcknowledgement:
    row: strawberry.Private[AcknowledgementRow]

    @strawberry.field(description="The system whose feed it is.")
    def recipient(self) -> Recipient:
        return Recipient(self.row.recipient)

    @strawberry.field(
        description="The sequence number of the last message acknowledged: every message of "
        "the system's at or before it is acknowledged."
    )
    def up_to_sequence(self) -> int:
        return self.row.up_to

    @strawberry.field(
        description="The outboxMessages cursor at that message: read on with "
        "outboxMessages(after: cursor) to get exactly the rest."
    )
    def cursor(self) -> str:
        return encode_cursor([self.row.up_to])

    @strawberry.field(description="How many messages this acknowledgement acknowledged.")
    def acknowledged_count(self) -> int:
        return self.row.messages

    @strawberry.field(description="Who acknowledged (R-AUD-1).")
    def recorded_by(self) -> str:
        return self.row.recorded_by

    @strawberry.field(description="When.")
    def recorded_at(self) -> datetime:
        return self.row.recorded_at


@strawberry.type(description="The acknowledgement as the mutation left it.")
class OutboxAcknowledgementPayload:
    acknowledgement: OutboxAcknowledgement = strawberry.field(description="The acknowledgement.")
    replayed: bool = replayed_field(
        "A repeat of an earlier request with this key: nothing was done again."
    )


AcknowledgeOutboxMessagesResult = Annotated[
    OutboxAcknowledgementPayload | ValidationProblem | IdempotencyKeyReusedProblem,
    strawberry.union(
        "AcknowledgeOutboxMessagesResult",
        description="The feed acknowledged up to the cursor, or why it was not.",
    ),
]


@strawberry.type
class OutboxQuery:
    @strawberry.field(
        extensions=allow(OUTBOX_ACKNOWLEDGE),
        description="Where the caller's integration stands in its own feed: its furthest "
        "acknowledgement (null before the first). Read on with outboxMessages(after: "
        "outboxFeedPosition.cursor).",
    )
    async def outbox_feed_position(self, info: Info[Context, None]) -> OutboxAcknowledgement | None:
        ctx = info.context
        row = await service.feed_position(ctx.session, ctx.principal)
        return OutboxAcknowledgement(row=row) if row is not None else None

    @strawberry.field(
        extensions=[Paged(25), *allow(OUTBOX_READ)],
        description="Outbound messages in the order they were committed (oldest first): senior "
        "officers and above and audit read all; an integration its own system's only: its "
        "change feed (issue 17), read with first/after, at least once, in order (so in order "
        "per client), and acknowledged with acknowledgeOutboxMessages. Each system's events "
        "are documented in docs/integration_events.md.",
    )
    async def outbox_messages(
        self,
        info: Info[Context, None],
        page: Page,
        filter: Annotated[
            OutboxMessageFilter | None,
            strawberry.argument(description="Which messages; all readable ones if omitted."),
        ] = None,
    ) -> Connection[OutboxMessage]:
        ctx = info.context
        flt = (filter or OutboxMessageFilter()).to_filter()

        async def fetch(seek: Seek[int]) -> list[service.MessageView]:
            return await service.messages(ctx.session, ctx.principal, flt, seek=seek)

        return await page.connection(
            cursor=lambda req: req.one(int),
            fetch=fetch,
            key=lambda v: [v.message.sequence],
            node=OutboxMessage.from_view,
        )


def _recording(state: MessageState, input_type: type[Any], description: str) -> Any:
    """``recordOutboxMessageSent`` and ``recordOutboxMessageAcknowledged``: the same use case
    for a different step (``state``), each with its own input type, set on the resolver here."""

    async def resolver(
        self: Any, info: Info[Context, None], input: Any
    ) -> RecordOutboxDeliveryResult:
        mid = decode_uuid("OutboxMessage", input.id)
        done = await as_caller(
            info,
            service.record_delivery,
            mid,
            state,
            input.note,
            idempotency_key=input.idempotency_key,
        )
        return OutboxMessagePayload.of(done)

    described: Any = Annotated  # the mutation's own input type, given here, described
    resolver.__annotations__["input"] = described[
        input_type,
        strawberry.argument(description="The message, and the request's idempotency key."),
    ]
    return strawberry.mutation(
        resolver=resolver, extensions=allow(OUTBOX_DELIVER), description=description
    )


@strawberry.type
class OutboxMutation:
    @strawberry.mutation(
        extensions=allow(OUTBOX_ACKNOWLEDGE),
        description="An integration acknowledges its own feed up to a cursor: every message of "
        "its own system at or before it, not acknowledged yet, is recorded ACKNOWLEDGED (and "
        "SENT where it was not) with who and when. Once per idempotency key.",
    )
    async def acknowledge_outbox_messages(
        self,
        info: Info[Context, None],
        input: Annotated[
            AcknowledgeOutboxMessagesInput,
            strawberry.argument(description="The cursor, and the request's idempotency key."),
        ],
    ) -> AcknowledgeOutboxMessagesResult:
        done = await as_caller(
            info, service.acknowledge_feed, input.up_to, idempotency_key=input.idempotency_key
        )
        return OutboxAcknowledgementPayload(
            acknowledgement=OutboxAcknowledgement(row=done.acknowledgement),
            replayed=done.replayed,
        )

    record_outbox_message_sent = _recording(
        MessageState.SENT,
        RecordOutboxMessageSentInput,
        "Record a PENDING outbound message as sent: a team's e-mail by a senior officer and "
        "above; a system's message by that system's integration. Once.",
    )
    record_outbox_message_acknowledged = _recording(
        MessageState.ACKNOWLEDGED,
        RecordOutboxMessageAcknowledgedInput,
        "Record a SENT outbound message as acknowledged by its recipient: a team's by a senior "
        "officer and above; a system's by that system's integration. Once.",
    )


NODES: tuple[NodeType, ...] = (
    NodeType(
        "OutboxMessage", OUTBOX_READ, in_scope(service.messages_by_id, OutboxMessage.from_view)
    ),
)
