"""GraphQL for reconciliation: thin. Parse, call the service, map the result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import LEDGER_READ, RECONCILE, allow
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.pagination import Connection, connection_from_rows, page_request
from ca_api.common.problems import (
    InvalidStateProblem,
    NotFoundProblem,
    Problem,
    ValidationProblem,
    problem_for,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.errors import NotFound
from ca_api.ledger.schema import Transfer
from ca_api.reconciliation import rules, service
from ca_api.reconciliation.service import (
    DuplicateStatement,
    LineRecord,
    MoveRecord,
    Reconciliation,
    StatementRecord,
)

MatchMethod = rules.MatchMethod
strawberry.enum(MatchMethod, description="How a statement line was matched to the ledger.")


@strawberry.type(
    description="A statement of the Client Monies Service bank account (R-ACC-1), as imported."
)
class BankStatement:
    record: strawberry.Private[StatementRecord]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("BankStatement", self.record.id))

    @strawberry.field
    def account_name(self) -> str:
        return self.record.account_name

    @strawberry.field
    def period_start(self) -> date:
        return self.record.period_start

    @strawberry.field(description="Inclusive.")
    def period_end(self) -> date:
        return self.record.period_end

    @strawberry.field
    def opening_balance(self) -> Money:
        return Money(self.record.opening_balance)

    @strawberry.field
    def closing_balance(self) -> Money:
        return Money(self.record.closing_balance)

    @strawberry.field(description="Hex sha256 of the file: the same file is imported once.")
    def sha256(self) -> str:
        return self.record.source_sha256.hex()

    @strawberry.field
    def imported_by(self) -> str:
        return self.record.imported_by

    @strawberry.field
    def imported_at(self) -> datetime:
        return self.record.imported_at

    @strawberry.field(description="Transaction lines (the header is not counted).")
    def line_count(self) -> int:
        return self.record.line_count

    @strawberry.field
    def matched_line_count(self) -> int:
        return self.record.matched_count


@strawberry.type(description="How and by whom a statement line was matched.")
class BankMatch:
    method: MatchMethod
    matched_by: str
    matched_at: datetime


@strawberry.type(description="A transaction line of a bank statement, with its ledger transfer.")
class BankStatementLine:
    record: strawberry.Private[LineRecord]

    @strawberry.field(description="The line's number in the file: the header is line 1.")
    def line_no(self) -> int:
        return self.record.line.line_no

    @strawberry.field
    def posted_on(self) -> date:
        return self.record.line.posted_on

    @strawberry.field
    def description(self) -> str:
        return self.record.line.description

    @strawberry.field
    def reference(self) -> str | None:
        return self.record.line.reference

    @strawberry.field(description="Signed: money into the bank account positive, out negative.")
    def amount(self) -> Money:
        return Money(self.record.line.amount)

    @strawberry.field(description="The ledger transfer this line is; null while unmatched.")
    def transfer(self) -> Transfer | None:
        m = self.record.match
        return Transfer.from_row(m.transfer) if m is not None else None

    @strawberry.field
    def match(self) -> BankMatch | None:
        m = self.record.match
        if m is None:
            return None
        return BankMatch(method=m.method, matched_by=m.matched_by, matched_at=m.matched_at)


@strawberry.type(description="A ledger transfer into or out of the Client Monies Service account.")
class BankSideTransfer:
    record: strawberry.Private[MoveRecord]

    @strawberry.field
    def transfer(self) -> Transfer:
        return Transfer.from_row(self.record.transfer)

    @strawberry.field(description="Signed as the bank sees it: into the account positive.")
    def amount(self) -> Money:
        return Money(self.record.amount)


@strawberry.type(
    description="A bank statement reconciled to the ledger (R-ACC-7). The ledger's side is "
    "every transfer that moved money into or out of a client's Client Monies Service account."
)
class BankReconciliation:
    data: strawberry.Private[Reconciliation]

    @strawberry.field
    def statement(self) -> BankStatement:
        return BankStatement(record=self.data.statement)

    @strawberry.field
    def statement_closing_balance(self) -> Money:
        return Money(self.data.statement.closing_balance)

    @strawberry.field(
        description="Every CMS account's balance summed as at the period end, by value date: "
        "money moved in less money moved out, value date on or before periodEnd."
    )
    def ledger_balance(self) -> Money:
        return Money(self.data.ledger_balance)

    @strawberry.field(description="statementClosingBalance - ledgerBalance: 0.00 when they agree.")
    def difference(self) -> Money:
        return Money(self.data.difference)

    @strawberry.field(description="No difference, no unmatched line, no unmatched transfer.")
    def reconciled(self) -> bool:
        return self.data.reconciled

    @strawberry.field(description="How many days apart a line and a transfer may match on import.")
    def slack_days(self) -> int:
        return self.data.slack_days

    @strawberry.field
    def unmatched_line_count(self) -> int:
        return self.data.unmatched_line_count

    @strawberry.field
    def unmatched_transfer_count(self) -> int:
        return self.data.unmatched_transfer_count

    async def _lines(
        self, info: Info[Context, None], first: int | None, after: str | None, unmatched: bool
    ) -> Connection[BankStatementLine]:
        ctx = info.context
        page = page_request(first, after, default=50, maximum=ctx.settings.max_page_size)
        records = await service.lines(
            ctx.session,
            self.data.statement.id,
            unmatched_only=unmatched,
            after_line_no=page.after_one(int),
            limit=page.first + 1,
        )
        return connection_from_rows(
            records,
            page,
            key=lambda r: [r.line.line_no],
            node=lambda r: BankStatementLine(record=r),
        )

    @strawberry.field(description="Every line in file order, each with its matched transfer.")
    async def lines(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[BankStatementLine]:
        return await self._lines(info, first, after, unmatched=False)

    @strawberry.field(description="Lines no ledger transfer is matched to, in file order.")
    async def unmatched_lines(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[BankStatementLine]:
        return await self._lines(info, first, after, unmatched=True)

    @strawberry.field(
        description="Ledger transfers into or out of CMS accounts, value-dated in the period, "
        "matched to no statement line, in posting order."
    )
    async def unmatched_transfers(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[BankSideTransfer]:
        ctx = info.context
        page = page_request(first, after, default=50, maximum=ctx.settings.max_page_size)
        records = await service.unmatched_moves(
            ctx.session, self.data.statement, after_seq=page.after_one(int), limit=page.first + 1
        )
        return connection_from_rows(
            records,
            page,
            key=lambda r: [r.transfer.seq],
            node=lambda r: BankSideTransfer(record=r),
        )


@strawberry.input(description="A bank statement of the Client Monies Service account.")
class BankStatementInput:
    account_name: str
    period_start: date
    period_end: date = strawberry.field(description="Inclusive; not after today.")
    opening_balance: Money
    closing_balance: Money = strawberry.field(
        description="Must equal openingBalance plus the lines' amounts."
    )
    csv: str = strawberry.field(
        description="The statement as CSV text (UTF-8): a header date,description,reference,"
        "amount then one line per transaction; see the README, 'Bank statement CSV'."
    )


@strawberry.type(description="The same file was imported before: a statement is imported once.")
class DuplicateStatementProblem(Problem):
    existing_statement_id: strawberry.ID


@problem_for(DuplicateStatement)
def _duplicate_statement(exc: DuplicateStatement) -> DuplicateStatementProblem:
    return DuplicateStatementProblem(
        code=exc.code,
        message=exc.message,
        existing_statement_id=strawberry.ID(encode_id("BankStatement", exc.existing_id)),
    )


@strawberry.type
class ImportBankStatementPayload:
    statement: BankStatement
    auto_matched: int = strawberry.field(description="Lines matched to the ledger on import.")


@strawberry.type
class BankStatementLinePayload:
    line: BankStatementLine


ImportBankStatementResult = Annotated[
    ImportBankStatementPayload | ValidationProblem | DuplicateStatementProblem,
    strawberry.union("ImportBankStatementResult"),
]
MatchBankLineResult = Annotated[
    BankStatementLinePayload | ValidationProblem | NotFoundProblem | InvalidStateProblem,
    strawberry.union("MatchBankLineResult"),
]


@strawberry.type
class ReconciliationQuery:
    @strawberry.field(
        extensions=allow(LEDGER_READ),
        description="A bank statement against the ledger: lines and their matches, what is "
        "unmatched on either side, and the balances (R-ACC-7).",
    )
    async def bank_reconciliation(
        self, info: Info[Context, None], statement_id: strawberry.ID
    ) -> BankReconciliation:
        ctx = info.context
        sid = decode_uuid("BankStatement", statement_id)
        found = await service.reconciliation(ctx.session, sid)
        if found is None:
            raise NotFound("bank statement", statement_id)
        return BankReconciliation(data=found)

    @strawberry.field(
        extensions=allow(LEDGER_READ), description="Imported bank statements, newest period first."
    )
    async def bank_statements(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[BankStatement]:
        ctx = info.context
        page = page_request(first, after, default=25, maximum=ctx.settings.max_page_size)
        records = await service.list_statements(
            ctx.session, after=page.after_date_id(), limit=page.first + 1
        )
        return connection_from_rows(
            records,
            page,
            key=lambda r: [r.period_start.isoformat(), str(r.id)],
            node=lambda r: BankStatement(record=r),
        )


@strawberry.type
class ReconciliationMutation:
    @strawberry.mutation(
        extensions=allow(RECONCILE),
        description="Import a bank statement of the Client Monies Service account from CSV and "
        "match its lines to the ledger (R-ACC-7). A file is taken whole or not at all, once.",
    )
    async def import_bank_statement(
        self, info: Info[Context, None], input: BankStatementInput
    ) -> ImportBankStatementResult:
        ctx = info.context
        result = await service.import_statement(
            ctx.session,
            ctx.actor,
            account_name=input.account_name,
            period_start=input.period_start,
            period_end=input.period_end,
            opening_balance=input.opening_balance,
            closing_balance=input.closing_balance,
            csv_text=input.csv,
        )
        return ImportBankStatementPayload(
            statement=BankStatement(record=result.statement), auto_matched=result.auto_matched
        )

    @strawberry.mutation(
        extensions=allow(RECONCILE),
        description="Match a statement line to a ledger transfer by hand: the same amount, the "
        "same direction; each line and each transfer is matched once. Audited.",
    )
    async def match_bank_line(
        self,
        info: Info[Context, None],
        statement_id: strawberry.ID,
        line_no: int,
        transfer_id: strawberry.ID,
        reason: str | None = None,
    ) -> MatchBankLineResult:
        ctx = info.context
        sid = decode_uuid("BankStatement", statement_id)
        tid = decode_uuid("Transfer", transfer_id)
        record = await service.match_line(ctx.session, ctx.actor, sid, line_no, tid, reason=reason)
        return BankStatementLinePayload(line=BankStatementLine(record=record))
