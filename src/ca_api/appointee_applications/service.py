"""Use cases of the DWP appointeeship application (R-REF-5): an officer records the application
(BF56) sent for an accepted referral, then the DWP's decision: APPOINTED (BF57 received,
naming the appointeeship recorded with recordAppointeeship if it is) or REFUSED with the reason.
The deadline of each accepted referral is read, never stored: ``rules.due_on`` of the day it
became valid, and its state against today.

Each change is one transaction with its audit row in the client's chain (R-AUD-1), once per
idempotency key; rows are only ever added (R-AUD-2).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.appointee_applications import repository, rules
from ca_api.appointee_applications.repository import AcceptedReferral
from ca_api.appointee_applications.rules import DeadlineState, DwpOutcome
from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common import deadlines as deadline_clock
from ca_api.common.keyset import Seek
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed, existing
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import Topic
from ca_api.referrals import service as referrals


@dataclass(frozen=True)
class Deadline(deadline_clock.Deadline):
    """An accepted referral's appointeeship application deadline, as of ``today``: its id is
    the referral's."""

    accepted: AcceptedReferral

    @classmethod
    def of(cls, a: AcceptedReferral, today: date) -> Deadline:
        state = rules.deadline_state(a.valid_on, a.sent_on, today)
        return cls(a.referral_id, rules.due_on(a.valid_on), state, a)


DeadlineOutcome = deadline_clock.Outcome[Deadline]


async def _read(session: AsyncSession, referral_id: uuid.UUID) -> Deadline:
    a = await repository.accepted(session, referral_id)
    return Deadline.of(existing(a, "Referral", referral_id), clock.today())


ONCE = deadline_clock.once("referral_id", _read)


async def _accepted(session: AsyncSession, referral_id: uuid.UUID) -> AcceptedReferral:
    """The referral locked, and ACCEPTED: an application follows a valid referral only."""
    row = await referrals.locked_referral(session, referral_id)
    a = await repository.accepted(session, referral_id)
    if a is None:
        raise InvalidState(
            f"the referral is {row.status.value}: the DWP application is made for an ACCEPTED "
            "referral only (R-REF-5)",
            status=row.status.value,
        )
    return a


async def record_sent(
    session: AsyncSession,
    actor: Actor,
    referral_id: uuid.UUID,
    sent_on: date,
    *,
    idempotency_key: str,
) -> DeadlineOutcome:
    """The appointeeship application (BF56) sent to the DWP on ``sent_on``: once per referral."""

    async def work() -> DeadlineOutcome:
        a = await _accepted(session, referral_id)
        deadline_clock.recorded_once(a.sent_on, "the application was recorded as sent", "sent_on")
        problems = rules.validate_sent(a.valid_on, sent_on, clock.today())
        if problems:
            raise ValidationFailed(problems)
        application_id = uuid.uuid4()
        values = {
            "id": application_id,
            "referral_id": referral_id,
            "client_id": a.client_id,
            "sent_on": sent_on,
            "recorded_by": actor.principal.subject,
        }
        await repository.insert_application(session, values)
        # Seed 002 B 4.1: once applied for, the two teams are told (the outbox, this transaction).
        told = await outbox.emit_handoff(
            session,
            actor,
            Topic.APPLICATION_MADE,
            client_id=a.client_id,
            subject_type="AppointeeApplication",
            subject_id=application_id,
            payload=await outbox.handoff_payload(
                session,
                actor,
                a.client_id,
                {"application": "DWP_APPOINTEESHIP", "sent_on": sent_on.isoformat()},
            ),
        )
        due = rules.due_on(a.valid_on)
        await audit.record(
            session,
            actor,
            "appointee_application",
            application_id,
            "send",
            after={
                "referral_id": str(referral_id),
                "sent_on": sent_on.isoformat(),
                "due_on": due.isoformat(),
                "outbox_messages": [str(m) for m in told],
            },
            client_id=a.client_id,
        )
        return DeadlineOutcome(await _read(session, referral_id))

    payload = {"referral_id": str(referral_id), "sent_on": sent_on.isoformat()}
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordAppointeeApplicationSent", payload, work
    )


@dataclass(frozen=True)
class Decision:
    outcome: DwpOutcome
    decided_on: date
    reason: str
    appointeeship_id: uuid.UUID | None


async def record_decision(
    session: AsyncSession,
    actor: Actor,
    referral_id: uuid.UUID,
    d: Decision,
    *,
    idempotency_key: str,
) -> DeadlineOutcome:
    """The DWP's decision on the application sent: once. An appointeeship named is the
    client's, recorded already (recordAppointeeship); only with APPOINTED."""

    async def work() -> DeadlineOutcome:
        a = await _accepted(session, referral_id)
        if a.application is None:
            raise InvalidState("no application was recorded as sent to the DWP for this referral")
        if a.decision is not None:
            raise InvalidState(
                f"the DWP's decision was recorded already: {a.decision.outcome}",
                outcome=a.decision.outcome,
            )
        problems = rules.validate_decision(
            d.outcome, d.decided_on, d.reason, a.application.sent_on, clock.today()
        )
        if d.appointeeship_id is not None and d.outcome is not DwpOutcome.APPOINTED:
            problems["appointeeship_id"] = "is given only when the DWP appointed the council"
        if problems:
            raise ValidationFailed(problems)
        if d.appointeeship_id is not None and not await repository.appointeeship_of(
            session, d.appointeeship_id, a.client_id
        ):
            raise RecordNotFound.of("Appointeeship", d.appointeeship_id)
        values = {
            "id": uuid.uuid4(),
            "application_id": a.application.id,
            "outcome": d.outcome.value,
            "decided_on": d.decided_on,
            "reason": d.reason.strip(),
            "appointeeship_id": d.appointeeship_id,
            "recorded_by": actor.principal.subject,
        }
        await repository.insert_decision(session, values)
        await audit.record(
            session,
            actor,
            "appointee_application",
            a.application.id,
            "dwp_decision",
            after={
                "outcome": d.outcome.value,
                "decided_on": d.decided_on.isoformat(),
                "reason": d.reason.strip(),
                "appointeeship_id": str(d.appointeeship_id) if d.appointeeship_id else None,
            },
            client_id=a.client_id,
        )
        return DeadlineOutcome(await _read(session, referral_id))

    payload = {
        "referral_id": str(referral_id),
        "outcome": d.outcome.value,
        "decided_on": d.decided_on.isoformat(),
        "reason": d.reason,
        "appointeeship_id": str(d.appointeeship_id) if d.appointeeship_id else None,
    }
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordDwpDecision", payload, work
    )


# --- reads -----------------------------------------------------------------------------------


async def deadlines(
    session: AsyncSession, *, state: DeadlineState | None, seek: Seek[tuple[date, uuid.UUID]]
) -> Sequence[Deadline]:
    """A page of the deadlines of every accepted referral, by due date then referral
    (``common.deadlines.page``)."""
    today = clock.today()
    every = [Deadline.of(a, today) for a in await repository.every_accepted(session)]
    return deadline_clock.page(every, state=state, seek=seek)
