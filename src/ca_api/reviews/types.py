"""GraphQL types and enums of a client's annual review, contacts and changes of circumstances,
and of the reviews due, without the queries and mutations (``reviews/schema.py``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from ca_api.clients.schema import Client, client_of
from ca_api.common.ids import node_id, node_id_or_none
from ca_api.common.node import Node
from ca_api.common.types import graphql_enum
from ca_api.context import Context
from ca_api.outbox.inputs import MessageState, Recipient
from ca_api.outbox.rules import MessageState as OutboxState
from ca_api.outbox.service import MessageView
from ca_api.reviews import reads, reviews_due, rules
from ca_api.reviews.models import CircumstanceChange as ChangeRow
from ca_api.reviews.models import ClientContact as ContactRow
from ca_api.reviews.models import ClientReview as ReviewRow

ReviewMethod = rules.ReviewMethod
graphql_enum(
    ReviewMethod,
    "How an annual review was carried out (seed 002 B 13.3): one or a combination.",
    {
        ReviewMethod.PERSONAL_VISIT: "A personal visit to the client.",
        ReviewMethod.CARE_HOME_CALL: "A telephone call to the manager of the residential care "
        "home.",
        ReviewMethod.CARE_MANAGEMENT_REVIEW: "Included with the annual review undertaken by Care "
        "Management.",
    },
    name="AnnualReviewMethod",
)
ContactKind = rules.ContactKind
graphql_enum(
    ContactKind,
    "How the team was in touch with or about the client (seed 002 B 13.4).",
    {
        ContactKind.VISIT: "A visit.",
        ContactKind.TELEPHONE_CALL: "A telephone call.",
        ContactKind.LETTER: "A letter, sent or received.",
        ContactKind.MEETING: "A meeting.",
        ContactKind.EMAIL: "An e-mail, sent or received.",
    },
    name="ClientContactKind",
)
CircumstanceKind = rules.CircumstanceKind
graphql_enum(
    CircumstanceKind,
    "What changed in the client's circumstances (seed 002 B 13.5, B 18.2). Those marked "
    "'told' are told to the OPG where the council is deputy (R-ORD-4) and to the DWP where it "
    "is appointee or the DWP pays the client's benefits (R-ORD-4, B 18.2).",
    {
        CircumstanceKind.PROPERTY_SOLD: "A property of the client's sold (told).",
        CircumstanceKind.ADMITTED_TO_RESIDENTIAL_CARE: "Admitted to residential care (told).",
        CircumstanceKind.LEFT_RESIDENTIAL_CARE: "Left residential care (told).",
        CircumstanceKind.MOVED_HOME: "Moved to another home (told).",
        CircumstanceKind.CAPITAL_CHANGED: "A major change in the client's capital: savings, "
        "an inheritance (told).",
        CircumstanceKind.INCOME_CHANGED: "A major change in the client's income: a pension, a "
        "benefit started or stopped (told).",
        CircumstanceKind.HEALTH: "A change in the client's health (recorded, not told).",
        CircumstanceKind.FAMILY: "A change in the client's family or friends (recorded, not told).",
        CircumstanceKind.OTHER: "Another personal change (recorded, not told).",
    },
    name="CircumstanceChangeKind",
)
ReviewState = rules.ReviewState
graphql_enum(
    ReviewState,
    "Where a deputy client's next annual review stands as of today (R-CARE-1).",
    {
        ReviewState.DUE: "Due today or later.",
        ReviewState.OVERDUE: "Not done by its due day: overdue from the day after.",
    },
    name="AnnualReviewState",
)


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

    async def _client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.view.row.client_id)

    client: Client = strawberry.field(resolver=_client, description="The client reviewed.")


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

    async def _client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.view.row.client_id)

    client: Client = strawberry.field(resolver=_client, description="The client it concerns.")


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

    async def _client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.view.row.client_id)

    client: Client = strawberry.field(resolver=_client, description="The client.")


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

    async def _client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.due.client_id)

    client: Client = strawberry.field(resolver=_client, description="The deputy client.")
