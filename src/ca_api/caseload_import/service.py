"""The caseload import (issue 12 item 5): an existing caseload's clients, their appointeeships
and deputyships, their accounts' opening balances at a cut-over date, their open invoices,
existing investments and current budget plans, from CSV files (docs/import.md), in ONE
transaction.

Everything is judged before anything is written: every row of every file (``rules``), then
against the books (a reference already there with other details, an order clashing with one
on the books, an opening balance already posted, an unknown client), then the CMS opening
balances against the bank statement for the cut-over date. Any problem refuses the import with
every one of them (``ImportRefused``) and nothing is written. A record already on the books
with the same content is "already present": importing the same files again writes nothing.

Each record is written through the module that owns it (``clients.service.import_clients``,
``orders.service.import_orders``, ``ledger.service.post_opening_balances``,
``investments.service.import_investments``, ``invoices.service.import_invoices``,
``planning.service.import_plans``), each with its audit rows, and one audit row for the import
itself (none when everything was already present: a no-op).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.caseload_import import file_records, repository, rules
from ca_api.caseload_import.files import (
    MAX_REPORTED,
    WHOLE,
    ImportFile,
    Problems,
    Row,
    RowProblem,
    digest,
    read_rows,
)
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.rules import MAX_NAME
from ca_api.db import unit_of_work
from ca_api.errors import BusinessProblem, ErrorCode, ValidationFailed
from ca_api.investments import rules as investment_rules
from ca_api.investments import service as investments
from ca_api.investments.service import NewInvestment
from ca_api.invoices import recording as invoices
from ca_api.ledger import service as ledger
from ca_api.ledger.rules import AccountKind
from ca_api.money import Pence, format_money
from ca_api.orders import service as orders
from ca_api.orders.rules import AppointeeshipDetails, DeputyshipDetails
from ca_api.planning import service as planning
from ca_api.policy import amounts
from ca_api.policy.service import PolicyMissing
from ca_api.reconciliation import service as reconciliation

ENTITY = "caseload_import"
D = TypeVar("D", AppointeeshipDetails, DeputyshipDetails)


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


# --- the plan: what each row is ----------------------------------------------------------------


@dataclass
class Plan:
    """What the import will write, after every check."""

    new_clients: list[file_records.ClientRow] = field(default_factory=list)
    appointeeships: list[file_records.OrderRow[AppointeeshipDetails]] = field(default_factory=list)
    deputyships: list[file_records.OrderRow[DeputyshipDetails]] = field(default_factory=list)
    balances: list[file_records.AccountRow] = field(default_factory=list)
    investments: list[file_records.InvestmentRow] = field(default_factory=list)
    plans: list[file_records.PlanRows] = field(default_factory=list)
    invoices: list[file_records.InvoiceRow] = field(default_factory=list)
    present: dict[ImportFile, int] = field(default_factory=lambda: defaultdict(int))
    opening_total: Pence = 0

    def to_write(self) -> dict[ImportFile, Sequence[file_records.OfClient]]:
        """The records to write, by file (the clients' own: ``new_clients``)."""
        return {
            ImportFile.APPOINTEESHIPS: self.appointeeships,
            ImportFile.DEPUTYSHIPS: self.deputyships,
            ImportFile.ACCOUNTS: self.balances,
            ImportFile.INVESTMENTS: self.investments,
            ImportFile.BUDGET_PLANS: self.plans,
            ImportFile.INVOICES: self.invoices,
        }


@dataclass
class _Judging:
    """An import being judged against the books: the plan taking shape, every problem found,
    and the clients it names that are on the books (locked), by reference."""

    session: AsyncSession
    plan: Plan = field(default_factory=Plan)
    problems: Problems = field(default_factory=Problems)
    on_books: dict[str, uuid.UUID] = field(default_factory=dict)
    ids: list[uuid.UUID] = field(default_factory=list)  # theirs, sorted

    def client_id(self, reference: str) -> uuid.UUID | None:
        """The client on the books with this reference (None: a new client, or none)."""
        return self.on_books.get(reference)

    def bad(self, file: ImportFile, row: int, column: str, reason: str) -> None:
        self.problems.add([RowProblem(file.value, row, column, reason)])

    def already(self, file: ImportFile, row: int, column: str, *, same: bool, other: str) -> None:
        """A row whose record is on the books already: present when the same, else a bad row
        saying why (``other``)."""
        if same:
            self.plan.present[file] += 1
        else:
            self.bad(file, row, column, other)


def _check_request(request: ImportRequest, today: date) -> None:
    problems: dict[str, str] = {}
    if request.cut_over > today:
        problems["cut_over"] = "is in the future"
    name = request.counterparty.strip()
    if not name:
        problems["counterparty"] = "is required: who the opening balances come from"
    elif len(name) > MAX_NAME:
        problems["counterparty"] = f"is longer than {MAX_NAME} characters"
    if problems:
        raise ValidationFailed(problems)


def _references(of_clients: Mapping[ImportFile, Sequence[file_records.OfClient]]) -> set[str]:
    """The clients the rows name."""
    return {r.client_reference for rows in of_clients.values() for r in rows}


def _diff(old: Any, new: Any) -> str:
    before = asdict(old)
    return ", ".join(k for k, v in asdict(new).items() if before.get(k) != v)


def _other_details(what: str, old: Any, new: Any) -> str:
    return (
        f"{what} is on the books already with other details ({_diff(old, new)}): change it "
        "there, not by an import"
    )


async def _plan(session: AsyncSession, request: ImportRequest, today: date) -> Plan:
    """Every row judged, then the whole against the books: the plan, or ImportRefused."""
    maximum, _ = await amounts.maximum_in_force(session, today)
    j = _Judging(session)
    problems = j.problems
    parsed: dict[ImportFile, list[Row]] = {f: [] for f in ImportFile}
    for file, text in request.files().items():
        parsed[file] = problems.take(read_rows(file, text))
    client_rows = problems.take(file_records.parse_clients(parsed[ImportFile.CLIENTS], today))
    app_rows = problems.take(
        file_records.parse_appointeeships(parsed[ImportFile.APPOINTEESHIPS], today)
    )
    dep_rows = problems.take(
        file_records.parse_deputyships(parsed[ImportFile.DEPUTYSHIPS], today, maximum)
    )
    acc_rows = problems.take(file_records.parse_accounts(parsed[ImportFile.ACCOUNTS], maximum))
    inv_rows = problems.take(
        file_records.parse_investments(parsed[ImportFile.INVESTMENTS], today, maximum)
    )
    invoice_rows = problems.take(
        file_records.parse_invoices(parsed[ImportFile.INVOICES], request.cut_over, maximum)
    )
    for i in invoice_rows:
        judged = invoices.invoice_problems(
            i.draft, received_on=i.received_on, supplier_kind=i.supplier_kind
        )
        problems.add(file_records.invoice_problems(i, judged))
    plan_lines = problems.take(
        file_records.parse_plan_lines(parsed[ImportFile.BUDGET_PLANS], maximum)
    )
    plan_rows = problems.take(file_records.group_plans(plan_lines))
    for p in plan_rows:
        problems.add(
            file_records.plan_line_problems(
                p, planning.plan_problems(_new_plan(uuid.UUID(int=0), p))
            )
        )
    problems.add(rules.client_duplicates(client_rows))
    problems.add(
        rules.duplicates(
            ImportFile.CLIENTS,
            "reference",
            (
                (r.number, (r.text("reference") or "").upper())
                for r in parsed[ImportFile.CLIENTS]
                if r.text("reference")
            ),
            "the reference",
        )
    )
    problems.add(
        rules.duplicates(
            ImportFile.ACCOUNTS,
            "account",
            ((a.row, (a.client_reference, a.kind)) for a in acc_rows),
            "the client's account",
        )
    )
    # The files' rows naming a client.
    of_clients: dict[ImportFile, Sequence[file_records.OfClient]] = {
        ImportFile.APPOINTEESHIPS: app_rows,
        ImportFile.DEPUTYSHIPS: dep_rows,
        ImportFile.ACCOUNTS: acc_rows,
        ImportFile.INVESTMENTS: inv_rows,
        ImportFile.BUDGET_PLANS: plan_rows,
        ImportFile.INVOICES: invoice_rows,
    }
    # A client of a bad row of the clients file is not unknown: that row is reported already.
    in_file = {(r.text("reference") or "").upper() for r in parsed[ImportFile.CLIENTS]}
    await _plan_clients(j, client_rows, of_clients, in_file)

    # Orders: one of a kind in force at a time (R-ORD); the same order again is present.
    j.plan.appointeeships = await _plan_orders(j, _APPOINTEESHIPS, app_rows)
    j.plan.deputyships = await _plan_orders(j, _DEPUTYSHIPS, dep_rows)
    await _plan_balances(j, request, acc_rows)
    # A client of a bad row of the deputyships file: that row is reported already.
    dep_file = {(r.text("client_reference") or "").upper() for r in parsed[ImportFile.DEPUTYSHIPS]}
    reported = dep_file - {d.client_reference.upper() for d in dep_rows}
    await _court_funds_of_deputies(j, request.cut_over, acc_rows, dep_rows, reported)
    if request.accounts is not None:
        await _check_statement(j, request, acc_rows)
    await _plan_investments(j, inv_rows)
    await _plan_budgets(j, plan_rows)
    await _plan_invoices(j, invoice_rows)
    if problems:
        raise ImportRefused(problems.listed())
    return j.plan


async def _plan_clients(
    j: _Judging,
    client_rows: Sequence[file_records.ClientRow],
    of_clients: Mapping[ImportFile, Sequence[file_records.OfClient]],
    in_file: set[str],
) -> None:
    """Each client new, already present (same details) or a bad row (other details, or likely
    one already on the books); each row of the other files naming a client known; the clients
    on the books locked, so that what is judged stays so until written."""
    referenced = {c.reference for c in client_rows} | _references(of_clients)
    books = await clients.by_references(j.session, sorted(referenced))
    for c in client_rows:
        known = books.get(c.reference)
        if known is None:
            j.plan.new_clients.append(c)
            continue
        j.already(
            ImportFile.CLIENTS,
            c.row,
            "reference",
            same=known.details == c.details,
            other=_other_details(f"client {c.reference}", known.details, c.details),
        )
    new_clients = j.plan.new_clients
    likely = await clients.likely_duplicates(j.session, [c.details for c in new_clients])
    for c, matches in zip(new_clients, likely, strict=True):
        for known, how in matches:
            words = " and ".join(m.value.replace("_", " ").lower() for m in how)
            j.bad(
                ImportFile.CLIENTS,
                c.row,
                "ni_number" if "NI_NUMBER" in how else "given_name",
                f"is likely client {known.reference} already on the books (the same {words})",
            )
    known_refs = in_file | {c.reference for c in new_clients} | set(books)
    for file, naming in of_clients.items():
        j.problems.add(rules.unknown_clients(file, naming, known_refs))
    j.on_books = {ref: k.id for ref, k in books.items()}
    j.ids = sorted(j.on_books.values())
    await clients.lock_clients(j.session, j.ids)


async def _plan_balances(
    j: _Judging, request: ImportRequest, acc_rows: Sequence[file_records.AccountRow]
) -> None:
    """Opening balances: one per account; the same again is present, and a zero balance of an
    account already open."""
    opened = await ledger.opening_balances(j.session, j.ids)
    kept = {
        (a.client_id, a.kind): (a.posted, a.held)
        for a in await ledger.accounts_of_clients(j.session, j.ids)
    }
    for a in acc_rows:
        j.plan.opening_total += a.opening_balance
        cid = j.client_id(a.client_reference)
        before = opened.get((cid, a.kind)) if cid is not None else None
        if before is None and a.opening_balance == 0 and (cid, a.kind.value) in kept:
            j.plan.present[ImportFile.ACCOUNTS] += 1  # a zero balance: the account is open
        elif before is None and kept.get((cid, a.kind.value), (0, 0)) != (0, 0):
            # An account the service already keeps money in has no opening balance to bring:
            # it would be money the bank never had (R-ACC-2, R-ACC-7).
            posted, held = kept[(cid, a.kind.value)]
            j.bad(
                ImportFile.ACCOUNTS,
                a.row,
                "opening_balance",
                f"the account is kept on the books already (balance {format_money(posted)}, "
                f"held {format_money(held)}): an opening balance is brought only into an "
                "account the service has not kept yet",
            )
        elif before is None:
            j.plan.balances.append(a)
        else:
            j.already(
                ImportFile.ACCOUNTS,
                a.row,
                "opening_balance",
                same=before == ledger.OpeningBalance(a.opening_balance, request.cut_over),
                other=f"the account has an opening balance of {format_money(before.amount)} "
                f"at {before.value_date.isoformat()} already",
            )


async def _court_funds_of_deputies(
    j: _Judging,
    cut_over: date,
    acc_rows: Sequence[file_records.AccountRow],
    dep_rows: Sequence[file_records.OrderRow[DeputyshipDetails]],
    reported: set[str],
) -> None:
    """Money with the Court Funds Office is a deputy's (R-INV-2, seed 002 B 20: only a deputy
    lodges, as proposeLodgement judges): a COURT_FUNDS balance is brought in only for a client
    with a deputy order made by the cut-over, in the deputyships file or on the books."""
    court = [a for a in acc_rows if a.kind is AccountKind.CLIENT_COURT_FUNDS]
    if not court:
        return
    deputies = {d.client_reference for d in dep_rows if d.details.order_date <= cut_over}
    ids = [j.on_books[a.client_reference] for a in court if a.client_reference in j.on_books]
    for cid, records in (await orders.DEPUTYSHIP.by_client(j.session, ids)).items():
        if any(r.details.order_date <= cut_over for r in records):
            deputies |= {ref for ref, i in j.on_books.items() if i == cid}
    for a in court:
        if a.client_reference not in deputies and a.client_reference.upper() not in reported:
            j.bad(
                ImportFile.ACCOUNTS,
                a.row,
                "account",
                "money with the Court Funds Office is a deputy's (R-INV-2): the client has no "
                f"deputy order made by {cut_over.isoformat()} in the deputyships file or on the "
                "books",
            )


async def _check_statement(
    j: _Judging, request: ImportRequest, acc_rows: Sequence[file_records.AccountRow]
) -> None:
    """The CMS opening balances together against the bank's balance at the end of the
    cut-over date (R-ACC-1, R-ACC-7): the one given, else that of a bank statement imported
    whose period ends on the cut-over date; with neither, nothing to check against."""
    statement, source = request.statement_balance, "the statement balance given"
    if statement is None:
        statement = await reconciliation.closing_balance_on(j.session, request.cut_over)
        source = "the bank statement imported for the period ending on the cut-over date"
    if statement is None:
        return
    cms = sum(a.opening_balance for a in acc_rows if a.kind is AccountKind.CLIENT_CMS)
    unbalanced = rules.balance_problem(cms, statement, source)
    if unbalanced is not None:
        j.bad(ImportFile.ACCOUNTS, WHOLE, "opening_balance", unbalanced)


@dataclass(frozen=True)
class _OrderFile(Generic[D]):
    """How the import knows an order of a file already on the books: by the client and the
    ``key`` of its details, in ``column``; ``repeats``: what a second row with that key in the
    file is (None: left to the one-in-force check)."""

    file: ImportFile
    kind: orders.OrderKind[D]
    column: str
    key: Callable[[D], object]
    what: Callable[[D], str]
    repeats: str | None = None


_APPOINTEESHIPS = _OrderFile(
    ImportFile.APPOINTEESHIPS,
    orders.APPOINTEESHIP,
    "start_date",
    key=lambda d: d.start_date,
    what=lambda d: "the appointeeship from this date",
)
_DEPUTYSHIPS = _OrderFile(
    ImportFile.DEPUTYSHIPS,
    orders.DEPUTYSHIP,
    "case_number",
    key=lambda d: d.case_number,
    what=lambda d: f"deputyship {d.case_number}",
    repeats="the client's case number",
)


async def _plan_orders(
    j: _Judging, of: _OrderFile[D], order_rows: Sequence[file_records.OrderRow[D]]
) -> list[file_records.OrderRow[D]]:
    """The orders of one file to write: the same order again is present, the same key with
    other details a bad row; one of a kind in force at a time (R-ORD), with those on the books
    too."""
    kind = of.kind
    by_id = {v: k for k, v in j.on_books.items()}
    existing = await kind.by_client(j.session, j.ids)
    periods: dict[str, list[rules.Period]] = defaultdict(list)
    for cid, records in existing.items():
        for r in records:
            periods[by_id[cid]].append(rules.Period(0, kind.start(r.details), r.details.end_date))
    if of.repeats is not None:
        j.problems.add(
            rules.duplicates(
                of.file,
                of.column,
                ((o.row, (o.client_reference, of.key(o.details))) for o in order_rows),
                of.repeats,
            )
        )
    new: list[file_records.OrderRow[D]] = []
    for o in order_rows:
        client = j.client_id(o.client_reference)
        on_books = existing.get(client, []) if client is not None else []
        same = [r.details for r in on_books if of.key(r.details) == of.key(o.details)]
        if same:
            j.already(
                of.file,
                o.row,
                of.column,
                same=same[0] == o.details,
                other=_other_details(of.what(o.details), same[0], o.details),
            )
            continue
        periods[o.client_reference].append(
            rules.Period(o.row, kind.start(o.details), o.details.end_date)
        )
        new.append(o)
    j.problems.add(rules.overlapping_orders(of.file, kind.entity, periods))
    return new


async def _plan_investments(j: _Judging, inv_rows: Sequence[file_records.InvestmentRow]) -> None:
    """An investment is known by its client, kind and holder: the same one again (same units,
    valuation and documents) is present; the same with other figures is a revaluation, which
    is recorded through recordExistingInvestment, not an import."""
    j.problems.add(
        rules.duplicates(
            ImportFile.INVESTMENTS,
            "holder",
            ((i.row, (i.client_reference, i.kind, i.holder)) for i in inv_rows),
            "the client's investment of this kind with this holder",
        )
    )
    current = await investments.current_investments_of_clients(j.session, j.ids)
    held: dict[tuple[uuid.UUID, str, str], Any] = {
        (r.client_id, r.kind, r.holder): r for r in current
    }
    for i in inv_rows:
        cid = j.client_id(i.client_reference)
        row = held.get((cid, i.kind.value, i.holder)) if cid is not None else None
        if row is None:
            j.plan.investments.append(i)
            continue
        units = investment_rules.parse_units(i.units) if i.units is not None else None
        j.already(
            ImportFile.INVESTMENTS,
            i.row,
            "holder",
            same=row.units == units
            and row.valuation == i.valuation
            and row.valued_on == i.valued_on
            and row.documents_held_at == i.documents_held_at,
            other="the client's investment with this holder is on the books already with "
            "other figures: record a revaluation instead",
        )


async def _plan_invoices(j: _Judging, invoice_rows: Sequence[file_records.InvoiceRow]) -> None:
    """An invoice is known by its supplier and the supplier's number (R-PAY-2): the same one
    again (same client, date and amount) is present; another with that number is a bad row.
    Each is due by the policy figure in force the day it was received (R-PAY-1, R-PAY-4)."""
    j.problems.add(
        rules.duplicates(
            ImportFile.INVOICES,
            "supplier_invoice_number",
            (
                (i.row, (i.supplier_kind, i.supplier, i.draft.supplier_invoice_number))
                for i in invoice_rows
            ),
            "the supplier's invoice number",
        )
    )
    for kind, received in sorted({(i.draft.kind, i.received_on) for i in invoice_rows}):
        try:
            await invoices.due_on(j.session, kind, received)
        except PolicyMissing as exc:
            for i in invoice_rows:
                if (i.draft.kind, i.received_on) == (kind, received):
                    j.bad(ImportFile.INVOICES, i.row, "received_on", exc.message)
    suppliers = await ledger.find_counterparties(
        j.session, [(i.supplier_kind, i.supplier) for i in invoice_rows]
    )
    keys = [
        (suppliers[(i.supplier_kind, i.supplier)].id, i.draft.supplier_invoice_number)
        for i in invoice_rows
        if (i.supplier_kind, i.supplier) in suppliers
    ]
    recorded = await invoices.invoices_with_numbers(j.session, keys)
    for i in invoice_rows:
        supplier = suppliers.get((i.supplier_kind, i.supplier))
        found = recorded.get((supplier.id, i.draft.supplier_invoice_number)) if supplier else None
        if found is None:
            j.plan.invoices.append(i)
            continue
        d = i.draft
        j.already(
            ImportFile.INVOICES,
            i.row,
            "supplier_invoice_number",
            same=found.client_id == j.client_id(i.client_reference)
            and found.amount == d.amount
            and found.invoice_date == d.invoice_date,
            other=f"invoice {d.supplier_invoice_number!r} from this supplier is recorded "
            "already, for another client, date or amount (R-PAY-2)",
        )


def _new_plan(client_id: uuid.UUID, p: file_records.PlanRows) -> planning.NewPlan:
    return planning.NewPlan(
        client_id=client_id,
        plan_year_start=p.plan_year_start,
        opening_balance=p.opening_balance,
        lines=[ln.line for ln in p.lines],
    )


async def _plan_budgets(j: _Judging, plan_rows: Sequence[file_records.PlanRows]) -> None:
    """A plan is known by its client and year start: the same plan again (the same opening
    balance and lines) is present; other figures are a revision, recorded through
    recordBudgetPlan, not an import."""
    held: dict[tuple[uuid.UUID, date], list[planning.PlanView]] = defaultdict(list)
    for view in await planning.plans_of_clients(j.session, j.ids):
        held[(view.plan.client_id, view.plan.plan_year_start)].append(view)
    for p in plan_rows:
        cid = j.client_id(p.client_reference)
        views = held.get((cid, p.plan_year_start), []) if cid is not None else []
        if not views:
            j.plan.plans.append(p)
            continue
        assert cid is not None
        lines = planning.normalised_plan(_new_plan(cid, p)).lines
        j.already(
            ImportFile.BUDGET_PLANS,
            p.row,
            "plan_year_start",
            same=any(
                v.plan.opening_balance == p.opening_balance and [ln for _, ln in v.lines] == lines
                for v in views
            ),
            other="the client has a plan for this year on the books already with other "
            "figures: revise it with recordBudgetPlan, not by an import",
        )


# --- writing ------------------------------------------------------------------------------------


async def _write(
    session: AsyncSession, actor: Actor, request: ImportRequest, plan: Plan
) -> ImportOutcome:
    why = f"caseload import at cut-over {request.cut_over.isoformat()}"
    made = await clients.import_clients(
        session, actor, [(c.reference, c.details) for c in plan.new_clients], why=why
    )
    books = await clients.by_references(session, sorted(_references(plan.to_write())))
    ids = {ref: k.id for ref, k in books.items()} | made
    await orders.import_orders(
        session,
        actor,
        orders.APPOINTEESHIP,
        [(ids[o.client_reference], o.details) for o in plan.appointeeships],
        why=why,
    )
    await orders.import_orders(
        session,
        actor,
        orders.DEPUTYSHIP,
        [(ids[o.client_reference], o.details) for o in plan.deputyships],
        why=why,
    )
    posted = 0
    if plan.balances:
        posted = await ledger.post_opening_balances(
            session,
            actor,
            request.counterparty.strip(),
            [(ids[a.client_reference], a.kind, a.opening_balance) for a in plan.balances],
            request.cut_over,
            why=why,
        )
    await investments.import_investments(
        session,
        actor,
        [
            NewInvestment(
                client_id=ids[i.client_reference],
                kind=i.kind,
                holder=i.holder,
                units=i.units,
                valuation=i.valuation,
                valued_on=i.valued_on,
                documents_held_at=i.documents_held_at,
                note=i.note,
            )
            for i in plan.investments
        ],
        why=why,
    )
    await planning.import_plans(
        session,
        actor,
        [_new_plan(ids[p.client_reference], p) for p in plan.plans],
        why=why,
    )
    if plan.invoices:
        suppliers = await ledger.counterparties_named(
            session, actor, [(i.supplier_kind, i.supplier) for i in plan.invoices], why=why
        )
        await invoices.import_invoices(
            session,
            actor,
            [
                invoices.ImportedInvoice(
                    invoices.NewInvoice(
                        ids[i.client_reference],
                        suppliers[(i.supplier_kind, i.supplier)].id,
                        i.draft,
                    ),
                    i.received_on,
                )
                for i in plan.invoices
            ],
            why=why,
        )
    created = {f: len(rows) for f, rows in plan.to_write().items()}
    created[ImportFile.CLIENTS] = len(plan.new_clients)
    files = request.files()
    counts = tuple(FileCount(f, created[f], plan.present[f]) for f in ImportFile if f in files)
    outcome = ImportOutcome(counts=counts, opening_total=plan.opening_total)
    if outcome.created == 0:
        return outcome  # everything was on the books already: a no-op, nothing to audit
    await audit.record(
        session,
        actor,
        ENTITY,
        f"{request.cut_over.isoformat()}:{digest(request.clients)[:16]}",
        "import",
        after=request.fingerprint()
        | {
            "created": {c.file.value: c.created for c in counts},
            "already_present": {c.file.value: c.already_present for c in counts},
            "opening_balances_posted": posted,
            "opening_total": format_money(plan.opening_total),
        },
        reason=why,
    )
    return outcome


def _remember(outcome: ImportOutcome) -> dict[str, Any]:
    return {
        "counts": [[c.file.value, c.created, c.already_present] for c in outcome.counts],
        "opening_total": outcome.opening_total,
    }


def _recalled(result: dict[str, Any]) -> ImportOutcome:
    counts = tuple(FileCount(ImportFile(f), int(c), int(p)) for f, c, p in result["counts"])
    return ImportOutcome(counts, int(result["opening_total"]), replayed=True)


async def import_caseload(
    session: AsyncSession,
    actor: Actor,
    request: ImportRequest,
    *,
    idempotency_key: str | None,
) -> ImportOutcome:
    """Import the caseload in one transaction (see the module): all of it or, with any bad row,
    none of it (ImportRefused naming every one). With an idempotency key a repeat replays the
    first answer; without one (the command line) the same files again find everything
    already present and write nothing."""
    today = clock.today()
    _check_request(request, today)

    async def work() -> ImportOutcome:
        await repository.lock(session)
        plan = await _plan(session, request, today)
        return await _write(session, actor, request, plan)

    if idempotency_key is None:
        async with unit_of_work(session):
            return await work()

    async def replay(result: dict[str, Any]) -> ImportOutcome:
        return _recalled(result)

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "importCaseload",
        request.fingerprint(),
        work,
        remember=_remember,
        replay=replay,
    )
