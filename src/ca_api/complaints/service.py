"""Use cases of the register of complaints and appeals (issue 14 item 8; R-AUD-4, R-AUD-2,
R-ROLE-2, seed 002 B 30): each one transaction with its audit row (R-AUD-1), once per
idempotency key; refused, nothing written, with the reason.

- **A complaint** (B 30.4) is recorded by casework: by the client or someone for them (named,
  with their relationship), to the OPG, the DWP or the council, the date received and what it is
  about. Its outcome closes it.
- **An appeal** (B 30.1, 30.3, 30.5) is prepared by the SCAO (or a role above, R-DEC-2): against
  whose decision, the decision's date and what it decided, the grounds. The deputy approves it
  before it is lodged (``approve_appeal``, through the one approval mechanism: never whoever
  prepared or corrected it, R-ROLE-2), or does not (``refuse_appeal``, with the reason: closed,
  never lodged). Then it is lodged (date, the body's reference), then its outcome closes it.
- **Corrections** (R-AUD-2): the details by a new version (``correct``, with the reason; an
  appeal's not while it stands APPROVED, the deputy having approved those very details: refuse
  it, or lodge it and correct after); a lodging or an outcome by a new entry of the same kind
  pointing at the one it corrects (the same mutation again, with the reason).

A client's confirmed death does not close the register: a complaint about how their affairs
were handled, or an appeal of a decision about them, may still come or go on; nothing here moves
money. The register as read, and the outcome each use case returns, are in ``reads.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import steps
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common.rules import optional_text, text_problem
from ca_api.complaints import repository, rules
from ca_api.complaints.models import RegisterEntry
from ca_api.complaints.reads import EntryOutcome, EntryView, views
from ca_api.complaints.rules import AppealStatus, Details, EventKind, RegisterKind
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed

TYPE_NAMES = {RegisterKind.COMPLAINT: "Complaint", RegisterKind.APPEAL: "Appeal"}
ENTITIES = {RegisterKind.COMPLAINT: "complaint", RegisterKind.APPEAL: "appeal"}


async def _outcome(
    session: AsyncSession, entry_id: uuid.UUID, *, replayed: bool = False
) -> EntryOutcome:
    (view,) = await views(session, [entry_id])
    return EntryOutcome(view, replayed)


ONCE = approvals.Once(
    remember_as="entry_id",
    ident=lambda o: o.view.entry.id,
    replay=partial(_outcome, replayed=True),
)


async def _lock(
    session: AsyncSession, entry_id: uuid.UUID, *, kind: RegisterKind
) -> RegisterEntry | None:
    """The entry locked, if it is one of ``kind`` (an appeal's id never finds a complaint)."""
    row = await repository.lock(session, entry_id)
    return row if row is not None and row.kind == kind.value else None


async def _held(session: AsyncSession, kind: RegisterKind, entry_id: uuid.UUID) -> EntryView:
    if await _lock(session, entry_id, kind=kind) is None:
        raise RecordNotFound.of(TYPE_NAMES[kind], entry_id)
    (view,) = await views(session, [entry_id])
    return view


def _details_values(d: Details) -> dict[str, Any]:
    return {
        "made_by": d.made_by.value if d.made_by is not None else None,
        "on_behalf_name": optional_text(d.on_behalf_name),
        "on_behalf_relationship": optional_text(d.on_behalf_relationship),
        "body": d.body,
        "dated": d.dated,
        "summary": d.summary.strip(),
        "grounds": optional_text(d.grounds),
    }


def _payload(d: Details) -> dict[str, Any]:
    out = asdict(d)
    out["dated"] = d.dated.isoformat()
    out["made_by"] = d.made_by.value if d.made_by is not None else None
    return out


def _check_details(kind: RegisterKind, d: Details) -> None:
    problems = rules.details_problems(kind, d, clock.today())
    if problems:
        raise ValidationFailed(problems)


# --- recorded: a complaint received, an appeal prepared ------------------------------------


async def record(
    session: AsyncSession,
    actor: Actor,
    kind: RegisterKind,
    client_id: uuid.UUID,
    details: Details,
    *,
    idempotency_key: str,
) -> EntryOutcome:
    """A complaint recorded (B 30.4) or an appeal prepared (B 30.3): OPEN, or AWAITING_APPROVAL
    by the deputy."""
    _check_details(kind, details)

    async def work() -> EntryOutcome:
        if not await clients.exists(session, client_id):
            raise RecordNotFound.of("Client", client_id)
        entry_id = uuid.uuid4()
        who = actor.principal.subject
        await repository.insert_entry(
            session,
            {"id": entry_id, "client_id": client_id, "kind": kind.value, "recorded_by": who},
        )
        values = _details_values(details)
        await repository.insert_details(
            session, {"id": uuid.uuid4(), "entry_id": entry_id, "recorded_by": who, **values}
        )
        done = await _outcome(session, entry_id)
        after = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
        after["status"] = done.view.status
        await audit.record(
            session, actor, ENTITIES[kind], entry_id, "record", after=after, client_id=client_id
        )
        return done

    operation = "recordComplaint" if kind is RegisterKind.COMPLAINT else "prepareAppeal"
    payload = {"client_id": str(client_id), **_payload(details)}
    return await approvals.run_once(ONCE, session, actor, idempotency_key, operation, payload, work)


# --- corrected: a new version of the details (R-AUD-2) --------------------------------------


async def correct(
    session: AsyncSession,
    actor: Actor,
    kind: RegisterKind,
    entry_id: uuid.UUID,
    details: Details,
    reason: str,
    *,
    idempotency_key: str,
) -> EntryOutcome:
    """A new version of the entry's details that corrects the one standing, with the reason
    (R-AUD-2): the old stays, and reads as corrected."""
    _check_details(kind, details)
    problems = text_problem("reason", reason, required=True, maximum=rules.MAX_REASON)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> EntryOutcome:
        view = await _held(session, kind, entry_id)
        if view.status == AppealStatus.APPROVED.value and kind is RegisterKind.APPEAL:
            raise InvalidState(
                "the deputy approved the appeal as it stands: lodge it as approved (and correct "
                "the record after), or have it refused and prepare it again (B 30.3)",
                status=view.status,
            )
        before = view.details
        values = _details_values(details)
        row = await repository.insert_details(
            session,
            {
                "id": uuid.uuid4(),
                "entry_id": entry_id,
                "recorded_by": actor.principal.subject,
                "corrects_id": before.id,
                "reason": reason.strip(),
                **values,
            },
        )
        old = {k: getattr(before, k) for k in values}
        await audit.record(
            session,
            actor,
            ENTITIES[kind],
            entry_id,
            "correct",
            before={k: v.isoformat() if isinstance(v, date) else v for k, v in old.items()},
            after={k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
            | {"version": str(row.id)},
            reason=reason.strip(),
            client_id=view.entry.client_id,
        )
        return await _outcome(session, entry_id)

    operation = "correctComplaint" if kind is RegisterKind.COMPLAINT else "correctAppeal"
    payload = {"entry_id": str(entry_id), "reason": reason, **_payload(details)}
    return await approvals.run_once(ONCE, session, actor, idempotency_key, operation, payload, work)


# --- an appeal approved or refused by the deputy (four eyes, R-ROLE-2, B 30.3) --------------

APPEALS: approvals.Approvable[RegisterEntry, AppealStatus, EventKind] = approvals.Approvable(
    type_name="Appeal",
    owner_column="entry_id",
    lock=partial(_lock, kind=RegisterKind.APPEAL),
    events_of=repository.events_of,
    status=rules.appeal_status,
    transition_problem=rules.appeal_transition_problem,
    insert_event=repository.insert_event,
    once_index="uq_complaint_or_appeal_event_once",
    already=lambda event: f"the appeal was {event.lower()} already",
    missing=RecordNotFound.of,
    wording=approvals.Wording(
        raised="you prepared this appeal",
        authored="you corrected this appeal's details (you are one of its authors)",
        must="approve it as the deputy before it is lodged",
        may="approve",
    ),
)

STEPS = steps.Steps(
    agg=APPEALS,
    once=ONCE,
    entity=ENTITIES[RegisterKind.APPEAL],
    awaiting=AppealStatus.AWAITING_APPROVAL,
    actions={EventKind.APPROVED: "approve", EventKind.REFUSED: "refuse"},
    operations={EventKind.APPROVED: "approveAppeal", EventKind.REFUSED: "refuseAppeal"},
    read=_outcome,
)


async def decide_appeal(
    session: AsyncSession,
    actor: Actor,
    entry_id: uuid.UUID,
    event: EventKind,
    reason: str | None = None,
    *,
    idempotency_key: str,
) -> EntryOutcome:
    """The deputy approves the appeal before it is lodged, or does not (with the reason): never
    whoever prepared it or corrected its details (R-ROLE-2, B 30.3)."""
    assert event in (EventKind.APPROVED, EventKind.REFUSED)
    if event is EventKind.REFUSED:
        problems = text_problem("reason", reason, required=True, maximum=rules.MAX_REASON)
        if problems:
            raise ValidationFailed(problems)
    reason = reason.strip() if reason else None

    async def decide(
        held: approvals.Held[RegisterEntry, AppealStatus],
    ) -> tuple[dict[str, Any], AppealStatus]:
        (view,) = await views(session, [held.row.id])
        approvals.require_four_eyes(actor, APPEALS, held.row.recorded_by, view.authors)
        today = clock.today()
        await approvals.append_event(
            session, APPEALS, held.row.id, event, actor, on_date=today, note=reason
        )
        status = AppealStatus.APPROVED if event is EventKind.APPROVED else AppealStatus.NOT_APPROVED
        return {"on": today.isoformat()}, status

    return await steps.run(
        STEPS,
        session,
        actor,
        entry_id,
        event,
        decide,
        idempotency_key=idempotency_key,
        payload={"reason": reason},
        reason=reason,
    )


# --- lodged, and the outcome (each corrected by a later entry of its kind, R-AUD-2) ---------


async def _step(
    session: AsyncSession,
    actor: Actor,
    kind: RegisterKind,
    entry_id: uuid.UUID,
    event: EventKind,
    on: date,
    date_field: str,
    values: dict[str, Any],
    reason: str | None,
    *,
    idempotency_key: str,
    operation: str,
) -> EntryOutcome:
    """Record a LODGED or OUTCOME entry, or correct the one standing with the reason."""
    problems = text_problem("reason", reason, required=False, maximum=rules.MAX_REASON)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> EntryOutcome:
        view = await _held(session, kind, entry_id)
        standing = view.latest(event)
        status = view.status
        correcting = standing is not None and status in rules.CORRECTABLE[event]
        if correcting:
            problem = rules.correction_problem(reason)
            if problem is not None:
                raise ValidationFailed({"reason": problem})
        else:
            if kind is RegisterKind.COMPLAINT:
                problem = rules.complaint_transition_problem(rules.ComplaintStatus(status), event)
            else:
                problem = rules.appeal_transition_problem(AppealStatus(status), event)
            if problem is not None:
                raise InvalidState(problem, status=status)
            if reason is not None and reason.strip():
                raise ValidationFailed({"reason": "is given only when correcting an entry"})
        # The date follows what it follows: a complaint's outcome its receipt; a lodging the
        # decision appealed and the deputy's approval; an appeal's outcome its lodging.
        if kind is RegisterKind.COMPLAINT:
            after: date | None = view.details.dated
        elif event is EventKind.LODGED:
            approved = view.latest(EventKind.APPROVED)
            after = max(view.details.dated, approved.on_date if approved else view.details.dated)
        else:
            lodged = view.latest(EventKind.LODGED)
            after = lodged.on_date if lodged else None
        problem = rules.past_date_problem(on, clock.today(), not_before=after)
        if problem is not None:
            raise ValidationFailed({date_field: problem})
        fields = {"on_date": on, **values}
        if correcting:
            assert standing is not None
            fields |= {"corrects_id": standing.id, "reason": (reason or "").strip()}
        await approvals.append_event(session, APPEALS, entry_id, event, actor, **fields)
        done = await _outcome(session, entry_id)
        old = None
        if standing is not None and correcting:
            old = {
                "on_date": standing.on_date.isoformat(),
                **{k: getattr(standing, k) for k in values},
            }
        await audit.record(
            session,
            actor,
            ENTITIES[kind],
            entry_id,
            ("correct_" if correcting else "") + event.value.lower(),
            before={"status": status} | ({"entry": old} if old else {}),
            after={"status": done.view.status, "on_date": on.isoformat(), **values},
            reason=reason.strip() if correcting and reason else None,
            client_id=view.entry.client_id,
        )
        return done

    payload = {"entry_id": str(entry_id), "on": on.isoformat(), "reason": reason, **values}
    return await approvals.run_once(ONCE, session, actor, idempotency_key, operation, payload, work)


async def record_lodged(
    session: AsyncSession,
    actor: Actor,
    entry_id: uuid.UUID,
    lodged_on: date,
    reference: str,
    reason: str | None = None,
    *,
    idempotency_key: str,
) -> EntryOutcome:
    """The approved appeal lodged with the OPG, the Court of Protection or the DWP (B 30.3):
    the date and the body's reference; again with the reason corrects it."""
    problems = text_problem("reference", reference, required=True, maximum=rules.MAX_REFERENCE)
    if problems:
        raise ValidationFailed(problems)
    return await _step(
        session,
        actor,
        RegisterKind.APPEAL,
        entry_id,
        EventKind.LODGED,
        lodged_on,
        "lodged_on",
        {"reference": reference.strip()},
        reason,
        idempotency_key=idempotency_key,
        operation="recordAppealLodged",
    )


async def record_outcome(
    session: AsyncSession,
    actor: Actor,
    kind: RegisterKind,
    entry_id: uuid.UUID,
    outcome: str,
    decided_on: date,
    summary: str | None,
    reason: str | None = None,
    *,
    idempotency_key: str,
) -> EntryOutcome:
    """The outcome of a complaint or a lodged appeal and the date it was decided (R-AUD-4): it
    closes the entry; again with the reason corrects it."""
    problems = text_problem("summary", summary, required=False, maximum=rules.MAX_TEXT)
    problem = rules.outcome_problem(kind, outcome)
    if problem is not None:
        problems["outcome"] = problem
    if problems:
        raise ValidationFailed(problems)
    note = optional_text(summary)
    return await _step(
        session,
        actor,
        kind,
        entry_id,
        EventKind.OUTCOME,
        decided_on,
        "decided_on",
        {"outcome": outcome, "note": note},
        reason,
        idempotency_key=idempotency_key,
        operation="recordComplaintOutcome"
        if kind is RegisterKind.COMPLAINT
        else "recordAppealOutcome",
    )
