"""GraphQL inputs of reconciliation (the schema's own file is ``reconciliation/schema.py``):
what a caller sends, described in the council's words."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.scalars import Money
from ca_api.reconciliation.rules import StatementHeading

STATEMENT_ID = "The bank statement's global id."


@strawberry.input(description="A bank statement of the Client Monies Service account.")
class BankStatementInput:
    account_name: str = strawberry.field(description="The bank account's name, as on the file.")
    period_start: date = strawberry.field(description="The statement's first day.")
    period_end: date = strawberry.field(description="Inclusive; not after today.")
    opening_balance: Money = strawberry.field(description="The balance at the period's start.")
    closing_balance: Money = strawberry.field(
        description="Must equal openingBalance plus the lines' amounts."
    )
    csv: str = strawberry.field(
        description="The statement as CSV text (UTF-8): a header date,description,reference,"
        "amount then one line per transaction; see the README, 'Bank statement CSV'."
    )

    def to_heading(self) -> StatementHeading:
        return StatementHeading(
            account_name=self.account_name,
            period_start=self.period_start,
            period_end=self.period_end,
            opening_balance=self.opening_balance,
            closing_balance=self.closing_balance,
        )


@strawberry.input(
    description="A bank statement of the Client Monies Service account to import, with its CSV."
)
class ImportBankStatementInput(BankStatementInput):
    """The statement's fields, flat (importBankStatement takes no idempotency key: a file is
    imported once, DuplicateStatementProblem)."""


@strawberry.input(description="A statement line to match by hand to a ledger transfer.")
class MatchBankLineInput:
    statement_id: strawberry.ID = strawberry.field(description=STATEMENT_ID)
    line_no: int = strawberry.field(description="The line's number in the file (lineNo).")
    transfer_id: strawberry.ID = strawberry.field(
        description="The ledger transfer the line is: the same money."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why they match, for the audit trail (R-AUD-1)."
    )
