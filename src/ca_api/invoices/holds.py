"""Holds on an invoice (R-REF-7, seed 002 B 4.5): placed by an officer or on the council's
appointment, released by an officer, and the refusal of any payment while one stands.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common import idempotency
from ca_api.errors import ErrorCode, InvalidState, MoneyProblem, ValidationFailed
from ca_api.invoices import holds_repository, rules
from ca_api.invoices.events import locked, tell_sender
from ca_api.invoices.models import Invoice
from ca_api.invoices.reads import read_invoice
from ca_api.invoices.recording import RecordedInvoice
from ca_api.invoices.rules import HoldCause
from ca_api.outbox.rules import Topic


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


# --- holds (R-REF-7, seed 002 B 4.5) ------------------------------------------------------


async def refuse_if_held(session: AsyncSession, invoice_id: uuid.UUID) -> None:
    """No money moves for an invoice on hold (R-REF-7): every door of a payment of an invoice
    (raising, approving, making it) asks this, the invoice locked."""
    hold = await holds_repository.current_hold(session, invoice_id)
    if hold is not None:
        raise InvoiceOnHold(hold.recorded_at.astimezone(clock.LONDON).date(), hold.reason)


async def refuse_if_charges_held(
    session: AsyncSession, client_id: uuid.UUID, payee_id: uuid.UUID, category: str
) -> None:
    """No money goes to a supplier by a standing payment of the category of one of the
    client's invoices from it on hold (R-REF-7, seed 002 B 4.5: 'blocked pending payment'):
    paying the council's care charges by another door would pay what the hold stops."""
    hold = await holds_repository.current_hold_from(session, client_id, payee_id, category)
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
    await holds_repository.insert_hold(session, values)
    return hold_id


async def _tell_held(
    session: AsyncSession, actor: Actor, invoice: Invoice, hold_id: uuid.UUID, cause: HoldCause
) -> list[str]:
    facts = {"hold_id": str(hold_id), "cause": cause.value}
    topic = Topic.INVOICE_HELD
    return await tell_sender(session, actor, invoice, topic, "InvoiceHold", hold_id, facts)


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
    for invoice_id in await holds_repository.outstanding_of_kinds(session, client_id, kinds):
        invoice, status = await locked(session, invoice_id)
        if status in rules.CLOSED or await holds_repository.current_hold(session, invoice_id):
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
        if await holds_repository.current_hold(session, invoice_id) is not None:
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
        hold = await holds_repository.current_hold(session, invoice_id)
        if hold is None:
            raise InvalidState("the invoice is not on hold", status=status.value)
        await holds_repository.insert_release(
            session, {"hold_id": hold.id, "reason": text, "recorded_by": actor.principal.subject}
        )
        facts = {"hold_id": str(hold.id), "cause": hold.cause}
        told = await tell_sender(
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
