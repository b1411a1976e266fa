"""GraphQL of a client's annual review, contacts and changes of circumstances (issue 14 item 1):
thin. Casework records reviews and changes, every officer logs contacts; officers and audit read
them, and the reviews due and overdue."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    CIRCUMSTANCE_RECORD,
    CONTACT_RECORD,
    REVIEW_READ,
    REVIEW_RECORD,
    allow,
)
from ca_api.clients.schema import Client, client_filter, client_of, readable_client_id
from ca_api.common import deadlines as deadline_clock
from ca_api.common.arguments import ONLY_CLIENT, idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, node_id, node_id_or_none
from ca_api.common.keyset import Seek
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.context import Context
from ca_api.outbox.inputs import MessageState, Recipient
from ca_api.outbox.rules import MessageState as OutboxState
from ca_api.outbox.service import MessageView
from ca_api.reviews import reads, recording, reviews_due, rules
from ca_api.reviews.models import CircumstanceChange as ChangeRow
from ca_api.reviews.models import ClientContact as ContactRow
from ca_api.reviews.models import ClientReview as ReviewRow
from ca_api.reviews.types import CircumstanceKind, ContactKind, ReviewMethod, ReviewState

_CORRECTS = (
    "The record of this kind this one corrects (R-AUD-2): it must stand (not corrected "
    "already); null: a first record."
)
_REASON = "Why this corrects the record before it: required with corrects, else null."


_CORRECTS_ID = "The record this one corrects (R-AUD-2); null: a first record."
_REASON_GIVEN = "Why this corrects the record before it; null for a first record."
_CORRECTED_BY = "The record that corrects this one; null: it stands."


@strawberry.type(
    description="A review of a client (R-CARE-1, seed 002 B 13.1-13.3). Never changed: a "
    "correction is a new record that supersedes it (R-AUD-2)."
)
class AnnualReview(Node):
    view: strawberry.Private[reads.RecordView[ReviewRow]]

    @classmethod
    def from_view(cls, view: reads.RecordView[ReviewRow]) -> AnnualReview:
        r = view.row
        return cls(
            view=view,
            id=node_id("AnnualReview", r.id),
            client_id=node_id("Client", r.client_id),
            reviewed_on=r.reviewed_on,
            methods=[ReviewMethod(m) for m in r.methods],
            needs=r.needs,
            finances=r.finances,
            client_involved=r.client_involved,
            not_involved_reason=r.not_involved_reason,
            actions=r.actions,
            corrects_id=node_id_or_none("AnnualReview", r.supersedes_id),
            reason=r.reason,
            corrected_by_id=node_id_or_none("AnnualReview", view.corrected_by),
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )

    id: strawberry.ID = strawberry.field(description="The review's global id.")
    client_id: strawberry.ID = strawberry.field(description="The client reviewed.")
    reviewed_on: date = strawberry.field(description="The day of the review.")
    methods: list[ReviewMethod] = strawberry.field(
        description="How it was carried out: one or a combination (B 13.3)."
    )
    needs: str = strawberry.field(
        description="The client's needs: what would improve or enhance their life (B 13.3)."
    )
    finances: str = strawberry.field(
        description="The review of the client's finances and investments (B 13.2)."
    )
    client_involved: bool = strawberry.field(
        description="Whether the client was involved in the review (B 13.1)."
    )
    not_involved_reason: str | None = strawberry.field(
        description="Why the client was not involved; null when they were."
    )
    actions: str | None = strawberry.field(description="The actions arising, if any.")
    corrects_id: strawberry.ID | None = strawberry.field(description=_CORRECTS_ID)
    reason: str | None = strawberry.field(description=_REASON_GIVEN)
    corrected_by_id: strawberry.ID | None = strawberry.field(description=_CORRECTED_BY)
    recorded_by: str = strawberry.field(description="Who recorded it (R-AUD-1).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @strawberry.field(description="The client reviewed.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.view.row.client_id)


@strawberry.type(
    description="A contact with or about a client (seed 002 B 13.4). Never changed: a correction "
    "is a new record that supersedes it (R-AUD-2)."
)
class ClientContact(Node):
    view: strawberry.Private[reads.RecordView[ContactRow]]

    @classmethod
    def from_view(cls, view: reads.RecordView[ContactRow]) -> ClientContact:
        r = view.row
        return cls(
            view=view,
            id=node_id("ClientContact", r.id),
            client_id=node_id("Client", r.client_id),
            contacted_on=r.contacted_on,
            kind=ContactKind(r.kind),
            with_whom=r.with_whom,
            about=r.about,
            corrects_id=node_id_or_none("ClientContact", r.supersedes_id),
            reason=r.reason,
            corrected_by_id=node_id_or_none("ClientContact", view.corrected_by),
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )

    id: strawberry.ID = strawberry.field(description="The contact's global id.")
    client_id: strawberry.ID = strawberry.field(description="The client it concerns.")
    contacted_on: date = strawberry.field(description="The day of the contact.")
    kind: ContactKind = strawberry.field(description="A visit, call, letter, meeting or e-mail.")
    with_whom: str = strawberry.field(
        description="With whom: the client, a relative, the care home, a solicitor..."
    )
    about: str = strawberry.field(description="What it was about.")
    corrects_id: strawberry.ID | None = strawberry.field(description=_CORRECTS_ID)
    reason: str | None = strawberry.field(description=_REASON_GIVEN)
    corrected_by_id: strawberry.ID | None = strawberry.field(description=_CORRECTED_BY)
    recorded_by: str = strawberry.field(description="Who recorded it (R-AUD-1).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @strawberry.field(description="The client it concerns.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.view.row.client_id)


@strawberry.type(
    description="The task to tell the OPG or the DWP of a change of circumstances (R-ORD-4, "
    "B 18.2): an outbox message, PENDING until an officer records it SENT "
    "(recordOutboxMessageSent)."
)
class CircumstanceChangeNotice:
    recipient: Recipient = strawberry.field(description="OPG or DWP.")
    state: MessageState = strawberry.field(description="PENDING, SENT or ACKNOWLEDGED.")
    outbox_message_id: strawberry.ID = strawberry.field(
        description="The outbox message that tells them (its recordOutboxMessageSent records "
        "it sent)."
    )
    sent_at: datetime | None = strawberry.field(description="When it was recorded sent.")
    sent_by: str | None = strawberry.field(description="Who recorded it sent.")

    @classmethod
    def of(cls, m: MessageView) -> CircumstanceChangeNotice:
        sent = m.step(OutboxState.SENT)
        return cls(
            recipient=Recipient(m.message.recipient),
            state=m.state,
            outbox_message_id=node_id("OutboxMessage", m.message.id),
            sent_at=sent.recorded_at if sent is not None else None,
            sent_by=sent.recorded_by if sent is not None else None,
        )


@strawberry.type(
    description="A change in a client's circumstances (seed 002 B 13.5, B 18.2, R-ORD-4). Never "
    "changed: a correction is a new record that supersedes it (R-AUD-2)."
)
class CircumstanceChange(Node):
    view: strawberry.Private[reads.RecordView[ChangeRow]]

    @classmethod
    def from_view(cls, view: reads.RecordView[ChangeRow]) -> CircumstanceChange:
        r = view.row
        return cls(
            view=view,
            id=node_id("CircumstanceChange", r.id),
            client_id=node_id("Client", r.client_id),
            occurred_on=r.occurred_on,
            kind=CircumstanceKind(r.kind),
            details=r.details,
            reportable=CircumstanceKind(r.kind) in rules.REPORTABLE,
            notices=[CircumstanceChangeNotice.of(m) for m in view.notices],
            corrects_id=node_id_or_none("CircumstanceChange", r.supersedes_id),
            reason=r.reason,
            corrected_by_id=node_id_or_none("CircumstanceChange", view.corrected_by),
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )

    id: strawberry.ID = strawberry.field(description="The change's global id.")
    client_id: strawberry.ID = strawberry.field(description="The client.")
    occurred_on: date = strawberry.field(description="The day it happened.")
    kind: CircumstanceKind = strawberry.field(description="What changed.")
    details: str = strawberry.field(description="What happened, as recorded.")
    reportable: bool = strawberry.field(
        description="A change the OPG (deputy) or the DWP (appointee, or the DWP pays the "
        "client's benefits) must hear of (R-ORD-4, B 18.2)."
    )
    notices: list[CircumstanceChangeNotice] = strawberry.field(
        description="The tasks to tell the OPG and the DWP, one each, written with the change "
        "(none: not reportable, or the council is neither deputy nor appointee)."
    )
    corrects_id: strawberry.ID | None = strawberry.field(description=_CORRECTS_ID)
    reason: str | None = strawberry.field(description=_REASON_GIVEN)
    corrected_by_id: strawberry.ID | None = strawberry.field(description=_CORRECTED_BY)
    recorded_by: str = strawberry.field(description="Who recorded it (R-AUD-1).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @strawberry.field(description="The client.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.view.row.client_id)


@strawberry.type(
    description="A deputy client's next annual review as of today (R-CARE-1, seed 002 B 13.1: "
    "at least once annually)."
)
class AnnualReviewDue:
    due: strawberry.Private[reviews_due.ReviewDue]

    @classmethod
    def of(cls, d: reviews_due.ReviewDue) -> AnnualReviewDue:
        return cls(
            due=d,
            client_id=node_id("Client", d.client_id),
            client_reference=d.client_reference,
            order_date=d.order_date,
            last_reviewed_on=d.last_reviewed_on,
            due_on=d.due_on,
            months=d.months,
            state=d.review_state,
            days_overdue=d.days_overdue,
        )

    client_id: strawberry.ID = strawberry.field(description="The deputy client.")
    client_reference: str = strawberry.field(description="The client's case reference.")
    order_date: date = strawberry.field(description="The day the deputy order in force was made.")
    last_reviewed_on: date | None = strawberry.field(
        description="The day of the last review that stands; null: none since taken on."
    )
    due_on: date = strawberry.field(
        description="The day the next review is due: the policy's months (12) after the last "
        "review, or after the order when there is none."
    )
    months: int = strawberry.field(
        description="The months between reviews in force when the clock started (policy "
        "figure annual_review_months)."
    )
    state: ReviewState = strawberry.field(description="DUE, or OVERDUE from the day after.")
    days_overdue: int = strawberry.field(description="Days past the due day; 0 when DUE.")

    @strawberry.field(description="The deputy client.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.due.client_id)


def _corrects(type_name: str, given: strawberry.ID | None) -> uuid.UUID | None:
    return decode_uuid(type_name, given) if given is not None else None


@strawberry.input(description="A review of a client (R-CARE-1, seed 002 B 13.1-13.3), and the key.")
class RecordAnnualReviewInput:
    client_id: strawberry.ID = strawberry.field(description="The client reviewed (ACTIVE).")
    reviewed_on: date = strawberry.field(description="The day of the review: not in the future.")
    methods: list[ReviewMethod] = strawberry.field(
        description="How it was carried out: one or a combination (B 13.3)."
    )
    needs: str = strawberry.field(
        description="The client's needs: what would improve or enhance their life (B 13.3)."
    )
    finances: str = strawberry.field(
        description="The review of the client's finances and investments (B 13.2)."
    )
    client_involved: bool = strawberry.field(
        description="Whether the client was involved in the review (B 13.1)."
    )
    not_involved_reason: str | None = strawberry.field(
        default=None, description="Why not, when the client was not involved (then required)."
    )
    actions: str | None = strawberry.field(default=None, description="The actions arising.")
    corrects: strawberry.ID | None = strawberry.field(default=None, description=_CORRECTS)
    reason: str | None = strawberry.field(default=None, description=_REASON)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A contact with or about a client (seed 002 B 13.4), and the key.")
class RecordClientContactInput:
    client_id: strawberry.ID = strawberry.field(description="The client it concerns.")
    contacted_on: date = strawberry.field(description="The day of the contact: not in the future.")
    kind: ContactKind = strawberry.field(description="A visit, call, letter, meeting or e-mail.")
    with_whom: str = strawberry.field(description="With whom.")
    about: str = strawberry.field(description="What it was about.")
    corrects: strawberry.ID | None = strawberry.field(default=None, description=_CORRECTS)
    reason: str | None = strawberry.field(default=None, description=_REASON)
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A change in a client's circumstances (seed 002 B 13.5, B 18.2), and the key."
)
class RecordCircumstanceChangeInput:
    client_id: strawberry.ID = strawberry.field(description="The client (ACTIVE, living).")
    occurred_on: date = strawberry.field(description="The day it happened: not in the future.")
    kind: CircumstanceKind = strawberry.field(description="What changed.")
    details: str = strawberry.field(description="What happened.")
    corrects: strawberry.ID | None = strawberry.field(default=None, description=_CORRECTS)
    reason: str | None = strawberry.field(default=None, description=_REASON)
    idempotency_key: str = idempotency_key_field()


@strawberry.type(description="The review as recorded.")
class AnnualReviewPayload:
    review: AnnualReview = strawberry.field(description="The review recorded.")
    replayed: bool = replayed_field()


@strawberry.type(description="The contact as recorded.")
class ClientContactPayload:
    contact: ClientContact = strawberry.field(description="The contact recorded.")
    replayed: bool = replayed_field()


@strawberry.type(description="The change of circumstances as recorded, with its notices.")
class CircumstanceChangePayload:
    change: CircumstanceChange = strawberry.field(
        description="The change recorded, and the tasks to tell the OPG and the DWP."
    )
    replayed: bool = replayed_field()


RecordAnnualReviewResult = Annotated[
    AnnualReviewPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordAnnualReviewResult",
        description="The review recorded, or why not: the client not ACTIVE or dead, the needs "
        "or finances missing, no method, no reason the client was not involved, a correction "
        "without its reason or of a record corrected already.",
    ),
]
RecordClientContactResult = Annotated[
    ClientContactPayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordClientContactResult",
        description="The contact recorded, or why not: who or what about missing, a day in the "
        "future, a correction without its reason or of a record corrected already.",
    ),
]
RecordCircumstanceChangeResult = Annotated[
    CircumstanceChangePayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordCircumstanceChangeResult",
        description="The change recorded (and the OPG and DWP told through the outbox), or why "
        "not: the client not ACTIVE or dead, the details missing, a correction without its "
        "reason or of a record corrected already.",
    ),
]

_CLIENT = Annotated[strawberry.ID, strawberry.argument(description="The client.")]


def _key(day: date, record_id: uuid.UUID) -> list[str]:
    return [day.isoformat(), str(record_id)]


N = TypeVar("N")


async def _client_records(
    info: Info[Context, None],
    page: Page,
    client_id: strawberry.ID,
    model: Any,
    day: Callable[[Any], date],
    node: Callable[[Any], N],
) -> Connection[N]:
    """A page of one kind of a client's records (reviews, contacts, changes), newest first."""
    cid = await readable_client_id(info.context, client_id)

    async def fetch(seek: Seek[tuple[date, uuid.UUID]]) -> list[Any]:
        return await reads.records_of_client(info.context.session, model, cid, seek)

    return await page.connection(
        cursor=PageRequest.date_id,
        fetch=fetch,
        key=lambda v: _key(day(v.row), v.row.id),
        node=node,
    )


@strawberry.type
class ReviewQuery:
    @strawberry.field(
        extensions=[Paged(25), *allow(REVIEW_READ)],
        description="A client's annual reviews (R-CARE-1), newest first, corrections included "
        "(each says what corrects it). NOT_FOUND for a client the caller may not read.",
    )
    async def annual_reviews(
        self, info: Info[Context, None], page: Page, client_id: _CLIENT
    ) -> Connection[AnnualReview]:
        return await _client_records(
            info, page, client_id, ReviewRow, lambda r: r.reviewed_on, AnnualReview.from_view
        )

    @strawberry.field(
        extensions=[Paged(25), *allow(REVIEW_READ)],
        description="Every contact with or about a client (seed 002 B 13.4), newest first, "
        "corrections included. NOT_FOUND for a client the caller may not read.",
    )
    async def client_contacts(
        self, info: Info[Context, None], page: Page, client_id: _CLIENT
    ) -> Connection[ClientContact]:
        return await _client_records(
            info, page, client_id, ContactRow, lambda r: r.contacted_on, ClientContact.from_view
        )

    @strawberry.field(
        extensions=[Paged(25), *allow(REVIEW_READ)],
        description="A client's changes of circumstances (seed 002 B 13.5), newest first, "
        "corrections included, each with its notices to the OPG and the DWP (R-ORD-4). "
        "NOT_FOUND for a client the caller may not read.",
    )
    async def circumstance_changes(
        self, info: Info[Context, None], page: Page, client_id: _CLIENT
    ) -> Connection[CircumstanceChange]:
        return await _client_records(
            info, page, client_id, ChangeRow, lambda r: r.occurred_on, CircumstanceChange.from_view
        )

    @strawberry.field(
        extensions=[Paged(50), *allow(REVIEW_READ)],
        description="Every deputy client's next annual review as of today (R-CARE-1, seed 002 "
        "B 13.1, R-REP-4): ACTIVE clients with a deputy order in force and no confirmed death, "
        "due 12 months (policy annual_review_months) after the last review, or after the order "
        "when none; OVERDUE from the day after. Soonest due first.",
    )
    async def annual_reviews_due(
        self,
        info: Info[Context, None],
        page: Page,
        state: Annotated[
            ReviewState | None,
            strawberry.argument(description="Only those DUE, or only those OVERDUE."),
        ] = None,
        due_by: Annotated[
            date | None,
            strawberry.argument(description="Only those due on or before this day."),
        ] = None,
        client_id: ONLY_CLIENT = None,
    ) -> Connection[AnnualReviewDue]:
        ctx = info.context
        cid = await client_filter(ctx, client_id)
        return await deadline_clock.connection(
            page,
            lambda seek: reviews_due.reviews_due(
                ctx.session, ctx.principal, state=state, due_by=due_by, client_id=cid, seek=seek
            ),
            AnnualReviewDue.of,
        )


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(
        extensions=allow(REVIEW_RECORD),
        description="Record a review of a client (R-CARE-1, seed 002 B 13.1-13.3): a visit, a "
        "call to the care home or with Care Management's review; the client's needs, finances "
        "and investments, whether they were involved, the actions arising. It restarts the "
        "annual clock (annualReviewsDue). Not for a client who has died. With corrects, it "
        "corrects an earlier review (R-AUD-2).",
    )
    async def record_annual_review(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordAnnualReviewInput, strawberry.argument(description="The review, and the key.")
        ],
    ) -> RecordAnnualReviewResult:
        done = await as_caller(
            info,
            recording.record_review,
            decode_uuid("Client", input.client_id),
            reviewed_on=input.reviewed_on,
            methods=input.methods,
            needs=input.needs,
            finances=input.finances,
            client_involved=input.client_involved,
            not_involved_reason=input.not_involved_reason,
            actions=input.actions,
            corrects=_corrects("AnnualReview", input.corrects),
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return AnnualReviewPayload(review=AnnualReview.from_view(done.view), replayed=done.replayed)

    @strawberry.mutation(
        extensions=allow(CONTACT_RECORD),
        description="Log a contact with or about a client (seed 002 B 13.4): when, how, with "
        "whom, what about; also after a death. With corrects, it corrects an earlier contact "
        "(R-AUD-2).",
    )
    async def record_client_contact(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordClientContactInput, strawberry.argument(description="The contact, and the key.")
        ],
    ) -> RecordClientContactResult:
        done = await as_caller(
            info,
            recording.record_contact,
            decode_uuid("Client", input.client_id),
            contacted_on=input.contacted_on,
            kind=input.kind,
            with_whom=input.with_whom,
            about=input.about,
            corrects=_corrects("ClientContact", input.corrects),
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return ClientContactPayload(
            contact=ClientContact.from_view(done.view), replayed=done.replayed
        )

    @strawberry.mutation(
        extensions=allow(CIRCUMSTANCE_RECORD),
        description="Record a change in a client's circumstances (seed 002 B 13.5). One the OPG "
        "or the DWP must hear of (R-ORD-4, B 18.2: a property sold, admission to residential "
        "care...) writes, in the same transaction, an outbox message (topic "
        "CIRCUMSTANCES_CHANGED) to the OPG where the council is deputy and to the DWP where it "
        "is appointee or the DWP pays the client's benefits: the task to tell them, recorded "
        "sent with recordOutboxMessageSent. Not for a client who has died (recordDeath). With "
        "corrects, it corrects an earlier change (R-AUD-2), told to whoever heard of that one "
        "too.",
    )
    async def record_circumstance_change(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordCircumstanceChangeInput,
            strawberry.argument(description="The change, and the key."),
        ],
    ) -> RecordCircumstanceChangeResult:
        done = await as_caller(
            info,
            recording.record_change,
            decode_uuid("Client", input.client_id),
            occurred_on=input.occurred_on,
            kind=input.kind,
            details=input.details,
            corrects=_corrects("CircumstanceChange", input.corrects),
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return CircumstanceChangePayload(
            change=CircumstanceChange.from_view(done.view), replayed=done.replayed
        )


# The types node(id:) fetches (common.node): no lookup of their own, so the roles of the lists
# they are read through, scoped to the clients the caller may read.
NODES: tuple[NodeType, ...] = (
    NodeType(
        "AnnualReview",
        REVIEW_READ,
        in_scope(reads.by_id_of(ReviewRow), AnnualReview.from_view),
    ),
    NodeType(
        "ClientContact",
        REVIEW_READ,
        in_scope(reads.by_id_of(ContactRow), ClientContact.from_view),
    ),
    NodeType(
        "CircumstanceChange",
        REVIEW_READ,
        in_scope(reads.by_id_of(ChangeRow), CircumstanceChange.from_view),
    ),
)
