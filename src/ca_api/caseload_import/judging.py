"""A caseload import judged before anything is written: every row of every file, then the whole
against the books (the clients new, present or likely on the books already, and locked), giving
the plan or ``ImportRefused`` naming every problem.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.caseload_import import file_records, rules
from ca_api.caseload_import.files import ImportFile, Row, read_rows
from ca_api.caseload_import.opening_balances import (
    check_statement,
    court_funds_of_deputies,
    plan_balances,
)
from ca_api.caseload_import.plan import Judging, Plan, new_plan, other_details, references
from ca_api.caseload_import.records_on_books import (
    APPOINTEESHIPS,
    DEPUTYSHIPS,
    plan_budgets,
    plan_investments,
    plan_invoices,
    plan_orders,
)
from ca_api.caseload_import.request import ImportRefused, ImportRequest
from ca_api.clients import caseload_import as client_import
from ca_api.clients import service as clients
from ca_api.invoices import recording as invoices
from ca_api.planning import service as planning
from ca_api.policy import amounts


async def plan(session: AsyncSession, request: ImportRequest, today: date) -> Plan:
    """Every row judged, then the whole against the books: the plan, or ImportRefused."""
    maximum, _ = await amounts.maximum_in_force(session, today)
    j = Judging(session)
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
                p, planning.plan_problems(new_plan(uuid.UUID(int=0), p))
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
    j.plan.appointeeships = await plan_orders(j, APPOINTEESHIPS, app_rows)
    j.plan.deputyships = await plan_orders(j, DEPUTYSHIPS, dep_rows)
    await plan_balances(j, request, acc_rows)
    # A client of a bad row of the deputyships file: that row is reported already.
    dep_file = {(r.text("client_reference") or "").upper() for r in parsed[ImportFile.DEPUTYSHIPS]}
    reported = dep_file - {d.client_reference.upper() for d in dep_rows}
    await court_funds_of_deputies(j, request.cut_over, acc_rows, dep_rows, reported)
    if request.accounts is not None:
        await check_statement(j, request, acc_rows)
    await plan_investments(j, inv_rows)
    await plan_budgets(j, plan_rows)
    await plan_invoices(j, invoice_rows)
    if problems:
        raise ImportRefused(problems.listed())
    return j.plan


async def _plan_clients(
    j: Judging,
    client_rows: Sequence[file_records.ClientRow],
    of_clients: Mapping[ImportFile, Sequence[file_records.OfClient]],
    in_file: set[str],
) -> None:
    """Each client new, already present (same details) or a bad row (other details, or likely
    one already on the books); each row of the other files naming a client known; the clients
    on the books locked, so that what is judged stays so until written."""
    referenced = {c.reference for c in client_rows} | references(of_clients)
    books = await client_import.by_references(j.session, sorted(referenced))
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
            other=other_details(f"client {c.reference}", known.details, c.details),
        )
    new_clients = j.plan.new_clients
    likely = await client_import.likely_duplicates(j.session, [c.details for c in new_clients])
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
