"""GraphQL for the ledger: the queries (accounts with balances, statements with running
balances, counterparties, the ledger check) and mutations (a counterparty, a reversal, a
reclassification) with their payloads; the types are in ``types.py``. Thin: parse, call the use
case, map the result."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from ca_api.auth.permissions import (
    AUDIT_READ,
    COUNTERPARTY_WRITE,
    LEDGER_READ,
    LEDGER_RECLASSIFY,
    TRANSFER_REVERSE,
    allow,
)
from ca_api.clients.schema import readable_client
from ca_api.common import loaders
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.grouping import group_by
from ca_api.common.ids import decode_uuid
from ca_api.common.node import NodeType, by_role, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InsufficientFundsProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.errors import NotFound
from ca_api.ledger import (
    accounts,
    counterparties,
    interest_runs,
    models,
    reads,
    reclassifications,
    repository,
    reversals,
    statements_repository,
)
from ca_api.ledger.inputs import (
    CreateCounterpartyInput,
    ReclassifyLedgerEntryInput,
    ReverseTransferInput,
    StatementFilter,
)
from ca_api.ledger.interest_runs import InterestScheme
from ca_api.ledger.interest_runs_repository import RunT
from ca_api.ledger.types import (
    STATEMENT_PAGE,
    Counterparty,
    LedgerAccount,
    StatementLine,
    Transfer,
    TransferReclassification,
    statement_ends,
    statement_page,
)
from ca_api.ledger.vocabulary import CounterpartyKind

T = TypeVar("T")


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
    replayed: bool = replayed_field()


@strawberry.type(description="The entry with its new reported category.")
class ReclassifyLedgerEntryPayload:
    transfer: Transfer = strawberry.field(
        description="The entry, unchanged but for its reported category."
    )
    reclassification: TransferReclassification = strawberry.field(
        description="The reclassification recorded."
    )
    replayed: bool = replayed_field()


ReclassifyLedgerEntryResult = Annotated[
    ReclassifyLedgerEntryPayload
    | ValidationProblem
    | NotFoundProblem
    | InvalidStateProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "ReclassifyLedgerEntryResult",
        description="The entry's new reported category, or why not: a category of the other "
        "direction, a move between own accounts, a category with its own door (gifts, deputy "
        "and OPG fees, investments) or the one it reports already (ValidationProblem on "
        "category); a hold, a reversal, a move between own accounts or an entry of a category "
        "with its own door (InvalidStateProblem); no such entry.",
    ),
]
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


# What a run's payload says of a period run before (an interest run, a fee run).
ALREADY_RUN = "The period had been run before: this is that run, and nothing was done again."


async def interest_runs_page(
    ctx: Context,
    scheme: InterestScheme[RunT],
    page: Page,
    node: Callable[[RunT], T],
) -> Connection[T]:
    """A page of a scheme's interest runs (``ledger.interest_runs``), newest period first
    (``Paged(25)``)."""
    return await page.connection(
        cursor=PageRequest.date_id,
        fetch=lambda seek: interest_runs.list_runs(ctx.session, scheme, seek),
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
        return await accounts_of_client(ctx, cid, info)

    @strawberry.field(
        extensions=[Paged(STATEMENT_PAGE), *allow(LEDGER_READ)],
        description="An account's transfers in posting order with the running balance.",
    )
    async def account_statement(
        self,
        info: Info[Context, None],
        page: Page,
        account_id: Annotated[
            strawberry.ID, strawberry.argument(description="One of a client's accounts.")
        ],
        filter: Annotated[
            StatementFilter | None,
            strawberry.argument(description="Which lines: every line when left out."),
        ] = None,
    ) -> Connection[StatementLine]:
        ctx = info.context
        aid = decode_uuid("LedgerAccount", account_id)
        account = await repository.get_account(ctx.session, aid)
        if account is None or account.client_id is None:
            raise NotFound("client account", account_id)
        await readable_client(ctx, account.client_id, account_id)
        return await statement_page(ctx, aid, page, filter)

    @strawberry.field(
        extensions=[Paged(50), *allow(LEDGER_READ)],
        description="The counterparties money comes from or goes to, by name.",
    )
    async def counterparties(
        self,
        info: Info[Context, None],
        page: Page,
        kind: Annotated[
            CounterpartyKind | None, strawberry.argument(description="Only of this kind.")
        ] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Only those whose name contains this.")
        ] = None,
    ) -> Connection[Counterparty]:
        ctx = info.context
        return await page.connection(
            cursor=PageRequest.text_id,
            fetch=lambda seek: repository.list_counterparties(
                ctx.session, kind=kind.value if kind else None, search=search, seek=seek
            ),
            key=lambda c: [c.name, str(c.id)],
            node=Counterparty.from_row,
        )

    @strawberry.field(
        extensions=allow(AUDIT_READ),
        description="Check the ledger: all balances sum to zero; kept balances match transfers.",
    )
    async def ledger_check(self, info: Info[Context, None]) -> LedgerCheck:
        total, wrong = await accounts.ledger_is_sound(info.context.session)
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
            CreateCounterpartyInput,
            strawberry.argument(description="The counterparty to record."),
        ],
    ) -> CreateCounterpartyResult:
        made = await as_caller(info, counterparties.create_counterparty, **vars(input))
        return CounterpartyPayload(counterparty=Counterparty.from_row(made))

    @strawberry.mutation(
        extensions=allow(TRANSFER_REVERSE),
        description="Correct a mistaken transfer with one that moves the money back (R-AUD-2).",
    )
    async def reverse_transfer(
        self,
        info: Info[Context, None],
        input: Annotated[
            ReverseTransferInput,
            strawberry.argument(
                description="The mistaken transfer, why, and the request's idempotency key."
            ),
        ],
    ) -> ReverseTransferResult:
        tid = decode_uuid("Transfer", input.transfer_id)
        reversal = await as_caller(
            info,
            reversals.reverse_transfer_once,
            tid,
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return TransferPayload(
            transfer=Transfer.from_row(reversal.transfer), replayed=reversal.replayed
        )

    @strawberry.mutation(
        extensions=allow(LEDGER_RECLASSIFY),
        description="Report a ledger entry under another OPG category from now on, with the "
        "reason (R-OPG-1): a new record, the transfer never changed (R-AUD-2); a reversal of "
        "it reports the new category too. Money in stays money in, out stays out. Audited; "
        "once per idempotency key.",
    )
    async def reclassify_ledger_entry(
        self,
        info: Info[Context, None],
        input: Annotated[
            ReclassifyLedgerEntryInput,
            strawberry.argument(description="The entry, its category, why, and the key."),
        ],
    ) -> ReclassifyLedgerEntryResult:
        done = await as_caller(
            info,
            reclassifications.reclassify_entry,
            decode_uuid("Transfer", input.transfer_id),
            input.category,
            input.reason,
            idempotency_key=input.idempotency_key,
        )
        return ReclassifyLedgerEntryPayload(
            transfer=Transfer.from_row(done.transfer),
            reclassification=TransferReclassification.from_row(done.reclassification),
            replayed=done.replayed,
        )


async def accounts_of_client(
    ctx: Context, client_id: uuid.UUID, info: Info[Context, None]
) -> list[LedgerAccount]:
    """The client's accounts (every kind), through the request's loader: one statement for
    every client asked for in the request (``clientAccounts``, ``Client.accounts``). When every
    ``statement`` asked of them (``info``: the accounts' field) is one page from either end
    with no cursor or filter (a client page's "latest 20 lines"), that same statement reads
    their lines too and hands them to ``statement_page``'s loader. The caller has checked that
    the client is readable (``readable_client``, or a ``Client`` loaded)."""
    ends = _ends_asked(ctx, info)
    if ends is None:

        async def fetch(session: Any, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Any]]:
            return group_by(await accounts.accounts_of_clients(session, ids), lambda a: a.client_id)

        rows = await loaders.many(ctx, "ledger.accounts_by_client", fetch).load(client_id)
        return [LedgerAccount.from_row(a) for a in rows]
    return await _accounts_with_ends(ctx).load((client_id, *ends))


def _ends_asked(ctx: Context, info: Info[Context, None]) -> tuple[int, bool] | None:
    """The page (rows to read, from the newest end) that every ``statement`` selected below
    the accounts' field asks for, when that is one page from either end with no cursor or
    filter; None when there is none, or any other (those are read as they are asked)."""
    asked: set[tuple[int, bool]] = set()
    todo: list[Any] = [s for f in info.selected_fields for s in f.selections]
    while todo:
        sel = todo.pop()
        if not isinstance(sel, SelectedField):  # a fragment: its selections
            todo.extend(sel.selections)
            continue
        if sel.name != "statement":
            continue
        args = sel.arguments
        if any(args.get(a) is not None for a in ("after", "before", "filter")):
            return None
        first, last = _whole(args.get("first")), _whole(args.get("last"))
        if first is not None and last is not None:
            return None
        size = last if last is not None else first if first is not None else STATEMENT_PAGE
        if not 1 <= size <= ctx.settings.max_page_size:
            return None  # refused by the statement field itself
        asked.add((size + 1, last is not None))  # one more: is there a page beyond?
    return asked.pop() if len(asked) == 1 else None


def _whole(value: Any) -> int | None:
    """An Int argument as ``info.selected_fields`` gives it: a variable's value, or a literal's
    text; 0 (refused by the field itself) for anything else."""
    if value is None or isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


AccountsKey = tuple[uuid.UUID, int, bool]  # (client, rows of each statement, newest end)


def _accounts_with_ends(ctx: Context) -> DataLoader[AccountsKey, list[LedgerAccount]]:
    """The request's loader of clients' accounts with a page from either end of each one's
    statement (``accounts_with_statement_ends``): the lines go to ``statement_ends``' cache,
    so each account's ``statement`` reads nothing more."""

    async def batch(keys: list[AccountsKey]) -> list[list[LedgerAccount]]:
        found: dict[AccountsKey, list[LedgerAccount]] = {}
        ends = statement_ends(ctx)
        for (limit, newest), group in group_by(keys, lambda k: (k[1], k[2])).items():
            ids = [k[0] for k in group]
            rows = await statements_repository.accounts_with_statement_ends(
                ctx.session, ids, limit, newest=newest
            )
            lines: dict[uuid.UUID, list[models.Transfer]] = {}
            for account, transfer in rows:
                if account.client_id is None:  # never: the statement reads clients' accounts
                    continue
                if account.id not in lines:
                    lines[account.id] = []
                    key = (account.client_id, limit, newest)
                    found.setdefault(key, []).append(LedgerAccount.from_row(account))
                if transfer is not None:
                    lines[account.id].append(transfer)
            for account_id, transfers in lines.items():
                ends.prime((account_id, limit, newest), transfers)
        return [found.get(k, []) for k in keys]

    return ctx.loader("ledger.accounts_with_statement_ends", batch)


# The types node(id:) fetches (common.node): each with the roles of its own lookup. None has an
# x(id:) field: an account is read through clientAccounts, a transfer through accountStatement,
# a counterparty through counterparties (all LEDGER_READ).
NODES: tuple[NodeType, ...] = (
    NodeType(
        "LedgerAccount", LEDGER_READ, in_scope(reads.client_accounts_by_id, LedgerAccount.from_row)
    ),
    NodeType("Transfer", LEDGER_READ, in_scope(reads.transfers_by_id, Transfer.from_row)),
    NodeType(
        "Counterparty", LEDGER_READ, by_role(reads.counterparties_by_id, Counterparty.from_row)
    ),
)
