"""GraphQL of a client's death (issue 13): thin. Casework records it, a senior officer who did
not record it confirms it (R-ROLE-2); officers and audit read it (``Client.death``) and the list
of clients being wound up."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import DEATH_CONFIRM, DEATH_READ, DEATH_RECORD, allow
from ca_api.clients.schema import Client, client_of
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    FourEyesProblem,
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.context import Context
from ca_api.deaths import service
from ca_api.deaths.types import Death


@strawberry.type(description="A client's death as the mutation left it.")
class DeathPayload:
    client: Client = strawberry.field(description="The client, with their death.")
    death: Death = strawberry.field(description="The death as it now stands.")
    replayed: bool = replayed_field()


async def _payload(info: Info[Context, None], done: service.DeathOutcome) -> DeathPayload:
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


@strawberry.type(description="A client being wound up (seed 002 B 29, Appendix 1).")
class WindingUpClient:
    view: strawberry.Private[service.WindingUp]

    @strawberry.field(description="The client.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.view.view.death.client_id)

    @strawberry.field(description="Their confirmed death.")
    def death(self) -> Death:
        return Death.of(self.view.view)

    @strawberry.field(description="Days since the date of death, today.")
    def days_since_death(self) -> int:
        return self.view.days_since_death


@strawberry.type
class DeathQuery:
    @strawberry.field(
        extensions=[Paged(25), *allow(DEATH_READ)],
        description="Clients whose death is confirmed and whose affairs are being wound up, the "
        "longest dead first, with how long since the death (issue 13).",
    )
    async def clients_being_wound_up(
        self, info: Info[Context, None], page: Page
    ) -> Connection[WindingUpClient]:
        ctx = info.context

        def key(w: service.WindingUp) -> list[str]:
            return [w.view.death.died_on.isoformat(), str(w.view.death.id)]

        async def fetch(seek: Any) -> list[service.WindingUp]:
            return await service.winding_up(ctx.session, seek)

        return await page.connection(
            cursor=PageRequest.date_id,
            fetch=fetch,
            key=key,
            node=lambda w: WindingUpClient(view=w),
        )


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
            service.record_death,
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
            service.confirm_death,
            decode_uuid("Client", input.client_id),
            idempotency_key=input.idempotency_key,
        )
        return await _payload(info, done)
