"""GraphQL of valuables in the team's safe (issue 14 item 4; R-CARE-3, seed 002 B 24): thin.
Casework registers an item (with its photograph), corrects it, and logs it out of and into the
safe; officers and audit read them, photographs included; social workers see none of it."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import VALUABLE_READ, VALUABLE_RECORD, allow
from ca_api.clients.schema import readable_client_id
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.files.types import FileInput
from ca_api.valuables import service
from ca_api.valuables.rules import MovementKind
from ca_api.valuables.service import ValuableView
from ca_api.valuables.types import TYPE_NAME, Valuable

PHOTO_TEXT = (
    "The photograph (seed 002 B 24.2, R-CARE-3): a JPEG or PNG of at most 600,000 bytes "
    "(told from its contents), as base64."
)


@strawberry.type(description="The valuable as the mutation left it.")
class ValuablePayload:
    valuable: Valuable = strawberry.field(description="The valuable now.")
    replayed: bool = replayed_field()


@strawberry.input(
    description="An item taken into the team's safe (seed 002 B 24.1-24.2): what it is, its "
    "value, its photograph, where it is kept, who handed it in, and the key."
)
class RegisterValuableInput:
    client_id: strawberry.ID = strawberry.field(description="Whose it is.")
    description: str = strawberry.field(description="What the item is (e.g. a gold ring).")
    monetary_value: Money = strawberry.field(
        description="Its monetary value (0.00 for an item of none, e.g. a will)."
    )
    location: str = strawberry.field(description="Where in the safe it is kept.")
    photo: FileInput | None = strawberry.field(
        description=PHOTO_TEXT + " Required: an item with none is refused (VALIDATION_FAILED "
        "on photo); nullable only so that the refusal is a typed problem."
    )
    received_from: str = strawberry.field(description="Who handed it in.")
    reason: str | None = strawberry.field(
        default=None,
        description="Why it is taken in; null: 'received for safe keeping (seed 002 B 24.1)'.",
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A correction of a valuable's details (R-AUD-2): only what changes is given; "
    "the reason is required."
)
class CorrectValuableInput:
    valuable_id: strawberry.ID = strawberry.field(description="The valuable.")
    description: str | None = strawberry.field(default=None, description="What the item is.")
    monetary_value: Money | None = strawberry.field(default=None, description="Its monetary value.")
    location: str | None = strawberry.field(default=None, description="Where it is kept.")
    photo: FileInput | None = strawberry.field(default=None, description=PHOTO_TEXT)
    reason: str = strawberry.field(description="Why the record before was wrong.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="What every movement gives: the valuable, who, why, the key.")
class MoveValuableInput:
    valuable_id: strawberry.ID = strawberry.field(description="The valuable.")
    person: str = strawberry.field(
        description="Who takes it, brings it back or has it back (e.g. 'Ann Lee, daughter')."
    )
    reason: str = strawberry.field(description="Why.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A valuable taken out of the safe, to come back: who, why, key.")
class CheckOutValuableInput(MoveValuableInput):
    pass


@strawberry.input(description="A valuable brought back into the safe: who, why, and the key.")
class CheckInValuableInput(MoveValuableInput):
    pass


@strawberry.input(description="A valuable handed back for good: to whom, why, and the key.")
class ReturnValuableInput(MoveValuableInput):
    pass


RegisterValuableResult = Annotated[
    ValuablePayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RegisterValuableResult",
        description="The valuable taken in, or why not: no photograph, a photograph not a JPEG "
        "or PNG or over the size limit, a description, location or who handed it in missing, a "
        "negative value, a CLOSED client.",
    ),
]
CorrectValuableResult = Annotated[
    ValuablePayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "CorrectValuableResult",
        description="The valuable with its corrected record, or why not: no reason, nothing "
        "changed, a bad photograph, a CLOSED client.",
    ),
]
MoveValuableResult = Annotated[
    ValuablePayload
    | ValidationProblem
    | InvalidStateProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "MoveValuableResult",
        description="The valuable with the movement logged, or why not: it is not where the "
        "movement needs it (INVALID_STATE), who or why missing, a CLOSED client.",
    ),
]


async def _payload(done: service.ValuableOutcome) -> ValuablePayload:
    return ValuablePayload(valuable=Valuable.of(done.view), replayed=done.replayed)


@strawberry.type
class ValuableQuery:
    @strawberry.field(
        extensions=[Paged(50), *allow(VALUABLE_READ)],
        description="A client's valuables in the team's safe (R-CARE-3, seed 002 B 24), oldest "
        "taken in first, with their photographs and logs; only those still held with held: "
        "true. NOT_FOUND for a client the caller may not read.",
    )
    async def valuables(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
        held: Annotated[
            bool,
            strawberry.argument(description="Only those in the safe or out to come back."),
        ] = False,
    ) -> Connection[Valuable]:
        ctx = info.context
        cid = await readable_client_id(ctx, client_id)

        async def fetch(seek: Any) -> list[ValuableView]:
            return await service.of_client(ctx.session, cid, held=held, seek=seek)

        return await page.connection(
            cursor=PageRequest.time_id,
            fetch=fetch,
            key=lambda v: list(v.sort_key()),
            node=Valuable.of,
        )


@strawberry.type
class ValuableMutation:
    @strawberry.mutation(
        extensions=allow(VALUABLE_RECORD),
        description="Take a client's item into the team's safe (seed 002 B 24.1) with its "
        "description, value, photograph and location (B 24.2, R-CARE-3), logging its first "
        "check-in with who handed it in. An item with no photograph is refused.",
    )
    async def register_valuable(
        self,
        info: Info[Context, None],
        input: Annotated[
            RegisterValuableInput, strawberry.argument(description="The item, and the key.")
        ],
    ) -> RegisterValuableResult:
        done = await as_caller(
            info,
            service.register,
            decode_uuid("Client", input.client_id),
            description=input.description,
            value=int(input.monetary_value),
            location=input.location,
            photo_base64=input.photo.content_base64 if input.photo is not None else None,
            received_from=input.received_from,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return await _payload(done)

    @strawberry.mutation(
        extensions=allow(VALUABLE_RECORD),
        description="Correct a valuable's description, value, location or photograph: a new "
        "record that supersedes the last, with the reason (R-AUD-2).",
    )
    async def correct_valuable(
        self,
        info: Info[Context, None],
        input: Annotated[
            CorrectValuableInput, strawberry.argument(description="The correction, and the key.")
        ],
    ) -> CorrectValuableResult:
        done = await as_caller(
            info,
            service.correct,
            decode_uuid(TYPE_NAME, input.valuable_id),
            description=input.description,
            value=int(input.monetary_value) if input.monetary_value is not None else None,
            location=input.location,
            photo_base64=input.photo.content_base64 if input.photo is not None else None,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return await _payload(done)

    @strawberry.mutation(
        extensions=allow(VALUABLE_RECORD),
        description="Log a valuable taken out of the safe, to come back (CHECK_OUT): who takes "
        "it and why. Only an item in the safe.",
    )
    async def check_out_valuable(
        self,
        info: Info[Context, None],
        input: Annotated[CheckOutValuableInput, strawberry.argument(description="Who, why, key.")],
    ) -> MoveValuableResult:
        return await _move(info, input, MovementKind.CHECK_OUT)

    @strawberry.mutation(
        extensions=allow(VALUABLE_RECORD),
        description="Log a valuable brought back into the safe (CHECK_IN): who brings it and "
        "why. Only an item out of the safe.",
    )
    async def check_in_valuable(
        self,
        info: Info[Context, None],
        input: Annotated[CheckInValuableInput, strawberry.argument(description="Who, why, key.")],
    ) -> MoveValuableResult:
        return await _move(info, input, MovementKind.CHECK_IN)

    @strawberry.mutation(
        extensions=allow(VALUABLE_RECORD),
        description="Log a valuable handed back for good (RETURN): to the client who recovered "
        "capacity (R-ORD-5, seed 002 B 27), to the executor or next of kin after a death "
        "(B 29); who has it and why. Only an item in the safe; it is then no longer held.",
    )
    async def return_valuable(
        self,
        info: Info[Context, None],
        input: Annotated[ReturnValuableInput, strawberry.argument(description="Who, why, key.")],
    ) -> MoveValuableResult:
        return await _move(info, input, MovementKind.RETURN)


async def _move(
    info: Info[Context, None], input: MoveValuableInput, kind: MovementKind
) -> ValuablePayload:
    done = await as_caller(
        info,
        service.move,
        decode_uuid(TYPE_NAME, input.valuable_id),
        kind,
        person=input.person,
        reason=input.reason,
        idempotency_key=input.idempotency_key,
    )
    return await _payload(done)
