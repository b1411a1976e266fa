"""The caseload import's typed records, a file each (issue 12 item 5): each row read into a
client, an order, an opening balance, an investment, an invoice or a budget plan's line.

The modules' own rules judge what they own: a client's details (``clients.rules``), an order's
(``orders.rules``, R-ORD-1, R-ORD-3), an investment's units (``investments.rules``), an
invoice's (``invoices.recording.invoice_problems``) and a plan's
(``planning.service.plan_problems``, applied by the service). No session, no clock, no I/O:
``today`` and the amount maximum are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from ca_api.caseload_import.files import (
    ACCOUNT_KINDS,
    COLUMNS,
    Cells,
    ImportFile,
    Row,
    RowProblem,
    enum_words,
    parse_account,
    parse_each,
    parse_supervision,
)
from ca_api.clients import rules as client_rules
from ca_api.clients.rules import ClientDetails, ClientStatus, Situation
from ca_api.common.rules import MAX_NAME, MAX_TEXT, text_problem
from ca_api.investments import rules as investment_rules
from ca_api.investments.rules import InvestmentKind
from ca_api.invoices.rules import InvoiceDraft, InvoiceKind
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind
from ca_api.money import Pence
from ca_api.orders import rules as order_rules
from ca_api.orders.rules import AppointeeshipDetails, DeputyPowers, DeputyshipDetails
from ca_api.planning.rules import Frequency, PlanLine, Side


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
