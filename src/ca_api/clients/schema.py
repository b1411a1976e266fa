"""GraphQL for clients: thin. Parse, call the service, map the result."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    AGGREGATE_READ,
    CLIENT_DETAIL_READ,
    CLIENT_READ,
    CLIENT_REFER,
    CLIENT_WRITE,
    allow,
    allow_or_withhold,
)
from ca_api.clients import repository, rules, service
from ca_api.clients.service import ClientRecord, CreatedClient, DuplicateClient
from ca_api.common import loaders
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.node import Node, NodeType
from ca_api.common.pagination import Connection, paginate
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    NotFoundProblem,
    Problem,
    ValidationProblem,
    VersionConflict,
    problem_for,
)
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.errors import NotFound, ValidationFailed
from ca_api.orders.schema import Appointeeship, Deputyship, load_orders

Situation = rules.Situation
ClientStatus = rules.ClientStatus
LegalRole = rules.LegalRole
DuplicateMatch = rules.DuplicateMatch
strawberry.enum(Situation, description="Where the client lives.")
strawberry.enum(ClientStatus)
strawberry.enum(LegalRole, description="What the council is for the client today (R-REF-6).")
strawberry.enum(
    DuplicateMatch,
    description="Why a new client is likely one already known: the same NI number (one "
    "person's), or the same name (ignoring case and spacing) and date of birth.",
)

# Personal details: null, with no error, for a caller who may read the client but not them (a
# social worker reading their own referral; issue 9 item 7).
DETAIL = allow_or_withhold(CLIENT_DETAIL_READ)
WITHHELD = " Null for a social worker, who sees only their referral's status."


@strawberry.type
class Address:
    line1: str | None
    line2: str | None
    town: str | None
    postcode: str | None


@strawberry.type(description="One version of a client's record, with who made it and why.")
class ClientVersion:
    version: int
    given_name: str
    family_name: str
    situation: Situation
    status: ClientStatus
    recorded_at: datetime
    recorded_by: str
    reason: str | None


@strawberry.type(description="An adult whose money the council manages.")
class Client(Node):
    record: strawberry.Private[ClientRecord]

    @classmethod
    def from_record(cls, record: ClientRecord) -> Client:
        d = record.details
        return from_source(
            cls,
            record,
            record=record,
            given_name=d.given_name,
            family_name=d.family_name,
            situation=d.situation,
            status=d.status,
        )

    id: strawberry.ID
    reference: str = strawberry.field(description="The council's case reference, e.g. CA000123.")
    version: int = strawberry.field(description="Amendments must name this as expectedVersion.")
    given_name: str
    family_name: str
    situation: Situation
    status: ClientStatus
    legal_role: LegalRole
    created_at: datetime
    updated_at: datetime

    @strawberry.field(extensions=DETAIL, description="Withheld (null) from social workers.")
    def date_of_birth(self) -> date | None:
        return self.record.details.date_of_birth

    @strawberry.field(extensions=DETAIL, description="Withheld (null) from social workers.")
    def ni_number(self) -> str | None:
        return self.record.details.ni_number

    @strawberry.field(extensions=DETAIL, description="Withheld (null) from social workers.")
    def address(self) -> Address | None:
        d = self.record.details
        return Address(
            line1=d.address_line1, line2=d.address_line2, town=d.town, postcode=d.postcode
        )

    @strawberry.field(
        extensions=DETAIL,
        description="The social worker who referred the client; null for clients taken on "
        "directly, and withheld (null) from social workers.",
    )
    def referred_by(self) -> str | None:
        return self.record.referred_by

    @strawberry.field(extensions=DETAIL, description="DWP appointeeships, newest first." + WITHHELD)
    async def appointeeships(self, info: Info[Context, None]) -> list[Appointeeship] | None:
        return await load_orders(info.context, Appointeeship, self.record.id)

    @strawberry.field(extensions=DETAIL, description="Court of Protection deputyships." + WITHHELD)
    async def deputyships(self, info: Info[Context, None]) -> list[Deputyship] | None:
        return await load_orders(info.context, Deputyship, self.record.id)

    @strawberry.field(extensions=DETAIL, description="Every version, oldest first." + WITHHELD)
    async def history(self, info: Info[Context, None]) -> list[ClientVersion] | None:
        rows = await service.client_history(info.context.session, self.record.id)
        return [from_source(ClientVersion, r) for r in rows]


@strawberry.input
class AddressInput:
    line1: str | None = None
    line2: str | None = None
    town: str | None = None
    postcode: str | None = None

    def to_fields(self) -> dict[str, Any]:
        """The client's address fields, as the details name them."""
        return {
            "address_line1": self.line1,
            "address_line2": self.line2,
            "town": self.town,
            "postcode": self.postcode,
        }


@strawberry.input
class ClientInput:
    given_name: str
    family_name: str
    date_of_birth: date
    situation: Situation
    ni_number: str | None = None
    address: AddressInput | None = None

    def to_details(self) -> rules.ClientDetails:
        given = {k: v for k, v in vars(self).items() if k != "address"}
        return rules.ClientDetails(**given, **(self.address or AddressInput()).to_fields())


@strawberry.input(description="Only the fields given change; null clears an optional field.")
class ClientAmendment:
    given_name: str | None = strawberry.UNSET
    family_name: str | None = strawberry.UNSET
    date_of_birth: date | None = strawberry.UNSET
    situation: Situation | None = strawberry.UNSET
    status: ClientStatus | None = strawberry.UNSET
    ni_number: str | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET

    def to_changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        required = {"given_name", "family_name", "date_of_birth", "situation", "status"}
        missing: dict[str, str] = {}
        for name in (*sorted(required), "ni_number"):
            value = getattr(self, name)
            if value is strawberry.UNSET:
                continue
            if value is None and name in required:
                missing[name] = "cannot be cleared"
            changes[name] = value
        if self.address is not strawberry.UNSET:
            changes |= (self.address or AddressInput()).to_fields()
        if missing:
            raise ValidationFailed(missing)
        return changes


@strawberry.input
class ClientFilter:
    search: str | None = strawberry.field(default=None, description="Name or reference.")
    situation: Situation | None = None
    status: ClientStatus | None = None
    legal_role: LegalRole | None = None


@strawberry.type
class ClientPayload:
    client: Client
    replayed: bool = strawberry.field(
        default=False, description="A repeat of an idempotency key: nothing new."
    )


@strawberry.type(
    description="The new client is likely one already known: nothing was written. "
    "The same NI number is always refused (correct the record that is wrong); the same name and "
    "date of birth is let through when the caller names that client in notDuplicateOf."
)
class DuplicateClientProblem(Problem):
    existing_client_id: strawberry.ID | None = strawberry.field(
        description="The client it duplicates; null when it is not yours to see (a social "
        "worker is told only that the person is known, and to contact the team)."
    )
    matched_on: list[DuplicateMatch]
    can_override: bool = strawberry.field(
        description="True when only the name and date of birth match: notDuplicateOf applies."
    )


CreateClientResult = Annotated[
    ClientPayload | ValidationProblem | IdempotencyKeyReusedProblem | DuplicateClientProblem,
    strawberry.union("CreateClientResult"),
]

IDEMPOTENCY_KEY = (
    "8 to 200 characters (a UUID is ideal), scoped to the caller: the same key with the same "
    "input returns the first client (replayed: true) and makes no other; with different input "
    "it is refused (IdempotencyKeyReusedProblem)."
)
NOT_DUPLICATE_OF = (
    "Clients the caller has checked and found to be other people with the same name and date "
    "of birth (see DuplicateClientProblem). No effect on an NI number match."
)


async def readable_client(ctx: Context, client_id: uuid.UUID, given: str) -> None:
    """The client exists and the caller may read it (row scoping, ``service.readable``), else
    NOT_FOUND under the id as the caller gave it. Every module's client-keyed query uses it."""
    if not await service.readable(ctx.session, ctx.principal, client_id):
        raise NotFound("client", given)


@problem_for(DuplicateClient)
def _duplicate_client(exc: DuplicateClient) -> DuplicateClientProblem:
    return DuplicateClientProblem(
        code=exc.code,
        message=exc.message,
        existing_client_id=strawberry.ID(encode_id("Client", exc.existing_id))
        if exc.existing_id is not None
        else None,
        matched_on=list(exc.matches),
        can_override=rules.may_override(exc.matches),
    )


def _not_duplicate_of(ids: list[strawberry.ID] | None) -> list[uuid.UUID]:
    return [decode_uuid("Client", i) for i in ids or []]


AmendClientResult = Annotated[
    ClientPayload | ValidationProblem | NotFoundProblem | VersionConflict | DuplicateClientProblem,
    strawberry.union("AmendClientResult"),
]


@strawberry.type(description="Clients counted by legal role and situation (R-REP-1).")
class CaseloadCount:
    legal_role: LegalRole
    situation: Situation
    clients: int


@strawberry.type(description="The caseload in aggregate: no personal data.")
class CaseloadSummary:
    total: int
    counts: list[CaseloadCount]


@strawberry.type
class ClientQuery:
    @strawberry.field(extensions=allow(CLIENT_READ), description="One client, by id.")
    async def client(self, info: Info[Context, None], id: strawberry.ID) -> Client:
        ctx = info.context
        client_id = decode_uuid("Client", id)
        record = await service.get_client(ctx.session, ctx.principal, client_id)
        if record is None:
            raise NotFound("client", id)
        return Client.from_record(record)

    @strawberry.field(
        extensions=allow(CLIENT_READ), description="Clients in reference order, a page at a time."
    )
    async def clients(
        self,
        info: Info[Context, None],
        filter: ClientFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Client]:
        ctx = info.context
        f = filter or ClientFilter()
        flt = repository.ClientFilter(
            search=f.search,
            situation=f.situation,
            status=f.status.value if f.status else None,
            legal_role=f.legal_role,
        )
        return await paginate(
            first,
            after,
            default=25,
            maximum=ctx.settings.max_page_size,
            cursor=lambda page: page.after_one(str),
            fetch=lambda key, limit: service.list_clients(
                ctx.session, ctx.principal, flt, after_reference=key, limit=limit
            ),
            key=lambda r: [r.reference],
            node=Client.from_record,
        )

    @strawberry.field(extensions=allow(AGGREGATE_READ))
    async def caseload_summary(self, info: Info[Context, None]) -> CaseloadSummary:
        counts = await service.caseload(info.context.session)
        return CaseloadSummary(
            total=sum(c.clients for c in counts),
            counts=[from_source(CaseloadCount, c) for c in counts],
        )


def _taking_on(take_on: Callable[..., Awaitable[CreatedClient]], **options: Any) -> Any:
    """``createClient`` and ``referClient``: the same arguments, a different use case."""

    async def resolver(
        self: Any,
        info: Info[Context, None],
        input: ClientInput,
        idempotency_key: Annotated[str, strawberry.argument(description=IDEMPOTENCY_KEY)],
        not_duplicate_of: Annotated[
            list[strawberry.ID] | None, strawberry.argument(description=NOT_DUPLICATE_OF)
        ] = None,
    ) -> CreateClientResult:
        ctx = info.context
        done = await take_on(
            ctx.session,
            ctx.actor,
            input.to_details(),
            idempotency_key=idempotency_key,
            not_duplicate_of=_not_duplicate_of(not_duplicate_of),
        )
        return ClientPayload(client=Client.from_record(done.client), replayed=done.replayed)

    return strawberry.mutation(resolver=resolver, **options)


@strawberry.type
class ClientMutation:
    create_client = _taking_on(
        service.create_client,
        extensions=allow(CLIENT_WRITE),
        description="Take on a client. Once per idempotency key; a likely duplicate of a client "
        "already known is refused (DuplicateClientProblem).",
    )
    refer_client = _taking_on(
        service.refer_client,
        extensions=allow(CLIENT_REFER),
        description="A social worker refers a client (R-REF-3). Once per idempotency key; a "
        "person already known is refused (DuplicateClientProblem).",
    )

    @strawberry.mutation(
        extensions=allow(CLIENT_WRITE),
        description="Record a new version of a client's details, with the reason (R-AUD-2). "
        "An amendment that makes them a likely duplicate of another client (that client's NI "
        "number, or name and date of birth) is refused (DuplicateClientProblem).",
    )
    async def amend_client(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        amendment: ClientAmendment,
        reason: str,
        expected_version: int | None = None,
        not_duplicate_of: Annotated[
            list[strawberry.ID] | None, strawberry.argument(description=NOT_DUPLICATE_OF)
        ] = None,
    ) -> AmendClientResult:
        ctx = info.context
        client_id: uuid.UUID = decode_uuid("Client", id)
        record = await service.amend_client(
            ctx.session,
            ctx.actor,
            client_id,
            amendment.to_changes(),
            reason=reason,
            expected_version=expected_version,
            not_duplicate_of=_not_duplicate_of(not_duplicate_of),
        )
        return ClientPayload(client=Client.from_record(record))


async def load_client(ctx: Context, client_id: uuid.UUID) -> Client | None:
    """The client, through the request's batch loader (one query for every client asked for in
    the request), scoped as ``client(id:)`` is: None when there is none or the caller may not
    read it. Any module's reference to a client goes through this (or ``client_of``)."""

    async def fetch(
        session: Any, ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, service.ClientRecord]:
        return await service.clients_by_id(session, ctx.principal, ids)

    record = await loaders.one(ctx, "clients.by_id", fetch).load(client_id)
    return Client.from_record(record) if record is not None else None


async def client_of(ctx: Context, client_id: uuid.UUID) -> Client:
    """The client an object refers to (an order's, an invoice's ``client``), loaded in batches;
    NOT_FOUND, as ``client(id:)`` answers, when the caller's scope hides it."""
    client = await load_client(ctx, client_id)
    if client is None:
        raise NotFound("client", encode_id("Client", client_id))
    return client


async def _clients(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Client]:
    records = await service.clients_by_id(ctx.session, ctx.principal, ids)
    return {k: Client.from_record(r) for k, r in records.items()}


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = (NodeType("Client", CLIENT_READ, _clients),)
