"""GraphQL for the approval queue: thin. Parse, call the service, map the result."""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import queue
from ca_api.approvals.sources import QueueItem, QueueKind, SortKey
from ca_api.auth.permissions import APPROVAL_QUEUE_READ, allow
from ca_api.clients.schema import client_of
from ca_api.common import loaders
from ca_api.common.ids import encode_id
from ca_api.common.node import Node, NodeType, fetch, installed
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.scalars import Money
from ca_api.common.types import describe_enum, from_source, graphql_enum
from ca_api.context import Context
from ca_api.errors import ApiError, ErrorCode, found
from ca_api.policy.rules import LimitVersion

if TYPE_CHECKING:
    from ca_api.clients.schema import Client

# The client a queue item or a decision is for, named lazily: the clients' schema is built
# from modules that build on this one.
LazyClient = Annotated["Client", strawberry.lazy("ca_api.clients.schema")]


async def limits_today(ctx: Context) -> LimitVersion | None:
    """The approval limits in force today, read once per request (every ``canApprove`` of a
    page asks); None when none are (nobody may approve)."""

    async def fetch(session: Any, days: Sequence[date]) -> dict[date, LimitVersion | None]:
        return {d: await approvals.limits_on(session, d) for d in days}

    return await loaders.one(ctx, "approvals.limits", fetch).load(clock.today())


ApprovalQueueKind = QueueKind
graphql_enum(
    ApprovalQueueKind,
    "What a thing awaiting approval is; its id, and its subject, are of the type of the same "
    "name. New kinds may be added as more is approved.",
    {
        QueueKind.PAYMENT: "A payment out of a client's money (approvePayment, R-PAY).",
        QueueKind.DECISION: "A decision of R-DEC: a gift, a budget plan, an investment plan... "
        "(approveDecision).",
        QueueKind.TEMPORARY_ASSISTANCE: "Temporary financial assistance from the council before "
        "the client's own funds arrive (approveTemporaryAssistance, seed 002 B 4.6).",
    },
    name="ApprovalQueueKind",
)


def _type_name(kind: str) -> str:
    """The opaque id's type: PAYMENT -> Payment, TEMPORARY_ASSISTANCE -> TemporaryAssistance, so
    the id is the one approvePayment (approveTemporaryAssistance) takes."""
    return "".join(word.capitalize() for word in kind.split("_"))


# The per-request loader of items' subjects; a subscription forgets it at each event, so an
# event's subject is read as it is then, not as an earlier event of the websocket saw it.
SUBJECTS = "approvals.subjects"


async def _subjects(ctx: Context, global_ids: list[str]) -> list[Any]:
    """The things awaiting approval, as node(id:) gives them: one load per kind per request."""
    return await fetch(ctx, installed(), global_ids)


@strawberry.type(
    description="A row of your approval queue: something awaiting approval that you may "
    "approve now. It is not an object of its own (it has no id): what awaits approval is its "
    "subject (a Payment, a Decision, a TemporaryAssistance, ...), which a client's cache keeps "
    "by that object's id."
)
class ApprovalQueueItem:
    item: strawberry.Private[QueueItem]

    @classmethod
    def from_item(cls, item: QueueItem) -> ApprovalQueueItem:
        return from_source(cls, item, item=item)

    kind: ApprovalQueueKind = strawberry.field(description="What it is: PAYMENT, DECISION, ...")

    def _item_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id(_type_name(self.item.kind), self.item.id))

    item_id: strawberry.ID = strawberry.field(
        resolver=_item_id,
        description="The global id of what awaits approval (a Payment's for a PAYMENT, a "
        "Decision's for a DECISION): subject.id, the id approvePayment or approveDecision "
        "takes.",
    )

    @strawberry.field(
        description="What awaits approval: the Payment or Decision itself, as node(id: itemId) "
        "gives it."
    )
    async def subject(self, info: Info[Context, None]) -> Node:
        ctx, item_id = info.context, self._item_id()
        # Never missing for an item of your queue: it was read with your scope.
        subject = await ctx.loader(SUBJECTS, partial(_subjects, ctx)).load(item_id)
        return found(subject, self.item.kind.lower(), item_id)  # type: ignore[no-any-return]

    client_id: strawberry.ID = strawberry.field(description="The client it is for (a Client).")

    @strawberry.field(description="The client it is for.")
    async def client(self, info: Info[Context, None]) -> LazyClient:
        return await client_of(info.context, self.item.client_id)

    client_reference: str = strawberry.field(
        description="The client's case reference, e.g. CA000123."
    )
    amount: Money | None = strawberry.field(description="The amount it is for, if any.")
    summary: str = strawberry.field(
        description='One line on what it is, e.g. "Payment to British Gas: ..." or "Gift to '
        'Jane Doe".'
    )
    raised_by: str = strawberry.field(
        description="Who raised it; never you: nobody approves what they raised (R-ROLE-2)."
    )
    raised_at: datetime = strawberry.field(
        description="When it was raised; the queue is oldest first."
    )

    @strawberry.field(description="How long it has waited, in whole seconds, as of now.")
    def waiting_seconds(self) -> int:
        return max(0, int((datetime.now(UTC) - self.item.raised_at).total_seconds()))


@strawberry.enum(description="How your approval queue changed.")
class ApprovalQueueEventType(enum.Enum):
    ENTERED = "ENTERED"
    LEFT = "LEFT"
    CHANGED = "CHANGED"


describe_enum(
    ApprovalQueueEventType,
    {
        ApprovalQueueEventType.ENTERED: "Something you may approve now arrived, or became "
        "yours to approve.",
        ApprovalQueueEventType.LEFT: "It was approved, refused, cancelled or superseded, or is "
        "no longer yours to approve.",
        ApprovalQueueEventType.CHANGED: "It is still yours to approve, and something in it "
        "changed.",
    },
)


@strawberry.type(description="An item entered, left or changed in your approval queue.")
class ApprovalQueueEvent:
    type: ApprovalQueueEventType = strawberry.field(description="What happened to the item.")
    kind: ApprovalQueueKind = strawberry.field(
        description="What the item is: PAYMENT, DECISION, ..."
    )
    item_id: strawberry.ID = strawberry.field(
        description="The global id of what awaits approval, as ApprovalQueueItem.itemId."
    )
    item: ApprovalQueueItem | None = strawberry.field(description="The item; null when it LEFT.")


def _event(e: queue.QueueEvent) -> ApprovalQueueEvent:
    return ApprovalQueueEvent(
        type=ApprovalQueueEventType(e.type.value),
        kind=ApprovalQueueKind(e.kind),
        item_id=strawberry.ID(encode_id(_type_name(e.kind), e.item_id)),
        item=ApprovalQueueItem.from_item(e.item) if e.item is not None else None,
    )


def _cursor(item: QueueItem) -> list[str]:
    return [item.raised_at.isoformat(), item.kind, str(item.id)]


def _sort_key(key: tuple[str, ...] | None) -> SortKey | None:
    if key is None:
        return None
    try:
        return (datetime.fromisoformat(key[0]), key[1], uuid.UUID(key[2]))
    except ValueError as exc:
        raise ApiError(ErrorCode.BAD_USER_INPUT, "the cursor is not one this list issued") from exc


@strawberry.type
class ApprovalQuery:
    @strawberry.field(
        extensions=[
            Paged(
                25,
                first="How many items, at most (25 if unset).",
                after="The endCursor of the page before; null: the first.",
            ),
            *allow(APPROVAL_QUEUE_READ),
        ],
        description="Everything you may approve now, of every kind, oldest first: nothing you "
        "raised or wrote (R-ROLE-2), within your approval limit in force today (R-DEC). Empty "
        "for a role that approves nothing.",
    )
    async def approval_queue(
        self,
        info: Info[Context, None],
        page: Page,
    ) -> Connection[ApprovalQueueItem]:
        ctx = info.context
        return await page.connection(
            cursor=lambda req: _sort_key(req.key(str, str, str)),
            fetch=lambda seek: queue.page(ctx.session, ctx.principal, seek=seek),
            key=_cursor,
            node=ApprovalQueueItem.from_item,
        )


@strawberry.type(
    description="What may be followed live, over graphql-transport-ws with the same token in "
    "connection_init: each field checks the caller's role as a query would."
)
class ApprovalSubscription:
    @strawberry.subscription(
        extensions=allow(APPROVAL_QUEUE_READ),
        description="Your approval queue as it changes (graphql-transport-ws): an ENTERED event "
        "with the item when something you may approve arrives, LEFT when it is approved, "
        "cancelled or no longer yours to approve, CHANGED when it changes. Subscribe first, "
        "then read approvalQueue. Each event is checked against your permissions when sent.",
    )
    async def approval_queue_changes(
        self, info: Info[Context, None]
    ) -> AsyncGenerator[ApprovalQueueEvent, None]:
        ctx = info.context
        stream = queue.changes(ctx.scope.database, lambda: ctx.principal)
        try:
            async for event in stream:
                ctx.extra.pop(SUBJECTS, None)
                yield _event(event)
        finally:
            await stream.aclose()


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
