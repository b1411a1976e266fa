"""A will or codicil found (seed 002 B 21.1-21.2): recorded with where it is held and by whom, a
correction superseding its current record with the reason (R-AUD-2); the Court of Protection told
of it, due the day it was found and recorded once per will; and the page of every will's notice
as of today (``common.deadlines``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common import corrections
from ca_api.common import deadlines as deadline_clock
from ca_api.common.deadlines import DeadlineState, state_on
from ca_api.common.keyset import Seek
from ca_api.common.rules import optional_text, text_problem
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.wills import repository, rules
from ca_api.wills.models import (
    WillRecord,
)
from ca_api.wills.reads import WillsOutcome, WillView, lock, run, wills_of
from ca_api.wills.rules import WillHolder, WillKind

WILL = "will"


async def record_will(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    kind: WillKind,
    dated: date | None,
    found_on: date,
    held_by: WillHolder,
    holder: str | None,
    reference: str | None,
    corrects_will_id: uuid.UUID | None,
    reason: str | None,
    idempotency_key: str,
) -> WillsOutcome:
    """Record a will or codicil found (B 21.1) and where it is held (B 21.2); the notice to the
    Court of Protection is then due, the day it was found. With ``corrects_will_id`` (any record
    of the will), a correction of the will's current record, with the reason (R-AUD-2); the
    notice's clock keeps the day first found."""
    holder, reference, reason = (
        optional_text(holder),
        optional_text(reference),
        optional_text(reason),
    )

    async def work() -> dict[str, Any]:
        await lock(session, client_id)
        problems = rules.will_problems(
            kind=kind,
            dated=dated,
            found_on=found_on,
            held_by=held_by,
            holder=holder,
            today=clock.today(),
        )
        problems |= text_problem(
            "reference", reference, required=False, maximum=rules.MAX_REFERENCE
        )
        problems |= text_problem(
            "reason", reason, required=corrects_will_id is not None, maximum=rules.MAX_TEXT
        )
        if corrects_will_id is None and reason is not None:
            problems["reason"] = "is for a correction (correctsWillId)"
        supersedes: WillRecord | None = None
        if corrects_will_id is not None:
            view = await wills_of(session, client_id)
            will = view.will(corrects_will_id)
            if will is None:
                raise RecordNotFound.of("Will", corrects_will_id)
            supersedes = will.current
        if problems:
            raise ValidationFailed(problems)
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "kind": kind.value,
            "dated": dated,
            "found_on": found_on,
            "held_by": held_by.value,
            "holder": holder,
            "reference": reference,
            "supersedes_id": supersedes.id if supersedes is not None else None,
            "reason": reason,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert_will(session, values)
        after = audit.written(values)
        if supersedes is None:
            after["court_notice_due_on"] = rules.notice_due_on(found_on).isoformat()
        await audit.record_version(
            session,
            actor,
            WILL,
            row.id,
            superseded=None
            if supersedes is None
            else {
                "will_record_id": supersedes.id,
                "held_by": supersedes.held_by,
                "holder": supersedes.holder,
                "found_on": supersedes.found_on,
            },
            after=after,
            reason=reason,
            client_id=client_id,
        )
        return {"client_id": str(client_id), "will_record_id": str(row.id)}

    payload = {
        "client_id": str(client_id),
        "kind": kind.value,
        "dated": dated.isoformat() if dated else None,
        "found_on": found_on.isoformat(),
        "held_by": held_by.value,
        "holder": holder,
        "reference": reference,
        "corrects_will_id": str(corrects_will_id) if corrects_will_id else None,
        "reason": reason,
    }
    return await run(session, actor, idempotency_key, "recordWill", payload, work)


async def record_court_notice(
    session: AsyncSession,
    actor: Actor,
    will_id: uuid.UUID,
    *,
    sent_on: date,
    reference: str | None,
    idempotency_key: str,
) -> WillsOutcome:
    """Record the Court of Protection told of a will (B 21.1): when it was sent (not before the
    will was found, not in the future), its reference; once per will. Sent after the day found,
    the clock reads MISSED (it was due immediately)."""
    reference = optional_text(reference)
    problems = text_problem("reference", reference, required=False, maximum=rules.MAX_REFERENCE)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        found = await repository.will(session, will_id)
        if found is None:
            raise RecordNotFound.of("Will", will_id)
        client_id = found.client_id
        await lock(session, client_id)
        will = (await wills_of(session, client_id)).will(will_id)
        assert will is not None
        if will.notice is not None:
            raise InvalidState(
                f"the Court of Protection was told of this will on "
                f"{will.notice.sent_on.isoformat()}: once (seed 002 B 21.1)"
            )
        problem = rules.notice_problem(sent_on, will.first.found_on, clock.today())
        if problem is not None:
            raise ValidationFailed({"sent_on": problem})
        row = await repository.insert_notice(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "will_id": will.first.id,
                "sent_on": sent_on,
                "reference": reference,
                "recorded_by": actor.principal.subject,
            },
        )
        state = state_on(will.notice_due_on, sent_on, sent_on)
        after = {
            "will_id": str(will.first.id),
            "sent_on": sent_on.isoformat(),
            "reference": reference,
            "due_on": will.notice_due_on.isoformat(),
            "state": state.value,
        }
        await audit.record(
            session, actor, WILL, row.id, "court_notice", after=after, client_id=client_id
        )
        return {"client_id": str(client_id), "notice_id": str(row.id)}

    payload = {
        "will_id": str(will_id),
        "sent_on": sent_on.isoformat(),
        "reference": reference,
    }
    return await run(session, actor, idempotency_key, "recordWillCourtNotice", payload, work)


@dataclass(frozen=True)
class NoticeDeadline(deadline_clock.Deadline):
    """A will's notice to the Court of Protection as of today: its id is the will's (the first
    record of its chain)."""

    will: WillView


async def notice_deadlines(
    session: AsyncSession, *, state: DeadlineState | None, seek: Seek[tuple[date, uuid.UUID]]
) -> Sequence[NoticeDeadline]:
    """A page of every will's notice to the Court, soonest due first (``common.deadlines.page``:
    worked out in memory, the state depends on today)."""
    today = clock.today()
    notices = {n.will_id: n for n in await repository.all_notices(session)}
    every = []
    for chain in corrections.chains(await repository.all_wills(session)):
        w = WillView(chain, notices.get(chain[0].id), today)
        every.append(NoticeDeadline(w.first.id, w.notice_due_on, w.notice_state, w))
    return deadline_clock.page(every, state=state, seek=seek)
