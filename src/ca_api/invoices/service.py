"""Use cases for invoices: each is one transaction with its audit rows (R-AUD-1).

Invoices are date-stamped on receipt and given a due date (R-PAY-1, R-PAY-4), checked
(R-PAY-2), queried or cancelled (R-PAY-7), and marked FUNDS_SHORT when an approval of their
payment finds the client short (R-PAY-3). ``payments.service`` pays them, asking this module
whether an invoice is ready to pay. What is only read (the view, pages, loaders) is in
``invoices.reads``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.db import unit_of_work
from ca_api.deaths import repository as deaths  # the confirmed date of death alone: no cycle
from ca_api.deaths import rules as death_rules
from ca_api.errors import (
    ApiError,
    ErrorCode,
    InvalidState,
    MoneyProblem,
    RecordNotFound,
    ValidationFailed,
    existing,
)
from ca_api.invoices import reads, repository, rules
from ca_api.invoices.models import Invoice
from ca_api.invoices.reads import InvoiceView as InvoiceView
from ca_api.invoices.reads import read_invoice
from ca_api.invoices.rules import (
    HoldCause,
    InvoiceCheckName,
    InvoiceDraft,
    InvoiceEventKind,
    InvoiceKind,
    InvoiceStatus,
)
from ca_api.ledger.models import Counterparty
from ca_api.ledger.rules import CounterpartyKind
from ca_api.money import Pence
from ca_api.outbox import events
from ca_api.outbox import rules as outbox_rules
from ca_api.outbox.rules import Topic
from ca_api.policy import service as policy

# Policy figures (R-DATA): effective-dated rows, never literals. The days to pay an invoice
# are rules.due_figure(kind): invoice_payment_working_days (R-PAY-1) or
# council_invoice_payment_days (R-PAY-4).
EVIDENCE_THRESHOLD_FIGURE = "reimbursement_evidence_threshold"  # R-PAY-5


# --- business failures --------------------------------------------------------------------


# A record named by its GraphQL type: its NotFoundProblem carries the opaque id.
Missing = RecordNotFound.of


class DuplicateInvoice(MoneyProblem):
    def __init__(self, existing: uuid.UUID, number: str) -> None:
        super().__init__(
            ErrorCode.DUPLICATE_INVOICE,
            f"invoice {number!r} from this supplier is recorded already (R-PAY-2)",
            existing_invoice_id=str(existing),
        )


class ChecksIncomplete(MoneyProblem):
    def __init__(self, missing: Sequence[InvoiceCheckName]) -> None:
        names = ", ".join(m.value for m in missing)
        super().__init__(
            ErrorCode.CHECKS_INCOMPLETE,
            f"the invoice must pass every check before payment (R-PAY-2); missing or failed: "
            f"{names}",
            missing=[m.value for m in missing],
        )


class InvoiceOnHold(MoneyProblem):
    """The invoice is on hold (R-REF-7, seed 002 B 4.5): no money moves for it until an officer
    releases the hold. An InvalidStateProblem with the code INVOICE_ON_HOLD."""

    def __init__(self, since: date, reason: str) -> None:
        super().__init__(
            ErrorCode.INVOICE_ON_HOLD,
            f"the invoice is on hold since {since.isoformat()} ({reason}): it is not paid "
            "until an officer releases the hold (R-REF-7)",
            held_since=since.isoformat(),
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


async def _pence_figure(session: AsyncSession, name: str, on: date) -> Pence:
    value: Decimal = await policy.figure(session, name, on)
    return int(value)


# --- what payments ask of an invoice ------------------------------------------------------


async def client_and_counterparty(
    session: AsyncSession, client_id: uuid.UUID, counterparty_id: uuid.UUID
) -> Counterparty:
    """The counterparty, once the client and it are known to exist (each a NotFound)."""
    if not await clients.exists(session, client_id):
        raise Missing("Client", client_id)
    return existing(
        await repository.get_counterparty(session, counterparty_id), "Counterparty", counterparty_id
    )


async def locked(session: AsyncSession, invoice_id: uuid.UUID) -> tuple[Invoice, InvoiceStatus]:
    """The invoice, locked FOR UPDATE (its checks, events and payments are decided one at a
    time), and its status."""
    invoice = existing(await repository.lock_invoice(session, invoice_id), "Invoice", invoice_id)
    return invoice, await repository.invoice_status(session, invoice_id)


async def recorded_by(session: AsyncSession, invoice_id: uuid.UUID) -> str | None:
    """Who recorded the invoice: an author of any payment of it (R-ROLE-2)."""
    return await repository.invoice_recorded_by(session, invoice_id)


async def mark_funds_short(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, client_id: uuid.UUID, message: str
) -> None:
    """An approval of the invoice's payment found the client short (R-PAY-3): FUNDS_SHORT, so
    the sender is contacted. In the caller's transaction."""
    funds_short = InvoiceEventKind.FUNDS_SHORT
    await _append_event(session, actor, invoice_id, client_id, funds_short, message)


async def _append_event(
    session: AsyncSession,
    actor: Actor,
    invoice_id: uuid.UUID,
    client_id: uuid.UUID,
    event: InvoiceEventKind,
    note: str,
    *,
    before: dict[str, Any] | None = None,
) -> None:
    """An event of the invoice and its audit row, whose action is the event's name."""
    event_id = await repository.insert_invoice_event(
        session,
        {
            "invoice_id": invoice_id,
            "event": event.value,
            "note": note,
            "recorded_by": actor.principal.subject,
        },
    )
    await audit.record(
        session,
        actor,
        "invoice",
        invoice_id,
        event.value.lower(),
        before=before,
        after={"event": event.value, "event_id": event_id},
        reason=note,
        client_id=client_id,
    )


# --- after a client's death (R-DEATH-2, seed 002 B 29.2) --------------------------------------


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


async def query_dated_after_death(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, died_on: date
) -> list[uuid.UUID]:
    """In the caller's transaction (the confirmation of the client's death, which holds the
    client's lock): the QUERIED event (R-PAY-7), with its audit row, of each of the client's
    invoices dated after the death and not queried already nor cancelled (R-DEATH-2, B 29.2:
    not the client's debt). A paid one is queried too: it was paid for a day after the death.
    The ids of the invoices queried."""
    queried = []
    for row in await repository.dated_after(session, client_id, died_on):
        _, status = await locked(session, row.id)
        if status is InvoiceStatus.CANCELLED:
            continue
        note = death_rules.after_death_query(row.invoice_date, died_on)
        event = InvoiceEventKind.QUERIED
        before = {"status": status.value}
        await _append_event(session, actor, row.id, client_id, event, note, before=before)
        queried.append(row.id)
    return queried


async def after_death_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[InvoiceView]]:
    """Each client's invoices dated after their confirmed death and neither paid nor cancelled
    (queried by the service, R-DEATH-2), oldest first: what is outstanding of them while the
    client is wound up (issue 13 item 6). A client whose death is not confirmed has none."""
    died_on = await deaths.confirmed_death_dates(session, client_ids)
    ids = await repository.outstanding_dated_after(session, died_on)
    views = await reads.invoices_by_id(session, ids)
    out: dict[uuid.UUID, list[InvoiceView]] = {}
    for invoice_id in ids:
        view = views[invoice_id]
        out.setdefault(view.invoice.client_id, []).append(view)
    return out


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
            await _append_event(session, actor, invoice_id, new.client_id, queried, query)
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


# Once a payment is approved the checks are settled; a cancelled invoice takes no more.
CHECKS_CLOSED = frozenset({InvoiceStatus.APPROVED, InvoiceStatus.PAID, InvoiceStatus.CANCELLED})


def _note(note: str, *, required: str) -> str:
    text = note.strip()
    if not text:
        raise ValidationFailed({"note": required})
    if len(text) > rules.MAX_NOTE:
        raise ValidationFailed({"note": f"is longer than {rules.MAX_NOTE} characters"})
    return text


async def record_check(
    session: AsyncSession,
    actor: Actor,
    invoice_id: uuid.UUID,
    check: InvoiceCheckName,
    *,
    passed: bool,
    note: str | None,
) -> InvoiceView:
    """Record one of the R-PAY-2 checks, with who and when; append-only, the latest counts."""
    entry = rules.tidy_check(rules.CheckEntry(check, passed, note))
    if (problem := rules.check_problem(entry)) is not None:
        raise ValidationFailed({"note": problem})
    return await _record_checks(session, actor, invoice_id, [entry])


async def record_checks(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, checks: Sequence[rules.CheckEntry]
) -> InvoiceView:
    """Record several R-PAY-2 checks in one transaction, all or nothing: each is its own record
    with who and when, exactly as ``record_check`` writes it (issue 9 item 11)."""
    entries = [rules.tidy_check(c) for c in checks]
    problems = rules.checks_problems(entries)
    if problems:
        raise ValidationFailed(problems)
    return await _record_checks(session, actor, invoice_id, entries)


async def _record_checks(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, entries: Sequence[rules.CheckEntry]
) -> InvoiceView:
    async with unit_of_work(session):
        invoice, status = await locked(session, invoice_id)
        if status in CHECKS_CLOSED:
            raise InvalidState(
                f"the invoice is {status.value}: its checks can no longer change",
                status=status.value,
            )
        client_id = invoice.client_id
        for entry in entries:
            check_id = await repository.insert_check(
                session,
                {
                    "invoice_id": invoice_id,
                    "check_name": entry.check.value,
                    "passed": entry.passed,
                    "note": entry.note,
                    "checked_by": actor.principal.subject,
                },
            )
            after = {
                "check": entry.check.value,
                "passed": entry.passed,
                "note": entry.note,
                "check_id": check_id,
            }
            await audit.record(
                session, actor, "invoice", invoice_id, "check", after=after, client_id=client_id
            )
        return await read_invoice(session, invoice_id)


async def record_invoice_event(
    session: AsyncSession,
    actor: Actor,
    invoice_id: uuid.UUID,
    event: InvoiceEventKind,
    note: str,
) -> InvoiceView:
    """An officer records that the sender was contacted (R-PAY-3), a query (R-PAY-7), or
    cancels an invoice that has no payment in progress."""
    if event not in rules.OFFICER_INVOICE_EVENTS:
        raise ValidationFailed({"event": f"{event.value} is recorded by the service only"})
    text = _note(note, required="is required: say what happened")
    async with unit_of_work(session):
        invoice, status = await locked(session, invoice_id)
        if status is InvoiceStatus.CANCELLED:
            raise InvalidState("the invoice is cancelled", status=status.value)
        if event is InvoiceEventKind.CANCELLED and status not in (
            InvoiceStatus.RECEIVED,
            InvoiceStatus.CHECKED,
        ):
            raise InvalidState(
                f"the invoice is {status.value}: cancel its payment first"
                if status is not InvoiceStatus.PAID
                else "the invoice is paid: it cannot be cancelled",
                status=status.value,
            )
        before = {"status": status.value}
        await _append_event(
            session, actor, invoice_id, invoice.client_id, event, text, before=before
        )
        return await read_invoice(session, invoice_id)


async def _items(session: AsyncSession, invoice_id: uuid.UUID) -> list[rules.Item]:
    rows = await repository.items_of(session, [invoice_id])
    return [rules.Item(r.description, r.amount, r.evidence_seen) for r in rows]


async def ready_to_pay(session: AsyncSession, invoice: Invoice) -> None:
    """Not on hold (R-REF-7); R-PAY-2: every check recorded and passed; R-PAY-5: a
    reimbursement is against an official invoice, with the evidence seen for every item over
    the threshold."""
    await refuse_if_held(session, invoice.id)
    missing = rules.missing_checks(await repository.latest_checks(session, invoice.id))
    if missing:
        raise ChecksIncomplete(missing)
    if invoice.kind == InvoiceKind.CARE_PROVIDER_REIMBURSEMENT:
        threshold = await _pence_figure(session, EVIDENCE_THRESHOLD_FIGURE, invoice.received_on)
        problems = rules.reimbursement_problems(
            invoice.official_invoice, await _items(session, invoice.id), threshold
        )
        if problems:
            raise ValidationFailed(problems)


# --- holds (R-REF-7, seed 002 B 4.5) ------------------------------------------------------


async def refuse_if_held(session: AsyncSession, invoice_id: uuid.UUID) -> None:
    """No money moves for an invoice on hold (R-REF-7): every door of a payment of an invoice
    (raising, approving, making it) asks this, the invoice locked."""
    hold = await repository.current_hold(session, invoice_id)
    if hold is not None:
        raise InvoiceOnHold(hold.recorded_at.astimezone(clock.LONDON).date(), hold.reason)


async def refuse_if_charges_held(
    session: AsyncSession, client_id: uuid.UUID, payee_id: uuid.UUID, category: str
) -> None:
    """No money goes to a supplier by a standing payment of the category of one of the
    client's invoices from it on hold (R-REF-7, seed 002 B 4.5: 'blocked pending payment'):
    paying the council's care charges by another door would pay what the hold stops."""
    hold = await repository.current_hold_from(session, client_id, payee_id, category)
    if hold is not None:
        raise InvoiceOnHold(hold.recorded_at.astimezone(clock.LONDON).date(), hold.reason)


async def _hold(
    session: AsyncSession,
    actor: Actor,
    invoice: Invoice,
    cause: HoldCause,
    reason: str,
) -> uuid.UUID:
    """The hold row; the audit row is the caller's (one entry per change, R-AUD-1)."""
    hold_id = uuid.uuid4()
    values = {
        "id": hold_id,
        "invoice_id": invoice.id,
        "cause": cause.value,
        "reason": reason,
        "recorded_by": actor.principal.subject,
    }
    await repository.insert_hold(session, values)
    return hold_id


async def _tell_sender(
    session: AsyncSession,
    actor: Actor,
    invoice: Invoice,
    topic: Topic,
    subject_type: str,
    subject_id: uuid.UUID,
    facts: dict[str, Any],
) -> list[str]:
    """The system that sent the invoice (``invoice.source``: SAP or Controcc) hears what became
    of it (issue 17 item 3), in the caller's transaction, after the invoice's lock; nothing for
    an invoice an officer recorded. The ids of the messages written."""
    sender = outbox_rules.originator_of(invoice.source)
    base = {
        "invoice_id": str(invoice.id),
        "supplier_id": str(invoice.supplier_id),
        "supplier_invoice_number": invoice.supplier_invoice_number,
        "invoice_kind": invoice.kind,
        "amount": invoice.amount,
    }
    event = events.Event(
        topic,
        invoice.client_id,
        subject_type,
        subject_id,
        base | facts,
        related=(invoice.id, invoice.supplier_id),
    )
    return [str(m) for m in await events.tell(session, actor, [event], [sender])]


async def tell_funds_short(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, payment_id: uuid.UUID, message: str
) -> list[str]:
    """R-PAY-3: the invoice's sender is told at once that its payment was refused for want of
    funds (once per payment), in the caller's transaction."""
    invoice, _ = await locked(session, invoice_id)
    facts = {"payment_id": str(payment_id), "reason": message}
    return await _tell_sender(
        session, actor, invoice, Topic.INVOICE_FUNDS_SHORT, "Payment", payment_id, facts
    )


async def _tell_held(
    session: AsyncSession, actor: Actor, invoice: Invoice, hold_id: uuid.UUID, cause: HoldCause
) -> list[str]:
    facts = {"hold_id": str(hold_id), "cause": cause.value}
    topic = Topic.INVOICE_HELD
    return await _tell_sender(session, actor, invoice, topic, "InvoiceHold", hold_id, facts)


async def hold_on_appointment(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, reason: str
) -> list[uuid.UUID]:
    """Hold every outstanding (neither paid nor cancelled) council invoice of the client, in the
    caller's transaction: the council was appointed for them (R-REF-7, seed 002 B 4.5). Each is
    locked first, as a payment of it would be. The ids of the invoices held, for the caller's
    audit row (the appointment's, which names them)."""
    held = []
    kinds = rules.HELD_ON_APPOINTMENT
    holds: list[tuple[Invoice, uuid.UUID]] = []
    for invoice_id in await repository.outstanding_of_kinds(session, client_id, kinds):
        invoice, status = await locked(session, invoice_id)
        if status in rules.CLOSED or await repository.current_hold(session, invoice_id):
            continue  # paid, cancelled or held meanwhile
        hold_id = await _hold(session, actor, invoice, HoldCause.ON_APPOINTMENT, reason)
        holds.append((invoice, hold_id))
        held.append(invoice_id)
    # each sender told once every invoice is locked (the feed's lock is taken last)
    for invoice, hold_id in holds:
        await _tell_held(session, actor, invoice, hold_id, HoldCause.ON_APPOINTMENT)
    return held


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ValidationFailed({"reason": "is required: say why"})
    if len(text) > rules.MAX_NOTE:
        raise ValidationFailed({"reason": f"is longer than {rules.MAX_NOTE} characters"})
    return text


def _replay_view(session: AsyncSession) -> Any:
    async def replay(result: dict[str, Any]) -> RecordedInvoice:
        view = await read_invoice(session, uuid.UUID(str(result["invoice_id"])))
        return RecordedInvoice(view, [], replayed=True)

    return replay


def _remember(r: RecordedInvoice) -> dict[str, Any]:
    return {"invoice_id": str(r.invoice.invoice.id)}


async def _officer_change(
    session: AsyncSession,
    actor: Actor,
    invoice_id: uuid.UUID,
    reason: str,
    operation: str,
    change: Callable[[str], Awaitable[None]],
    *,
    idempotency_key: str,
) -> RecordedInvoice:
    """An officer's change to an invoice, with the reason (``change`` given the reason as
    checked), once per idempotency key: the invoice as it then stands."""
    text = _reason(reason)

    async def work() -> RecordedInvoice:
        await change(text)
        return RecordedInvoice(await read_invoice(session, invoice_id), [])

    return await idempotency.run_once(
        session,
        actor.principal.subject,
        idempotency_key,
        operation,
        {"invoice_id": str(invoice_id), "reason": text},
        work,
        remember=_remember,
        replay=_replay_view(session),
    )


async def hold_invoice(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, reason: str, *, idempotency_key: str
) -> RecordedInvoice:
    """An officer holds an outstanding invoice of any kind, with the reason: not overdue, not
    paid, until released."""

    async def hold(text: str) -> None:
        invoice, status = await locked(session, invoice_id)
        if status in rules.CLOSED:
            raise InvalidState(
                f"the invoice is {status.value}: only an outstanding invoice is held",
                status=status.value,
            )
        if await repository.current_hold(session, invoice_id) is not None:
            raise InvalidState("the invoice is on hold already", status=status.value)
        hold_id = await _hold(session, actor, invoice, HoldCause.OFFICER, text)
        told = await _tell_held(session, actor, invoice, hold_id, HoldCause.OFFICER)
        await audit.record(
            session,
            actor,
            "invoice",
            invoice_id,
            "hold",
            before={"status": status.value},
            after={
                "hold_id": str(hold_id),
                "cause": HoldCause.OFFICER.value,
                "outbox_messages": told,
            },
            reason=text,
            client_id=invoice.client_id,
        )

    return await _officer_change(
        session, actor, invoice_id, reason, "holdInvoice", hold, idempotency_key=idempotency_key
    )


async def release_hold(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, reason: str, *, idempotency_key: str
) -> RecordedInvoice:
    """An officer releases the invoice's hold, with the reason (R-REF-7): it is chased and paid
    as any other from now on."""

    async def release(text: str) -> None:
        invoice, status = await locked(session, invoice_id)
        hold = await repository.current_hold(session, invoice_id)
        if hold is None:
            raise InvalidState("the invoice is not on hold", status=status.value)
        await repository.insert_release(
            session, {"hold_id": hold.id, "reason": text, "recorded_by": actor.principal.subject}
        )
        facts = {"hold_id": str(hold.id), "cause": hold.cause}
        told = await _tell_sender(
            session, actor, invoice, Topic.INVOICE_HOLD_RELEASED, "InvoiceHold", hold.id, facts
        )
        await audit.record(
            session,
            actor,
            "invoice",
            invoice_id,
            "release_hold",
            before={"hold_id": str(hold.id), "cause": hold.cause},
            after={"on_hold": False, "outbox_messages": told},
            reason=text,
            client_id=invoice.client_id,
        )

    return await _officer_change(
        session,
        actor,
        invoice_id,
        reason,
        "releaseInvoiceHold",
        release,
        idempotency_key=idempotency_key,
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
            await _append_event(session, actor, r["id"], r["client_id"], queried, note)
    return [r["id"] for r in rows]
