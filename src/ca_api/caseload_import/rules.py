"""Pure rules of the caseload import (issue 12 item 5): reading the CSV files of an existing
caseload (docs/import.md) into typed records, every problem as (file, row, column, reason).
No session, no clock, no I/O: ``today`` and the amount maximum are passed in.

Row numbers are the rows a spreadsheet user sees: the header is row 1, the first record row 2
(a quoted field spanning lines is still one row). Row 0 is the file (or the import) as a whole.

The modules' own rules judge what they own: a client's details (``clients.rules``), an order's
(``orders.rules``, R-ORD-1, R-ORD-3), an investment's units (``investments.rules``), an
invoice's (``invoices.service.invoice_problems``) and a plan's (``planning.service.plan_problems``,
applied by the service). What is the
import's own: the columns, the text forms of dates, money, enums and yes/no, and the references
between files (an order, account or investment names a client of the clients file or one already
on the books).
"""

from __future__ import annotations

import csv
import enum
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from ca_api.clients import rules as client_rules
from ca_api.clients.rules import ClientDetails, ClientStatus, Situation
from ca_api.common.rules import MAX_NAME, MAX_TEXT, text_problem
from ca_api.investments import rules as investment_rules
from ca_api.investments.rules import InvestmentKind
from ca_api.invoices.rules import InvoiceDraft, InvoiceKind
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind
from ca_api.money import MoneyFormatError, Pence, format_money, parse_money
from ca_api.orders import rules as order_rules
from ca_api.orders.rules import (
    AppointeeshipDetails,
    DeputyPowers,
    DeputyshipDetails,
    SupervisionType,
)
from ca_api.planning.rules import Frequency, PlanLine, Side

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


# --- typed records, a file each ----------------------------------------------------------------


@dataclass(frozen=True)
class OfClient:
    """A record of a file that names its client (every file's but the clients'): its row and
    the client's reference."""

    row: int
    client_reference: str


@dataclass(frozen=True)
class ClientRow:
    row: int
    reference: str
    details: ClientDetails


def parse_clients(rows: Sequence[Row], today: date) -> tuple[list[ClientRow], list[RowProblem]]:
    """Each client, judged by ``clients.rules`` (normalised as a new client is)."""

    def read(c: Cells) -> ClientRow | None:
        reference = c.reference("reference")
        given = c.text("given_name", required=True)
        family = c.text("family_name", required=True)
        born = c.day("date_of_birth", required=True)
        situation = c.choice(
            "situation", Situation, f"a situation ({enum_words(Situation)})", required=True
        )
        status = c.choice("status", ClientStatus, "ACTIVE or CLOSED", required=False)
        if status is ClientStatus.REFERRED:
            c.bad("status", "a referral is not imported: ACTIVE or CLOSED")
        if not c.clean:
            return None
        assert reference and given and family and born and situation
        details = client_rules.normalise(
            ClientDetails(
                given_name=given,
                family_name=family,
                date_of_birth=born,
                situation=situation,
                status=status or ClientStatus.ACTIVE,
                ni_number=c.text("ni_number"),
                address_line1=c.text("address_line1"),
                address_line2=c.text("address_line2"),
                town=c.text("town"),
                postcode=c.text("postcode"),
            )
        )
        c.rule_problems(client_rules.validate(details, today))
        return ClientRow(c.number, reference, details)

    return parse_each(ImportFile.CLIENTS, rows, read)


D = TypeVar("D", AppointeeshipDetails, DeputyshipDetails)


@dataclass(frozen=True)
class OrderRow(OfClient, Generic[D]):
    """An appointeeship or a deputyship of the client with this reference."""

    details: D


def parse_appointeeships(
    rows: Sequence[Row], today: date
) -> tuple[list[OrderRow[AppointeeshipDetails]], list[RowProblem]]:
    """Each DWP appointeeship, judged by ``orders.rules``."""

    def read(c: Cells) -> OrderRow[AppointeeshipDetails] | None:
        client = c.reference("client_reference")
        start = c.day("start_date", required=True)
        applied = c.day("applied_on")
        end = c.day("end_date")
        dwp = c.text("dwp_reference", maximum=order_rules.MAX_CASE_NUMBER)
        if not c.clean:
            return None
        assert client and start
        details = AppointeeshipDetails(
            start_date=start, dwp_reference=dwp, applied_on=applied, end_date=end
        )
        c.rule_problems(order_rules.validate_appointeeship(details, today))
        return OrderRow(c.number, client, details)

    return parse_each(ImportFile.APPOINTEESHIPS, rows, read)


POWERS = (
    "receive_income",
    "manage_accounts",
    "manage_capital",
    "sell_property",
    "let_property",
    "make_gifts",
)


def parse_deputyships(
    rows: Sequence[Row], today: date, maximum: Pence
) -> tuple[list[OrderRow[DeputyshipDetails]], list[RowProblem]]:
    """Each deputyship with the powers its order states (R-ORD-1) and its supervision type
    (R-ORD-3), judged by ``orders.rules``."""

    def read(c: Cells) -> OrderRow[DeputyshipDetails] | None:
        client = c.reference("client_reference")
        case = c.text("case_number", required=True, maximum=order_rules.MAX_CASE_NUMBER)
        ordered = c.day("order_date", required=True)
        end = c.day("end_date")
        supervision = c.parsed(
            "supervision_type",
            parse_supervision,
            "a supervision type (1, 2A, 2 or 3)",
            required=True,
        )
        powers = {p: c.yes_no(p) for p in POWERS}
        limit = c.money("gift_yearly_limit", maximum)
        if not c.clean:
            return None
        assert client and case and ordered and supervision
        granted = DeputyPowers(**{p: bool(v) for p, v in powers.items()}, gift_yearly_limit=limit)
        details = DeputyshipDetails(
            case_number=case,
            order_date=ordered,
            powers=granted,
            supervision_type=supervision,
            end_date=end,
        )
        c.rule_problems(order_rules.validate_deputyship(details, today))
        return OrderRow(c.number, client, details)

    return parse_each(ImportFile.DEPUTYSHIPS, rows, read)


@dataclass(frozen=True)
class AccountRow(OfClient):
    kind: AccountKind
    opening_balance: Pence


def parse_accounts(
    rows: Sequence[Row], maximum: Pence
) -> tuple[list[AccountRow], list[RowProblem]]:
    """Each client account's opening balance at the cut-over: never below zero (R-PAY-3: a
    client account is never overdrawn)."""

    def read(c: Cells) -> AccountRow | None:
        client = c.reference("client_reference")
        kind = c.parsed(
            "account", parse_account, f"an account ({', '.join(ACCOUNT_KINDS)})", required=True
        )
        balance = c.money("opening_balance", maximum, required=True)
        if balance is not None and balance < 0:
            c.bad("opening_balance", "cannot be below zero: a client account is never overdrawn")
        if not c.clean:
            return None
        assert client and kind and balance is not None
        return AccountRow(c.number, client, kind, balance)

    return parse_each(ImportFile.ACCOUNTS, rows, read)


@dataclass(frozen=True)
class InvestmentRow(OfClient):
    kind: InvestmentKind
    holder: str
    units: str | None
    valuation: Pence | None
    valued_on: date | None
    documents_held_at: str
    note: str | None


def parse_investments(
    rows: Sequence[Row], today: date, maximum: Pence
) -> tuple[list[InvestmentRow], list[RowProblem]]:
    """Each investment the client already holds, with where its documents are held (R-INV-5)."""

    def read(c: Cells) -> InvestmentRow | None:
        client = c.reference("client_reference")
        kind = c.choice(
            "kind",
            InvestmentKind,
            f"an investment kind ({enum_words(InvestmentKind)})",
            required=True,
        )
        holder = c.text("holder", required=True, maximum=MAX_NAME)
        documents = c.text(
            "documents_held_at", required=True, maximum=investment_rules.MAX_LOCATION
        )
        units = c.text("units")
        if units is not None and investment_rules.parse_units(units) is None:
            c.bad("units", 'is a decimal number of units, e.g. "1500" or "12.5"')
        valuation = c.money("valuation", maximum)
        valued_on = c.day("valued_on")
        note = c.text("note")
        if valuation is not None and valuation < 0:
            c.bad("valuation", "cannot be negative")
        if (valuation is None) != (valued_on is None):
            c.bad("valued_on", "a valuation has the date it was valued, and a date a valuation")
        if valued_on is not None and valued_on > today:
            c.bad("valued_on", "is in the future")
        for problem in text_problem("note", note, required=False, maximum=MAX_TEXT).items():
            c.bad(*problem)
        if not c.clean:
            return None
        assert client and kind and holder and documents
        return InvestmentRow(
            c.number, client, kind, holder, units, valuation, valued_on, documents, note
        )

    return parse_each(ImportFile.INVESTMENTS, rows, read)


@dataclass(frozen=True)
class InvoiceRow(OfClient):
    supplier: str
    supplier_kind: CounterpartyKind
    received_on: date
    draft: InvoiceDraft


# An invoice's fields as invoices.rules names them, and the column of each.
_INVOICE_COLUMNS = {"supplier_id": "supplier_kind", "items": "kind"}


def parse_invoices(
    rows: Sequence[Row], cut_over: date, maximum: Pence
) -> tuple[list[InvoiceRow], list[RowProblem]]:
    """Each open invoice, received on its ``received_on`` (default: the cut-over), judged by
    ``invoices.rules`` as recordInvoice judges one (R-PAY-1, R-PAY-2, R-PAY-5, R-PAY-6,
    R-OPG-1). A reimbursement lists its items (R-PAY-5), which a file of one row per invoice
    cannot: it is refused, to be recorded through recordInvoice."""

    def read(c: Cells) -> InvoiceRow | None:
        client = c.reference("client_reference")
        supplier = c.text("supplier", required=True, maximum=MAX_NAME)
        supplier_kind = c.choice(
            "supplier_kind",
            CounterpartyKind,
            f"a counterparty kind ({enum_words(CounterpartyKind)})",
            required=False,
        )
        kind = c.choice(
            "kind", InvoiceKind, f"an invoice kind ({enum_words(InvoiceKind)})", required=False
        )
        number = c.text("supplier_invoice_number", required=True)
        dated = c.day("invoice_date", required=True)
        received = c.day("received_on")
        amount = c.money("amount", maximum, required=True)
        category = c.choice(
            "category", Category, "an OPG money-out category (R-OPG-1)", required=True
        )
        description = c.text("description", required=True)
        period_start = c.day("period_start")
        period_end = c.day("period_end")
        official = c.yes_no("official_invoice", required=False)
        direct_debit = c.yes_no("direct_debit", required=False)
        if received is not None and received > cut_over:
            c.bad("received_on", "is after the cut-over: record it through recordInvoice")
        if not c.clean:
            return None
        assert client and supplier and number and dated and amount is not None and category
        assert description
        draft = InvoiceDraft(
            supplier_invoice_number=number,
            invoice_date=dated,
            amount=amount,
            kind=kind or InvoiceKind.SUPPLIER,
            category=category,
            description=description,
            period_start=period_start,
            period_end=period_end,
            items=(),
            official_invoice=True if official is None else official,
            direct_debit=bool(direct_debit),
        )
        return InvoiceRow(
            c.number,
            client,
            supplier,
            supplier_kind or CounterpartyKind.SUPPLIER,
            received or cut_over,
            draft,
        )

    return parse_each(ImportFile.INVOICES, rows, read)


def invoice_problems(row: InvoiceRow, found: Mapping[str, str]) -> list[RowProblem]:
    """``invoices.rules``' problems with an invoice on its row, by column."""
    known = set(COLUMNS[ImportFile.INVOICES].all)
    return [
        RowProblem(
            ImportFile.INVOICES.value,
            row.row,
            _INVOICE_COLUMNS.get(k, k if k in known else ""),
            reason,
        )
        for k, reason in found.items()
    ]


@dataclass(frozen=True)
class PlanLineRow(OfClient):
    plan_year_start: date
    opening_balance: Pence | None
    line: PlanLine


@dataclass(frozen=True)
class PlanRows(OfClient):
    """A client's budget plan for a year (its row: its first line's): its lines, each with
    its row (R-BUD-1 to R-BUD-3)."""

    plan_year_start: date
    opening_balance: Pence
    lines: tuple[PlanLineRow, ...]


def parse_plan_lines(
    rows: Sequence[Row], maximum: Pence
) -> tuple[list[PlanLineRow], list[RowProblem]]:
    """Each line of a budget plan: a row per line, the plan's client, year start and opening
    balance repeated (or the opening balance on its first line only)."""

    def read(c: Cells) -> PlanLineRow | None:
        client = c.reference("client_reference")
        start = c.day("plan_year_start", required=True)
        side = c.choice("side", Side, "INCOME or EXPENDITURE", required=True)
        item = c.text("item", required=True)
        frequency = c.choice(
            "frequency", Frequency, f"a frequency ({enum_words(Frequency)})", required=False
        )
        amount = c.money("amount", maximum)
        annual = c.money("annual_amount", maximum)
        opening = c.money("opening_balance", maximum)
        note = c.text("note")
        if not c.clean:
            return None
        assert client and start and side and item
        line = PlanLine(side, item, amount, frequency, annual, note)
        return PlanLineRow(c.number, client, start, opening, line)

    return parse_each(ImportFile.BUDGET_PLANS, rows, read)


_PLAN_COLUMNS = {"item": "item", "amount": "amount", "annualAmount": "annual_amount"}


def group_plans(lines: Sequence[PlanLineRow]) -> tuple[list[PlanRows], list[RowProblem]]:
    """The lines by plan (client and year start), in file order; the opening balance given on
    the plan's first line (and, where repeated, the same on each)."""
    name = ImportFile.BUDGET_PLANS.value
    plans: dict[tuple[str, date], list[PlanLineRow]] = {}
    for ln in lines:
        plans.setdefault((ln.client_reference, ln.plan_year_start), []).append(ln)
    out: list[PlanRows] = []
    problems: list[RowProblem] = []
    for (client, start), group in plans.items():
        first = group[0]
        if first.opening_balance is None:
            problems.append(
                RowProblem(name, first.row, "opening_balance", "is required on a plan's first line")
            )
            continue
        differ = [g for g in group[1:] if g.opening_balance not in (None, first.opening_balance)]
        problems += [
            RowProblem(
                name,
                g.row,
                "opening_balance",
                f"differs from the plan's first line, row {first.row}",
            )
            for g in differ
        ]
        # Judged further even so: every problem of the plan is reported at once.
        out.append(PlanRows(first.row, client, start, first.opening_balance, tuple(group)))
    return out, problems


def plan_line_problems(plan: PlanRows, found: Mapping[str, str]) -> list[RowProblem]:
    """``planning``'s problems with a plan (``income[1].amount``, ``opening_balance``) on the
    rows and columns of the file."""
    name = ImportFile.BUDGET_PLANS.value
    by_side: dict[str, list[int]] = {"income": [], "expenditure": []}
    for ln in plan.lines:
        by_side["income" if ln.line.side is Side.INCOME else "expenditure"].append(ln.row)
    out: list[RowProblem] = []
    for key, reason in found.items():
        m = re.fullmatch(r"(income|expenditure)\[(\d+)\](?:\.(\w+))?", key)
        if m is None:
            out.append(
                RowProblem(
                    name,
                    plan.row,
                    key if key in COLUMNS[ImportFile.BUDGET_PLANS].all else "",
                    reason,
                )
            )
            continue
        row = by_side[m.group(1)][int(m.group(2))]
        out.append(RowProblem(name, row, _PLAN_COLUMNS.get(m.group(3) or "", ""), reason))
    return out


# --- across rows and files ------------------------------------------------------------------


K = TypeVar("K")


def duplicates(
    file: ImportFile, column: str, rows: Iterable[tuple[int, K]], what: str
) -> list[RowProblem]:
    """A second row with the same key as an earlier one: a problem naming the first."""
    seen: dict[K, int] = {}
    out: list[RowProblem] = []
    for number, key in rows:
        if key in seen:
            out.append(RowProblem(file.value, number, column, f"{what} repeats row {seen[key]}"))
        else:
            seen[key] = number
    return out


def client_duplicates(clients: Sequence[ClientRow]) -> list[RowProblem]:
    """Within the file: one NI number, one person (name and date of birth) per row (issue 9
    item 7's likely duplicates). One reference per row is checked on every row read."""
    f = ImportFile.CLIENTS
    out = duplicates(
        f,
        "ni_number",
        ((c.row, c.details.ni_number) for c in clients if c.details.ni_number),
        "the NI number",
    )
    out += duplicates(
        f,
        "given_name",
        (
            (
                c.row,
                (
                    client_rules.name_key(c.details.given_name, c.details.family_name),
                    c.details.date_of_birth,
                ),
            )
            for c in clients
        ),
        "the same name and date of birth",
    )
    return out


def unknown_clients(
    file: ImportFile, rows: Iterable[OfClient], known: set[str]
) -> list[RowProblem]:
    """A row naming a client neither in the clients file nor on the books."""
    return [
        RowProblem(
            file.value,
            r.row,
            "client_reference",
            f"{r.client_reference!r} is neither in the clients file nor a client already on "
            "the books",
        )
        for r in rows
        if r.client_reference not in known
    ]


@dataclass(frozen=True)
class Period:
    """An order's days in force (both ends inclusive; no end: open)."""

    row: int  # 0: already on the books
    start: date
    end: date | None


def overlaps(a: Period, b: Period) -> bool:
    a_end, b_end = a.end or date.max, b.end or date.max
    return a.start <= b_end and b.start <= a_end


def overlapping_orders(
    file: ImportFile, kind: str, by_client: Mapping[str, Sequence[Period]]
) -> list[RowProblem]:
    """One order of a kind in force for a client at a time (issue 9 item 5, R-ORD): a row whose
    period shares a day with an earlier row's, or with an order on the books."""
    out: list[RowProblem] = []
    for periods in by_client.values():
        for i, p in enumerate(periods):
            if p.row == 0:
                continue
            clash = next((q for q in periods[:i] if overlaps(p, q)), None)
            if clash is None:
                clash = next((q for q in periods[i + 1 :] if q.row == 0 and overlaps(p, q)), None)
            if clash is not None:
                other = f"row {clash.row}" if clash.row else f"the {kind} already on the books"
                start = "start_date" if file is ImportFile.APPOINTEESHIPS else "order_date"
                out.append(
                    RowProblem(
                        file.value,
                        p.row,
                        start,
                        f"shares days with {other}: one {kind} in force at a time",
                    )
                )
    return out


def balance_problem(opening_cms: Pence, statement: Pence, source: str) -> str | None:
    """The pooled Client Monies Service account (R-ACC-1): every client's CMS opening balance
    together is the bank's balance at the cut-over (R-ACC-7), else the import is refused."""
    if opening_cms == statement:
        return None
    return (
        f"the CMS opening balances add up to {format_money(opening_cms)}; the bank's balance "
        f"at the cut-over is {format_money(statement)} ({source}): a difference of "
        f"{format_money(opening_cms - statement)}; nothing was imported"
    )


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
