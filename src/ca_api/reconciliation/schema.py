"""GraphQL for reconciliation: thin. Parse, call the service, map the result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import LEDGER_READ, RECONCILE, allow
from ca_api.common import loaders
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.node import Node, NodeType, by_role
from ca_api.common.pagination import Connection, Page, Paged
from ca_api.common.period_pages import newest_period_first
from ca_api.common.problems import (
    InvalidStateProblem,
    NotFoundProblem,
    Problem,
    ValidationProblem,
    problem_for,
)
from ca_api.common.scalars import Money
from ca_api.common.types import describe_enum, from_source
from ca_api.context import Context
from ca_api.errors import found
from ca_api.ledger.types import Transfer
from ca_api.reconciliation import rules, service
from ca_api.reconciliation.inputs import (
    STATEMENT_ID,
    ImportBankStatementInput,
    MatchBankLineInput,
)
from ca_api.reconciliation.service import (
    DuplicateStatement,
    LineRecord,
    MoveRecord,
    Reconciliation,
    StatementRecord,
)

MatchMethod = rules.MatchMethod
strawberry.enum(MatchMethod, description="How a statement line was matched to the ledger.")
describe_enum(
    MatchMethod,
    {
        MatchMethod.AUTO: "On import: the same amount and direction, within the slack days.",
        MatchMethod.MANUAL: "By an officer, by hand (matchBankLine), with their reason.",
    },
)


@strawberry.type(
    description="A statement of the Client Monies Service bank account (R-ACC-1), as imported."
)
class BankStatement(Node):
    record: strawberry.Private[StatementRecord]

    @classmethod
    def from_record(cls, record: StatementRecord) -> BankStatement:
        return from_source(cls, record, record=record, matched_line_count=record.matched_count)

    id: strawberry.ID = strawberry.field(description="The statement's global id.")
    account_name: str = strawberry.field(description="The bank account's name, as on the file.")
    period_start: date = strawberry.field(description="The statement's first day.")
    period_end: date = strawberry.field(description="The statement's last day: inclusive.")
    opening_balance: Money = strawberry.field(description="The balance at the period's start.")
    closing_balance: Money = strawberry.field(description="The balance at the period's end.")

    def _sha256(self) -> str:
        return self.record.source_sha256.hex()

    sha256: str = strawberry.field(
        resolver=_sha256, description="Hex sha256 of the file: the same file is imported once."
    )

    imported_by: str = strawberry.field(description="The officer who imported it.")
    imported_at: datetime = strawberry.field(description="When it was imported.")
    line_count: int = strawberry.field(description="Transaction lines (the header is not counted).")
    matched_line_count: int = strawberry.field(
        description="Lines matched to a ledger transfer, on import or by hand."
    )


@strawberry.type(description="How and by whom a statement line was matched.")
class BankMatch:
    method: MatchMethod = strawberry.field(description="On import, or by hand.")
    matched_by: str = strawberry.field(description="Who matched it: the importing officer if AUTO.")
    matched_at: datetime = strawberry.field(description="When it was matched.")


@strawberry.type(description="A transaction line of a bank statement, with its ledger transfer.")
class BankStatementLine:
    record: strawberry.Private[LineRecord]

    @classmethod
    def from_record(cls, record: LineRecord) -> BankStatementLine:
        return from_source(cls, record.line, record=record)

    line_no: int = strawberry.field(
        description="The line's number in the file: the header is line 1."
    )
    posted_on: date = strawberry.field(description="The day the bank posted it.")
    description: str = strawberry.field(description="The bank's description of it.")
    reference: str | None = strawberry.field(description="The bank's reference; null if none.")
    amount: Money = strawberry.field(
        description="Signed: money into the bank account positive, out negative."
    )

    @strawberry.field(description="The ledger transfer this line is; null while unmatched.")
    def transfer(self) -> Transfer | None:
        m = self.record.match
        return Transfer.from_row(m.transfer) if m is not None else None

    @strawberry.field(description="How and by whom it was matched; null while unmatched.")
    def match(self) -> BankMatch | None:
        m = self.record.match
        return from_source(BankMatch, m) if m is not None else None


@strawberry.type(description="A ledger transfer into or out of the Client Monies Service account.")
class BankSideTransfer:
    record: strawberry.Private[MoveRecord]

    @classmethod
    def from_record(cls, record: MoveRecord) -> BankSideTransfer:
        return from_source(cls, record, record=record)

    def _transfer(self) -> Transfer:
        return Transfer.from_row(self.record.transfer)

    transfer: Transfer = strawberry.field(
        resolver=_transfer, description="The ledger transfer no statement line is matched to."
    )
    amount: Money = strawberry.field(
        description="Signed as the bank sees it: into the account positive."
    )


@strawberry.type(
    description="A bank statement reconciled to the ledger (R-ACC-7). The ledger's side is "
    "every transfer that moved money into or out of a client's Client Monies Service account."
)
class BankReconciliation:
    data: strawberry.Private[Reconciliation]

    @classmethod
    def from_data(cls, data: Reconciliation) -> BankReconciliation:
        return from_source(
            cls,
            data,
            data=data,
            statement=BankStatement.from_record(data.statement),
            statement_closing_balance=data.statement.closing_balance,
        )

    statement: BankStatement = strawberry.field(description="The statement reconciled.")
    statement_closing_balance: Money = strawberry.field(
        description="The bank's closing balance, from the statement."
    )

    ledger_balance: Money = strawberry.field(
        description="Every CMS account's balance summed as at the period end, by value date: "
        "money moved in less money moved out, value date on or before periodEnd."
    )

    difference: Money = strawberry.field(
        description="statementClosingBalance - ledgerBalance: 0.00 when they agree."
    )
    reconciled: bool = strawberry.field(
        description="No difference, no unmatched line, no unmatched transfer."
    )
    slack_days: int = strawberry.field(
        description="How many days apart a line and a transfer may match on import."
    )
    unmatched_line_count: int = strawberry.field(
        description="Statement lines no ledger transfer is matched to."
    )
    unmatched_transfer_count: int = strawberry.field(
        description="Ledger transfers of the period matched to no statement line."
    )

    async def _lines(
        self,
        info: Info[Context, None],
        page: Page,
        unmatched: bool,
    ) -> Connection[BankStatementLine]:
        ctx = info.context
        return await page.connection(
            cursor=lambda req: req.one(int),
            fetch=lambda seek: service.lines(
                ctx.session,
                self.data.statement.id,
                unmatched_only=unmatched,
                seek=seek,
            ),
            key=lambda r: [r.line.line_no],
            node=BankStatementLine.from_record,
        )

    @strawberry.field(
        extensions=[Paged(50)],
        description="Every line in file order, each with its matched transfer.",
    )
    async def lines(self, info: Info[Context, None], page: Page) -> Connection[BankStatementLine]:
        return await self._lines(info, page, unmatched=False)

    @strawberry.field(
        extensions=[Paged(50)],
        description="Lines no ledger transfer is matched to, in file order.",
    )
    async def unmatched_lines(
        self, info: Info[Context, None], page: Page
    ) -> Connection[BankStatementLine]:
        return await self._lines(info, page, unmatched=True)

    @strawberry.field(
        extensions=[Paged(50)],
        description="Ledger transfers into or out of CMS accounts, value-dated in the period, "
        "matched to no statement line, in posting order.",
    )
    async def unmatched_transfers(
        self,
        info: Info[Context, None],
        page: Page,
    ) -> Connection[BankSideTransfer]:
        ctx = info.context
        return await page.connection(
            cursor=lambda req: req.one(int),
            fetch=lambda seek: service.unmatched_moves(ctx.session, self.data.statement, seek=seek),
            key=lambda r: [r.transfer.seq],
            node=BankSideTransfer.from_record,
        )


@strawberry.type(description="The same file was imported before: a statement is imported once.")
class DuplicateStatementProblem(Problem):
    existing_statement_id: strawberry.ID = strawberry.field(
        description="The statement imported before from the same file."
    )

    @strawberry.field(description="The statement imported before from the same file.")
    async def existing_statement(self, info: Info[Context, None]) -> BankStatement:
        sid = decode_uuid("BankStatement", self.existing_statement_id)
        loader = loaders.one(info.context, "reconciliation.statements", service.statements_by_id)
        record = await loader.load(sid)
        return BankStatement.from_record(
            found(record, "bank statement", self.existing_statement_id)
        )


@problem_for(DuplicateStatement)
def _duplicate_statement(exc: DuplicateStatement) -> DuplicateStatementProblem:
    return DuplicateStatementProblem(
        code=exc.code,
        message=exc.message,
        existing_statement_id=strawberry.ID(encode_id("BankStatement", exc.existing_id)),
    )


@strawberry.type(description="The statement imported, and how much of it matched at once.")
class ImportBankStatementPayload:
    statement: BankStatement = strawberry.field(description="The statement as imported.")
    auto_matched: int = strawberry.field(description="Lines matched to the ledger on import.")


@strawberry.type(description="The statement line as the match left it.")
class BankStatementLinePayload:
    line: BankStatementLine = strawberry.field(description="The line, now matched.")


ImportBankStatementResult = Annotated[
    ImportBankStatementPayload | ValidationProblem | DuplicateStatementProblem,
    strawberry.union(
        "ImportBankStatementResult",
        description="The statement imported, or why not: nothing was written.",
    ),
]
MatchBankLineResult = Annotated[
    BankStatementLinePayload | ValidationProblem | NotFoundProblem | InvalidStateProblem,
    strawberry.union(
        "MatchBankLineResult", description="The line matched, or why not: nothing changed."
    ),
]


@strawberry.type
class ReconciliationQuery:
    @strawberry.field(
        extensions=allow(LEDGER_READ),
        description="A bank statement against the ledger: lines and their matches, what is "
        "unmatched on either side, and the balances (R-ACC-7).",
    )
    async def bank_reconciliation(
        self,
        info: Info[Context, None],
        statement_id: Annotated[strawberry.ID, strawberry.argument(description=STATEMENT_ID)],
    ) -> BankReconciliation:
        ctx = info.context
        sid = decode_uuid("BankStatement", statement_id)
        data = await service.reconciliation(ctx.session, sid)
        return BankReconciliation.from_data(found(data, "bank statement", statement_id))

    @strawberry.field(
        extensions=[Paged(25), *allow(LEDGER_READ)],
        description="Imported bank statements, newest period first.",
    )
    async def bank_statements(
        self,
        info: Info[Context, None],
        page: Page,
    ) -> Connection[BankStatement]:
        ctx = info.context
        return await newest_period_first(
            page,
            lambda seek: service.list_statements(ctx.session, seek=seek),
            BankStatement.from_record,
        )


@strawberry.type
class ReconciliationMutation:
    @strawberry.mutation(
        extensions=allow(RECONCILE),
        description="Import a bank statement of the Client Monies Service account from CSV and "
        "match its lines to the ledger (R-ACC-7). A file is taken whole or not at all, once.",
    )
    async def import_bank_statement(
        self,
        info: Info[Context, None],
        input: Annotated[
            ImportBankStatementInput,
            strawberry.argument(description="The statement and its CSV."),
        ],
    ) -> ImportBankStatementResult:
        result = await as_caller(info, service.import_statement, input.to_heading(), input.csv)
        return ImportBankStatementPayload(
            statement=BankStatement.from_record(result.statement), auto_matched=result.auto_matched
        )

    @strawberry.mutation(
        extensions=allow(RECONCILE),
        description="Match a statement line to a ledger transfer by hand: the same amount, the "
        "same direction; each line and each transfer is matched once. Audited.",
    )
    async def match_bank_line(
        self,
        info: Info[Context, None],
        input: Annotated[
            MatchBankLineInput,
            strawberry.argument(description="The line, the transfer it is, and why."),
        ],
    ) -> MatchBankLineResult:
        sid = decode_uuid("BankStatement", input.statement_id)
        tid = decode_uuid("Transfer", input.transfer_id)
        record = await as_caller(
            info, service.match_line, sid, input.line_no, tid, reason=input.reason
        )
        return BankStatementLinePayload(line=BankStatementLine.from_record(record))


# The types node(id:) fetches (common.node): a statement with the roles of bankStatements and
# bankReconciliation (it has no x(id:) lookup of its own).
NODES: tuple[NodeType, ...] = (
    NodeType(
        "BankStatement", LEDGER_READ, by_role(service.statements_by_id, BankStatement.from_record)
    ),
)
