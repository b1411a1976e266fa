"""Use cases of personal allowance and weekly cash (issue 14 item 9; R-PAY-6, R-BUD-4, R-PAY-3,
R-ROLE-2, seed 002 B 5.3, B 22-23, B 29): each one transaction with its audit rows (R-AUD-1),
once per idempotency key; refused, nothing written, with the reason.

- **A schedule** (``record_schedule``) is recorded by casework for a client and a kind: the
  weekly personal allowance (B 22.1) or weekly cash for a client in the community, drawn on their
  card (B 23.1-23.2, B 5.3); the weekly amount, the client's own account it is paid to (never a
  care provider, R-PAY-6, B 22.3) and the Monday it starts. A change is a new version superseding
  the last, with the reason (R-AUD-2); ``stop_schedule`` records a stop the same way.
- **Approval, once per version, not per week.** Today a standing payment (``payments``) is a
  one-off: raised, approved by another officer within the limits, held, made. The weekly run's
  payments are not approved one by one: the seed makes the allowance an entitlement (B 22.1, "all
  clients are entitled to a weekly personal allowance") whose amount is a line of the client's
  financial plan and budget (R-BUD-4, B 10.2), and the weekly cash an amount agreed once with
  the social worker (B 23.1). So the decision is the schedule: each version that pays is approved
  by a senior officer who did not record it (four eyes, R-ROLE-2), within the Appendix 2 limits
  of a financial plan and budget on the year's amount (weekly x 52, R-BUD-4, R-DEC-2), recorded
  with the limits judged under (R-DEC-4), through the one approval mechanism. Approving the same
  sum 52 times a year for hundreds of clients would add no check the schedule's approval did not
  make; the run itself keeps every check a payment's approval makes at the money's door (never
  below zero, R-PAY-3; never to a provider, R-PAY-6; not after death, B 29). A stop needs no
  approval: it moves no money.
- **The weekly run** (``weekly_run.run_week``) pays every schedule in force for the week, in one
  transaction and a few statements whatever the caseload.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.allowances import repository, rules
from ca_api.allowances.models import AllowancePayment, AllowanceSchedule, AllowanceScheduleEvent
from ca_api.allowances.rules import AllowanceKind, ScheduleEvent, ScheduleStatus
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import steps
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.clients.rules import ClientStatus
from ca_api.common.keyset import Seek
from ca_api.common.rules import text_problem
from ca_api.deaths import spending as deaths
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.invoices import events as invoices
from ca_api.ledger import counterparties as ledger
from ca_api.money import Pence, format_money
from ca_api.policy.rules import ApprovalSubject


@dataclass(frozen=True)
class ScheduleView:
    schedule: AllowanceSchedule
    events: Sequence[AllowanceScheduleEvent]
    superseded: bool

    @property
    def status(self) -> ScheduleStatus:
        return rules.schedule_status(self.schedule.stops, (e.event for e in self.events))

    @property
    def approval(self) -> AllowanceScheduleEvent | None:
        return next((e for e in self.events if e.event == ScheduleEvent.APPROVED.value), None)


@dataclass(frozen=True)
class ScheduleOutcome:
    view: ScheduleView
    replayed: bool = False


async def views(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[ScheduleView]:
    rows = {r.id: r for r in await repository.schedules(session, ids)}
    events: dict[uuid.UUID, list[AllowanceScheduleEvent]] = {}
    for e in await repository.events_of(session, ids):
        events.setdefault(e.schedule_id, []).append(e)
    later = {r.supersedes_id for r in await repository.superseding(session, ids)}
    return [ScheduleView(rows[i], events.get(i, []), i in later) for i in ids if i in rows]


async def _outcome(
    session: AsyncSession, schedule_id: uuid.UUID, *, replayed: bool = False
) -> ScheduleOutcome:
    (view,) = await views(session, [schedule_id])
    return ScheduleOutcome(view, replayed)


ONCE = approvals.Once(
    remember_as="schedule_id",
    ident=lambda o: o.view.schedule.id,
    replay=partial(_outcome, replayed=True),
)


# --- recording a schedule, a change or a stop ---------------------------------------------


@dataclass(frozen=True)
class ScheduleRequest:
    client_id: uuid.UUID
    kind: AllowanceKind
    starts_on: date
    weekly_amount: Pence | None = None  # None: a stop
    payee_id: uuid.UUID | None = None
    reason: str | None = None


def _payload(req: ScheduleRequest) -> dict[str, Any]:
    return {
        "client_id": str(req.client_id),
        "kind": req.kind.value,
        "starts_on": req.starts_on.isoformat(),
        "weekly_amount": req.weekly_amount,
        "payee_id": str(req.payee_id) if req.payee_id else None,
        "reason": req.reason,
    }


async def record_schedule(
    session: AsyncSession, actor: Actor, req: ScheduleRequest, *, idempotency_key: str
) -> ScheduleOutcome:
    """A client's weekly allowance or cash, or a change to it (a new version superseding the
    last, with the reason, R-AUD-2); it pays once approved (``approve_schedule``)."""
    stops = req.weekly_amount is None
    problems: dict[str, str] = {}
    if (problem := rules.week_problem(req.starts_on)) is not None:
        problems["starts_on"] = problem
    if not stops and req.weekly_amount is not None and req.weekly_amount <= 0:
        problems["weekly_amount"] = "must be more than 0.00"
    if not stops and req.payee_id is None:
        problems["payee_id"] = "is required: the client's own account it is paid to"
    problems |= text_problem("reason", req.reason, required=False, maximum=rules.MAX_REASON)
    if problems:
        raise ValidationFailed(problems)
    reason = req.reason.strip() if req.reason else None
    operation = "stopAllowanceSchedule" if stops else "recordAllowanceSchedule"

    async def work() -> ScheduleOutcome:
        await repository.lock_chain(session, req.client_id, req.kind.value)
        record = await clients.client_as_it_stands(session, req.client_id)
        if record is None:
            raise RecordNotFound.of("Client", req.client_id)
        last = await repository.latest(session, req.client_id, req.kind.value)
        if last is not None and not reason:
            raise ValidationFailed(
                {
                    "reason": "is required: the client has this schedule already, say why it "
                    "changes (the old version stays, R-AUD-2)"
                }
            )
        if stops:
            if last is None or last.stops:
                raise InvalidState(f"the client has no {req.kind.value} schedule to stop")
        else:
            # Nothing new is committed after the client's confirmed death (B 29).
            await deaths.refuse_spending_after_death(session, req.client_id, standing=True)
            status = record.details.status
            if status is not ClientStatus.ACTIVE:
                raise InvalidState(
                    f"the client's case is {status.value}: allowances are paid to clients on "
                    "the books",
                    status=status.value,
                )
            if (problem := rules.kind_problem(req.kind, record.details.situation)) is not None:
                raise ValidationFailed({"kind": problem})
            assert req.payee_id is not None
            payee = await invoices.client_and_counterparty(session, req.client_id, req.payee_id)
            if (problem := rules.payee_problem(payee.kind)) is not None:
                raise ValidationFailed({"payee_id": problem})
            await ledger.counterparty_account(session, payee.id)  # the run finds it made
        row = await repository.insert_schedule(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": req.client_id,
                "kind": req.kind.value,
                "weekly_amount": req.weekly_amount,
                "payee_id": req.payee_id,
                "starts_on": req.starts_on,
                "stops": stops,
                "supersedes_id": last.id if last is not None else None,
                "reason": reason,
                "recorded_by": actor.principal.subject,
            },
        )
        supersedes = str(row.supersedes_id) if row.supersedes_id is not None else None
        after = _payload(req) | {"supersedes_id": supersedes}
        await audit.record(
            session,
            actor,
            "allowance_schedule",
            row.id,
            "stop" if stops else "record",
            after=after,
            reason=reason,
            client_id=req.client_id,
        )
        return await _outcome(session, row.id)

    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, operation, _payload(req), work
    )


# --- approval: once per version (four eyes, limits of a financial plan and budget) ---------


async def _lock(session: AsyncSession, schedule_id: uuid.UUID) -> AllowanceSchedule | None:
    return await repository.lock_schedule(session, schedule_id)


def _status(events: Any) -> ScheduleStatus:
    return rules.schedule_status(False, events)


SCHEDULES: approvals.Approvable[AllowanceSchedule, ScheduleStatus, ScheduleEvent] = (
    approvals.Approvable(
        type_name="AllowanceSchedule",
        owner_column="schedule_id",
        lock=_lock,
        events_of=repository.events_of,
        status=_status,
        transition_problem=rules.transition_problem,
        insert_event=repository.insert_event,
        once_index="uq_allowance_schedule_event_once",
        already=lambda event: f"the schedule was {event.lower()} already",
        missing=RecordNotFound.of,
        wording=approvals.Wording(
            raised="you recorded this schedule",
            authored="you recorded this schedule",
            must="approve it",
            may="approve as a financial plan and budget (R-BUD-4)",
        ),
    )
)

STEPS = steps.Steps(
    agg=SCHEDULES,
    once=ONCE,
    entity="allowance_schedule",
    awaiting=ScheduleStatus.AWAITING_APPROVAL,
    actions={ScheduleEvent.APPROVED: "approve"},
    operations={ScheduleEvent.APPROVED: "approveAllowanceSchedule"},
    read=_outcome,
)


async def approve_schedule(
    session: AsyncSession, actor: Actor, schedule_id: uuid.UUID, *, idempotency_key: str
) -> ScheduleOutcome:
    """A senior officer who did not record it approves the schedule's version (R-ROLE-2), within
    the limits of a financial plan and budget on the year's amount (R-BUD-4, R-DEC-2, R-DEC-4):
    from then the weekly run pays it from its start."""

    async def approve(
        held: approvals.Held[AllowanceSchedule, ScheduleStatus],
    ) -> tuple[dict[str, Any], ScheduleStatus]:
        row = held.row
        if row.stops:
            raise InvalidState("a stop is in force without approval: it moves no money")
        if await repository.superseded(session, row.id):
            raise InvalidState("a later version supersedes this one: approve that")
        await deaths.refuse_spending_after_death(session, row.client_id, standing=True)
        assert row.weekly_amount is not None
        year = rules.yearly(row.weekly_amount)
        claim = approvals.Claim(
            row.recorded_by, [row.recorded_by], ApprovalSubject.FINANCIAL_PLAN, year
        )
        version = await approvals.authorise(
            session,
            actor,
            SCHEDULES,
            claim,
            what=f"a year's allowance of {format_money(year)}",
            on=clock.today(),
        )
        await approvals.append_event(
            session, SCHEDULES, row.id, ScheduleEvent.APPROVED, actor, limit_version_id=version.id
        )
        return {"yearly": year, "limit_version_id": version.id}, ScheduleStatus.APPROVED

    return await steps.run(
        STEPS,
        session,
        actor,
        schedule_id,
        ScheduleEvent.APPROVED,
        approve,
        idempotency_key=idempotency_key,
    )


# --- reads ----------------------------------------------------------------------------------


async def list_schedules(
    session: AsyncSession, client_id: uuid.UUID | None, seek: Seek[Any]
) -> list[ScheduleView]:
    rows = await repository.list_schedules(session, client_id, seek)
    return await views(session, [r.id for r in rows])


async def list_payments(
    session: AsyncSession, client_id: uuid.UUID | None, seek: Seek[Any]
) -> Sequence[AllowancePayment]:
    return await repository.payments_of(session, client_id, seek)


async def payments_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> Sequence[AllowancePayment]:
    return await repository.payments_by_id(session, ids)
