"""The application to the Court of Protection recorded: the need from the threshold flag (R-INV-1),
the application made (COP1 and the other forms) and its stages in order, ORDER_MADE naming the
client's deputyship. Each change is one transaction under the client's lock, with its audit
row (R-AUD-1), once per idempotency key; rows are only ever added (R-AUD-2).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import deadlines as deadline_clock
from ca_api.common.keyset import Seek
from ca_api.deputyship_applications import repository, rules
from ca_api.deputyship_applications.deadlines import (
    ONCE,
    TYPE_OF_CAUSE,
    Deadline,
    DeadlineOutcome,
    read,
    with_stages,
)
from ca_api.deputyship_applications.rules import Cause, Stage
from ca_api.errors import (
    BusinessProblem,
    ErrorCode,
    InvalidState,
    RecordNotFound,
    ValidationFailed,
    existing,
)
from ca_api.orders import service as orders
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import Topic
from ca_api.planning import thresholds
from ca_api.planning.rules import FlagKind

ENTITY = "deputyship_application"
EVERY_CLIENT = 1_000_000  # the whole caseload in one read of the threshold flags


class StageOutOfOrder(BusinessProblem):
    """The stage may not follow those recorded (``rules.allowed_next``)."""

    code = ErrorCode.INVALID_STATE

    def __init__(self, stage: Stage, last: Stage | None, allowed: frozenset[Stage]) -> None:
        after = f"after {last.value}" if last is not None else "straight after the application"
        may = ", ".join(s.value for s in Stage if s in allowed) or "nothing: it is over"
        super().__init__(f"{stage.value} cannot come {after}; next may come {may}")
        self.stage = stage
        self.allowed = [s for s in Stage if s in allowed]


async def _locked(session: AsyncSession, source_id: uuid.UUID, type_name: str) -> Deadline:
    """The deadline, its client locked (one change per client at a time), read again. The id
    is of the type its cause gives (a Referral's for R-REF-6, a need's for R-INV-1)."""
    d = await repository.due(session, source_id)
    if d is None or type_name != TYPE_OF_CAUSE[d.cause]:
        raise RecordNotFound.of(type_name, source_id)
    await clients.lock_client(session, d.client_id)
    return await read(session, source_id)


# --- R-INV-1: the need recorded from the threshold flag ----------------------------------------


async def record_need(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    note: str,
    *,
    idempotency_key: str,
) -> DeadlineOutcome:
    """R-INV-1: an officer records that a deputyship application is needed for an appointee-
    only client the threshold flags flag today (``planning.thresholds.threshold_flags``); the
    application is due 5 working days from today. Refused when the client is not flagged, or
    has a deputyship application due or in progress already."""

    async def work() -> DeadlineOutcome:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        today = clock.today()
        if len(note) > rules.MAX_NOTE:
            raise ValidationFailed({"note": f"is longer than {rules.MAX_NOTE} characters"})
        flags = await thresholds.threshold_flags(
            session, actor.principal, today, seek=Seek(None, EVERY_CLIENT)
        )
        flag = next(
            (
                f
                for f in flags
                if f.client_id == client_id and f.kind is FlagKind.DEPUTYSHIP_APPLICATION
            ),
            None,
        )
        if flag is None:
            raise InvalidState(
                "the client is not flagged for a deputyship application today: an appointee-"
                "only client whose assets reach the threshold above twelve months' needs, or "
                "found to hold capital, property or a private pension (R-INV-1)"
            )
        current = await with_stages(session, await repository.every_due(session, client_id))
        already = next((d for d in current if d.open), None)
        if already is not None:
            raise InvalidState(
                "a deputyship application is due or in progress for the client already (due "
                f"{already.due_on.isoformat()})",
                due_on=already.due_on.isoformat(),
            )
        need_id = uuid.uuid4()
        reasons = [r.value for r in flag.reasons]
        await repository.insert_need(
            session,
            {
                "id": need_id,
                "client_id": client_id,
                "raised_on": today,
                "flag_reasons": reasons,
                "note": note.strip(),
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            need_id,
            "need",
            after={
                "raised_on": today.isoformat(),
                "flag_reasons": reasons,
                "due_on": rules.due_on(today).isoformat(),
                "note": note.strip(),
            },
            client_id=client_id,
        )
        return DeadlineOutcome(await read(session, need_id))

    payload = {"client_id": str(client_id), "note": note}
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordDeputyshipApplicationNeeded", payload, work
    )


# --- the application made, and its stages ------------------------------------------------------


@dataclass(frozen=True)
class Made:
    made_on: date
    forms: list[str]
    court_reference: str = ""
    note: str = ""


async def record_made(
    session: AsyncSession,
    actor: Actor,
    source_id: uuid.UUID,
    type_name: str,
    m: Made,
    *,
    idempotency_key: str,
) -> DeadlineOutcome:
    """The application made to the Court of Protection (COP1 and the other forms sent) on
    ``made_on``, for the deadline ``source_id`` (the referral's, R-REF-6, or the need's,
    R-INV-1): once."""

    async def work() -> DeadlineOutcome:
        d = await _locked(session, source_id, type_name)
        deadline_clock.recorded_once(
            d.due.made_on, "the application was recorded as made", "made_on"
        )
        problems = rules.validate_made(
            d.due.starts_on, m.made_on, m.forms, m.court_reference, m.note, clock.today()
        )
        if problems:
            raise ValidationFailed(problems)
        application_id = uuid.uuid4()
        referral = d.due.cause is Cause.REFERRAL_ASSETS_KNOWN
        forms = rules.forms_of(m.forms)
        await repository.insert_application(
            session,
            {
                "id": application_id,
                "client_id": d.due.client_id,
                "referral_id": source_id if referral else None,
                "need_id": None if referral else source_id,
                "made_on": m.made_on,
                "forms": forms,
                "court_reference": m.court_reference.strip(),
                "note": m.note.strip(),
                "recorded_by": actor.principal.subject,
            },
        )
        # Seed 002 B 4.1: once Deputyship is applied for, the two teams are told (the outbox,
        # this transaction), as for the DWP application.
        told = await outbox.emit_handoff(
            session,
            actor,
            Topic.APPLICATION_MADE,
            client_id=d.due.client_id,
            subject_type="CourtOfProtectionApplication",
            subject_id=application_id,
            payload=await outbox.handoff_payload(
                session,
                actor,
                d.due.client_id,
                {"application": "COURT_OF_PROTECTION_DEPUTYSHIP", "made_on": m.made_on.isoformat()},
            ),
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            application_id,
            "made",
            after={
                "cause": d.due.cause.value,
                "source_id": str(source_id),
                "made_on": m.made_on.isoformat(),
                "forms": forms,
                "court_reference": m.court_reference.strip(),
                "due_on": d.due_on.isoformat(),
                "outbox_messages": [str(t) for t in told],
            },
            client_id=d.due.client_id,
        )
        return DeadlineOutcome(await read(session, source_id))

    payload = {
        "source_id": str(source_id),
        "made_on": m.made_on.isoformat(),
        "forms": list(m.forms),
        "court_reference": m.court_reference,
        "note": m.note,
    }
    return await approvals.run_once(
        ONCE,
        session,
        actor,
        idempotency_key,
        "recordCourtOfProtectionApplicationMade",
        payload,
        work,
    )


@dataclass(frozen=True)
class StageRecord:
    stage: Stage
    occurred_on: date
    note: str = ""
    deputyship_id: uuid.UUID | None = None


async def record_stage(
    session: AsyncSession,
    actor: Actor,
    application_id: uuid.UUID,
    s: StageRecord,
    *,
    idempotency_key: str,
) -> DeadlineOutcome:
    """The next stage of the application (``rules.allowed_next``; otherwise StageOutOfOrder),
    on or after the one before it. ORDER_MADE names the client's deputyship, recorded already
    with recordDeputyship (a deputyship of another client is not found)."""

    async def work() -> DeadlineOutcome:
        app = existing(
            await repository.application(session, application_id),
            "CourtOfProtectionApplication",
            application_id,
        )
        source_id = app.referral_id or app.need_id
        assert source_id is not None
        await clients.lock_client(session, app.client_id)
        d = await read(session, source_id)
        done = [Stage(x.stage) for x in d.stages]
        allowed = rules.allowed_next(done)
        if s.stage not in allowed:
            raise StageOutOfOrder(s.stage, done[-1] if done else None, allowed)
        since = d.stages[-1].occurred_on if d.stages else app.made_on
        problems = rules.validate_stage(
            s.stage, s.occurred_on, since, s.note, s.deputyship_id is not None, clock.today()
        )
        if problems:
            raise ValidationFailed(problems)
        if s.deputyship_id is not None:
            order = (
                await orders.DEPUTYSHIP.by_id(session, actor.principal, [s.deputyship_id])
            ).get(s.deputyship_id)
            if order is None or order.client_id != app.client_id:
                raise RecordNotFound.of("Deputyship", s.deputyship_id)
            other = await repository.application_of_deputyship(session, s.deputyship_id)
            if other is not None:
                raise InvalidState("the deputyship is the order of another application already")
        stage_id = uuid.uuid4()
        await repository.insert_stage(
            session,
            {
                "id": stage_id,
                "application_id": application_id,
                "seq": await repository.next_seq(session, application_id),
                "stage": s.stage.value,
                "occurred_on": s.occurred_on,
                "note": s.note.strip(),
                "deputyship_id": s.deputyship_id,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            application_id,
            "stage",
            after={
                "stage": s.stage.value,
                "occurred_on": s.occurred_on.isoformat(),
                "note": s.note.strip(),
                "deputyship_id": str(s.deputyship_id) if s.deputyship_id else None,
            },
            client_id=app.client_id,
        )
        return DeadlineOutcome(await read(session, source_id))

    payload = {
        "application_id": str(application_id),
        "stage": s.stage.value,
        "occurred_on": s.occurred_on.isoformat(),
        "note": s.note,
        "deputyship_id": str(s.deputyship_id) if s.deputyship_id else None,
    }
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordCourtOfProtectionStage", payload, work
    )
