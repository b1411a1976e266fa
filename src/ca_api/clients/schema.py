"""GraphQL for clients: thin. Parse, call the service, map the result."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    CASELOAD_SUMMARY_READ,
    CLIENT_DETAIL_READ,
    CLIENT_READ,
    CLIENT_REFER,
    CLIENT_WRITE,
    LEDGER_READ,
    allow,
    allow_or_withhold,
)
from ca_api.clients import repository, rules, service
from ca_api.clients.inputs import (
    CLIENT_ID,
    AmendClientInput,
    ClientFilter,
    ClientStatus,
    CreateClientInput,
    DuplicateMatch,
    ReferClientInput,
    Situation,
)
from ca_api.clients.inputs import (
    LegalRole as LegalRole,  # planning.threshold_schema names it from here
)
from ca_api.clients.service import ClientRecord, CreatedClient, DuplicateClient
from ca_api.common import loaders
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.node import Node, NodeType, in_scope
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    NotFoundProblem,
    Problem,
    ValidationProblem,
    VersionConflictProblem,
    problem_for,
)
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.deaths.types import Death, death_of
from ca_api.errors import NotFound, found
from ca_api.financial_assessments.schema import FinancialAssessment, assessment_of
from ca_api.orders.schema import Appointeeship, Deputyship, load_orders

if TYPE_CHECKING:
    from ca_api.integrations.reference_types import ExternalReference
    from ca_api.ledger.types import LedgerAccount

LazyExternalReference = Annotated[
    "ExternalReference", strawberry.lazy("ca_api.integrations.reference_types")
]
LazyLedgerAccount = Annotated["LedgerAccount", strawberry.lazy("ca_api.ledger.types")]


# Personal details: null, with no error, for a caller who may read the client but not them (a
# social worker reading their own referral; issue 9 item 7).
DETAIL = allow_or_withhold(CLIENT_DETAIL_READ)
WITHHELD = " Null for a social worker, who sees only their referral's status."


@strawberry.type(description="A client's postal address, as recorded.")
class Address:
    line1: str | None = strawberry.field(description="The first line; null if not recorded.")
    line2: str | None = strawberry.field(description="The second line; null if not recorded.")
    town: str | None = strawberry.field(description="The post town; null if not recorded.")
    postcode: str | None = strawberry.field(
        description="The postcode, upper case with its space; null if not recorded."
    )


@strawberry.type(description="One version of a client's record, with who made it and why.")
class ClientVersion:
    version: int = strawberry.field(description="Its number: the record as first taken on is 1.")
    given_name: str = strawberry.field(description="The given name in this version.")
    family_name: str = strawberry.field(description="The family name in this version.")
    situation: Situation = strawberry.field(description="Where the client lived, as recorded.")
    status: ClientStatus = strawberry.field(description="The client's status in this version.")
    recorded_at: datetime = strawberry.field(description="When this version was recorded.")
    recorded_by: str = strawberry.field(description="The officer who recorded it (R-AUD-1).")
    reason: str | None = strawberry.field(
        description="Why the record changed (R-AUD-2); null for the first version."
    )


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

    id: strawberry.ID = strawberry.field(description="The client's global id.")

    @strawberry.field(
        description="Other systems' references naming it, in force (Controcc's and SAP's): an "
        "integration sees only its own system's (issue 17)."
    )
    async def external_references(self, info: Info[Context, None]) -> list[LazyExternalReference]:
        from ca_api.integrations.reference_types import external_references_of

        return await external_references_of(info, self.record.id)

    reference: str = strawberry.field(description="The council's case reference, e.g. CA000123.")
    version: int = strawberry.field(description="Amendments must name this as expectedVersion.")
    given_name: str = strawberry.field(description="The client's given (first) name.")
    family_name: str = strawberry.field(description="The client's family name (surname).")
    situation: Situation = strawberry.field(description="Where the client lives (R-REP-1).")
    status: ClientStatus = strawberry.field(description="Referred, taken on (active) or closed.")
    legal_role: LegalRole = strawberry.field(
        description="Appointee, deputy, both or neither, by the orders in force today (R-REF-6)."
    )
    created_at: datetime = strawberry.field(description="When the client was taken on or referred.")
    updated_at: datetime = strawberry.field(
        description="When the current version of the record was recorded."
    )

    @strawberry.field(extensions=DETAIL, description="The date of birth." + WITHHELD)
    def date_of_birth(self) -> date | None:
        return self.record.details.date_of_birth

    @strawberry.field(
        extensions=DETAIL, description="The National Insurance number, if known." + WITHHELD
    )
    def ni_number(self) -> str | None:
        return self.record.details.ni_number

    @strawberry.field(extensions=DETAIL, description="The postal address." + WITHHELD)
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

    @strawberry.field(
        extensions=DETAIL,
        description="Where the client's financial assessment stands (seed 002 B 4.2-4.4): "
        "NOT_ASSESSED until one is recorded." + WITHHELD,
    )
    async def financial_assessment(self, info: Info[Context, None]) -> FinancialAssessment | None:
        return await assessment_of(info.context, self.record.id)

    @strawberry.field(
        extensions=DETAIL,
        description="The client's death as recorded, and whether a second officer confirmed it "
        "(issue 13); null when none is recorded." + WITHHELD,
    )
    async def death(self, info: Info[Context, None]) -> Death | None:
        return await death_of(info.context, self.record.id)

    @strawberry.field(
        extensions=allow_or_withhold(LEDGER_READ),
        description="The client's accounts with their balances, as clientAccounts gives them "
        "(each with its statement: a client page in one request). Null to a caller who may "
        "not read the ledger.",
    )
    async def accounts(self, info: Info[Context, None]) -> list[LazyLedgerAccount] | None:
        from ca_api.ledger.schema import accounts_of_client

        return await accounts_of_client(info.context, self.record.id, info)

    @strawberry.field(extensions=DETAIL, description="Every version, oldest first." + WITHHELD)
    async def history(self, info: Info[Context, None]) -> list[ClientVersion] | None:
        rows = await service.client_history(info.context.session, self.record.id)
        return [from_source(ClientVersion, r) for r in rows]


@strawberry.type(description="The client as the mutation left them.")
class ClientPayload:
    client: Client = strawberry.field(description="The client taken on, referred or amended.")
    replayed: bool = replayed_field(default=False)


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
    matched_on: list[DuplicateMatch] = strawberry.field(
        description="What the two records have in common."
    )
    can_override: bool = strawberry.field(
        description="True when only the name and date of birth match: notDuplicateOf applies."
    )

    @strawberry.field(
        description="The client it duplicates (existingClientId), loaded in batches; null when "
        "it is not yours to see."
    )
    async def existing_client(self, info: Info[Context, None]) -> Client | None:
        if self.existing_client_id is None:
            return None
        return await load_client(info.context, decode_uuid("Client", self.existing_client_id))


CreateClientResult = Annotated[
    ClientPayload | ValidationProblem | IdempotencyKeyReusedProblem | DuplicateClientProblem,
    strawberry.union(
        "CreateClientResult",
        description="The client taken on or referred, or why not: nothing was written.",
    ),
]


async def readable_client(ctx: Context, client_id: uuid.UUID, given: str) -> None:
    """The client exists and the caller may read it (row scoping, as ``service.readable``
    judges it), else NOT_FOUND under the id as the caller gave it. Every module's client-keyed
    query uses it. Judged on the client as the request's loader read it (``load_client``): a
    document of several client-keyed fields (a client page, issue 18) reads the client once."""
    if await load_client(ctx, client_id) is None:
        raise NotFound("client", given)


async def readable_client_id(ctx: Context, given: str) -> uuid.UUID:
    """A client-keyed query's client, as the caller gave its id: decoded and checked
    (``readable_client``), NOT_FOUND when the caller may not read it."""
    client_id = decode_uuid("Client", given)
    await readable_client(ctx, client_id, given)
    return client_id


async def client_filter(ctx: Context, given: str | None) -> uuid.UUID | None:
    """A list's optional client filter (``common.arguments.ONLY_CLIENT``): None for every
    client's, else the client's id, checked as ``readable_client_id`` checks it."""
    return None if given is None else await readable_client_id(ctx, given)


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
    ClientPayload
    | ValidationProblem
    | NotFoundProblem
    | VersionConflictProblem
    | DuplicateClientProblem,
    strawberry.union(
        "AmendClientResult", description="The client as amended, or why not: nothing changed."
    ),
]


@strawberry.type(description="Clients counted by legal role and situation (R-REP-1).")
class CaseloadCount:
    legal_role: LegalRole = strawberry.field(description="What the council is for them today.")
    situation: Situation = strawberry.field(description="Where they live.")
    clients: int = strawberry.field(description="How many active clients.")


@strawberry.type(description="The caseload in aggregate: no personal data.")
class CaseloadSummary:
    total: int = strawberry.field(
        description="Active clients in all (not referrals, not closed), as of today."
    )
    counts: list[CaseloadCount] = strawberry.field(
        description="By legal role and situation (R-REP-1); a combination with none is left out."
    )


@strawberry.type
class ClientQuery:
    @strawberry.field(extensions=allow(CLIENT_READ), description="One client, by id.")
    async def client(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description=CLIENT_ID)],
    ) -> Client:
        return found(await load_client(info.context, decode_uuid("Client", id)), "client", id)

    @strawberry.field(
        extensions=[Paged(25), *allow(CLIENT_READ)],
        description="Clients in reference order, a page at a time; a social worker sees only "
        "the clients they referred.",
    )
    async def clients(
        self,
        info: Info[Context, None],
        page: Page,
        filter: Annotated[
            ClientFilter | None,
            strawberry.argument(description="Which clients; omitted: every client you may see."),
        ] = None,
    ) -> Connection[Client]:
        ctx = info.context
        f = filter or ClientFilter()
        flt = repository.ClientFilter(
            search=f.search,
            situation=f.situation,
            status=f.status.value if f.status else None,
            legal_role=f.legal_role,
        )
        return await page.connection(
            cursor=lambda req: req.one(str),
            fetch=lambda seek: service.list_clients(ctx.session, ctx.principal, flt, seek=seek),
            key=lambda r: [r.reference],
            node=Client.from_record,
        )

    @strawberry.field(
        extensions=allow(CASELOAD_SUMMARY_READ),
        description="Active clients by the council's legal role and where they live (R-REP-1), "
        "today, every count plainly: for officers and audit. Dashboards (the reporting role) "
        "read `caseload(asAt:)`, with history and small counts suppressed.",
        deprecation_reason="Use caseload(asAt:): any date, a client holding both orders "
        "counted once as a deputy, small counts suppressed for the reporting role.",
    )
    async def caseload_summary(self, info: Info[Context, None]) -> CaseloadSummary:
        counts = await service.caseload(info.context.session)
        return CaseloadSummary(
            total=sum(c.clients for c in counts),
            counts=[from_source(CaseloadCount, c) for c in counts],
        )


def _taking_on(
    take_on: Callable[..., Awaitable[CreatedClient]], input_type: type[Any], **options: Any
) -> Any:
    """``createClient`` and ``referClient``: the same input's fields, a different use case (and
    each its own input type, ``input_type``, set on the resolver here)."""

    async def resolver(self: Any, info: Info[Context, None], input: Any) -> CreateClientResult:
        done = await as_caller(
            info,
            take_on,
            input.to_details(),
            idempotency_key=input.idempotency_key,
            not_duplicate_of=_not_duplicate_of(input.not_duplicate_of),
        )
        return ClientPayload(client=Client.from_record(done.client), replayed=done.replayed)

    described: Any = Annotated  # the mutation's own input type, given here, described
    resolver.__annotations__["input"] = described[
        input_type,
        strawberry.argument(
            description="The client's details, the clients already checked as other people, "
            "and the request's idempotency key."
        ),
    ]
    return strawberry.mutation(resolver=resolver, **options)


@strawberry.type
class ClientMutation:
    create_client = _taking_on(
        service.create_client,
        CreateClientInput,
        extensions=allow(CLIENT_WRITE),
        description="Take on a client. Once per idempotency key; a likely duplicate of a client "
        "already known is refused (DuplicateClientProblem).",
    )
    refer_client = _taking_on(
        service.refer_client,
        ReferClientInput,
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
        input: Annotated[
            AmendClientInput,
            strawberry.argument(
                description="The client, the details that change, why, and the version read."
            ),
        ],
    ) -> AmendClientResult:
        client_id: uuid.UUID = decode_uuid("Client", input.id)
        record = await as_caller(
            info,
            service.amend_client,
            client_id,
            input.amendment.to_changes(),
            reason=input.reason,
            expected_version=input.expected_version,
            not_duplicate_of=_not_duplicate_of(input.not_duplicate_of),
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
    return found(await load_client(ctx, client_id), "client", encode_id("Client", client_id))


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = (
    NodeType("Client", CLIENT_READ, in_scope(service.clients_by_id, Client.from_record)),
)
