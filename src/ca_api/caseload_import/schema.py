"""GraphQL of the caseload import (issue 12 item 5): thin. The files' text in, the service's
counts out, or every bad row."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import CASELOAD_IMPORT, allow
from ca_api.caseload_import import service
from ca_api.caseload_import.files import ImportFile
from ca_api.caseload_import.request import ImportOutcome, ImportRefused, ImportRequest
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    Problem,
    ValidationProblem,
    problem_for,
)
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.context import Context
from ca_api.errors import ErrorCode

CaseloadImportFile = ImportFile
graphql_enum(
    CaseloadImportFile,
    "A file of a caseload import (docs/import.md).",
    {
        ImportFile.CLIENTS: "The clients, by the council's client reference.",
        ImportFile.APPOINTEESHIPS: "The DWP appointeeships of the clients.",
        ImportFile.DEPUTYSHIPS: "The Court of Protection deputyships, with the powers granted "
        "(R-ORD-1) and the supervision type (R-ORD-3).",
        ImportFile.ACCOUNTS: "The client accounts' opening balances at the cut-over date.",
        ImportFile.INVESTMENTS: "The investments the clients already hold (R-INV-5).",
        ImportFile.INVOICES: "The clients' open invoices, received before the cut-over.",
        ImportFile.BUDGET_PLANS: "The clients' current budget plans, a row per line (R-BUD).",
    },
    name="CaseloadImportFile",
)

CSV = "The file as CSV text (UTF-8, a header row first; docs/import.md)"


@strawberry.input(
    description="An existing caseload to bring in at a cut-over date: the CSV files' text "
    "(docs/import.md), and the request's idempotency key. All of it is imported, or nothing."
)
class ImportCaseloadInput:
    cut_over: date = strawberry.field(
        description="The cut-over date: the opening balances are value-dated this day. Not "
        "after today."
    )
    counterparty: str = strawberry.field(
        description="Who the opening balances come from: the counterparty (kind OTHER) named "
        "so, recorded if missing, e.g. the system the caseload comes from. The ledger still sums "
        "to zero."
    )
    clients: str = strawberry.field(description=f"{CSV}: the clients.")
    appointeeships: str | None = strawberry.field(
        default=None, description=f"{CSV}: the appointeeships; null: none."
    )
    deputyships: str | None = strawberry.field(
        default=None, description=f"{CSV}: the deputyships; null: none."
    )
    accounts: str | None = strawberry.field(
        default=None, description=f"{CSV}: the accounts' opening balances; null: none."
    )
    investments: str | None = strawberry.field(
        default=None, description=f"{CSV}: the existing investments; null: none."
    )
    invoices: str | None = strawberry.field(
        default=None, description=f"{CSV}: the open invoices; null: none."
    )
    budget_plans: str | None = strawberry.field(
        default=None, description=f"{CSV}: the current budget plans, a row per line; null: none."
    )
    statement_balance: Money | None = strawberry.field(
        default=None,
        description="The Client Monies Service bank account's balance at the end of the "
        "cut-over date, from the bank statement (R-ACC-7): every CMS opening balance together "
        "must equal it, or nothing is imported. Null: not checked.",
    )
    idempotency_key: str = idempotency_key_field()

    def to_request(self) -> ImportRequest:
        return ImportRequest(
            cut_over=self.cut_over,
            counterparty=self.counterparty,
            clients=self.clients,
            appointeeships=self.appointeeships,
            deputyships=self.deputyships,
            accounts=self.accounts,
            investments=self.investments,
            invoices=self.invoices,
            budget_plans=self.budget_plans,
            statement_balance=self.statement_balance,
        )


@strawberry.type(description="What one file brought in.")
class ImportFileCount:
    file: CaseloadImportFile = strawberry.field(description="The file.")
    created: int = strawberry.field(description="Records written now.")
    already_present: int = strawberry.field(
        description="Rows already on the books with the same content: nothing written again."
    )


@strawberry.type(description="The caseload imported.")
class ImportCaseloadPayload:
    files: list[ImportFileCount] = strawberry.field(description="Each file given, its counts.")
    opening_total: Money = strawberry.field(
        description="Every opening balance of the accounts file together."
    )
    replayed: bool = replayed_field(
        "A repeat of an earlier request with this key: nothing was done again."
    )

    @classmethod
    def of(cls, done: ImportOutcome) -> ImportCaseloadPayload:
        return cls(
            files=[
                ImportFileCount(file=c.file, created=c.created, already_present=c.already_present)
                for c in done.counts
            ],
            opening_total=Money(done.opening_total),
            replayed=done.replayed,
        )


@strawberry.type(description="One bad row of a caseload import, and why.")
class ImportRowProblem:
    file: CaseloadImportFile = strawberry.field(description="The file.")
    row: int = strawberry.field(
        description="The row as a spreadsheet shows it: the header is row 1, the first record "
        "row 2; 0 is the file or the import as a whole."
    )
    column: str = strawberry.field(
        description="The column (as in the header); empty for the row as a whole."
    )
    reason: str = strawberry.field(description="Why it was refused.")


@strawberry.type(
    description="The caseload import was refused: every bad row (the first 500), and why. "
    "Nothing was written."
)
class ImportRefusedProblem(Problem):
    rows: list[ImportRowProblem] = strawberry.field(
        description="Each problem, in file and row order."
    )
    more: int = strawberry.field(description="How many more problems there are beyond rows.")


@problem_for(ImportRefused)
def _refused(exc: ImportRefused) -> ImportRefusedProblem:
    return ImportRefusedProblem(
        code=ErrorCode.VALIDATION_FAILED,
        message=exc.message,
        rows=[
            ImportRowProblem(file=ImportFile(p.file), row=p.row, column=p.column, reason=p.reason)
            for p in exc.listed
        ],
        more=exc.more,
    )


ImportCaseloadResult = Annotated[
    ImportCaseloadPayload | ImportRefusedProblem | ValidationProblem | IdempotencyKeyReusedProblem,
    strawberry.union(
        "ImportCaseloadResult", description="The caseload imported, or why nothing was."
    ),
]


@strawberry.type
class CaseloadImportMutation:
    @strawberry.mutation(
        extensions=allow(CASELOAD_IMPORT),
        description="Bring in an existing caseload at a cut-over date (the governance "
        "manager): clients, appointeeships, deputyships, the accounts' opening balances "
        "(transfers from the named counterparty, value-dated the cut-over), open invoices, "
        "existing investments and the current budget plans, from CSV files "
        "(docs/import.md). Every row is checked first; any bad row refuses the whole import "
        "with every bad row (ImportRefusedProblem) and nothing is written. A row already on "
        "the books with the same content is already present: the same files again write "
        "nothing. The same command line: ca-api import.",
    )
    async def import_caseload(
        self,
        info: Info[Context, None],
        input: Annotated[
            ImportCaseloadInput,
            strawberry.argument(description="The files, and the request's idempotency key."),
        ],
    ) -> ImportCaseloadResult:
        done = await as_caller(
            info,
            service.import_caseload,
            input.to_request(),
            idempotency_key=input.idempotency_key,
        )
        return ImportCaseloadPayload.of(done)
