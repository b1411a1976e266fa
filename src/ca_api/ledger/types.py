"""The ledger's GraphQL types: a client's account, a transfer with its reclassifications, a
statement's lines, a counterparty; with what they read through the request's loaders (a statement
a page at a time, an account or a transfer another record names). The queries and mutations are
in ``schema.py``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from ca_api.auth.permissions import LEDGER_READ, allow_or_withhold
from ca_api.common import loaders
from ca_api.common.grouping import group_by
from ca_api.common.ids import encode_id
from ca_api.common.keyset import Seek
from ca_api.common.node import Node
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.ledger import models, reads, reclassifications, rules, statements_repository
from ca_api.ledger.inputs import StatementFilter
from ca_api.ledger.vocabulary import AccountKind as AccountKind  # also named here: other
from ca_api.ledger.vocabulary import Benefit as Benefit  # modules import the enums from
from ca_api.ledger.vocabulary import Category as Category  # ledger.types
from ca_api.ledger.vocabulary import CounterpartyKind as CounterpartyKind
from ca_api.ledger.vocabulary import TransferKind as TransferKind

if TYPE_CHECKING:
    from ca_api.integrations.reference_types import ExternalReference

LazyExternalReference = Annotated[
    "ExternalReference", strawberry.lazy("ca_api.integrations.reference_types")
]


# A statement's default page (accountStatement, LedgerAccount.statement).
STATEMENT_PAGE = 50


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

    @strawberry.field(
        extensions=[Paged(STATEMENT_PAGE), *allow_or_withhold(LEDGER_READ)],
        description="The account's statement, as accountStatement gives it: its transfers in "
        "posting order with the running balance; last: 20 is its latest twenty lines. Asked of "
        "several accounts in one document (a client's accounts), the pages from either end "
        "without a cursor or filter are read together. Null to a caller who may not read the "
        "ledger.",
    )
    async def statement(
        self,
        info: Info[Context, None],
        page: Page,
        filter: Annotated[
            StatementFilter | None,
            strawberry.argument(description="Which lines: every line when left out."),
        ] = None,
    ) -> Connection[StatementLine] | None:
        return await statement_page(info.context, self.row.id, page, filter)


def _linked(column: str, id_description: str, description: str) -> tuple[Any, Any]:
    """A transfer's link to another transfer (its ``column``): the other's id, and the other
    itself through the request's loader; both null when there is none."""

    def other_id(self: Any) -> strawberry.ID | None:
        other = getattr(self.row, column)
        return strawberry.ID(encode_id("Transfer", other)) if other else None

    async def other(self: Any, info: Info[Context, None]) -> Transfer | None:
        found = getattr(self.row, column)
        return await load_transfer(info.context, found) if found else None

    return (
        strawberry.field(resolver=other_id, description=id_description),
        strawberry.field(resolver=other, description=description),
    )


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

    @strawberry.field(
        description="The OPG category it is reported under (R-OPG-1): its latest "
        "reclassification, else (a reversal) the latest of the transfer it reverses, else "
        "its own category."
    )
    async def reported_category(self, info: Info[Context, None]) -> Category:
        found = await loaders.one(
            info.context, "ledger.reported_categories", reclassifications.reported_categories
        ).load(self.row.id)
        return found if found is not None else Category(self.row.category)

    @strawberry.field(
        description="Each reclassification of its reported category, oldest first (R-AUD-2)."
    )
    async def reclassifications(self, info: Info[Context, None]) -> list[TransferReclassification]:
        rows = await loaders.many(
            info.context, "ledger.reclassifications", reclassifications.reclassifications_of
        ).load(self.row.id)
        return [TransferReclassification.from_row(r) for r in rows]

    reverses_id, reverses = _linked(
        "reverses_id",
        "The transfer this one corrects (R-AUD-2).",
        "The transfer this one corrects (R-AUD-2), if it is a reversal.",
    )
    pending_id, pending = _linked(
        "pending_id",
        "The hold this one posts or voids.",
        "The hold this one posts or voids, if it does.",
    )


@strawberry.type(
    description="A ledger entry reported under another OPG category from then on, and why "
    "(R-OPG-1): the transfer itself is never changed (R-AUD-2)."
)
class TransferReclassification:
    row: strawberry.Private[models.TransferReclassification]

    @classmethod
    def from_row(cls, row: models.TransferReclassification) -> TransferReclassification:
        return from_source(cls, row, row=row, category=Category(row.category))

    category: Category = strawberry.field(description="The category reported from then on.")
    reason: str = strawberry.field(description="Why the category was wrong.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    recorded_by: str = strawberry.field(description="Who recorded it (R-AUD-1).")


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

    @strawberry.field(
        description="Other systems' references naming it, in force (Controcc's and SAP's): an "
        "integration sees only its own system's (issue 17)."
    )
    async def external_references(self, info: Info[Context, None]) -> list[LazyExternalReference]:
        from ca_api.integrations.reference_types import external_references_of

        return await external_references_of(info, self.row.id)

    kind: CounterpartyKind = strawberry.field(description="Who the counterparty is.")
    name: str = strawberry.field(description="Its name, unique for its kind.")
    reference: str | None = strawberry.field(
        description="The client's reference with it (a DWP or account number), if any."
    )
    is_council_employee: bool = strawberry.field(
        description="A council employee: never the recipient of a gift (R-ROLE-3)."
    )


# A page from either end of a statement, with no cursor: (account, how many rows, newest end).
EndKey = tuple[uuid.UUID, int, bool]


def statement_ends(ctx: Context) -> DataLoader[EndKey, list[models.Transfer]]:
    """The request's loader of statement pages read from either end (``statement_page``): the
    accounts asked for together, one statement per page size asked (issue 18: a client page's
    accounts and their latest lines in one statement, whatever the number of accounts)."""

    async def batch(keys: list[EndKey]) -> list[list[models.Transfer]]:
        found: dict[EndKey, list[models.Transfer]] = {}
        for (limit, newest), group in group_by(keys, lambda k: (k[1], k[2])).items():
            ids = [k[0] for k in group]
            rows = await statements_repository.statement_ends(
                ctx.session, ids, limit, newest=newest
            )
            for aid, transfer in rows:
                found.setdefault((aid, limit, newest), []).append(transfer)
        return [found.get(k, []) for k in keys]

    return ctx.loader("ledger.statement_ends", batch)


async def statement_page(
    ctx: Context, account_id: uuid.UUID, page: Page, given: StatementFilter | None
) -> Connection[StatementLine]:
    """A page of the account's statement (``accountStatement``, ``LedgerAccount.statement``):
    its transfers in posting order, signed for the account, with the balance after each. A page
    from either end with no filter goes through the request's loader (``statement_ends``), any
    other through ``statements_repository.statement``. The caller has checked the account's
    client."""
    f = given or StatementFilter()
    flt = statements_repository.StatementFilter(
        value_from=f.value_from,
        value_to=f.value_to,
        categories=frozenset(c.value for c in f.categories) if f.categories else None,
    )
    whole = flt.value_from is None and flt.value_to is None and not flt.categories

    async def fetch(seek: Seek[int]) -> Sequence[models.Transfer]:
        if whole and seek.key is None:
            return await statement_ends(ctx).load((account_id, seek.limit, seek.backward))
        return [
            r[0]
            for r in await statements_repository.statement(ctx.session, account_id, flt, seek=seek)
        ]

    def line(t: models.Transfer) -> StatementLine:
        incoming = t.to_account_id == account_id
        after_balance = t.to_balance_after if incoming else t.from_balance_after
        return StatementLine(
            transfer=Transfer.from_row(t),
            amount=Money(t.amount if incoming else -t.amount),
            balance_after=Money(after_balance or 0),
        )

    return await page.connection(
        cursor=lambda req: req.one(int), fetch=fetch, key=lambda t: [t.seq], node=line
    )


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
