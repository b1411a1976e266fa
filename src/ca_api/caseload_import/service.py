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
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.caseload_import import repository, rules
from ca_api.caseload_import.rules import ImportFile, Problems, RowProblem
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.rules import MAX_NAME
from ca_api.db import unit_of_work
from ca_api.errors import BusinessProblem, ErrorCode, ValidationFailed
from ca_api.investments import rules as investment_rules
from ca_api.investments import service as investments
from ca_api.investments.service import NewInvestment
from ca_api.invoices import service as invoices
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
        given = {
            ImportFile.CLIENTS: self.clients,
            ImportFile.APPOINTEESHIPS: self.appointeeships,
            ImportFile.DEPUTYSHIPS: self.deputyships,
            ImportFile.ACCOUNTS: self.accounts,
            ImportFile.INVESTMENTS: self.investments,
            ImportFile.INVOICES: self.invoices,
            ImportFile.BUDGET_PLANS: self.budget_plans,
        }
        return {f: text for f, text in given.items() if text is not None}

    def fingerprint(self) -> dict[str, Any]:
        """What the idempotency key is bound to: the files' digests, not their contents."""
        return {
            "cut_over": self.cut_over.isoformat(),
            "counterparty": self.counterparty,
            "statement_balance": self.statement_balance,
            "files": {f.value: rules.digest(t) for f, t in self.files().items()},
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
        listed = self.problems[: rules.MAX_REPORTED]
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

    new_clients: list[rules.ClientRow] = field(default_factory=list)
    appointeeships: list[tuple[str, AppointeeshipDetails]] = field(default_factory=list)
    deputyships: list[tuple[str, DeputyshipDetails]] = field(default_factory=list)
    balances: list[rules.AccountRow] = field(default_factory=list)
    investments: list[rules.InvestmentRow] = field(default_factory=list)
    plans: list[rules.PlanRows] = field(default_factory=list)
    invoices: list[rules.InvoiceRow] = field(default_factory=list)
    present: dict[ImportFile, int] = field(default_factory=lambda: defaultdict(int))
    opening_total: Pence = 0


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


def _diff(old: Any, new: Any) -> str:
    before = asdict(old)
    return ", ".join(k for k, v in asdict(new).items() if before.get(k) != v)


def _same_as_books(
    file: ImportFile, row: int, column: str, what: str, old: Any, new: Any
) -> RowProblem | None:
    if old == new:
        return None
    return RowProblem(
        file.value,
        row,
        column,
        f"{what} is on the books already with other details ({_diff(old, new)}): change it "
        "there, not by an import",
    )


async def _plan(session: AsyncSession, request: ImportRequest, today: date) -> Plan:
    """Every row judged, then the whole against the books: the plan, or ImportRefused."""
    maximum, _ = await amounts.maximum_in_force(session, today)
    problems = Problems()
    parsed: dict[ImportFile, list[rules.Row]] = {}
    for file, text in request.files().items():
        rows, found = rules.read_rows(file, text)
        parsed[file] = rows
        problems.add(found)
    client_rows, found = rules.parse_clients(parsed.get(ImportFile.CLIENTS, []), today)
    problems.add(found)
    app_rows, found = rules.parse_appointeeships(parsed.get(ImportFile.APPOINTEESHIPS, []), today)
    problems.add(found)
    dep_rows, found = rules.parse_deputyships(
        parsed.get(ImportFile.DEPUTYSHIPS, []), today, maximum
    )
    problems.add(found)
    acc_rows, found = rules.parse_accounts(parsed.get(ImportFile.ACCOUNTS, []), maximum)
    problems.add(found)
    inv_rows, found = rules.parse_investments(
        parsed.get(ImportFile.INVESTMENTS, []), today, maximum
    )
    problems.add(found)
    invoice_rows, found = rules.parse_invoices(
        parsed.get(ImportFile.INVOICES, []), request.cut_over, maximum
    )
    problems.add(found)
    for i in invoice_rows:
        judged = invoices.invoice_problems(
            i.draft, received_on=i.received_on, supplier_kind=i.supplier_kind
        )
        problems.add(rules.invoice_problems(i, judged))
    plan_lines, found = rules.parse_plan_lines(parsed.get(ImportFile.BUDGET_PLANS, []), maximum)
    problems.add(found)
    plan_rows, found = rules.group_plans(plan_lines)
    problems.add(found)
    for p in plan_rows:
        problems.add(
            rules.plan_line_problems(p, planning.plan_problems(_new_plan(uuid.UUID(int=0), p)))
        )
    problems.add(rules.client_duplicates(client_rows))
    problems.add(
        rules.duplicates(
            ImportFile.CLIENTS,
            "reference",
            (
                (r.number, (r.text("reference") or "").upper())
                for r in parsed.get(ImportFile.CLIENTS, [])
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

    plan = Plan()
    # Clients: new, already present (same details), or a bad row (other details).
    referenced = (
        {c.reference for c in client_rows}
        | {a.client_reference for a in app_rows}
        | {d.client_reference for d in dep_rows}
        | {a.client_reference for a in acc_rows}
        | {i.client_reference for i in inv_rows}
        | {p.client_reference for p in plan_rows}
        | {i.client_reference for i in invoice_rows}
    )
    books = await clients.by_references(session, sorted(referenced))
    for c in client_rows:
        known = books.get(c.reference)
        if known is None:
            plan.new_clients.append(c)
            continue
        clash = _same_as_books(
            ImportFile.CLIENTS,
            c.row,
            "reference",
            f"client {c.reference}",
            known.details,
            c.details,
        )
        if clash is not None:
            problems.add([clash])
        else:
            plan.present[ImportFile.CLIENTS] += 1
    new_refs = {c.reference for c in plan.new_clients}
    likely = await clients.likely_duplicates(session, [c.details for c in plan.new_clients])
    for c, matches in zip(plan.new_clients, likely, strict=True):
        for known, how in matches:
            words = " and ".join(m.value.replace("_", " ").lower() for m in how)
            problems.add(
                [
                    RowProblem(
                        ImportFile.CLIENTS.value,
                        c.row,
                        "ni_number" if "NI_NUMBER" in how else "given_name",
                        f"is likely client {known.reference} already on the books (the same "
                        f"{words})",
                    )
                ]
            )
    # A client of a bad row of the clients file is not unknown: that row is reported already.
    in_file = {(r.text("reference") or "").upper() for r in parsed.get(ImportFile.CLIENTS, [])}
    known_refs = in_file | new_refs | set(books)
    for file, refs in (
        (ImportFile.APPOINTEESHIPS, [(a.row, a.client_reference) for a in app_rows]),
        (ImportFile.DEPUTYSHIPS, [(d.row, d.client_reference) for d in dep_rows]),
        (ImportFile.ACCOUNTS, [(a.row, a.client_reference) for a in acc_rows]),
        (ImportFile.INVESTMENTS, [(i.row, i.client_reference) for i in inv_rows]),
        (ImportFile.BUDGET_PLANS, [(p.row, p.client_reference) for p in plan_rows]),
        (ImportFile.INVOICES, [(i.row, i.client_reference) for i in invoice_rows]),
    ):
        problems.add(rules.unknown_clients(file, refs, known_refs))
    on_books = {ref: k.id for ref, k in books.items()}
    ids = sorted(on_books.values())
    await clients.lock_clients(session, ids)  # what is judged stays so until written

    # Orders: one of a kind in force at a time (R-ORD); the same order again is present.
    await _plan_orders(session, plan, problems, app_rows, dep_rows, on_books, ids)
    # Opening balances: one per account; the same again is present.
    opened = await ledger.opening_balances(session, ids)
    kept = {
        (a.client_id, a.kind): (a.posted, a.held)
        for a in await ledger.accounts_of_clients(session, ids)
    }
    have = set(kept)
    for a in acc_rows:
        plan.opening_total += a.opening_balance
        cid = on_books.get(a.client_reference)
        before = opened.get((cid, a.kind)) if cid is not None else None
        if before is None and a.opening_balance == 0 and (cid, a.kind.value) in have:
            plan.present[ImportFile.ACCOUNTS] += 1  # a zero balance: the account is open
        elif before is None and kept.get((cid, a.kind.value), (0, 0)) != (0, 0):
            # An account the service already keeps money in has no opening balance to bring:
            # it would be money the bank never had (R-ACC-2, R-ACC-7).
            posted, held = kept[(cid, a.kind.value)]
            problems.add(
                [
                    RowProblem(
                        ImportFile.ACCOUNTS.value,
                        a.row,
                        "opening_balance",
                        f"the account is kept on the books already (balance "
                        f"{format_money(posted)}, held {format_money(held)}): an opening "
                        "balance is brought only into an account the service has not kept yet",
                    )
                ]
            )
        elif before is None:
            plan.balances.append(a)
        elif before == ledger.OpeningBalance(a.opening_balance, request.cut_over):
            plan.present[ImportFile.ACCOUNTS] += 1
        else:
            problems.add(
                [
                    RowProblem(
                        ImportFile.ACCOUNTS.value,
                        a.row,
                        "opening_balance",
                        f"the account has an opening balance of {format_money(before.amount)} "
                        f"at {before.value_date.isoformat()} already",
                    )
                ]
            )
    # A client of a bad row of the deputyships file: that row is reported already.
    dep_file = {
        (r.text("client_reference") or "").upper() for r in parsed.get(ImportFile.DEPUTYSHIPS, [])
    }
    reported = dep_file - {d.client_reference.upper() for d in dep_rows}
    await _court_funds_of_deputies(
        session, request.cut_over, problems, acc_rows, dep_rows, on_books, reported
    )
    if request.accounts is not None:
        await _check_statement(session, request, acc_rows, problems)
    await _plan_investments(session, plan, problems, inv_rows, on_books, ids)
    await _plan_budgets(session, plan, problems, plan_rows, on_books, ids)
    await _plan_invoices(session, plan, problems, invoice_rows, on_books)
    if problems:
        raise ImportRefused(problems.listed())
    return plan


async def _court_funds_of_deputies(
    session: AsyncSession,
    cut_over: date,
    problems: Problems,
    acc_rows: Sequence[rules.AccountRow],
    dep_rows: Sequence[rules.DeputyshipRow],
    on_books: Mapping[str, uuid.UUID],
    reported: set[str],
) -> None:
    """Money with the Court Funds Office is a deputy's (R-INV-2, seed 002 B 20: only a deputy
    lodges, as proposeLodgement judges): a COURT_FUNDS balance is brought in only for a client
    with a deputy order made by the cut-over, in the deputyships file or on the books."""
    court = [a for a in acc_rows if a.kind is AccountKind.CLIENT_COURT_FUNDS]
    if not court:
        return
    deputies = {d.client_reference for d in dep_rows if d.details.order_date <= cut_over}
    ids = [on_books[a.client_reference] for a in court if a.client_reference in on_books]
    for cid, records in (await orders.DEPUTYSHIP.by_client(session, ids)).items():
        if any(r.details.order_date <= cut_over for r in records):
            deputies |= {ref for ref, i in on_books.items() if i == cid}
    problems.add(
        [
            RowProblem(
                ImportFile.ACCOUNTS.value,
                a.row,
                "account",
                "money with the Court Funds Office is a deputy's (R-INV-2): the client has no "
                f"deputy order made by {cut_over.isoformat()} in the deputyships file or on the "
                "books",
            )
            for a in court
            if a.client_reference not in deputies and a.client_reference.upper() not in reported
        ]
    )


async def _check_statement(
    session: AsyncSession,
    request: ImportRequest,
    acc_rows: Sequence[rules.AccountRow],
    problems: Problems,
) -> None:
    """The CMS opening balances together against the bank's balance at the end of the
    cut-over date (R-ACC-1, R-ACC-7): the one given, else that of a bank statement imported
    whose period ends on the cut-over date; with neither, nothing to check against."""
    statement, source = request.statement_balance, "the statement balance given"
    if statement is None:
        statement = await reconciliation.closing_balance_on(session, request.cut_over)
        source = "the bank statement imported for the period ending on the cut-over date"
    if statement is None:
        return
    cms = sum(a.opening_balance for a in acc_rows if a.kind is AccountKind.CLIENT_CMS)
    unbalanced = rules.balance_problem(cms, statement, source)
    if unbalanced is not None:
        problems.add(
            [RowProblem(ImportFile.ACCOUNTS.value, rules.WHOLE, "opening_balance", unbalanced)]
        )


def _of(
    found: Mapping[uuid.UUID, list[orders.OrderRecord[Any]]],
    on_books: Mapping[str, uuid.UUID],
    reference: str,
) -> list[orders.OrderRecord[Any]]:
    """The orders on the books of the client with this reference (none for a new client)."""
    cid = on_books.get(reference)
    return found.get(cid, []) if cid is not None else []


async def _plan_orders(
    session: AsyncSession,
    plan: Plan,
    problems: Problems,
    app_rows: Sequence[rules.AppointeeshipRow],
    dep_rows: Sequence[rules.DeputyshipRow],
    on_books: Mapping[str, uuid.UUID],
    ids: Sequence[uuid.UUID],
) -> None:
    by_id = {v: k for k, v in on_books.items()}
    existing_apps = await orders.APPOINTEESHIP.by_client(session, ids)
    existing_deps = await orders.DEPUTYSHIP.by_client(session, ids)

    app_periods: dict[str, list[rules.Period[AppointeeshipDetails]]] = defaultdict(list)
    for cid, records in existing_apps.items():
        for r in records:
            d = r.details
            app_periods[by_id[cid]].append(rules.Period(0, d.start_date, d.end_date))
    for a in app_rows:
        same = [
            r.details
            for r in _of(existing_apps, on_books, a.client_reference)
            if r.details.start_date == a.details.start_date
        ]
        if same:
            clash = _same_as_books(
                ImportFile.APPOINTEESHIPS,
                a.row,
                "start_date",
                "the appointeeship from this date",
                same[0],
                a.details,
            )
            if clash is not None:
                problems.add([clash])
            else:
                plan.present[ImportFile.APPOINTEESHIPS] += 1
            continue
        app_periods[a.client_reference].append(
            rules.Period(a.row, a.details.start_date, a.details.end_date)
        )
        plan.appointeeships.append((a.client_reference, a.details))
    problems.add(rules.overlapping_orders(ImportFile.APPOINTEESHIPS, "appointeeship", app_periods))

    dep_periods: dict[str, list[rules.Period[DeputyshipDetails]]] = defaultdict(list)
    for cid, deps in existing_deps.items():
        for dr in deps:
            dd = dr.details
            dep_periods[by_id[cid]].append(rules.Period(0, dd.order_date, dd.end_date))
    problems.add(
        rules.duplicates(
            ImportFile.DEPUTYSHIPS,
            "case_number",
            ((d.row, (d.client_reference, d.details.case_number)) for d in dep_rows),
            "the client's case number",
        )
    )
    for dep in dep_rows:
        same_case = [
            r.details
            for r in _of(existing_deps, on_books, dep.client_reference)
            if r.details.case_number == dep.details.case_number
        ]
        if same_case:
            clash = _same_as_books(
                ImportFile.DEPUTYSHIPS,
                dep.row,
                "case_number",
                f"deputyship {dep.details.case_number}",
                same_case[0],
                dep.details,
            )
            if clash is not None:
                problems.add([clash])
            else:
                plan.present[ImportFile.DEPUTYSHIPS] += 1
            continue
        dep_periods[dep.client_reference].append(
            rules.Period(dep.row, dep.details.order_date, dep.details.end_date)
        )
        plan.deputyships.append((dep.client_reference, dep.details))
    problems.add(rules.overlapping_orders(ImportFile.DEPUTYSHIPS, "deputyship", dep_periods))


async def _plan_investments(
    session: AsyncSession,
    plan: Plan,
    problems: Problems,
    inv_rows: Sequence[rules.InvestmentRow],
    on_books: Mapping[str, uuid.UUID],
    ids: Sequence[uuid.UUID],
) -> None:
    """An investment is known by its client, kind and holder: the same one again (same units,
    valuation and documents) is present; the same with other figures is a revaluation, which
    is recorded through recordExistingInvestment, not an import."""
    problems.add(
        rules.duplicates(
            ImportFile.INVESTMENTS,
            "holder",
            ((i.row, (i.client_reference, i.kind, i.holder)) for i in inv_rows),
            "the client's investment of this kind with this holder",
        )
    )
    current = await investments.current_investments_of_clients(session, ids)
    held: dict[tuple[uuid.UUID, str, str], Any] = {
        (r.client_id, r.kind, r.holder): r for r in current
    }
    for i in inv_rows:
        cid = on_books.get(i.client_reference)
        row = held.get((cid, i.kind.value, i.holder)) if cid is not None else None
        if row is None:
            plan.investments.append(i)
            continue
        units = investment_rules.parse_units(i.units) if i.units is not None else None
        same = (
            row.units == units
            and row.valuation == i.valuation
            and row.valued_on == i.valued_on
            and row.documents_held_at == i.documents_held_at
        )
        if same:
            plan.present[ImportFile.INVESTMENTS] += 1
        else:
            problems.add(
                [
                    RowProblem(
                        ImportFile.INVESTMENTS.value,
                        i.row,
                        "holder",
                        "the client's investment with this holder is on the books already with "
                        "other figures: record a revaluation instead",
                    )
                ]
            )


async def _plan_invoices(
    session: AsyncSession,
    plan: Plan,
    problems: Problems,
    invoice_rows: Sequence[rules.InvoiceRow],
    on_books: Mapping[str, uuid.UUID],
) -> None:
    """An invoice is known by its supplier and the supplier's number (R-PAY-2): the same one
    again (same client, date and amount) is present; another with that number is a bad row.
    Each is due by the policy figure in force the day it was received (R-PAY-1, R-PAY-4)."""
    name = ImportFile.INVOICES.value
    problems.add(
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
            await invoices.due_on(session, kind, received)
        except PolicyMissing as exc:
            problems.add(
                [
                    RowProblem(name, i.row, "received_on", exc.message)
                    for i in invoice_rows
                    if (i.draft.kind, i.received_on) == (kind, received)
                ]
            )
    suppliers = await ledger.find_counterparties(
        session, [(i.supplier_kind, i.supplier) for i in invoice_rows]
    )
    keys = [
        (suppliers[(i.supplier_kind, i.supplier)].id, i.draft.supplier_invoice_number)
        for i in invoice_rows
        if (i.supplier_kind, i.supplier) in suppliers
    ]
    recorded = await invoices.invoices_with_numbers(session, keys)
    for i in invoice_rows:
        supplier = suppliers.get((i.supplier_kind, i.supplier))
        found = recorded.get((supplier.id, i.draft.supplier_invoice_number)) if supplier else None
        if found is None:
            plan.invoices.append(i)
            continue
        d = i.draft
        same = (
            found.client_id == on_books.get(i.client_reference)
            and found.amount == d.amount
            and found.invoice_date == d.invoice_date
        )
        if same:
            plan.present[ImportFile.INVOICES] += 1
        else:
            problems.add(
                [
                    RowProblem(
                        name,
                        i.row,
                        "supplier_invoice_number",
                        f"invoice {d.supplier_invoice_number!r} from this supplier is recorded "
                        "already, for another client, date or amount (R-PAY-2)",
                    )
                ]
            )


def _new_plan(client_id: uuid.UUID, p: rules.PlanRows) -> planning.NewPlan:
    return planning.NewPlan(
        client_id=client_id,
        plan_year_start=p.plan_year_start,
        opening_balance=p.opening_balance,
        lines=[ln.line for ln in p.lines],
    )


async def _plan_budgets(
    session: AsyncSession,
    plan: Plan,
    problems: Problems,
    plan_rows: Sequence[rules.PlanRows],
    on_books: Mapping[str, uuid.UUID],
    ids: Sequence[uuid.UUID],
) -> None:
    """A plan is known by its client and year start: the same plan again (the same opening
    balance and lines) is present; other figures are a revision, recorded through
    recordBudgetPlan, not an import."""
    held: dict[tuple[uuid.UUID, date], list[planning.PlanView]] = defaultdict(list)
    for view in await planning.plans_of_clients(session, ids):
        held[(view.plan.client_id, view.plan.plan_year_start)].append(view)
    for p in plan_rows:
        cid = on_books.get(p.client_reference)
        views = held.get((cid, p.plan_year_start), []) if cid is not None else []
        if not views:
            plan.plans.append(p)
            continue
        assert cid is not None
        lines = planning.normalised_plan(_new_plan(cid, p)).lines
        same = any(
            v.plan.opening_balance == p.opening_balance and [ln for _, ln in v.lines] == lines
            for v in views
        )
        if same:
            plan.present[ImportFile.BUDGET_PLANS] += 1
        else:
            problems.add(
                [
                    RowProblem(
                        ImportFile.BUDGET_PLANS.value,
                        p.row,
                        "plan_year_start",
                        "the client has a plan for this year on the books already with other "
                        "figures: revise it with recordBudgetPlan, not by an import",
                    )
                ]
            )


# --- writing ------------------------------------------------------------------------------------


async def _write(
    session: AsyncSession, actor: Actor, request: ImportRequest, plan: Plan
) -> ImportOutcome:
    why = f"caseload import at cut-over {request.cut_over.isoformat()}"
    made = await clients.import_clients(
        session, actor, [(c.reference, c.details) for c in plan.new_clients], why=why
    )
    books = await clients.by_references(
        session,
        sorted(
            {r for r, _ in plan.appointeeships}
            | {r for r, _ in plan.deputyships}
            | {a.client_reference for a in plan.balances}
            | {i.client_reference for i in plan.investments}
            | {p.client_reference for p in plan.plans}
            | {i.client_reference for i in plan.invoices}
        ),
    )
    ids = {ref: k.id for ref, k in books.items()} | made
    await orders.import_orders(
        session,
        actor,
        orders.APPOINTEESHIP,
        [(ids[r], d) for r, d in plan.appointeeships],
        why=why,
    )
    await orders.import_orders(
        session, actor, orders.DEPUTYSHIP, [(ids[r], d) for r, d in plan.deputyships], why=why
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
    created = {
        ImportFile.CLIENTS: len(plan.new_clients),
        ImportFile.APPOINTEESHIPS: len(plan.appointeeships),
        ImportFile.DEPUTYSHIPS: len(plan.deputyships),
        ImportFile.ACCOUNTS: len(plan.balances),
        ImportFile.INVESTMENTS: len(plan.investments),
        ImportFile.BUDGET_PLANS: len(plan.plans),
        ImportFile.INVOICES: len(plan.invoices),
    }
    files = request.files()
    counts = tuple(FileCount(f, created[f], plan.present[f]) for f in ImportFile if f in files)
    outcome = ImportOutcome(counts=counts, opening_total=plan.opening_total)
    if outcome.created == 0:
        return outcome  # everything was on the books already: a no-op, nothing to audit
    await audit.record(
        session,
        actor,
        ENTITY,
        f"{request.cut_over.isoformat()}:{rules.digest(request.clients)[:16]}",
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
