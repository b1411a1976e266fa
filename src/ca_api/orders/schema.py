"""GraphQL for appointeeships and deputyships: thin. Parse, call the service, map the result."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.auth.permissions import ORDER_WRITE, allow
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.problems import (
    NotFoundProblem,
    Problem,
    ValidationProblem,
    VersionConflict,
    problem_for,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.errors import ValidationFailed
from ca_api.orders import rules, service
from ca_api.orders.rules import AppointeeshipDetails, DeputyshipDetails
from ca_api.orders.service import OrderRecord, OverlappingOrder

SupervisionType = rules.SupervisionType
strawberry.enum(SupervisionType, description="The OPG's supervision level (R-ORD-3).")


@strawberry.type(description="What the court order lets the council do (R-ORD-1).")
class DeputyPowers:
    receive_income: bool
    manage_accounts: bool
    manage_capital: bool
    sell_property: bool
    let_property: bool
    make_gifts: bool
    gift_yearly_limit: Money | None = strawberry.field(
        description="The order's yearly limit on gifts; null where it names none."
    )


def _order_id(type_name: str, order_id: uuid.UUID | None) -> strawberry.ID | None:
    return strawberry.ID(encode_id(type_name, order_id)) if order_id is not None else None


@strawberry.type(
    description="Another order of the same kind is in force for the client on a day of this "
    "one's period (both ends inclusive): one deputyship and one appointeeship at a time. Name "
    "it in `supersedes` to replace it, or end it first (amend its endDate). Nothing was written."
)
class OverlappingOrderProblem(Problem):
    existing_order_id: strawberry.ID = strawberry.field(
        description="The Deputyship or Appointeeship in the way."
    )
    existing_from: date
    existing_to: date | None = strawberry.field(description="Null: it has no end.")


@strawberry.type(description="A Court of Protection order appointing the council deputy.")
class Deputyship:
    record: strawberry.Private[OrderRecord[DeputyshipDetails]]

    @classmethod
    def from_record(cls, record: OrderRecord[DeputyshipDetails]) -> Deputyship:
        return cls(
            record=record,
            id=strawberry.ID(encode_id("Deputyship", record.id)),
            version=record.version,
            case_number=record.details.case_number,
            order_date=record.details.order_date,
            end_date=record.details.end_date,
            supervision_type=record.details.supervision_type,
            superseded_by=_order_id("Deputyship", record.details.superseded_by),
            recorded_at=record.recorded_at,
            recorded_by=record.recorded_by,
        )

    id: strawberry.ID
    version: int
    case_number: str
    order_date: date
    end_date: date | None
    supervision_type: SupervisionType

    def _powers(self) -> DeputyPowers:
        p = self.record.details.powers
        return DeputyPowers(
            receive_income=p.receive_income,
            manage_accounts=p.manage_accounts,
            manage_capital=p.manage_capital,
            sell_property=p.sell_property,
            let_property=p.let_property,
            make_gifts=p.make_gifts,
            gift_yearly_limit=Money(p.gift_yearly_limit)
            if p.gift_yearly_limit is not None
            else None,
        )

    powers: DeputyPowers = strawberry.field(resolver=_powers)

    def _in_force(self) -> bool:
        d = self.record.details
        return rules.is_in_force(d.order_date, d.end_date, clock.today())

    in_force: bool = strawberry.field(
        resolver=_in_force,
        description="In force today. One deputyship is in force for a client at a time.",
    )

    superseded_by: strawberry.ID | None = strawberry.field(
        description="The deputyship that replaced this one (recordDeputyship's supersedes); "
        "it ends the day before its successor's order date, so one replaced on its own date "
        "ends the day before it began and was never in force."
    )

    def _supersedes(self) -> list[strawberry.ID]:
        return [strawberry.ID(encode_id("Deputyship", i)) for i in self.record.supersedes]

    supersedes: list[strawberry.ID] = strawberry.field(
        resolver=_supersedes, description="The deputyships this one replaced."
    )

    recorded_at: datetime
    recorded_by: str


@strawberry.type(description="The DWP's appointment of the council as the client's appointee.")
class Appointeeship:
    record: strawberry.Private[OrderRecord[AppointeeshipDetails]]

    @classmethod
    def from_record(cls, record: OrderRecord[AppointeeshipDetails]) -> Appointeeship:
        return cls(
            record=record,
            id=strawberry.ID(encode_id("Appointeeship", record.id)),
            version=record.version,
            dwp_reference=record.details.dwp_reference,
            applied_on=record.details.applied_on,
            start_date=record.details.start_date,
            end_date=record.details.end_date,
            superseded_by=_order_id("Appointeeship", record.details.superseded_by),
            recorded_at=record.recorded_at,
            recorded_by=record.recorded_by,
        )

    id: strawberry.ID
    version: int
    dwp_reference: str | None
    applied_on: date | None
    start_date: date
    end_date: date | None

    def _in_force(self) -> bool:
        d = self.record.details
        return rules.is_in_force(d.start_date, d.end_date, clock.today())

    in_force: bool = strawberry.field(
        resolver=_in_force,
        description="In force today. One appointeeship is in force for a client at a time.",
    )

    superseded_by: strawberry.ID | None = strawberry.field(
        description="The appointeeship that replaced this one (recordAppointeeship's "
        "supersedes); it ends the day before its successor's start date."
    )

    def _supersedes(self) -> list[strawberry.ID]:
        return [strawberry.ID(encode_id("Appointeeship", i)) for i in self.record.supersedes]

    supersedes: list[strawberry.ID] = strawberry.field(
        resolver=_supersedes, description="The appointeeships this one replaced."
    )

    recorded_at: datetime
    recorded_by: str


async def load_deputyships(ctx: Context, client_id: uuid.UUID) -> list[Deputyship]:
    async def batch(ids: list[uuid.UUID]) -> list[list[Deputyship]]:
        found = await service.deputyships_by_client(ctx.session, ids)
        return [[Deputyship.from_record(r) for r in found[i]] for i in ids]

    return await ctx.loader("deputyships_by_client", batch).load(client_id)


async def load_appointeeships(ctx: Context, client_id: uuid.UUID) -> list[Appointeeship]:
    async def batch(ids: list[uuid.UUID]) -> list[list[Appointeeship]]:
        found = await service.appointeeships_by_client(ctx.session, ids)
        return [[Appointeeship.from_record(r) for r in found[i]] for i in ids]

    return await ctx.loader("appointeeships_by_client", batch).load(client_id)


@strawberry.input
class DeputyPowersInput:
    receive_income: bool
    manage_accounts: bool
    manage_capital: bool
    sell_property: bool
    let_property: bool
    make_gifts: bool
    gift_yearly_limit: Money | None = None

    def to_powers(self) -> rules.DeputyPowers:
        return rules.DeputyPowers(
            receive_income=self.receive_income,
            manage_accounts=self.manage_accounts,
            manage_capital=self.manage_capital,
            sell_property=self.sell_property,
            let_property=self.let_property,
            make_gifts=self.make_gifts,
            gift_yearly_limit=self.gift_yearly_limit,
        )


@strawberry.input
class DeputyshipInput:
    case_number: str = strawberry.field(description="The Court of Protection case number.")
    order_date: date
    powers: DeputyPowersInput
    supervision_type: SupervisionType
    end_date: date | None = None

    def to_details(self) -> DeputyshipDetails:
        return DeputyshipDetails(
            case_number=self.case_number.strip(),
            order_date=self.order_date,
            powers=self.powers.to_powers(),
            supervision_type=self.supervision_type,
            end_date=self.end_date,
        )


def _given(obj: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names if getattr(obj, n) is not strawberry.UNSET}


@strawberry.input(description="Only the fields given change.")
class DeputyshipAmendment:
    case_number: str | None = strawberry.UNSET
    order_date: date | None = strawberry.UNSET
    end_date: date | None = strawberry.UNSET
    supervision_type: SupervisionType | None = strawberry.UNSET
    powers: DeputyPowersInput | None = strawberry.UNSET

    def to_changes(self) -> dict[str, Any]:
        changes = _given(self, ("case_number", "order_date", "end_date", "supervision_type"))
        if isinstance(changes.get("case_number"), str):
            changes["case_number"] = changes["case_number"].strip()  # as when recorded
        if self.powers is not strawberry.UNSET and self.powers is not None:
            changes["powers"] = self.powers.to_powers()
        required: tuple[str, ...] = ("case_number", "order_date", "supervision_type", "powers")
        cleared = [k for k in required if k in changes and changes[k] is None]
        if self.powers is None:
            cleared.append("powers")
        if cleared:
            raise ValidationFailed({k: "cannot be cleared" for k in cleared})
        return changes


@strawberry.input
class AppointeeshipInput:
    start_date: date
    dwp_reference: str | None = None
    applied_on: date | None = None
    end_date: date | None = None

    def to_details(self) -> AppointeeshipDetails:
        return AppointeeshipDetails(
            start_date=self.start_date,
            dwp_reference=self.dwp_reference,
            applied_on=self.applied_on,
            end_date=self.end_date,
        )


@strawberry.input(description="Only the fields given change; set endDate to end it.")
class AppointeeshipAmendment:
    dwp_reference: str | None = strawberry.UNSET
    applied_on: date | None = strawberry.UNSET
    start_date: date | None = strawberry.UNSET
    end_date: date | None = strawberry.UNSET

    def to_changes(self) -> dict[str, Any]:
        changes = _given(self, ("dwp_reference", "applied_on", "start_date", "end_date"))
        if "start_date" in changes and changes["start_date"] is None:
            raise ValidationFailed({"start_date": "cannot be cleared"})
        return changes


@strawberry.type
class DeputyshipPayload:
    deputyship: Deputyship


@strawberry.type
class AppointeeshipPayload:
    appointeeship: Appointeeship


RecordDeputyshipResult = Annotated[
    DeputyshipPayload | ValidationProblem | NotFoundProblem | OverlappingOrderProblem,
    strawberry.union("RecordDeputyshipResult"),
]
AmendDeputyshipResult = Annotated[
    DeputyshipPayload
    | ValidationProblem
    | NotFoundProblem
    | VersionConflict
    | OverlappingOrderProblem,
    strawberry.union("AmendDeputyshipResult"),
]
RecordAppointeeshipResult = Annotated[
    AppointeeshipPayload | ValidationProblem | NotFoundProblem | OverlappingOrderProblem,
    strawberry.union("RecordAppointeeshipResult"),
]
AmendAppointeeshipResult = Annotated[
    AppointeeshipPayload
    | ValidationProblem
    | NotFoundProblem
    | VersionConflict
    | OverlappingOrderProblem,
    strawberry.union("AmendAppointeeshipResult"),
]

SUPERSEDES = (
    "The order of the same kind this one replaces, for the same client and from the same or an "
    "earlier date: it gets a new version ending it the day before this one starts (R-ORD). "
    "Without it, an order whose period shares a day with another is refused."
)


@problem_for(OverlappingOrder)
def _overlapping(exc: OverlappingOrder) -> OverlappingOrderProblem:
    return OverlappingOrderProblem(
        code=exc.code,
        message=exc.message,
        existing_order_id=strawberry.ID(encode_id(exc.entity.capitalize(), exc.existing_id)),
        existing_from=exc.existing_from,
        existing_to=exc.existing_to,
    )


@strawberry.type
class OrderMutation:
    @strawberry.mutation(
        extensions=allow(ORDER_WRITE),
        description="Record a Court of Protection deputyship order for a client (R-ORD-1).",
    )
    async def record_deputyship(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        input: DeputyshipInput,
        supersedes: Annotated[
            strawberry.ID | None, strawberry.argument(description=SUPERSEDES)
        ] = None,
    ) -> RecordDeputyshipResult:
        ctx = info.context
        cid = decode_uuid("Client", client_id)
        old = decode_uuid("Deputyship", supersedes) if supersedes is not None else None
        rec = await service.record_deputyship(
            ctx.session, ctx.actor, cid, input.to_details(), supersedes=old
        )
        return DeputyshipPayload(deputyship=Deputyship.from_record(rec))

    @strawberry.mutation(
        extensions=allow(ORDER_WRITE),
        description="Record a new version of a deputyship, with the reason (R-AUD-2).",
    )
    async def amend_deputyship(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        amendment: DeputyshipAmendment,
        reason: str,
        expected_version: int | None = None,
    ) -> AmendDeputyshipResult:
        ctx = info.context
        did = decode_uuid("Deputyship", id)
        rec = await service.amend_deputyship(
            ctx.session,
            ctx.actor,
            did,
            amendment.to_changes(),
            reason=reason,
            expected_version=expected_version,
        )
        return DeputyshipPayload(deputyship=Deputyship.from_record(rec))

    @strawberry.mutation(
        extensions=allow(ORDER_WRITE),
        description="Record the DWP's appointment of the council as appointee for a client.",
    )
    async def record_appointeeship(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        input: AppointeeshipInput,
        supersedes: Annotated[
            strawberry.ID | None, strawberry.argument(description=SUPERSEDES)
        ] = None,
    ) -> RecordAppointeeshipResult:
        ctx = info.context
        cid = decode_uuid("Client", client_id)
        old = decode_uuid("Appointeeship", supersedes) if supersedes is not None else None
        rec = await service.record_appointeeship(
            ctx.session, ctx.actor, cid, input.to_details(), supersedes=old
        )
        return AppointeeshipPayload(appointeeship=Appointeeship.from_record(rec))

    @strawberry.mutation(
        extensions=allow(ORDER_WRITE),
        description="Record a new version of an appointeeship (e.g. its end), with the reason.",
    )
    async def amend_appointeeship(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        amendment: AppointeeshipAmendment,
        reason: str,
        expected_version: int | None = None,
    ) -> AmendAppointeeshipResult:
        ctx = info.context
        aid = decode_uuid("Appointeeship", id)
        rec = await service.amend_appointeeship(
            ctx.session,
            ctx.actor,
            aid,
            amendment.to_changes(),
            reason=reason,
            expected_version=expected_version,
        )
        return AppointeeshipPayload(appointeeship=Appointeeship.from_record(rec))
