"""What a caseload import is asked (the files, the cut-over date, the counterparty, the bank's
balance) and what it answers: the records created and already present per file, or every
problem found (``ImportRefused``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ca_api.caseload_import.files import MAX_REPORTED, ImportFile, RowProblem, digest
from ca_api.errors import BusinessProblem, ErrorCode
from ca_api.money import Pence


@dataclass(frozen=True)
class ImportRequest:
    """The files' contents (None: not given), the cut-over date, the counterparty the opening
    balances come from, and the bank's balance of the CMS account at the cut-over if known."""

    cut_over: date
    counterparty: str
    clients: str
    appointeeships: str | None = None
    deputyships: str | None = None
    accounts: str | None = None
    investments: str | None = None
    invoices: str | None = None
    budget_plans: str | None = None
    statement_balance: Pence | None = None

    def files(self) -> dict[ImportFile, str]:
        """The files given, by the field of each (named as the file is)."""
        given: dict[ImportFile, str | None] = {f: getattr(self, f.value) for f in ImportFile}
        return {f: text for f, text in given.items() if text is not None}

    def fingerprint(self) -> dict[str, Any]:
        """What the idempotency key is bound to: the files' digests, not their contents."""
        return {
            "cut_over": self.cut_over.isoformat(),
            "counterparty": self.counterparty,
            "statement_balance": self.statement_balance,
            "files": {f.value: digest(t) for f, t in self.files().items()},
        }


@dataclass(frozen=True)
class FileCount:
    file: ImportFile
    created: int = 0
    already_present: int = 0


@dataclass(frozen=True)
class ImportOutcome:
    counts: tuple[FileCount, ...]
    opening_total: Pence  # every opening balance of the accounts file together
    replayed: bool = False

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts)


class ImportRefused(BusinessProblem):
    """The import was refused: every bad row, and why. Nothing was written."""

    code = ErrorCode.VALIDATION_FAILED

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        listed = self.problems[:MAX_REPORTED]
        more = len(self.problems) - len(listed)
        head = "; ".join(f"{p.file} row {p.row} {p.column}: {p.reason}" for p in listed[:3])
        rest = len(self.problems) - min(3, len(self.problems))
        super().__init__(
            f"{len(self.problems)} problem(s), nothing was imported: {head}"
            + (f" and {rest} more" if rest else "")
        )
        self.listed = listed
        self.more = more
