"""GraphQL for the ledger: accounts with balances, statements with running balances,
counterparties, and reversals. Thin: parse, call the service, map the result."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    AUDIT_READ,
    COUNTERPARTY_WRITE,
    LEDGER_READ,
    TRANSFER_REVERSE,
    allow,
)
from ca_api.clients import service as clients_service
from ca_api.clients.schema import Client, readable_client
from ca_api.common import loaders
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.node import Node, NodeType
from ca_api.common.pagination import Connection, PageRequest, paginate
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InsufficientFundsProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.errors import NotFound
from ca_api.ledger import interest_runs, models, reads, repository, rules, service
from ca_api.ledger.interest_runs import InterestScheme
from ca_api.ledger.repository import RunT

AccountKind = rules.AccountKind
TransferKind = rules.TransferKind
Category = rules.Category
CounterpartyKind = rules.CounterpartyKind
Benefit = rules.Benefit
T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


def described_enum(cls: type[E], description: str, values: Mapping[E, str]) -> type[E]:
    """``strawberry.enum`` with a description of every value (the module's enums are StrEnums
    of its rules, whose members cannot be ``strawberry.enum_value``): a value left out is a
    KeyError at import, so none goes undescribed."""
    strawberry.enum(cls, description=description)
    for value in cls.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[cls(value.value)]
    return cls


described_enum(
    AccountKind,
    "Which of a client's accounts, or a counterparty's (every pound of a client is in an "
    "account of their own, R-ACC-2).",
    {
        AccountKind.CLIENT_CMS: "The client's own account in the council's Client Monies "
        "Service (R-ACC-1): where benefits and other money come in and bills are paid from.",
        AccountKind.CLIENT_COURT_FUNDS: "The client's money lodged with the Court Funds Office "
        "special account (R-INV-2).",
        AccountKind.CLIENT_PLACEMENT: "The client's money placed with an approved institution "
        "(R-INV-4).",
        AccountKind.CLIENT_CASH: "Cash held for the client: the weekly cash card and "
        "emergency cash (R-ACC-3, R-ACC-5).",
        AccountKind.COUNTERPARTY: "A counterparty's account: the DWP, a supplier, a care "
        "provider, the council, the bank; money from or to outside the client's own accounts.",
    },
)
described_enum(
    TransferKind,
    "Posted money, a hold, or a hold posted or voided.",
    {
        TransferKind.POSTED: "Money moved.",
        TransferKind.PENDING: "A hold: money reserved for an approved payment, not yet moved "
        "(the available balance is lower, R-PAY-3).",
        TransferKind.POST_PENDING: "A hold made good: the reserved money moved.",
        TransferKind.VOID_PENDING: "A hold released: nothing moved.",
    },
)
_OPG_CATEGORY = {
    Category.IN_STATE_PENSION: "Money in: the state pension.",
    Category.IN_BENEFITS: "Money in: state benefits other than the state pension (R-ACC-6).",
    Category.IN_PRIVATE_PENSION: "Money in: a private or occupational pension.",
    Category.IN_INTEREST: "Money in: interest (the CMS account's, R-ACC-1, or the Court Funds "
    "Office's).",
    Category.IN_DIVIDENDS: "Money in: dividends.",
    Category.IN_RENT: "Money in: rent from the client's property.",
    Category.IN_SALE_OF_ASSETS: "Money in: the sale of the client's assets.",
    Category.IN_GIFTS_RECEIVED: "Money in: gifts to the client.",
    Category.IN_REFUNDS: "Money in: refunds.",
    Category.IN_OTHER: "Money in: anything else.",
    Category.OUT_CARE_FEES: "Money out: care fees paid to a care provider.",
    Category.OUT_LOCAL_AUTHORITY_CARE_CHARGES: "Money out: the council's own care charges.",
    Category.OUT_ELECTRICITY: "Money out: electricity.",
    Category.OUT_GAS: "Money out: gas.",
    Category.OUT_WATER: "Money out: water.",
    Category.OUT_TELEPHONE_AND_BROADBAND: "Money out: telephone and broadband.",
    Category.OUT_COUNCIL_TAX: "Money out: council tax.",
    Category.OUT_TV_LICENCE: "Money out: the TV licence.",
    Category.OUT_INSURANCE: "Money out: insurance.",
    Category.OUT_OTHER_HOUSEHOLD_BILLS: "Money out: other household bills.",
    Category.OUT_ACCOMMODATION: "Money out: rent, mortgage or other accommodation costs.",
    Category.OUT_PERSONAL_ALLOWANCE: "Money out: the client's personal allowance.",
    Category.OUT_OPG_FEES: "Money out: fees of the Office of the Public Guardian.",
    Category.OUT_DEPUTY_FEES: "Money out: the council's fees as deputy or appointee.",
    Category.OUT_DEPUTY_EXPENSES: "Money out: the deputy's expenses.",
    Category.OUT_INVESTMENT_PURCHASES: "Money out: investments bought.",
    Category.OUT_TAX: "Money out: tax.",
    Category.OUT_GIFTS: "Money out: gifts made for the client (never to a council employee, "
    "R-ROLE-3).",
    Category.OUT_OTHER: "Money out: anything else.",
    Category.TRANSFER_BETWEEN_OWN_ACCOUNTS: "Between the client's own accounts (a lodgement, "
    "a placement, cash drawn): neither money in nor money out.",
}
described_enum(
    Category,
    "The OPG annual report's money-in and money-out categories: every ledger entry carries "
    "one (R-OPG-1).",
    _OPG_CATEGORY,
)
described_enum(
    CounterpartyKind,
    "Who a counterparty is: where money comes from or goes to outside the client's own accounts.",
    {
        CounterpartyKind.DWP: "The Department for Work and Pensions: benefits and the state "
        "pension (R-ACC-6).",
        CounterpartyKind.PENSION_PAYER: "A private or occupational pension payer.",
        CounterpartyKind.SUPPLIER: "A supplier of goods or services billed to the client.",
        CounterpartyKind.CARE_PROVIDER: "A care home or care provider.",
        CounterpartyKind.COUNCIL: "The council itself (its care charges and fees).",
        CounterpartyKind.BANK: "The bank of the Client Monies Service (interest, R-ACC-1).",
        CounterpartyKind.COURT_FUNDS_OFFICE: "The Court Funds Office (lodgements, R-INV-2).",
        CounterpartyKind.INSTITUTION: "An approved institution that takes placements (R-INV-4).",
        CounterpartyKind.OPG: "The Office of the Public Guardian.",
        CounterpartyKind.OTHER: "Anyone else.",
    },
)
described_enum(
    Benefit,
    "State benefits, each recorded separately against the client (R-ACC-6).",
    {b: f"{b.value.replace('_', ' ').capitalize()}." for b in Benefit}
    | {
        Benefit.STATE_PENSION: "The state pension (money-in category IN_STATE_PENSION).",
        Benefit.OTHER: "Another state benefit.",
    },
)


@strawberry.type(
    description="One of a client's accounts in the ledger (their CMS account, Court Funds, a "
    "placement, cash), with its balances now: each client's money is kept apart (R-ACC-2)."
)
class LedgerAccount(Node):
    row: strawberry.Private[models.LedgerAccount]

    @classmethod
    def from_row(cls, row: models.LedgerAccount) -> LedgerAccount:
        return from_source(cls, row, row=row, balance=Money(row.posted))

    id: strawberry.ID = strawberry.field(description="The account's global id.")
    kind: AccountKind = strawberry.field(description="Which of the client's accounts it is.")
    name: str = strawberry.field(description="The account's name, as statements show it.")
    balance: Money = strawberry.field(description="Money in the account (posted transfers).")
    held: Money = strawberry.field(description="Reserved by approved payments not yet made.")

    @strawberry.field(description="What can still be spent: balance less holds (R-PAY-3).")
    def available(self) -> Money:
        return Money(rules.available(self.row.posted, self.row.held))


@strawberry.type(
    description="A movement of money between two accounts, with who recorded it, when and why "
    "(R-AUD-1). Never changed: a mistake is corrected by a reversing transfer (R-AUD-2)."
)
class Transfer(Node):
    row: strawberry.Private[models.Transfer]

    @classmethod
    def from_row(cls, row: models.Transfer) -> Transfer:
        return from_source(
            cls,
            row,
            row=row,
            from_account_id=strawberry.ID(encode_id("LedgerAccount", row.from_account_id)),
            to_account_id=strawberry.ID(encode_id("LedgerAccount", row.to_account_id)),
        )

    id: strawberry.ID = strawberry.field(description="The transfer's global id.")
    kind: TransferKind = strawberry.field(description="Money moved, or a hold on it.")
    amount: Money = strawberry.field(description="The money moved (or held): never negative.")
    from_account_id: strawberry.ID = strawberry.field(
        description="The id of the account the money left (see fromAccount)."
    )
    to_account_id: strawberry.ID = strawberry.field(
        description="The id of the account the money went to (see toAccount)."
    )
    value_date: date = strawberry.field(description="The day the money moved at the bank.")
    posted_at: datetime = strawberry.field(description="When it was recorded in the ledger.")
    category: Category = strawberry.field(
        description="Its OPG money-in or money-out category (R-OPG-1)."
    )
    description: str = strawberry.field(description="What the money was for, as recorded.")
    reference: str | None = strawberry.field(
        description="The payer's, payee's or bank's reference, if any."
    )
    recorded_by: str = strawberry.field(description="Who recorded it (R-AUD-1).")
    reason: str | None = strawberry.field(
        description="Why, where one is asked for: a reversal's reason (R-AUD-2)."
    )

    @strawberry.field(
        description="The account the money left: null when it is not a client's account (a "
        "counterparty's, which no lookup shows) or the client's is hidden from the caller."
    )
    async def from_account(self, info: Info[Context, None]) -> LedgerAccount | None:
        return await load_client_account(info.context, self.row.from_account_id)

    @strawberry.field(
        description="The account the money went to: null when it is not a client's account (a "
        "counterparty's, which no lookup shows) or the client's is hidden from the caller."
    )
    async def to_account(self, info: Info[Context, None]) -> LedgerAccount | None:
        return await load_client_account(info.context, self.row.to_account_id)

    @strawberry.field(description="The transfer this one corrects (R-AUD-2).")
    def reverses_id(self) -> strawberry.ID | None:
        r = self.row.reverses_id
        return strawberry.ID(encode_id("Transfer", r)) if r else None

    @strawberry.field(description="The transfer this one corrects (R-AUD-2), if it is a reversal.")
    async def reverses(self, info: Info[Context, None]) -> Transfer | None:
        r = self.row.reverses_id
        return await load_transfer(info.context, r) if r else None

    @strawberry.field(description="The hold this one posts or voids.")
    def pending_id(self) -> strawberry.ID | None:
        p = self.row.pending_id
        return strawberry.ID(encode_id("Transfer", p)) if p else None

    @strawberry.field(description="The hold this one posts or voids, if it does.")
    async def pending(self, info: Info[Context, None]) -> Transfer | None:
        p = self.row.pending_id
        return await load_transfer(info.context, p) if p else None


@strawberry.type(description="One line of an account's statement.")
class StatementLine:
    transfer: Transfer = strawberry.field(description="The transfer in or out of the account.")
    amount: Money = strawberry.field(description="Signed: money in positive, money out negative.")
    balance_after: Money = strawberry.field(
        description="The account's balance once this transfer was posted."
    )


@strawberry.type(
    description="Someone outside the client's own accounts that money comes from or goes to: "
    "the DWP, a pension payer, a supplier, a care provider, an institution."
)
class Counterparty(Node):
    row: strawberry.Private[models.Counterparty]

    @classmethod
    def from_row(cls, row: models.Counterparty) -> Counterparty:
        return from_source(cls, row, row=row)

    id: strawberry.ID = strawberry.field(description="The counterparty's global id.")
    kind: CounterpartyKind = strawberry.field(description="Who the counterparty is.")
    name: str = strawberry.field(description="Its name, unique for its kind.")
    reference: str | None = strawberry.field(
        description="The client's reference with it (a DWP or account number), if any."
    )
    is_council_employee: bool = strawberry.field(
        description="A council employee: never the recipient of a gift (R-ROLE-3)."
    )


@strawberry.input(description="Which lines of an account's statement: all when left out.")
class StatementFilter:
    value_from: date | None = strawberry.field(
        default=None, description="Only transfers with this value date or later."
    )
    value_to: date | None = strawberry.field(
        default=None, description="Only transfers with this value date or earlier (inclusive)."
    )
    categories: list[Category] | None = strawberry.field(
        default=None, description="Only transfers of these OPG categories (R-OPG-1)."
    )


@strawberry.input(description="A counterparty to record.")
class CounterpartyInput:
    kind: CounterpartyKind = strawberry.field(description="Who the counterparty is.")
    name: str = strawberry.field(description="Its name, unique for its kind.")
    reference: str | None = strawberry.field(
        default=None, description="The client's reference with it, if any."
    )
    is_council_employee: bool = strawberry.field(
        default=False,
        description="A council employee: never the recipient of a gift (R-ROLE-3).",
    )


@strawberry.type(description="Whether the ledger adds up (for audit, R-AUD-3).")
class LedgerCheck:
    sound: bool = strawberry.field(
        description="All balances sum to zero and every kept balance matches its transfers."
    )
    sum_of_all_balances: Money = strawberry.field(description="Zero in a sound ledger.")
    accounts_out_of_balance: int = strawberry.field(
        description="Accounts whose kept balance differs from the sum of their transfers: "
        "zero in a sound ledger."
    )


@strawberry.type(description="The counterparty recorded.")
class CounterpartyPayload:
    counterparty: Counterparty = strawberry.field(description="The counterparty as recorded.")


@strawberry.type(description="The transfer made.")
class TransferPayload:
    transfer: Transfer = strawberry.field(description="The transfer, as posted.")
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")


CreateCounterpartyResult = Annotated[
    CounterpartyPayload | ValidationProblem,
    strawberry.union(
        "CreateCounterpartyResult",
        description="The counterparty recorded, or why not.",
    ),
]
ReverseTransferResult = Annotated[
    TransferPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | InsufficientFundsProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "ReverseTransferResult",
        description="The reversing transfer (R-AUD-2), or why the transfer could not be reversed.",
    ),
]


# The arguments every page and every retried mutation of these modules takes, described once.
FIRST = Annotated[
    int | None, strawberry.argument(description="At most this many (a default page if left out).")
]
AFTER = Annotated[
    str | None,
    strawberry.argument(description="The cursor of the last one already read: those after it."),
]
IDEMPOTENCY_KEY = Annotated[
    str,
    strawberry.argument(
        description="Chosen by the caller, unique per intended action: a retry with the same "
        "key does nothing again and answers as the first did."
    ),
]


# What a run's payload says of a period run before (an interest run, a fee run).
ALREADY_RUN = "The period had been run before: this is that run, and nothing was done again."


async def interest_runs_page(
    ctx: Context,
    scheme: InterestScheme[RunT],
    first: int | None,
    after: str | None,
    node: Callable[[RunT], T],
) -> Connection[T]:
    """A page of a scheme's interest runs (``ledger.interest_runs``), newest period first."""
    return await paginate(
        first,
        after,
        default=25,
        maximum=ctx.settings.max_page_size,
        cursor=PageRequest.after_date_id,
        fetch=lambda key, limit: interest_runs.list_runs(
            ctx.session, scheme, after=key, limit=limit
        ),
        key=lambda r: [r.period_start.isoformat(), str(r.id)],
        node=node,
    )


@strawberry.type
class LedgerQuery:
    @strawberry.field(
        extensions=allow(LEDGER_READ), description="A client's accounts with their balances."
    )
    async def client_accounts(
        self,
        info: Info[Context, None],
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
    ) -> list[LedgerAccount]:
        ctx = info.context
        cid = decode_uuid("Client", client_id)
        await readable_client(ctx, cid, client_id)
        return [
            LedgerAccount.from_row(a) for a in await service.accounts_of_client(ctx.session, cid)
        ]

    @strawberry.field(
        extensions=allow(LEDGER_READ),
        description="An account's transfers in posting order with the running balance.",
    )
    async def account_statement(
        self,
        info: Info[Context, None],
        account_id: Annotated[
            strawberry.ID, strawberry.argument(description="One of a client's accounts.")
        ],
        filter: Annotated[
            StatementFilter | None,
            strawberry.argument(description="Which lines: every line when left out."),
        ] = None,
        first: FIRST = None,
        after: AFTER = None,
    ) -> Connection[StatementLine]:
        ctx = info.context
        aid = decode_uuid("LedgerAccount", account_id)
        account = await repository.get_account(ctx.session, aid)
        if account is None or account.client_id is None:
            raise NotFound("client account", account_id)
        await readable_client(ctx, account.client_id, account_id)
        f = filter or StatementFilter()
        flt = repository.StatementFilter(
            value_from=f.value_from,
            value_to=f.value_to,
            categories=frozenset(c.value for c in f.categories) if f.categories else None,
        )

        def line(row: object) -> StatementLine:
            t: models.Transfer = row[0]  # type: ignore[index]
            incoming = t.to_account_id == aid
            after_balance = t.to_balance_after if incoming else t.from_balance_after
            return StatementLine(
                transfer=Transfer.from_row(t),
                amount=Money(t.amount if incoming else -t.amount),
                balance_after=Money(after_balance or 0),
            )

        return await paginate(
            first,
            after,
            default=50,
            maximum=ctx.settings.max_page_size,
            cursor=lambda page: page.after_one(int),
            fetch=lambda key, limit: repository.statement(
                ctx.session, aid, flt, after_seq=key, limit=limit
            ),
            key=lambda r: [r[0].seq],
            node=line,
        )

    @strawberry.field(
        extensions=allow(LEDGER_READ),
        description="The counterparties money comes from or goes to, by name.",
    )
    async def counterparties(
        self,
        info: Info[Context, None],
        kind: Annotated[
            CounterpartyKind | None, strawberry.argument(description="Only of this kind.")
        ] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Only those whose name contains this.")
        ] = None,
        first: FIRST = None,
        after: AFTER = None,
    ) -> Connection[Counterparty]:
        ctx = info.context
        return await paginate(
            first,
            after,
            default=50,
            maximum=ctx.settings.max_page_size,
            cursor=lambda page: page.after_one(str),
            fetch=lambda key, limit: repository.list_counterparties(
                ctx.session,
                kind=kind.value if kind else None,
                search=search,
                after_name=key,
                limit=limit,
            ),
            key=lambda c: [c.name],
            node=Counterparty.from_row,
        )

    @strawberry.field(
        extensions=allow(AUDIT_READ),
        description="Check the ledger: all balances sum to zero; kept balances match transfers.",
    )
    async def ledger_check(self, info: Info[Context, None]) -> LedgerCheck:
        total, wrong = await service.ledger_is_sound(info.context.session)
        return LedgerCheck(
            sound=total == 0 and wrong == 0,
            sum_of_all_balances=Money(total),
            accounts_out_of_balance=wrong,
        )


@strawberry.type
class LedgerMutation:
    @strawberry.mutation(
        extensions=allow(COUNTERPARTY_WRITE),
        description="Record a counterparty: a payer, supplier, provider or institution.",
    )
    async def create_counterparty(
        self,
        info: Info[Context, None],
        input: Annotated[
            CounterpartyInput, strawberry.argument(description="The counterparty to record.")
        ],
    ) -> CreateCounterpartyResult:
        ctx = info.context
        made = await service.create_counterparty(ctx.session, ctx.actor, **vars(input))
        return CounterpartyPayload(counterparty=Counterparty.from_row(made))

    @strawberry.mutation(
        extensions=allow(TRANSFER_REVERSE),
        description="Correct a mistaken transfer with one that moves the money back (R-AUD-2).",
    )
    async def reverse_transfer(
        self,
        info: Info[Context, None],
        transfer_id: Annotated[
            strawberry.ID, strawberry.argument(description="The mistaken transfer.")
        ],
        reason: Annotated[
            str, strawberry.argument(description="Why it is reversed (R-AUD-1, R-AUD-2).")
        ],
        idempotency_key: IDEMPOTENCY_KEY,
    ) -> ReverseTransferResult:
        ctx = info.context
        tid = decode_uuid("Transfer", transfer_id)
        reversal = await service.reverse_transfer_once(
            ctx.session, ctx.actor, tid, reason, idempotency_key=idempotency_key
        )
        return TransferPayload(
            transfer=Transfer.from_row(reversal.transfer), replayed=reversal.replayed
        )


async def client_of(ctx: Context, client_id: uuid.UUID) -> Client:
    """The client a ledger, receipt or lodgement record belongs to (its ``client`` field),
    through the request's batch loader, scoped as ``client(id:)`` is: NOT_FOUND when the caller
    may not read it. clients.service has no batch read by id yet: each client of a batch is
    read by ``clients.service.get_client`` (one query each) until it has."""
    principal = ctx.principal

    async def fetch(session: Any, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
        found = {i: await clients_service.get_client(session, principal, i) for i in ids}
        return {i: r for i, r in found.items() if r is not None}

    record = await loaders.one(ctx, "ledger.clients_by_id", fetch).load(client_id)
    if record is None:
        raise NotFound("client", encode_id("Client", client_id))
    return Client.from_record(record)


async def load_client_account(ctx: Context, account_id: uuid.UUID) -> LedgerAccount | None:
    """A client's account, through the request's batch loader, scoped as ``clientAccounts``:
    None for a counterparty's account or one of a client the caller may not read."""

    async def fetch(session: Any, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
        return await reads.client_accounts_by_id(session, ctx.principal, ids)

    row = await loaders.one(ctx, "ledger.client_accounts_by_id", fetch).load(account_id)
    return LedgerAccount.from_row(row) if row is not None else None


async def load_transfer(ctx: Context, transfer_id: uuid.UUID) -> Transfer | None:
    """A transfer, through the request's batch loader, scoped to the clients the caller may
    read (None otherwise): any module's reference to a transfer goes through this."""

    async def fetch(session: Any, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
        return await reads.transfers_by_id(session, ctx.principal, ids)

    row = await loaders.one(ctx, "ledger.transfers_by_id", fetch).load(transfer_id)
    return Transfer.from_row(row) if row is not None else None


async def _accounts(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, LedgerAccount]:
    rows = await reads.client_accounts_by_id(ctx.session, ctx.principal, ids)
    return {k: LedgerAccount.from_row(v) for k, v in rows.items()}


async def _transfers(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Transfer]:
    rows = await reads.transfers_by_id(ctx.session, ctx.principal, ids)
    return {k: Transfer.from_row(v) for k, v in rows.items()}


async def _counterparties(ctx: Context, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Counterparty]:
    rows = await reads.counterparties_by_id(ctx.session, ids)
    return {k: Counterparty.from_row(v) for k, v in rows.items()}


# The types node(id:) fetches (common.node): each with the roles of its own lookup. None has an
# x(id:) field: an account is read through clientAccounts, a transfer through accountStatement,
# a counterparty through counterparties (all LEDGER_READ).
NODES: tuple[NodeType, ...] = (
    NodeType("LedgerAccount", LEDGER_READ, _accounts),
    NodeType("Transfer", LEDGER_READ, _transfers),
    NodeType("Counterparty", LEDGER_READ, _counterparties),
)
