"""A client's death as the council records it (issue 13 item 1; R-DEATH-1, R-ROLE-2, seed 002 B 29):
recorded by casework, confirmed by a second officer (four eyes, through ``approvals.steps``),
which makes the client DECEASED_WINDING_UP and tells the council's teams, or withdrawn if
recorded in error; each use case one transaction with its audit row (R-AUD-1), once per
idempotency key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import steps
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import end_of_case
from ca_api.clients import service as clients
from ca_api.common.rules import optional_text, text_problem
from ca_api.deaths import repository, rules
from ca_api.deaths.models import Death
from ca_api.deaths.reads import DeathView
from ca_api.deaths.rules import DeathEventKind, DeathStatus
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.invoices import events as invoices
from ca_api.outbox import events
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import INTEGRATIONS, Recipient, Topic
from ca_api.overpayments import holding as overpayment_holding

TYPE_NAME = "Death"
ENTITY = "death"


@dataclass(frozen=True)
class DeathOutcome:
    view: DeathView
    replayed: bool = False


async def _read(session: AsyncSession, death_id: uuid.UUID) -> DeathView:
    death = await repository.lock(session, death_id)  # read afresh, in the transaction
    if death is None:
        raise RecordNotFound.of(TYPE_NAME, death_id)
    return DeathView(death, list(await repository.events_of(session, [death_id])))


async def _outcome(
    session: AsyncSession, death_id: uuid.UUID, *, replayed: bool = False
) -> DeathOutcome:
    return DeathOutcome(await _read(session, death_id), replayed)


ONCE = approvals.Once(
    remember_as="death_id",
    ident=lambda o: o.view.death.id,
    replay=partial(_outcome, replayed=True),
)

# The approval mechanism's view of a death: confirmed once, by someone who did not record it.
DEATHS: approvals.Approvable[Death, DeathStatus, DeathEventKind] = approvals.Approvable(
    type_name=TYPE_NAME,
    owner_column="death_id",
    lock=repository.lock,
    events_of=repository.events_of,
    status=rules.death_status,
    transition_problem=rules.transition_problem,
    insert_event=repository.insert_event,
    once_index="uq_death_event_once",
    already=lambda event: f"the death was {event.lower()} already",
    missing=RecordNotFound.of,
    wording=approvals.Wording(
        raised="you recorded this death",
        authored="you recorded this death",
        must="confirm it",
        may="confirm",
    ),
)


# --- recorded -------------------------------------------------------------------------------


async def record_death(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    died_on: date,
    certificate_reference: str,
    notes: str | None,
    *,
    idempotency_key: str,
) -> DeathOutcome:
    """Record a client's death; it waits for a second officer to confirm it (R-ROLE-2)."""
    problems = text_problem(
        "certificate_reference",
        certificate_reference,
        required=True,
        maximum=rules.MAX_CERTIFICATE,
    )
    problems |= text_problem("notes", notes, required=False, maximum=rules.MAX_NOTES)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> DeathOutcome:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        born_on = await clients.date_of_birth(session, client_id)
        assert born_on is not None
        problem = rules.death_date_problem(died_on, born_on, clock.today())
        if problem is not None:
            raise ValidationFailed({"died_on": problem})
        if await repository.death_of_client(session, client_id) is not None:
            raise InvalidState("the client's death is recorded already")
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "died_on": died_on,
            "certificate_reference": certificate_reference.strip(),
            "notes": optional_text(notes),
            "recorded_by": actor.principal.subject,
        }
        death = await repository.insert_death(session, values)
        after = audit.written(values)
        after["status"] = DeathStatus.PENDING_CONFIRMATION.value
        await audit.record(
            session, actor, ENTITY, death.id, "record", after=after, client_id=client_id
        )
        return await _outcome(session, death.id)

    payload = {
        "client_id": str(client_id),
        "died_on": died_on.isoformat(),
        "certificate_reference": certificate_reference,
        "notes": notes,
    }
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordDeath", payload, work
    )


# --- confirmed ------------------------------------------------------------------------------

STEPS = steps.Steps(
    agg=DEATHS,
    once=ONCE,
    entity=ENTITY,
    awaiting=DeathStatus.PENDING_CONFIRMATION,
    actions={DeathEventKind.CONFIRMED: "confirm", DeathEventKind.WITHDRAWN: "withdraw"},
    operations={
        DeathEventKind.CONFIRMED: "confirmDeath",
        DeathEventKind.WITHDRAWN: "withdrawDeath",
    },
    read=_outcome,
)


async def confirm_death(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, idempotency_key: str
) -> DeathOutcome:
    """Confirm the client's recorded death: never by whoever recorded it (R-ROLE-2). It takes
    effect in this transaction: the client DECEASED_WINDING_UP, spending refused but for winding
    up (``refuse_spending_after_death``)."""
    death = await repository.death_of_client(session, client_id)
    if death is None:
        raise InvalidState("no death is recorded for the client: record it first")

    async def confirm(held: approvals.Held[Death, DeathStatus]) -> tuple[dict[str, Any], Any]:
        row = held.row
        approvals.require_four_eyes(actor, DEATHS, row.recorded_by, [row.recorded_by])
        await approvals.append_event(session, DEATHS, row.id, DeathEventKind.CONFIRMED, actor)
        reason = (
            f"death on {row.died_on.isoformat()} confirmed (certificate "
            f"{row.certificate_reference}; seed 002 B 29)"
        )
        await end_of_case.record_deceased(session, actor, row.client_id, reason=reason)
        told = await _tell_council_teams(session, actor, row)  # R-DEATH-1, B 29.1
        # Invoices dated after the death are queried, not the client's debts (R-DEATH-2, B
        # 29.2); under the client's lock, as an invoice being recorded takes it.
        await clients.lock_client(session, row.client_id)
        queried = await invoices.query_dated_after_death(session, actor, row.client_id, row.died_on)
        # Benefits already received for days after the death are held back (R-DEATH-2, B 29.2).
        flagged = await overpayment_holding.flag_on_confirmation(session, actor, row)
        done: dict[str, Any] = {
            "died_on": row.died_on.isoformat(),
            "outbox_messages": told,
            "invoices_queried": [str(i) for i in queried],
            "benefit_overpayments": [str(o.id) for o in flagged],
        }
        return done, DeathStatus.CONFIRMED

    return await steps.run(
        STEPS,
        session,
        actor,
        death.id,
        DeathEventKind.CONFIRMED,
        confirm,
        idempotency_key=idempotency_key,
    )


async def withdraw_death(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> DeathOutcome:
    """Withdraw a death recorded in error (the wrong client, a mistaken report) before anyone
    confirms it, with the reason (R-AUD-2: the record stays, the event says it does not stand);
    nothing had taken effect, and the client's death may be recorded afresh. A confirmed death
    is not withdrawn here."""
    text = reason.strip()
    problems = text_problem("reason", text, required=True, maximum=rules.MAX_NOTES)
    if problems:
        raise ValidationFailed(problems)
    death = await repository.death_of_client(session, client_id)
    if death is None:
        raise InvalidState("no death is recorded for the client")

    async def withdraw(held: approvals.Held[Death, DeathStatus]) -> tuple[dict[str, Any], Any]:
        # the reason is the step's audit row's (``steps.run``)
        await approvals.append_event(session, DEATHS, held.row.id, DeathEventKind.WITHDRAWN, actor)
        return {"died_on": held.row.died_on.isoformat()}, DeathStatus.WITHDRAWN

    return await steps.run(
        STEPS,
        session,
        actor,
        death.id,
        DeathEventKind.WITHDRAWN,
        withdraw,
        idempotency_key=idempotency_key,
        payload={"reason": text},
        reason=text,
    )


# --- telling the council's teams (R-DEATH-1, B 29.1) -----------------------------------------

SUBJECT_TYPE = "Death"  # the outbox messages' subject


async def _tell_council_teams(session: AsyncSession, actor: Actor, death: Death) -> list[str]:
    """Seed 002 B 29.1: the council's teams told through the outbox, in the confirmation's
    transaction (a replay emits nothing twice); the ids of the messages written."""
    payload = await outbox.handoff_payload(
        session, actor, death.client_id, {"died_on": death.died_on.isoformat()}
    )
    written = []
    for recipient in rules.COUNCIL_TEAMS:
        message_id = await outbox.emit(
            session,
            actor,
            topic=Topic.DEATH_NOTIFIED,
            recipient=Recipient(recipient.value),
            client_id=death.client_id,
            subject_type=SUBJECT_TYPE,
            subject_id=death.id,
            payload=payload,
        )
        if message_id is not None:
            written.append(str(message_id))
    # R-DEATH-1: the systems of income recovery (SAP) and of care and assessment (Controcc)
    # hear it too, in their feeds' shape (issue 17 item 3).
    told = await events.tell(
        session,
        actor,
        [
            events.Event(
                Topic.DEATH_NOTIFIED,
                death.client_id,
                SUBJECT_TYPE,
                death.id,
                {"death_id": str(death.id), "died_on": death.died_on.isoformat()},
            )
        ],
        INTEGRATIONS,
    )
    return written + [str(m) for m in told]
