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

Each record is written through the module that owns it
(``clients.caseload_import.import_clients``, ``orders.service.import_orders``,
``ledger.opening_balances.post_opening_balances``, ``investments.service.import_investments``,
``invoices.recording.import_invoices``, ``planning.service.import_plans``), each with its audit
rows, and one audit row for the import itself (none when everything was already present: a
no-op).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.caseload_import import judging, repository
from ca_api.caseload_import.files import ImportFile, digest
from ca_api.caseload_import.plan import Plan, new_plan, references
from ca_api.caseload_import.request import FileCount, ImportOutcome, ImportRequest
from ca_api.clients import caseload_import as client_import
from ca_api.common import idempotency
from ca_api.common.rules import MAX_NAME
from ca_api.db import unit_of_work
from ca_api.errors import ValidationFailed
from ca_api.investments import service as investments
from ca_api.investments.service import NewInvestment
from ca_api.invoices import recording as invoices
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import opening_balances as ledger
from ca_api.money import format_money
from ca_api.orders import service as orders
from ca_api.planning import service as planning

ENTITY = "caseload_import"


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


async def _write(
    session: AsyncSession, actor: Actor, request: ImportRequest, plan: Plan
) -> ImportOutcome:
    why = f"caseload import at cut-over {request.cut_over.isoformat()}"
    made = await client_import.import_clients(
        session, actor, [(c.reference, c.details) for c in plan.new_clients], why=why
    )
    books = await client_import.by_references(session, sorted(references(plan.to_write())))
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
        [new_plan(ids[p.client_reference], p) for p in plan.plans],
        why=why,
    )
    if plan.invoices:
        suppliers = await ledger_counterparties.counterparties_named(
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
        plan = await judging.plan(session, request, today)
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
