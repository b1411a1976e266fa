"""GraphQL of a client's annual review, contacts and changes of circumstances (issue 14 item 1):
thin. Casework records reviews and changes, every officer logs contacts; officers and audit read
them, and the reviews due and overdue."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
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
from ca_api.clients.schema import client_filter, readable_client_id
from ca_api.common import deadlines as deadline_clock
from ca_api.common.arguments import ONLY_CLIENT, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.keyset import Seek
from ca_api.common.node import NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.context import Context
from ca_api.reviews import reads, recording, reviews_due
from ca_api.reviews.inputs import (
    RecordAnnualReviewInput,
    RecordCircumstanceChangeInput,
    RecordClientContactInput,
)
from ca_api.reviews.models import CircumstanceChange as ChangeRow
from ca_api.reviews.models import ClientContact as ContactRow
from ca_api.reviews.models import ClientReview as ReviewRow
from ca_api.reviews.types import (
    AnnualReview,
    AnnualReviewDue,
    CircumstanceChange,
    ClientContact,
    ReviewState,
)


def _corrects(type_name: str, given: strawberry.ID | None) -> uuid.UUID | None:
    return decode_uuid(type_name, given) if given is not None else None


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
