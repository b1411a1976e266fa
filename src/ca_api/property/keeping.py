"""The property recorded and kept (issue 14 item 3; R-CARE-4, seed 002 B 8): its address,
ownership, insurance and keys, corrected by a new record with the reason (R-AUD-2), and its
protection: visits logged and the Protection of Property team's invoices attached."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common.rules import optional_text, text_problem
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.invoices.models import Invoice
from ca_api.property import facts, repository, rules
from ca_api.property.facts import ENTITY, PropertyOutcome
from ca_api.property.models import PropertyInvoice, PropertyRecord, PropertyVisit
from ca_api.property.reads import property_of
from ca_api.property.rules import Ownership

# --- the property (B 8.1, R-CARE-4) ------------------------------------------------------------


@dataclass(frozen=True)
class PropertyDetails:
    address: str
    ownership: Ownership
    co_owners: str | None
    insured: bool
    insurer: str | None
    policy_number: str | None
    insurance_renews_on: date | None
    keys_held_by: str | None


async def record_property(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    d: PropertyDetails,
    *,
    corrects_property_id: uuid.UUID | None,
    reason: str | None,
    idempotency_key: str,
) -> PropertyOutcome:
    """Record a property of the client (B 8.1), or with ``corrects_property_id`` a correction
    of its current record (a new insurance renewal, the keys passed on), with the reason
    (R-AUD-2)."""
    d = PropertyDetails(
        address=d.address.strip(),
        ownership=d.ownership,
        co_owners=optional_text(d.co_owners),
        insured=d.insured,
        insurer=optional_text(d.insurer),
        policy_number=optional_text(d.policy_number),
        insurance_renews_on=d.insurance_renews_on,
        keys_held_by=optional_text(d.keys_held_by),
    )
    reason = optional_text(reason)
    problems = rules.property_problems(
        address=d.address,
        ownership=d.ownership,
        co_owners=d.co_owners,
        insured=d.insured,
        insurer=d.insurer,
        insurance_renews_on=d.insurance_renews_on,
    )
    for name, value in (
        ("insurer", d.insurer),
        ("policy_number", d.policy_number),
        ("keys_held_by", d.keys_held_by),
    ):
        problems |= text_problem(name, value, required=False, maximum=rules.MAX_NAME)
    problems |= text_problem(
        "reason", reason, required=corrects_property_id is not None, maximum=rules.MAX_TEXT
    )
    if corrects_property_id is None and reason is not None:
        problems["reason"] = "is for a correction (correctsPropertyId)"
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        await facts.lock(session, client_id)
        supersedes: PropertyRecord | None = None
        if corrects_property_id is not None:
            view = await property_of(session, corrects_property_id)
            if view.first.client_id != client_id:
                raise RecordNotFound.of("Property", corrects_property_id)
            supersedes = view.current
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "address": d.address,
            "ownership": d.ownership.value,
            "co_owners": d.co_owners,
            "insured": d.insured,
            "insurer": d.insurer,
            "policy_number": d.policy_number,
            "insurance_renews_on": d.insurance_renews_on,
            "keys_held_by": d.keys_held_by,
            "supersedes_id": supersedes.id if supersedes is not None else None,
            "reason": reason,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert(session, PropertyRecord, values)
        await audit.record_version(
            session,
            actor,
            ENTITY,
            row.id,
            superseded=None
            if supersedes is None
            else {
                "property_record_id": supersedes.id,
                "ownership": supersedes.ownership,
                "insurer": supersedes.insurer,
                "insurance_renews_on": supersedes.insurance_renews_on,
                "keys_held_by": supersedes.keys_held_by,
            },
            after=audit.written(values),
            reason=reason,
            client_id=client_id,
        )
        return {"property_id": str(row.id)}

    payload = audit.jsonable(
        {
            "client_id": client_id,
            **d.__dict__,
            "ownership": d.ownership.value,
            "corrects_property_id": corrects_property_id,
            "reason": reason,
        }
    )
    return await facts.run(session, actor, idempotency_key, "recordProperty", payload, work)


# --- protection of property (B 8.2-8.4) ---------------------------------------------------------


async def record_visit(
    session: AsyncSession,
    actor: Actor,
    property_id: uuid.UUID,
    *,
    visited_on: date,
    visited_by: str,
    notes: str,
    idempotency_key: str,
) -> PropertyOutcome:
    """Log a protection-of-property visit (B 8.2): when, by whom, what was found."""
    visited_by, notes = visited_by.strip(), notes.strip()
    problems = text_problem("visited_by", visited_by, required=True, maximum=rules.MAX_NAME)
    problems |= text_problem("notes", notes, required=True, maximum=rules.MAX_TEXT)
    facts.not_future(problems, "visited_on", visited_on)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        view = await facts.locked_property(session, property_id)
        values = {"visited_on": visited_on, "visited_by": visited_by, "notes": notes}
        return await facts.add(session, actor, view, PropertyVisit, "visit", values)

    payload = audit.jsonable(
        {
            "property_id": property_id,
            "visited_on": visited_on,
            "visited_by": visited_by,
            "notes": notes,
        }
    )
    return await facts.run(session, actor, idempotency_key, "recordPropertyVisit", payload, work)


async def attach_invoice(
    session: AsyncSession,
    actor: Actor,
    property_id: uuid.UUID,
    *,
    invoice_id: uuid.UUID,
    idempotency_key: str,
) -> PropertyOutcome:
    """Attach the Protection of Property team's invoice (B 8.3), recorded by recordInvoice (its
    due date 21 working days from receipt, R-PAY-1, B 8.4), to the property: the client's own
    invoice, once."""

    async def work() -> dict[str, Any]:
        view = await facts.locked_property(session, property_id)
        invoice = await repository.one(session, Invoice, invoice_id)
        if invoice is None or invoice.client_id != view.first.client_id:
            raise RecordNotFound.of("Invoice", invoice_id)
        if any(i.invoice.id == invoice_id for i in view.invoices):
            raise InvalidState("this invoice is attached to the property already: once")
        values = {"invoice_id": invoice_id}
        return await facts.add(session, actor, view, PropertyInvoice, "attach_invoice", values)

    payload = audit.jsonable({"property_id": property_id, "invoice_id": invoice_id})
    return await facts.run(session, actor, idempotency_key, "attachPropertyInvoice", payload, work)
