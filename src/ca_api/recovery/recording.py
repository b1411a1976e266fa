"""Recovery of capacity as the council records it (issue 14 item 7; R-ORD-5, seed 002 B 27):
the court's order recorded and corrected, and the case closed; each one transaction under the
client's lock with its audit rows (R-AUD-1), once per idempotency key; refused, nothing written,
with the reason. Money is handed back by ``handover``.

- **The court's order recorded** (``record``): the Court of Protection ordered that the client
  can manage their own affairs (B 27.1, on medical evidence, B 27.2): its date and reference are
  recorded and the deputyship in force on that date ends on it (a new version of the order,
  ``orders.service.OrderKind.end_in_callers_transaction``, R-AUD-2). Corrected by a new record
  superseding the last (``correct``); a corrected date moves the deputyship's end with it.
- **Documents and valuables returned**: the valuables module's returnValuable (logged, B 24);
  ``valuables.service.held_of_clients`` counts what is still held.
- **Closed** (``close``): the client CLOSED only when every account is at zero and nothing is
  held in the safe (``outstanding_of_clients``, ``rules.outstanding``). The same list refuses
  ``amendClient`` to CLOSED of any living client (``refuse_closing_by_amendment``).

A client whose death is recorded is wound up instead (seed 002 B 29, ``winding_up``): no
recovery is recorded for them, and a handover payment is refused after a confirmed death
(``deaths.refuse_spending_after_death``, asked by ``payments``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import end_of_case
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.rules import optional_text, text_problem
from ca_api.deaths import reads as deaths
from ca_api.errors import InvalidState, ValidationFailed
from ca_api.orders import rules as order_rules
from ca_api.orders import service as orders
from ca_api.recovery import repository, rules
from ca_api.recovery.models import RecoveryOrder
from ca_api.recovery.reads import RecoveryOutcome, outcome_of, outstanding_of_clients, recovery_of

ENTITY = "recovery_order"


async def _deputyship_on(session: AsyncSession, client_id: uuid.UUID, on: date) -> Any:
    """The client's deputyship in force on ``on`` (as it stands), or None."""
    for row in await orders.deputyship_rows(session, [client_id]):
        if order_rules.is_in_force(row.order_date, row.end_date, on):
            return row
    return None


def _ending_reason(order_date: date, reference: str) -> str:
    return (
        f"the Court of Protection ordered on {order_date.isoformat()} ({reference}) that the "
        "client can manage their own affairs (R-ORD-5, seed 002 B 27)"
    )


def _values(row: RecoveryOrder) -> dict[str, Any]:
    return {
        "order_date": row.order_date.isoformat(),
        "court_reference": row.court_reference,
        "medical_evidence": row.medical_evidence,
        "deputyship_id": str(row.deputyship_id),
    }


async def record(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    order_date: date,
    court_reference: str,
    medical_evidence: str | None,
    idempotency_key: str,
) -> RecoveryOutcome:
    """Record the court's order that the client can manage their own affairs (R-ORD-5, seed 002
    B 27.1-27.2) and end the deputyship in force on its date on that date. Refused for a client
    with no deputyship in force then, one whose death is recorded (winding up, B 29), a CLOSED
    one, or one whose recovery is recorded already (correct it instead)."""
    ref, evidence = optional_text(court_reference), optional_text(medical_evidence)
    problems = rules.order_problems(
        order_date=order_date,
        court_reference=ref,
        medical_evidence=evidence,
        today=clock.today(),
        deputyship_from=None,
    )
    if problems:
        raise ValidationFailed(problems)
    assert ref is not None

    async def work() -> dict[str, Any]:
        await clients.lock_open_client(session, client_id)
        if (await deaths.deaths_of_clients(session, [client_id])).get(client_id) is not None:
            raise InvalidState(
                "the client's death is recorded: their affairs are wound up (seed 002 B 29), "
                "not handed back to them"
            )
        if await recovery_of(session, client_id) is not None:
            raise InvalidState(
                "the court's order that the client can manage their affairs is recorded "
                "already: correct it with correctRecoveryOfCapacity"
            )
        deputyship = await _deputyship_on(session, client_id, order_date)
        if deputyship is None:
            raise InvalidState(
                f"the client has no deputyship in force on {order_date.isoformat()}: the "
                "court's order that they can manage their affairs ends the council's "
                "deputyship (R-ORD-5)"
            )
        late = rules.order_problems(
            order_date=order_date,
            court_reference=ref,
            medical_evidence=evidence,
            today=clock.today(),
            deputyship_from=deputyship.order_date,
        )
        if late:
            raise ValidationFailed(late)
        row = await repository.insert_order(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "deputyship_id": deputyship.id,
                "order_date": order_date,
                "court_reference": ref,
                "medical_evidence": evidence,
                "supersedes_id": None,
                "reason": None,
                "recorded_by": actor.principal.subject,
            },
        )
        why = _ending_reason(order_date, ref)
        await orders.DEPUTYSHIP.end_in_callers_transaction(
            session, actor, deputyship.id, order_date, reason=why
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            row.id,
            "record",
            after=_values(row) | {"deputyship_ends_on": order_date.isoformat()},
            reason=why,
            client_id=client_id,
        )
        return {"client_id": str(client_id)}

    payload = {
        "client_id": str(client_id),
        "order_date": order_date.isoformat(),
        "court_reference": ref,
        "medical_evidence": evidence,
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "recordRecoveryOfCapacity", payload, work
    )
    return await outcome_of(session, result)


async def correct(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    order_date: date | None,
    court_reference: str | None,
    medical_evidence: str | None,
    reason: str,
    idempotency_key: str,
) -> RecoveryOutcome:
    """Correct the recorded order (R-AUD-2): a new record superseding the last, with the reason;
    what is not given stays. A corrected date moves the deputyship's end to it (a new version
    of the deputyship)."""
    why = optional_text(reason)
    problems = text_problem("reason", why, required=True, maximum=rules.MAX_TEXT)
    if court_reference is not None and optional_text(court_reference) is None:
        problems["court_reference"] = "is blank: leave it out to keep the reference"
    if problems:
        raise ValidationFailed(problems)
    assert why is not None

    async def work() -> dict[str, Any]:
        await clients.lock_open_client(session, client_id)
        view = await recovery_of(session, client_id)
        if view is None:
            raise InvalidState(
                "no court order that the client can manage their affairs is recorded "
                "(recordRecoveryOfCapacity)"
            )
        last = view.record
        new: dict[str, Any] = {
            "order_date": order_date if order_date is not None else last.order_date,
            "court_reference": optional_text(court_reference) or last.court_reference,
            "medical_evidence": optional_text(medical_evidence)
            if medical_evidence is not None
            else last.medical_evidence,
        }
        if all(new[k] == getattr(last, k) for k in new):
            raise ValidationFailed(
                {
                    "reason": "nothing would change: give the date, reference or evidence as it "
                    "should be"
                }
            )
        deputyship = await orders.DEPUTYSHIP.current(session, last.deputyship_id)
        assert deputyship is not None
        late = rules.order_problems(
            order_date=new["order_date"],
            court_reference=new["court_reference"],
            medical_evidence=new["medical_evidence"],
            today=clock.today(),
            deputyship_from=deputyship.order_date,
        )
        if late:
            raise ValidationFailed(late)
        row = await repository.insert_order(
            session,
            new
            | {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "deputyship_id": last.deputyship_id,
                "supersedes_id": last.id,
                "reason": why,
                "recorded_by": actor.principal.subject,
            },
        )
        if row.order_date != last.order_date:
            await orders.DEPUTYSHIP.end_in_callers_transaction(
                session,
                actor,
                last.deputyship_id,
                row.order_date,
                reason=_ending_reason(row.order_date, row.court_reference) + f"; {why}",
            )
        await audit.record(
            session,
            actor,
            ENTITY,
            view.first.id,
            "correct",
            before=_values(last),
            after=_values(row),
            reason=why,
            client_id=client_id,
        )
        return {"client_id": str(client_id)}

    payload = {
        "client_id": str(client_id),
        "order_date": order_date.isoformat() if order_date is not None else None,
        "court_reference": court_reference,
        "medical_evidence": medical_evidence,
        "reason": why,
    }
    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "correctRecoveryOfCapacity", payload, work
    )
    return await outcome_of(session, result)


def not_recovered(what: str) -> InvalidState:
    return InvalidState(
        f"no court order that the client can manage their affairs is recorded: {what} only "
        "after it (R-ORD-5, seed 002 B 27; recordRecoveryOfCapacity)"
    )


async def close(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, idempotency_key: str
) -> RecoveryOutcome:
    """Close the case of a client who recovered capacity (R-ORD-5, seed 002 B 27): the client
    CLOSED (a new version of their details, R-AUD-2, with its audit row), only once every
    account is at zero and nothing is held in the safe; refused with the full list of what is
    held, nothing written."""

    async def work() -> dict[str, Any]:
        await clients.lock_open_client(session, client_id)
        view = await recovery_of(session, client_id)
        if view is None:
            raise not_recovered("the case is closed as recovered")
        if view.outstanding:
            raise InvalidState(
                "the case closes only when every account is at zero and nothing is held in "
                "the safe (R-ORD-5, seed 002 B 27); outstanding: "
                + "; ".join(o.detail for o in view.outstanding)
            )
        r = view.record
        await end_of_case.record_closed(
            session,
            actor,
            client_id,
            reason=f"recovered capacity: {_ending_reason(r.order_date, r.court_reference)}; "
            "money handed back, documents and valuables returned",
        )
        return {"client_id": str(client_id)}

    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "closeRecoveredCase", {"client_id": str(client_id)}, work
    )
    return await outcome_of(session, result)


async def refuse_closing_by_amendment(session: AsyncSession, client_id: uuid.UUID) -> None:
    """``amendClient`` to CLOSED of a living client (``clients.service``; a client whose death
    is recorded is ``winding_up``'s): refused while money or valuables are held for them, with
    what is held, as ``close`` refuses (R-ORD-5, seed 002 B 27, B 24)."""
    if (await deaths.deaths_of_clients(session, [client_id])).get(client_id) is not None:
        return
    held = (await outstanding_of_clients(session, [client_id]))[client_id]
    if held:
        raise ValidationFailed(
            {
                "status": "money or valuables are still held for the client: the case closes "
                "only when every account is at zero and nothing is held in the safe (R-ORD-5, "
                "seed 002 B 27); outstanding: " + "; ".join(o.detail for o in held)
            }
        )
