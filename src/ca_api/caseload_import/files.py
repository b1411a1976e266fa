"""Reading the caseload import's CSV files (issue 12 item 5, docs/import.md): the files and their
columns, the text forms of dates, money, enums and yes/no, and each row's cells read with every
problem as (file, row, column, reason). No session, no clock, no I/O.

Row numbers are the rows a spreadsheet user sees: the header is row 1, the first record row 2
(a quoted field spanning lines is still one row). Row 0 is the file (or the import) as a whole.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from ca_api.common.rules import MAX_TEXT
from ca_api.ledger.rules import AccountKind
from ca_api.money import MoneyFormatError, Pence, format_money, parse_money
from ca_api.orders.rules import SupervisionType

MAX_ROWS = 20_000  # records per file, not counting the header
MAX_REFERENCE = 40
# A refused import names at most this many problems (and says how many more there are).
MAX_REPORTED = 500
WHOLE = 0  # the row number of a problem with a file or the import as a whole


class ImportFile(enum.StrEnum):
    """The files of a caseload import, by the name a problem gives them (docs/import.md)."""

    CLIENTS = "clients"
    APPOINTEESHIPS = "appointeeships"
    DEPUTYSHIPS = "deputyships"
    ACCOUNTS = "accounts"
    INVESTMENTS = "investments"
    INVOICES = "invoices"
    BUDGET_PLANS = "budget_plans"


@dataclass(frozen=True, order=True)
class RowProblem:
    """One thing wrong with one row: its file, its row (header = 1), the column, why."""

    file: str
    row: int
    column: str
    reason: str


# --- text forms -----------------------------------------------------------------------------

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UK = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
DATE_FORMS = "YYYY-MM-DD or DD/MM/YYYY"


def parse_date(text: str) -> date | None:
    """A date written ``2014-04-30`` or ``30/04/2014`` (day first, as the council writes it);
    None if it is neither, or no such day."""
    try:
        if _ISO.match(text):
            return date.fromisoformat(text)
        if _UK.match(text):
            return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None
    return None


_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}


def parse_yes_no(text: str) -> bool | None:
    word = text.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


_SUPERVISION = {
    "1": SupervisionType.TYPE_1,
    "2A": SupervisionType.TYPE_2A,
    "2": SupervisionType.TYPE_2,
    "3": SupervisionType.TYPE_3,
}


def parse_supervision(text: str) -> SupervisionType | None:
    """The OPG's supervision type (R-ORD-3): ``1``, ``2A``, ``2``, ``3`` or ``TYPE_2A``..."""
    word = text.strip().upper().removeprefix("TYPE_").removeprefix("TYPE ")
    return _SUPERVISION.get(word)


E = TypeVar("E", bound=enum.Enum)


def parse_enum(kind: type[E], text: str) -> E | None:
    try:
        return kind(text.strip().upper().replace(" ", "_"))
    except ValueError:
        return None


def enum_words(kind: type[enum.Enum]) -> str:
    return ", ".join(str(m.value) for m in kind)


# The accounts file's account column: the client account kinds an opening balance may be in.
ACCOUNT_KINDS: dict[str, AccountKind] = {
    "CMS": AccountKind.CLIENT_CMS,
    "CASH": AccountKind.CLIENT_CASH,
    "COURT_FUNDS": AccountKind.CLIENT_COURT_FUNDS,
}


def parse_account(text: str) -> AccountKind | None:
    word = text.strip().upper().replace(" ", "_").removeprefix("CLIENT_")
    return ACCOUNT_KINDS.get(word)


# --- reading a file -------------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return self.required + self.optional


COLUMNS: dict[ImportFile, Columns] = {
    ImportFile.CLIENTS: Columns(
        ("reference", "given_name", "family_name", "date_of_birth", "situation"),
        ("status", "ni_number", "address_line1", "address_line2", "town", "postcode"),
    ),
    ImportFile.APPOINTEESHIPS: Columns(
        ("client_reference", "start_date"), ("dwp_reference", "applied_on", "end_date")
    ),
    ImportFile.DEPUTYSHIPS: Columns(
        (
            "client_reference",
            "case_number",
            "order_date",
            "supervision_type",
            "receive_income",
            "manage_accounts",
            "manage_capital",
            "sell_property",
            "let_property",
            "make_gifts",
        ),
        ("gift_yearly_limit", "end_date"),
    ),
    ImportFile.ACCOUNTS: Columns(("client_reference", "account", "opening_balance")),
    ImportFile.INVESTMENTS: Columns(
        ("client_reference", "kind", "holder", "documents_held_at"),
        ("units", "valuation", "valued_on", "note"),
    ),
    ImportFile.INVOICES: Columns(
        (
            "client_reference",
            "supplier",
            "supplier_invoice_number",
            "invoice_date",
            "amount",
            "category",
            "description",
        ),
        (
            "supplier_kind",
            "kind",
            "received_on",
            "period_start",
            "period_end",
            "official_invoice",
            "direct_debit",
        ),
    ),
    ImportFile.BUDGET_PLANS: Columns(
        ("client_reference", "plan_year_start", "side", "item"),
        ("opening_balance", "amount", "frequency", "annual_amount", "note"),
    ),
}


@dataclass(frozen=True)
class Row:
    """One record of a file: its row number and its cells by column (stripped; blank: None)."""

    number: int
    cells: Mapping[str, str | None]

    def text(self, column: str) -> str | None:
        return self.cells.get(column)


def digest(text: str) -> str:
    """sha256 of the file as read (no byte-order mark, LF line endings, no trailing blank
    lines): the same file read on Windows or Unix is the same file."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256((text.rstrip("\n") + "\n").encode("utf-8")).hexdigest()


def read_rows(file: ImportFile, text: str) -> tuple[list[Row], list[RowProblem]]:
    """The file's records, or what is wrong with its header or shape."""
    name, columns = file.value, COLUMNS[file]
    records = list(csv.reader(text.removeprefix("\ufeff").splitlines()))
    if not records or not any(c.strip() for c in records[0]):
        return [], [RowProblem(name, 1, "", "has no header row (docs/import.md)")]
    header = [c.strip().lower() for c in records[0]]
    problems: list[RowProblem] = []
    for column in columns.required:
        if column not in header:
            problems.append(RowProblem(name, 1, column, "is a required column, missing"))
    for column in header:
        if column and column not in columns.all:
            problems.append(
                RowProblem(name, 1, column, f"is not a column of {name} ({', '.join(columns.all)})")
            )
        elif column and header.count(column) > 1:
            problems.append(RowProblem(name, 1, column, "appears more than once"))
    if problems:
        return [], sorted(set(problems))
    body = records[1:]
    if len(body) > MAX_ROWS:
        return [], [RowProblem(name, WHOLE, "", f"has more than {MAX_ROWS} rows")]
    rows: list[Row] = []
    for index, record in enumerate(body, start=2):
        if not any(c.strip() for c in record):
            continue  # a blank line: nothing to import
        if len(record) != len(header):
            problems.append(
                RowProblem(
                    name,
                    index,
                    "",
                    f"has {len(record)} cells, not {len(header)}; a cell holding a comma must "
                    "be in double quotes",
                )
            )
            continue
        cells = {h: (c.strip() or None) for h, c in zip(header, record, strict=True)}
        rows.append(Row(index, cells))
    return rows, problems


# --- reading a row: one shape for every file ---------------------------------------------------

R = TypeVar("R")


class Cells:
    """Reads one row's cells, noting each problem against the file, row and column."""

    def __init__(self, file: ImportFile, row: Row, problems: list[RowProblem]) -> None:
        self.file, self.row, self.problems = file, row, problems
        self.number = row.number
        self._before = len(problems)

    @property
    def clean(self) -> bool:
        """No problem noted on this row (so far)."""
        return len(self.problems) == self._before

    def bad(self, column: str, reason: str) -> None:
        self.problems.append(RowProblem(self.file.value, self.number, column, reason))

    def text(self, column: str, *, required: bool = False, maximum: int = MAX_TEXT) -> str | None:
        value = self.row.text(column)
        if value is None:
            if required:
                self.bad(column, "is required")
            return None
        if len(value) > maximum:
            self.bad(column, f"is longer than {maximum} characters")
        return value

    def reference(self, column: str) -> str | None:
        """A client's reference (required), upper case."""
        value = self.text(column, required=True, maximum=MAX_REFERENCE)
        return value.upper() if value is not None else None

    def parsed(
        self, column: str, parse: Callable[[str], R | None], what: str, *, required: bool
    ) -> R | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        out = parse(value)
        if out is None:
            self.bad(column, f"{value!r} is not {what}")
        return out

    def choice(self, column: str, kind: type[E], what: str, *, required: bool) -> E | None:
        """One of an enum's values, written in any case, a space for an underscore."""
        return self.parsed(column, lambda t: parse_enum(kind, t), what, required=required)

    def day(self, column: str, *, required: bool = False) -> date | None:
        return self.parsed(column, parse_date, f"a date ({DATE_FORMS})", required=required)

    def money(self, column: str, maximum: Pence, *, required: bool = False) -> Pence | None:
        def parse(text: str) -> Pence | None:
            try:
                return parse_money(text.replace(",", "").removeprefix("£"))
            except MoneyFormatError:
                return None

        amount = self.parsed(
            column, parse, 'money in pounds and pence (e.g. "1234.50")', required=required
        )
        if amount is not None and abs(amount) > maximum:
            self.bad(
                column,
                f"is beyond the maximum for any one amount, {format_money(maximum)} (policy "
                "figure amount_maximum)",
            )
            return None
        return amount

    def yes_no(self, column: str, *, required: bool = True) -> bool | None:
        return self.parsed(column, parse_yes_no, "Y or N", required=required)

    def rule_problems(self, found: Mapping[str, str]) -> None:
        """A module's own rule's problems, by field: on the column of that name when the file
        has one (the files name their columns after the fields)."""
        known = COLUMNS[self.file].all
        for name, reason in found.items():
            self.bad(name if name in known else "", reason)


def parse_each(
    file: ImportFile, rows: Sequence[Row], read: Callable[[Cells], R | None]
) -> tuple[list[R], list[RowProblem]]:
    """Each row read into a record by ``read``, which notes every problem of the row on its
    Cells; a row with any problem gives no record."""
    problems: list[RowProblem] = []
    out: list[R] = []
    for row in rows:
        cells = Cells(file, row, problems)
        record = read(cells)
        if record is not None and cells.clean:
            out.append(record)
    return out, problems


@dataclass
class Problems:
    """Every problem found, in file and row order when reported."""

    found: list[RowProblem] = field(default_factory=list)

    def add(self, more: Iterable[RowProblem]) -> None:
        self.found.extend(more)

    def take(self, read: tuple[list[R], list[RowProblem]]) -> list[R]:
        """What a reading gave (its records), its problems noted."""
        records, more = read
        self.found.extend(more)
        return records

    def __bool__(self) -> bool:
        return bool(self.found)

    def listed(self) -> list[RowProblem]:
        order = {f.value: i for i, f in enumerate(ImportFile)}
        return sorted(
            set(self.found), key=lambda p: (order.get(p.file, 99), p.row, p.column, p.reason)
        )
