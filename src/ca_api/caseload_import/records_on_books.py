"""The orders, investments, invoices and budget plans of the files against those on the books:
the same record again is present, the same with other details a bad row (R-ORD, R-PAY-2).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from ca_api.caseload_import import file_records, rules
from ca_api.caseload_import.files import ImportFile
from ca_api.caseload_import.plan import Judging, new_plan, other_details
from ca_api.investments import rules as investment_rules
from ca_api.investments import service as investments
from ca_api.invoices import recording as invoices
from ca_api.ledger import counterparties as ledger
from ca_api.orders import service as orders
from ca_api.orders.rules import AppointeeshipDetails, DeputyshipDetails
from ca_api.planning import service as planning
from ca_api.policy.service import PolicyMissing

D = TypeVar("D", AppointeeshipDetails, DeputyshipDetails)


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


APPOINTEESHIPS = _OrderFile(
    ImportFile.APPOINTEESHIPS,
    orders.APPOINTEESHIP,
    "start_date",
    key=lambda d: d.start_date,
    what=lambda d: "the appointeeship from this date",
)
DEPUTYSHIPS = _OrderFile(
    ImportFile.DEPUTYSHIPS,
    orders.DEPUTYSHIP,
    "case_number",
    key=lambda d: d.case_number,
    what=lambda d: f"deputyship {d.case_number}",
    repeats="the client's case number",
)


async def plan_orders(
    j: Judging, of: _OrderFile[D], order_rows: Sequence[file_records.OrderRow[D]]
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
                other=other_details(of.what(o.details), same[0], o.details),
            )
            continue
        periods[o.client_reference].append(
            rules.Period(o.row, kind.start(o.details), o.details.end_date)
        )
        new.append(o)
    j.problems.add(rules.overlapping_orders(of.file, kind.entity, periods))
    return new


async def plan_investments(j: Judging, inv_rows: Sequence[file_records.InvestmentRow]) -> None:
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


async def plan_invoices(j: Judging, invoice_rows: Sequence[file_records.InvoiceRow]) -> None:
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


async def plan_budgets(j: Judging, plan_rows: Sequence[file_records.PlanRows]) -> None:
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
        lines = planning.normalised_plan(new_plan(cid, p)).lines
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
