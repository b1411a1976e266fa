"""GraphQL types of an OPG report's balance check (R-OPG-2), computed live: each account's check
and the totals', and the ledger entries that explain a difference (``balance.py`` computes it)."""

from __future__ import annotations

import uuid
from datetime import date

import strawberry
from strawberry.types import Info

from ca_api.common.ids import node_id
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.ledger.types import Category, LedgerAccount, load_client_account
from ca_api.opg_reports import rules
from ca_api.opg_reports.rules import AccountCheck, EntryFact


@strawberry.type(
    description="A ledger entry the balance check names: dated in a period but "
    "not in its report's version (late), or moving an opening."
)
class OpgLedgerEntry:
    transfer_id: strawberry.ID = strawberry.field(description="The ledger transfer.")
    value_date: date = strawberry.field(description="Its value date.")
    amount: Money = strawberry.field(description="The money it moved.")
    category: Category = strawberry.field(description="Its category as reported.")
    description: str = strawberry.field(description="Its description.")
    from_account_id: strawberry.ID = strawberry.field(description="The account it left.")
    to_account_id: strawberry.ID = strawberry.field(description="The account it went to.")

    @classmethod
    def of(cls, e: EntryFact) -> OpgLedgerEntry:
        return cls(
            transfer_id=node_id("Transfer", e.transfer_id),
            value_date=e.value_date,
            amount=Money(e.amount),
            category=Category(e.category),
            description=e.description,
            from_account_id=node_id("LedgerAccount", e.from_account_id),
            to_account_id=node_id("LedgerAccount", e.to_account_id),
        )


@strawberry.type(description="One account's (or the totals') balance check (R-OPG-2).")
class OpgAccountBalanceCheck:
    account_id: strawberry.ID | None = strawberry.field(
        description="The ledger account; null for the totals."
    )
    opening: Money = strawberry.field(description="The report's opening.")
    money_in: Money = strawberry.field(description="The report's money in.")
    money_out: Money = strawberry.field(description="The report's money out.")
    transfers_in: Money = strawberry.field(description="The report's transfers in.")
    transfers_out: Money = strawberry.field(description="The report's transfers out.")
    closing: Money = strawberry.field(description="The report's closing.")
    ledger_closing: Money = strawberry.field(
        description="The ledger's balance at the period's end as it stands now."
    )
    difference: Money = strawberry.field(description="ledgerClosing - closing.")
    balanced: bool = strawberry.field(
        description="opening + in - out + transfers = closing, and closing = ledgerClosing."
    )

    async def _account(self, info: Info[Context, None]) -> LedgerAccount | None:
        if self.account_id is None:
            return None
        return await load_client_account(info.context, self.raw_account_id)

    account: LedgerAccount | None = strawberry.field(
        resolver=_account, description="The account; null for the totals or one hidden from you."
    )
    raw_account_id: strawberry.Private[uuid.UUID]

    @classmethod
    def of(cls, a: AccountCheck) -> OpgAccountBalanceCheck:
        return cls(
            account_id=node_id("LedgerAccount", a.account_id) if a.account_id else None,
            raw_account_id=a.account_id or uuid.UUID(int=0),
            opening=Money(a.opening),
            money_in=Money(a.money_in),
            money_out=Money(a.money_out),
            transfers_in=Money(a.transfers_in),
            transfers_out=Money(a.transfers_out),
            closing=Money(a.closing),
            ledger_closing=Money(a.ledger_closing),
            difference=Money(a.difference),
            balanced=a.balanced,
        )


@strawberry.type(
    description="The current version against the ledger now, and its opening "
    "against the last report's closing (R-OPG-2); computed when asked."
)
class OpgBalanceCheck:
    balanced: bool = strawberry.field(description="Every check passes.")
    accounts: list[OpgAccountBalanceCheck] = strawberry.field(description="Per account.")
    totals: OpgAccountBalanceCheck = strawberry.field(description="Over all accounts.")
    opening_matches_last_report: bool | None = strawberry.field(
        description="The opening equals the last report's closing; null: no earlier report."
    )
    last_report_closing: Money | None = strawberry.field(
        description="The last report's closing (its current version)."
    )
    explaining_entries: list[OpgLedgerEntry] = strawberry.field(
        description="The entries that explain every difference: entries dated in this period "
        "not in the version, and the last report's late entries that move this opening."
    )

    @classmethod
    def of(cls, c: rules.BalanceCheck) -> OpgBalanceCheck:
        return cls(
            balanced=c.balanced,
            accounts=[OpgAccountBalanceCheck.of(a) for a in c.accounts],
            totals=OpgAccountBalanceCheck.of(c.totals),
            opening_matches_last_report=c.opening_matches_last_report,
            last_report_closing=Money(c.last_report_closing)
            if c.last_report_closing is not None
            else None,
            explaining_entries=[OpgLedgerEntry.of(e) for e in c.explaining_entries],
        )
