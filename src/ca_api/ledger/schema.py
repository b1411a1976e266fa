"""GraphQL for the ledger: accounts with balances, statements with running balances,
counterparties, and reversals. Thin: parse, call the service, map the result."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, TypeVar

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    AUDIT_READ,
    COUNTERPARTY_WRITE,
    LEDGER_READ,
    TRANSFER_REVERSE,
    allow,
)
from ca_api.clients.schema import readable_client
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.node import NodeType
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
from ca_api.ledger import interest_runs, models, repository, rules, service
from ca_api.ledger.interest_runs import InterestScheme
from ca_api.ledger.repository import RunT

AccountKind = rules.AccountKind
TransferKind = rules.TransferKind
Category = rules.Category
CounterpartyKind = rules.CounterpartyKind
Benefit = rules.Benefit
T = TypeVar("T")
strawberry.enum(AccountKind, description="Which of a client's accounts, or a counterparty's.")
strawberry.enum(TransferKind, description="Posted money, a hold, or a hold posted or voided.")
strawberry.enum(Category, description="The OPG annual report's money categories (R-OPG-1).")
strawberry.enum(CounterpartyKind)
strawberry.enum(Benefit, description="State benefits, recorded separately (R-ACC-6).")


@strawberry.type(description="An account in the ledger, with its balances now.")
class LedgerAccount:
    row: strawberry.Private[models.LedgerAccount]

    @classmethod
    def from_row(cls, row: models.LedgerAccount) -> LedgerAccount:
        return from_source(cls, row, row=row, balance=Money(row.posted))

    id: strawberry.ID
    kind: AccountKind
    name: str
    balance: Money = strawberry.field(description="Money in the account (posted transfers).")
    held: Money = strawberry.field(description="Reserved by approved payments not yet made.")

    @strawberry.field(description="What can still be spent: balance less holds (R-PAY-3).")
    def available(self) -> Money:
        return Money(rules.available(self.row.posted, self.row.held))


@strawberry.type(description="A movement of money between two accounts. Never changed.")
class Transfer:
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

    id: strawberry.ID
    kind: TransferKind
    amount: Money
    from_account_id: strawberry.ID
    to_account_id: strawberry.ID
    value_date: date
    posted_at: datetime
    category: Category
    description: str
    reference: str | None
    recorded_by: str
    reason: str | None

    @strawberry.field(description="The transfer this one corrects (R-AUD-2).")
    def reverses_id(self) -> strawberry.ID | None:
        r = self.row.reverses_id
        return strawberry.ID(encode_id("Transfer", r)) if r else None

    @strawberry.field(description="The hold this one posts or voids.")
    def pending_id(self) -> strawberry.ID | None:
        p = self.row.pending_id
        return strawberry.ID(encode_id("Transfer", p)) if p else None


@strawberry.type(description="One line of an account's statement.")
class StatementLine:
    transfer: Transfer
    amount: Money = strawberry.field(description="Signed: money in positive, money out negative.")
    balance_after: Money


@strawberry.type
class Counterparty:
    row: strawberry.Private[models.Counterparty]

    @classmethod
    def from_row(cls, row: models.Counterparty) -> Counterparty:
        return from_source(cls, row, row=row)

    id: strawberry.ID
    kind: CounterpartyKind
    name: str
    reference: str | None
    is_council_employee: bool = strawberry.field(
        description="A council employee: never the recipient of a gift (R-ROLE-3)."
    )


@strawberry.input
class StatementFilter:
    value_from: date | None = None
    value_to: date | None = strawberry.field(default=None, description="Inclusive.")
    categories: list[Category] | None = None


@strawberry.input
class CounterpartyInput:
    kind: CounterpartyKind
    name: str
    reference: str | None = None
    is_council_employee: bool = False


@strawberry.type(description="Whether the ledger adds up (for audit).")
class LedgerCheck:
    sound: bool
    sum_of_all_balances: Money = strawberry.field(description="Zero in a sound ledger.")
    accounts_out_of_balance: int


@strawberry.type
class CounterpartyPayload:
    counterparty: Counterparty


@strawberry.type
class TransferPayload:
    transfer: Transfer
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")


CreateCounterpartyResult = Annotated[
    CounterpartyPayload | ValidationProblem, strawberry.union("CreateCounterpartyResult")
]
ReverseTransferResult = Annotated[
    TransferPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | InsufficientFundsProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union("ReverseTransferResult"),
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
        self, info: Info[Context, None], client_id: strawberry.ID
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
        account_id: strawberry.ID,
        filter: StatementFilter | None = None,
        first: int | None = None,
        after: str | None = None,
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

    @strawberry.field(extensions=allow(LEDGER_READ))
    async def counterparties(
        self,
        info: Info[Context, None],
        kind: CounterpartyKind | None = None,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
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
        self, info: Info[Context, None], input: CounterpartyInput
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
        transfer_id: strawberry.ID,
        reason: str,
        idempotency_key: str,
    ) -> ReverseTransferResult:
        ctx = info.context
        tid = decode_uuid("Transfer", transfer_id)
        reversal = await service.reverse_transfer_once(
            ctx.session, ctx.actor, tid, reason, idempotency_key=idempotency_key
        )
        return TransferPayload(
            transfer=Transfer.from_row(reversal.transfer), replayed=reversal.replayed
        )


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
