"""Invoices recorded: one by one, date-stamped on receipt and given a due date (R-PAY-1,
R-PAY-2, R-PAY-4), or a caseload import's or an integration batch's lot at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.deaths import reads as deaths  # the confirmed date of death alone: no cycle
from ca_api.deaths import rules as death_rules
from ca_api.errors import ApiError, ErrorCode, MoneyProblem, ValidationFailed
from ca_api.invoices import repository, rules
from ca_api.invoices.events import append_event, client_and_counterparty
from ca_api.invoices.models import Invoice
from ca_api.invoices.reads import InvoiceView, read_invoice
from ca_api.invoices.rules import InvoiceDraft, InvoiceEventKind, InvoiceKind
from ca_api.ledger.rules import CounterpartyKind
from ca_api.policy import service as policy

# Policy figures (R-DATA): effective-dated rows, never literals. The days to pay an invoice
# are rules.due_figure(kind): invoice_payment_working_days (R-PAY-1) or
# council_invoice_payment_days (R-PAY-4).


class DuplicateInvoice(MoneyProblem):
    def __init__(self, existing: uuid.UUID, number: str) -> None:
        super().__init__(
            ErrorCode.DUPLICATE_INVOICE,
            f"invoice {number!r} from this supplier is recorded already (R-PAY-2)",
            existing_invoice_id=str(existing),
        )


# --- what the use cases return ------------------------------------------------------------


@dataclass(frozen=True)
class RecordedInvoice:
    invoice: InvoiceView
    warnings: list[str]
    replayed: bool = False


@dataclass(frozen=True)
class NewInvoice:
    client_id: uuid.UUID
    supplier_id: uuid.UUID
    draft: InvoiceDraft


async def _days_figure(session: AsyncSession, name: str, on: date) -> int:
    value = await policy.figure(session, name, on)
    if value != value.to_integral_value() or value < 0:
        raise ValidationFailed({name: f"the policy figure {value} is not a whole number of days"})
    return int(value)


async def _after_death_query(
    session: AsyncSession, client_id: uuid.UUID, invoice_date: date
) -> str | None:
    """The query's note when the invoice is dated after the client's confirmed death, else
    None. Takes the client's lock first, as ``query_dated_after_death`` is run under it by the
    death's confirmation, so an invoice recorded meanwhile is queried by one or the other."""
    await clients.lock_client(session, client_id)
    died_on = await deaths.confirmed_death_date(session, client_id)
    if died_on is None or death_rules.invoice_payable_after_death(invoice_date, died_on):
        return None
    return death_rules.after_death_query(invoice_date, died_on)


# --- invoices -----------------------------------------------------------------------------


def normalise(draft: InvoiceDraft) -> InvoiceDraft:
    return replace(
        draft,
        supplier_invoice_number=draft.supplier_invoice_number.strip(),
        description=draft.description.strip(),
        items=tuple(
            rules.Item(i.description.strip(), i.amount, i.evidence_seen) for i in draft.items
        ),
    )


def _invoice_payload(new: NewInvoice) -> dict[str, Any]:
    return {
        "client_id": str(new.client_id),
        "supplier_id": str(new.supplier_id),
    } | draft_payload(new.draft)


def draft_payload(d: InvoiceDraft) -> dict[str, Any]:
    """The draft as JSON, for an idempotency key's request hash (a batch's lines too)."""
    return {
        "supplier_invoice_number": d.supplier_invoice_number,
        "invoice_date": d.invoice_date.isoformat(),
        "amount": d.amount,
        "kind": d.kind.value,
        "category": d.category.value,
        "description": d.description,
        "period_start": d.period_start.isoformat() if d.period_start else None,
        "period_end": d.period_end.isoformat() if d.period_end else None,
        "items": [[i.description, i.amount, i.evidence_seen] for i in d.items],
        "official_invoice": d.official_invoice,
        "direct_debit": d.direct_debit,
    }


def _invoice_values(
    invoice_id: uuid.UUID, new: NewInvoice, received_on: date, due_on: date, actor: Actor
) -> dict[str, Any]:
    """The invoice's row: its draft (normalised), received and due on these days, its source
    the recorder's role."""
    d = new.draft
    return {
        "id": invoice_id,
        "client_id": new.client_id,
        "supplier_id": new.supplier_id,
        "supplier_invoice_number": d.supplier_invoice_number,
        "invoice_date": d.invoice_date,
        "amount": d.amount,
        "kind": d.kind.value,
        "category": d.category.value,
        "description": d.description,
        "period_start": d.period_start,
        "period_end": d.period_end,
        "received_on": received_on,
        "due_on": due_on,
        "official_invoice": d.official_invoice,
        "direct_debit": d.direct_debit,
        "source": rules.invoice_source(actor.principal.roles).value,
        "recorded_by": actor.principal.subject,
    }


async def record_invoice(
    session: AsyncSession, actor: Actor, new: NewInvoice, *, idempotency_key: str
) -> RecordedInvoice:
    """Record an invoice as received today (R-PAY-1), due 21 working days later, or 21 days for
    the council's care charges (R-PAY-4). The same supplier's invoice number twice is refused;
    the same supplier, amount and date is recorded with a warning (R-PAY-2)."""
    roles = actor.principal.roles
    if new.draft.kind not in rules.invoice_kinds_allowed(roles):
        message = f"this integration may not record {new.draft.kind.value} invoices"
        raise ApiError(ErrorCode.FORBIDDEN, message)
    new = NewInvoice(new.client_id, new.supplier_id, normalise(new.draft))
    d = new.draft

    async def work() -> RecordedInvoice:
        received_on = clock.today()  # the server's date stamp, never the caller's (R-PAY-1)
        supplier = await client_and_counterparty(session, new.client_id, new.supplier_id)
        query = await _after_death_query(session, new.client_id, d.invoice_date)
        problems = rules.validate_invoice(
            d, received_on=received_on, supplier_kind=CounterpartyKind(supplier.kind)
        )
        if problems:
            raise ValidationFailed(problems)
        existing = await repository.invoice_with_number(
            session, new.supplier_id, d.supplier_invoice_number
        )
        if existing is not None:
            raise DuplicateInvoice(existing, d.supplier_invoice_number)
        days = await _days_figure(session, rules.due_figure(d.kind), received_on)
        due_on = rules.due_date(d.kind, received_on, days)
        warnings = [
            f"invoice {other.supplier_invoice_number!r} from this supplier is for the same "
            f"amount on the same date (recorded {other.received_on.isoformat()}): check it is "
            "not a duplicate (R-PAY-2)"
            for other in await repository.invoices_like(
                session, new.supplier_id, d.amount, d.invoice_date
            )
        ]
        invoice_id = uuid.uuid4()
        values = _invoice_values(invoice_id, new, received_on, due_on, actor)
        try:
            async with session.begin_nested():
                await repository.insert_invoice(session, values)
        except IntegrityError as exc:
            if "uq_invoice_supplier_number" not in str(exc.orig):
                raise
            # A concurrent request recorded the same number first.
            winner = await repository.invoice_with_number(
                session, new.supplier_id, d.supplier_invoice_number
            )
            raise DuplicateInvoice(winner or invoice_id, d.supplier_invoice_number) from exc
        items = [
            {"description": i.description, "amount": i.amount, "evidence_seen": i.evidence_seen}
            for i in d.items
        ]
        await repository.insert_items(session, invoice_id, items)
        if query is not None:
            warnings.append(query)
        after = {k: v for k, v in values.items() if k not in ("id", "recorded_by")}
        after |= {"items": items, "warnings": warnings}
        await audit.record(
            session, actor, "invoice", invoice_id, "record", after=after, client_id=new.client_id
        )
        if query is not None:  # R-DEATH-2: queried at once, in the invoice's own transaction
            queried = InvoiceEventKind.QUERIED
            await append_event(session, actor, invoice_id, new.client_id, queried, query)
        return RecordedInvoice(await read_invoice(session, invoice_id), warnings)

    async def replay(result: dict[str, Any]) -> RecordedInvoice:
        view = await read_invoice(session, uuid.UUID(str(result["invoice_id"])))
        return RecordedInvoice(view, [str(w) for w in result["warnings"]], replayed=True)

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        "recordInvoice",
        _invoice_payload(new),
        work,
        remember=lambda r: {"invoice_id": str(r.invoice.invoice.id), "warnings": r.warnings},
        replay=replay,
    )


# --- A caseload import's open invoices (issue 12 item 5) --------------------------------------


@dataclass(frozen=True)
class ImportedInvoice:
    """An open invoice of a caseload import: received before the cut-over (``received_on``)."""

    new: NewInvoice
    received_on: date


def invoice_problems(
    draft: InvoiceDraft, *, received_on: date, supplier_kind: CounterpartyKind
) -> dict[str, str]:
    """What ``record_invoice`` would refuse in the invoice itself (R-PAY-1, R-PAY-2, R-PAY-5,
    R-PAY-6, R-OPG-1), by field."""
    return rules.validate_invoice(
        normalise(draft), received_on=received_on, supplier_kind=supplier_kind
    )


async def due_on(session: AsyncSession, kind: InvoiceKind, received_on: date) -> date:
    """When an invoice of ``kind`` received on ``received_on`` is due (R-PAY-1, R-PAY-4), by
    the policy figure in force that day (PolicyMissing if none)."""
    days = await _days_figure(session, rules.due_figure(kind), received_on)
    return rules.due_date(kind, received_on, days)


async def invoices_with_numbers(
    session: AsyncSession, keys: Sequence[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], Invoice]:
    """The invoices recorded with these (supplier, supplier's invoice number) (R-PAY-2)."""
    rows = await repository.invoices_with_numbers(session, keys)
    return {(r.supplier_id, r.supplier_invoice_number): r for r in rows}


async def numbers_recorded(
    session: AsyncSession, keys: Sequence[tuple[uuid.UUID, str]]
) -> set[tuple[uuid.UUID, str]]:
    """Which of these (supplier, supplier's invoice number) are recorded (R-PAY-2)."""
    return await repository.numbers_recorded(session, keys)


async def import_invoices(
    session: AsyncSession,
    actor: Actor,
    invoices: Sequence[ImportedInvoice],
    *,
    why: str,
    action: str = "import",
) -> list[uuid.UUID]:
    """Open invoices of a caseload import, or of an integration's batch (issue 17, ``action``
    "record"), in the caller's transaction: each judged first with ``invoice_problems`` and
    against the invoices recorded (one number per supplier, R-PAY-2), recorded as received on
    its own day and due by the figure in force then (R-PAY-1, R-PAY-4), with no checks yet
    (RECEIVED). One statement for the lot (and one for their items, R-PAY-5), an audit row
    each. The caller holds the clients' locks (``clients.lock_clients``)."""
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    due_days: dict[tuple[InvoiceKind, date], date] = {}
    for imported in invoices:
        new = replace(imported.new, draft=normalise(imported.new.draft))
        received = imported.received_on
        key = (new.draft.kind, received)
        if key not in due_days:  # one policy read per kind and day, not per invoice
            due_days[key] = await due_on(session, new.draft.kind, received)
        row = _invoice_values(uuid.uuid4(), new, received, due_days[key], actor)
        rows.append(row)
        items += [
            {
                "invoice_id": row["id"],
                "line": n,
                "description": i.description,
                "amount": i.amount,
                "evidence_seen": i.evidence_seen,
            }
            for n, i in enumerate(new.draft.items, start=1)
        ]
    await repository.insert_invoices(session, rows)
    await repository.insert_item_rows(session, items)
    await audit.record_many(
        session,
        actor,
        [
            audit.Change(
                entity_type="invoice",
                entity_id=r["id"],
                action=action,
                after={k: v for k, v in r.items() if k not in ("id", "recorded_by")},
                reason=why,
                client_id=r["client_id"],
            )
            for r in rows
        ],
    )
    # An invoice dated after a client's confirmed death is queried at once (R-DEATH-2, B 29.2);
    # the import holds the clients' locks (``clients.lock_clients``).
    died_on = await deaths.confirmed_death_dates(session, [r["client_id"] for r in rows])
    for r in rows:
        died = died_on.get(r["client_id"])
        if died is not None and not death_rules.invoice_payable_after_death(
            r["invoice_date"], died
        ):
            note = death_rules.after_death_query(r["invoice_date"], died)
            queried = InvoiceEventKind.QUERIED
            await append_event(session, actor, r["id"], r["client_id"], queried, note)
    return [r["id"] for r in rows]
