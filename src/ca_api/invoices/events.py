"""An invoice as payments and officers find it: locked for each decision, its events (the sender
contacted, funds short R-PAY-3, queried R-PAY-7, cancelled) with their audit rows, what its
sender hears (issue 17 item 3), and its queries after the client's death (R-DEATH-2).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.db import unit_of_work
from ca_api.deaths import reads as deaths  # the confirmed date of death alone: no cycle
from ca_api.deaths import rules as death_rules
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed, existing
from ca_api.invoices import after_death_repository, reads, repository, rules
from ca_api.invoices.models import Invoice
from ca_api.invoices.reads import InvoiceView, read_invoice
from ca_api.invoices.rules import InvoiceEventKind, InvoiceStatus
from ca_api.ledger import reads as ledger_reads
from ca_api.ledger.models import Counterparty
from ca_api.outbox import events as outbox_events
from ca_api.outbox import rules as outbox_rules
from ca_api.outbox.rules import Topic

# A record named by its GraphQL type: its NotFoundProblem carries the opaque id.
Missing = RecordNotFound.of


# --- what payments ask of an invoice ------------------------------------------------------


async def client_and_counterparty(
    session: AsyncSession, client_id: uuid.UUID, counterparty_id: uuid.UUID
) -> Counterparty:
    """The counterparty, once the client and it are known to exist (each a NotFound)."""
    if not await clients.exists(session, client_id):
        raise Missing("Client", client_id)
    return existing(
        await ledger_reads.counterparty(session, counterparty_id), "Counterparty", counterparty_id
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
    await append_event(session, actor, invoice_id, client_id, funds_short, message)


async def append_event(
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


# --- what an officer records of an invoice (R-PAY-3, R-PAY-7) --------------------------------


def _note(note: str, *, required: str) -> str:
    text = note.strip()
    if not text:
        raise ValidationFailed({"note": required})
    if len(text) > rules.MAX_NOTE:
        raise ValidationFailed({"note": f"is longer than {rules.MAX_NOTE} characters"})
    return text


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
        await append_event(
            session, actor, invoice_id, invoice.client_id, event, text, before=before
        )
        return await read_invoice(session, invoice_id)


# --- after a client's death (R-DEATH-2, seed 002 B 29.2) --------------------------------------


async def query_dated_after_death(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, died_on: date
) -> list[uuid.UUID]:
    """In the caller's transaction (the confirmation of the client's death, which holds the
    client's lock): the QUERIED event (R-PAY-7), with its audit row, of each of the client's
    invoices dated after the death and not queried already nor cancelled (R-DEATH-2, B 29.2:
    not the client's debt). A paid one is queried too: it was paid for a day after the death.
    The ids of the invoices queried."""
    queried = []
    for row in await after_death_repository.dated_after(session, client_id, died_on):
        _, status = await locked(session, row.id)
        if status is InvoiceStatus.CANCELLED:
            continue
        note = death_rules.after_death_query(row.invoice_date, died_on)
        event = InvoiceEventKind.QUERIED
        before = {"status": status.value}
        await append_event(session, actor, row.id, client_id, event, note, before=before)
        queried.append(row.id)
    return queried


async def after_death_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[InvoiceView]]:
    """Each client's invoices dated after their confirmed death and neither paid nor cancelled
    (queried by the service, R-DEATH-2), oldest first: what is outstanding of them while the
    client is wound up (issue 13 item 6). A client whose death is not confirmed has none."""
    died_on = await deaths.confirmed_death_dates(session, client_ids)
    ids = await after_death_repository.outstanding_dated_after(session, died_on)
    views = await reads.invoices_by_id(session, ids)
    out: dict[uuid.UUID, list[InvoiceView]] = {}
    for invoice_id in ids:
        view = views[invoice_id]
        out.setdefault(view.invoice.client_id, []).append(view)
    return out


# --- what the sender hears (issue 17 item 3) -------------------------------------------------


async def tell_sender(
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
    event = outbox_events.Event(
        topic,
        invoice.client_id,
        subject_type,
        subject_id,
        base | facts,
        related=(invoice.id, invoice.supplier_id),
    )
    return [str(m) for m in await outbox_events.tell(session, actor, [event], [sender])]


async def tell_funds_short(
    session: AsyncSession, actor: Actor, invoice_id: uuid.UUID, payment_id: uuid.UUID, message: str
) -> list[str]:
    """R-PAY-3: the invoice's sender is told at once that its payment was refused for want of
    funds (once per payment), in the caller's transaction."""
    invoice, _ = await locked(session, invoice_id)
    facts = {"payment_id": str(payment_id), "reason": message}
    return await tell_sender(
        session, actor, invoice, Topic.INVOICE_FUNDS_SHORT, "Payment", payment_id, facts
    )
