"""GraphQL for appointeeships and deputyships: thin. Parse, call the service, map the result."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self, TypeVar

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import CLIENT_DETAIL_READ, ORDER_WRITE, allow
from ca_api.common import loaders
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, encode_id, node_id, node_id_or_none
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.problems import (
    NotFoundProblem,
    Problem,
    ValidationProblem,
    VersionConflictProblem,
    problem_for,
)
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.errors import found
from ca_api.orders import rules, service
from ca_api.orders.inputs import (
    APPLIED_ON,
    APPOINTEE_END,
    CASE_NUMBER,
    DEPUTY_END,
    DWP_REFERENCE,
    HEALTH_AND_WELFARE,
    LET_PROPERTY,
    MAKE_GIFTS,
    MANAGE_ACCOUNTS,
    MANAGE_CAPITAL,
    ORDER_DATE,
    RECEIVE_INCOME,
    SELL_PROPERTY,
    START_DATE,
    SUPERVISION,
    AmendAppointeeshipInput,
    AmendDeputyshipInput,
    RecordAppointeeshipInput,
    RecordDeputyshipInput,
    SupervisionType,
)
from ca_api.orders.rules import AppointeeshipDetails, DeputyshipDetails
from ca_api.orders.service import OrderRecord, OverlappingOrder

if TYPE_CHECKING:
    from ca_api.clients.schema import Client

# The client an order is for: clients.schema imports this module, so the type is named lazily.
LazyClient = Annotated["Client", strawberry.lazy("ca_api.clients.schema")]


@strawberry.type(description="What the court order lets the council do (R-ORD-1).")
class DeputyPowers:
    receive_income: bool = strawberry.field(description=RECEIVE_INCOME)
    manage_accounts: bool = strawberry.field(description=MANAGE_ACCOUNTS)
    manage_capital: bool = strawberry.field(description=MANAGE_CAPITAL)
    sell_property: bool = strawberry.field(description=SELL_PROPERTY)
    let_property: bool = strawberry.field(description=LET_PROPERTY)
    make_gifts: bool = strawberry.field(description=MAKE_GIFTS)
    gift_yearly_limit: Money | None = strawberry.field(
        description="The order's yearly limit on gifts; null where it names none."
    )


@strawberry.type(
    description="Another order of the same kind is in force for the client on a day of this "
    "one's period (both ends inclusive): one deputyship and one appointeeship at a time. Name "
    "it in `supersedes` to replace it, or end it first (amend its endDate). Nothing was written."
)
class OverlappingOrderProblem(Problem):
    existing_order_id: strawberry.ID = strawberry.field(
        description="The Deputyship or Appointeeship in the way."
    )
    existing_from: date = strawberry.field(description="The day the order in the way starts.")
    existing_to: date | None = strawberry.field(
        description="The last day of the order in the way; null: it has no end."
    )


VERSION = "Amendments must name this as expectedVersion; each amendment adds one (R-AUD-2)."
RECORDED_AT = "When this version was recorded."
RECORDED_BY = "The officer who recorded this version (R-AUD-1)."


class _OrderFields:
    """What both kinds of order show the same way, for a type whose ``kind`` is the service's
    ``OrderKind``: its GraphQL name is the kind's entity capitalised."""

    kind: ClassVar[service.OrderKind[Any]]
    record: OrderRecord[Any]

    @classmethod
    def type_name(cls) -> str:
        return cls.kind.entity.capitalize()

    @classmethod
    def from_record(cls, record: OrderRecord[Any]) -> Self:
        return from_source(
            cls,
            record.details,
            record=record,
            id=node_id(cls.type_name(), record.id),
            version=record.version,
            superseded_by=node_id_or_none(cls.type_name(), record.details.superseded_by),
            recorded_at=record.recorded_at,
            recorded_by=record.recorded_by,
        )

    def _in_force(self) -> bool:
        d = self.record.details
        return rules.is_in_force(self.kind.start(d), d.end_date, clock.today())

    def _supersedes(self) -> list[strawberry.ID]:
        return [node_id(self.type_name(), i) for i in self.record.supersedes]

    async def _client(self, info: Info[Context, None]) -> LazyClient:
        from ca_api.clients.schema import client_of

        return await client_of(info.context, self.record.client_id)


@strawberry.type(description="A Court of Protection order appointing the council deputy.")
class Deputyship(_OrderFields, Node):
    kind = service.DEPUTYSHIP
    record: strawberry.Private[OrderRecord[DeputyshipDetails]]

    id: strawberry.ID = strawberry.field(description="The deputyship's global id.")
    version: int = strawberry.field(description=VERSION)
    case_number: str = strawberry.field(description=CASE_NUMBER)
    order_date: date = strawberry.field(description=ORDER_DATE)
    end_date: date | None = strawberry.field(description=DEPUTY_END)
    supervision_type: SupervisionType = strawberry.field(description=SUPERVISION)
    health_and_welfare_order: bool = strawberry.field(description=HEALTH_AND_WELFARE)

    def _powers(self) -> DeputyPowers:
        return from_source(DeputyPowers, self.record.details.powers)

    powers: DeputyPowers = strawberry.field(
        resolver=_powers, description="What the order lets the council do (R-ORD-1)."
    )
    in_force: bool = strawberry.field(
        resolver=_OrderFields._in_force,
        description="In force today. One deputyship is in force for a client at a time.",
    )
    superseded_by: strawberry.ID | None = strawberry.field(
        description="The deputyship that replaced this one (recordDeputyship's supersedes); "
        "it ends the day before its successor's order date, so one replaced on its own date "
        "ends the day before it began and was never in force."
    )
    supersedes: list[strawberry.ID] = strawberry.field(
        resolver=_OrderFields._supersedes, description="The deputyships this one replaced."
    )
    recorded_at: datetime = strawberry.field(description=RECORDED_AT)
    recorded_by: str = strawberry.field(description=RECORDED_BY)
    client: LazyClient = strawberry.field(
        resolver=_OrderFields._client, description="The client the order is for."
    )


@strawberry.type(description="The DWP's appointment of the council as the client's appointee.")
class Appointeeship(_OrderFields, Node):
    kind = service.APPOINTEESHIP
    record: strawberry.Private[OrderRecord[AppointeeshipDetails]]

    id: strawberry.ID = strawberry.field(description="The appointeeship's global id.")
    version: int = strawberry.field(description=VERSION)
    dwp_reference: str | None = strawberry.field(description=DWP_REFERENCE + " Null: not known.")
    applied_on: date | None = strawberry.field(description=APPLIED_ON + " Null: not recorded.")
    start_date: date = strawberry.field(description=START_DATE)
    end_date: date | None = strawberry.field(description=APPOINTEE_END)
    in_force: bool = strawberry.field(
        resolver=_OrderFields._in_force,
        description="In force today. One appointeeship is in force for a client at a time.",
    )
    superseded_by: strawberry.ID | None = strawberry.field(
        description="The appointeeship that replaced this one (recordAppointeeship's "
        "supersedes); it ends the day before its successor's start date."
    )
    supersedes: list[strawberry.ID] = strawberry.field(
        resolver=_OrderFields._supersedes, description="The appointeeships this one replaced."
    )
    recorded_at: datetime = strawberry.field(description=RECORDED_AT)
    recorded_by: str = strawberry.field(description=RECORDED_BY)
    client: LazyClient = strawberry.field(
        resolver=_OrderFields._client, description="The client the council is appointee for."
    )


Order = TypeVar("Order", bound=_OrderFields)


async def load_orders(ctx: Context, cls: type[Order], client_id: uuid.UUID) -> list[Order]:
    """The client's orders of the kind of ``cls``: one DataLoader per request reads both kinds
    of the clients' orders in one statement (a client's deputyships and appointeeships are
    asked for together)."""

    async def batch(ids: list[uuid.UUID]) -> list[dict[str, list[OrderRecord[Any]]]]:
        deputyships, appointeeships = await service.both_by_client(ctx.session, ids)
        return [
            {
                service.DEPUTYSHIP.entity: list(deputyships[i]),
                service.APPOINTEESHIP.entity: list(appointeeships[i]),
            }
            for i in ids
        ]

    found = await ctx.loader("orders_by_client", batch).load(client_id)
    return [cls.from_record(r) for r in found[cls.kind.entity]]


@strawberry.type(description="The deputyship as the mutation left it.")
class DeputyshipPayload:
    deputyship: Deputyship = strawberry.field(description="The deputyship recorded or amended.")


@strawberry.type(description="The appointeeship as the mutation left it.")
class AppointeeshipPayload:
    appointeeship: Appointeeship = strawberry.field(
        description="The appointeeship recorded or amended."
    )


RecordDeputyshipResult = Annotated[
    DeputyshipPayload | ValidationProblem | NotFoundProblem | OverlappingOrderProblem,
    strawberry.union(
        "RecordDeputyshipResult",
        description="The deputyship recorded, or why not: nothing was written.",
    ),
]
AmendDeputyshipResult = Annotated[
    DeputyshipPayload
    | ValidationProblem
    | NotFoundProblem
    | VersionConflictProblem
    | OverlappingOrderProblem,
    strawberry.union(
        "AmendDeputyshipResult",
        description="The deputyship as amended, or why not: nothing changed.",
    ),
]
RecordAppointeeshipResult = Annotated[
    AppointeeshipPayload | ValidationProblem | NotFoundProblem | OverlappingOrderProblem,
    strawberry.union(
        "RecordAppointeeshipResult",
        description="The appointeeship recorded, or why not: nothing was written.",
    ),
]
AmendAppointeeshipResult = Annotated[
    AppointeeshipPayload
    | ValidationProblem
    | NotFoundProblem
    | VersionConflictProblem
    | OverlappingOrderProblem,
    strawberry.union(
        "AmendAppointeeshipResult",
        description="The appointeeship as amended, or why not: nothing changed.",
    ),
]


@problem_for(OverlappingOrder)
def _overlapping(exc: OverlappingOrder) -> OverlappingOrderProblem:
    return OverlappingOrderProblem(
        code=exc.code,
        message=exc.message,
        existing_order_id=strawberry.ID(encode_id(exc.entity.capitalize(), exc.existing_id)),
        existing_from=exc.existing_from,
        existing_to=exc.existing_to,
    )


def _order_mutations(
    cls: type[Order],
    record_input: type[Any],
    amend_input: type[Any],
    payload: type[Any],
    results: tuple[object, object],
    *,
    record: str,
    amend: str,
) -> tuple[Any, Any]:
    """``record<Kind>(input: Record<Kind>Input!)`` and ``amend<Kind>(input: Amend<Kind>Input!)``
    for the kind of order ``cls`` shows, described by ``record`` and ``amend``. The resolvers
    are written once for both kinds; the kind's own input and result types are set on them
    here."""

    def answer(rec: OrderRecord[Any]) -> Any:
        return payload(**{cls.kind.entity: cls.from_record(rec)})

    async def record_order(self: Any, info: Info[Context, None], input: Any) -> Any:
        cid = decode_uuid("Client", input.client_id)
        given = input.supersedes
        old = decode_uuid(cls.type_name(), given) if given is not None else None
        rec = await as_caller(info, cls.kind.record, cid, input.to_details(), supersedes=old)
        return answer(rec)

    async def amend_order(self: Any, info: Info[Context, None], input: Any) -> Any:
        rec = await as_caller(
            info,
            cls.kind.amend,
            decode_uuid(cls.type_name(), input.id),
            input.amendment.to_changes(),
            reason=input.reason,
            expected_version=input.expected_version,
        )
        return answer(rec)

    def mutation(resolver: Callable[..., Any], description: str, **types: object) -> Any:
        resolver.__annotations__.update(types)
        return strawberry.mutation(
            resolver=resolver, extensions=allow(ORDER_WRITE), description=description
        )

    described: Any = Annotated  # the kind's own types, given here, with their descriptions
    described_record = described[
        record_input,
        strawberry.argument(
            description="The client, the order's details, and the order it replaces, if any."
        ),
    ]
    described_amend = described[
        amend_input,
        strawberry.argument(
            description="The order, the details that change, why, and the version read."
        ),
    ]
    return (
        mutation(record_order, record, input=described_record, **{"return": results[0]}),
        mutation(amend_order, amend, input=described_amend, **{"return": results[1]}),
    )


@strawberry.type
class OrderMutation:
    record_deputyship, amend_deputyship = _order_mutations(
        Deputyship,
        RecordDeputyshipInput,
        AmendDeputyshipInput,
        DeputyshipPayload,
        (RecordDeputyshipResult, AmendDeputyshipResult),
        record="Record a Court of Protection deputyship order for a client (R-ORD-1).",
        amend="Record a new version of a deputyship, with the reason (R-AUD-2).",
    )
    record_appointeeship, amend_appointeeship = _order_mutations(
        Appointeeship,
        RecordAppointeeshipInput,
        AmendAppointeeshipInput,
        AppointeeshipPayload,
        (RecordAppointeeshipResult, AmendAppointeeshipResult),
        record="Record the DWP's appointment of the council as appointee for a client.",
        amend="Record a new version of an appointeeship (e.g. its end), with the reason.",
    )


async def deputyship_of(ctx: Context, deputyship_id: uuid.UUID) -> Deputyship:
    """The deputy order an object refers to (an investment statement's), through the request's
    one loader of deputy orders, scoped as node(id:) reads one (CLIENT_DETAIL_READ)."""

    async def fetch(session: Any, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, OrderRecord[Any]]:
        return await service.DEPUTYSHIP.by_id(session, ctx.principal, ids)

    record = await loaders.one(ctx, "orders.deputyships_by_id", fetch).load(deputyship_id)
    return Deputyship.from_record(found(record, "deputyship", deputyship_id))


# The types node(id:) fetches (common.node). Orders have no lookup of their own: they are read
# as a client's deputyships and appointeeships, withheld from all but CLIENT_DETAIL_READ.
NODES: tuple[NodeType, ...] = (
    NodeType(
        "Deputyship", CLIENT_DETAIL_READ, in_scope(Deputyship.kind.by_id, Deputyship.from_record)
    ),
    NodeType(
        "Appointeeship",
        CLIENT_DETAIL_READ,
        in_scope(Appointeeship.kind.by_id, Appointeeship.from_record),
    ),
)
