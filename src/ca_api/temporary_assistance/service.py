"""Use cases of temporary financial assistance (seed 002 B 4.6-4.7): each one transaction with
its audit rows (R-AUD-1), once per idempotency key, through ``approvals.mechanism``.

- **Requested** by casework (the Temporary Financial Assistance Request form of B 4.6): the
  client, the amount, what it pays for and to whom, why the client's own funds are not yet
  available. It waits in the approval queue (kind TEMPORARY_ASSISTANCE).
- **Approved or rejected** (B 4.6-4.7) by someone other than whoever raised it (R-ROLE-2), within
  the approval limits in force today for the subject TEMPORARY_ASSISTANCE (R-DEC-2), the version
  judged under recorded on the event (R-DEC-4). The band is data (migration 0018): the seed gives
  none of its own, and B 4.6 sends the form to Appendix 2, where a short-term financial plan for
  the client is "Financial plans and budgets": the SCAO up to and including £5,000.00, the TGM
  above. B 4.7's "Corporate Appointee will approve" is read as the council as appointee, acting
  through the officers Appendix 2 names, not as a separate signature of the head of service:
  otherwise B 4.6's reference to the Appendix 2 levels would have nothing to decide.
- **Paid** by the Senior Client Affairs Officer (B 4.7 "will implement"): the date and the
  council's payment reference. The money is the council's, never the client's: the client's
  account is not debited and *no ledger transfer is written*. The ledger holds client money
  only (R-ACC-2: every pound is in exactly one client's account or has left the system), and a
  payment from the council to the payee touches no client account (the ledger refuses
  counterparty-to-counterparty money). The debt is this record: what is outstanding.
- **Repaid** from the client's funds once they arrive, each repayment a ledger transfer to the
  council: ``repayments.py``.
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
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import steps
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.common.keyset import Seek
from ca_api.common.rules import text_problem
from ca_api.deaths import spending as deaths
from ca_api.errors import RecordNotFound, ValidationFailed, existing
from ca_api.invoices import events as invoices
from ca_api.ledger.rules import Category
from ca_api.money import Pence, format_money
from ca_api.policy.rules import ApprovalSubject, LimitVersion
from ca_api.temporary_assistance import repository, rules
from ca_api.temporary_assistance.models import (
    TemporaryAssistance,
    TemporaryAssistanceEvent,
    TemporaryAssistanceRepayment,
)
from ca_api.temporary_assistance.repository import AssistanceKey
from ca_api.temporary_assistance.rules import AssistanceEventKind, AssistanceStatus

Missing = RecordNotFound.of
TYPE_NAME = "TemporaryAssistance"
QUEUE_KIND = "TEMPORARY_ASSISTANCE"
SUBJECT = ApprovalSubject.TEMPORARY_ASSISTANCE


# --- what the use cases take and return ---------------------------------------------------


@dataclass(frozen=True)
class AssistanceRequest:
    """What the request form says (B 4.6)."""

    client_id: uuid.UUID
    amount: Pence
    purpose: str
    payee_id: uuid.UUID
    category: Category
    why_funds_unavailable: str


@dataclass(frozen=True)
class AssistanceView:
    assistance: TemporaryAssistance
    client_reference: str
    status: AssistanceStatus
    repaid: Pence

    @property
    def outstanding(self) -> Pence:
        return rules.outstanding(self.assistance.amount, self.repaid, self.status)


@dataclass(frozen=True)
class AssistanceOutcome:
    view: AssistanceView
    replayed: bool = False


def _view(row: Any) -> AssistanceView:
    return AssistanceView(
        assistance=row[0],
        client_reference=row.client_reference,
        status=AssistanceStatus(row.status),
        repaid=int(row.repaid),
    )


async def _read(session: AsyncSession, assistance_id: uuid.UUID) -> AssistanceView:
    row = existing(await repository.get(session, assistance_id, None), TYPE_NAME, assistance_id)
    return _view(row)


# --- the approval mechanism's view of temporary assistance ---------------------------------

ASSISTANCE: approvals.Approvable[TemporaryAssistance, AssistanceStatus, AssistanceEventKind] = (
    approvals.Approvable(
        type_name=TYPE_NAME,
        owner_column="assistance_id",
        lock=repository.lock,
        events_of=repository.events_of,
        status=rules.assistance_status,
        transition_problem=rules.transition_problem,
        insert_event=repository.insert_event,
        once_index="uq_temporary_assistance_event_once",
        already=lambda event: f"the temporary assistance was {event.lower()} already",
        missing=Missing,
        queue_kind=QUEUE_KIND,
        wording=approvals.Wording(
            raised="you requested this temporary assistance",
            authored="you requested this temporary assistance",
            must="approve or reject it",
            may="approve under the limits",
        ),
    )
)


async def _outcome(
    session: AsyncSession, assistance_id: uuid.UUID, *, replayed: bool = False
) -> AssistanceOutcome:
    return AssistanceOutcome(await _read(session, assistance_id), replayed)


ONCE = approvals.Once(
    remember_as="assistance_id",
    ident=lambda o: o.view.assistance.id,
    replay=partial(_outcome, replayed=True),
)


# --- requested ----------------------------------------------------------------------------


def _request_problems(req: AssistanceRequest) -> dict[str, str]:
    problems: dict[str, str] = {}
    if req.amount <= 0:
        problems["amount"] = "must be more than 0.00"
    problems |= text_problem("purpose", req.purpose, required=True, maximum=rules.MAX_PURPOSE)
    problems |= text_problem(
        "why_funds_unavailable", req.why_funds_unavailable, required=True, maximum=rules.MAX_WHY
    )
    if (problem := rules.category_problem(req.category)) is not None:
        problems["category"] = problem
    return problems


async def request_assistance(
    session: AsyncSession, actor: Actor, req: AssistanceRequest, *, idempotency_key: str
) -> AssistanceOutcome:
    """Raise a request for temporary financial assistance (B 4.6); it waits for approval."""
    problems = _request_problems(req)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> AssistanceOutcome:
        await invoices.client_and_counterparty(session, req.client_id, req.payee_id)
        # None for a client whose death is confirmed (B 29): their own funds are wound up.
        await deaths.refuse_spending_after_death(session, req.client_id, commits_new_money=True)
        assistance_id = uuid.uuid4()
        values: dict[str, Any] = {
            "client_id": req.client_id,
            "amount": req.amount,
            "purpose": req.purpose.strip(),
            "payee_id": req.payee_id,
            "category": req.category.value,
            "why_funds_unavailable": req.why_funds_unavailable.strip(),
        }
        await repository.insert_assistance(
            session, {"id": assistance_id, "raised_by": actor.principal.subject, **values}
        )
        # It enters the approval queues when this transaction commits.
        await approvals.notify(session, ASSISTANCE, assistance_id)
        after = values | {"status": AssistanceStatus.REQUESTED.value}
        await audit.record(
            session,
            actor,
            "temporary_assistance",
            assistance_id,
            "request",
            after=after,
            client_id=req.client_id,
        )
        return await _outcome(session, assistance_id)

    payload = {
        "client_id": str(req.client_id),
        "amount": req.amount,
        "purpose": req.purpose,
        "payee_id": str(req.payee_id),
        "category": req.category.value,
        "why_funds_unavailable": req.why_funds_unavailable,
    }
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "requestTemporaryAssistance", payload, work
    )


# --- the steps of its life ------------------------------------------------------------------

_ACTIONS = {
    AssistanceEventKind.APPROVED: "approve",
    AssistanceEventKind.REJECTED: "reject",
    AssistanceEventKind.PAID: "record_paid",
    AssistanceEventKind.REPAID: "record_repayment",
}
_OPERATIONS = {
    AssistanceEventKind.APPROVED: "approveTemporaryAssistance",
    AssistanceEventKind.REJECTED: "rejectTemporaryAssistance",
    AssistanceEventKind.PAID: "recordTemporaryAssistancePaid",
    AssistanceEventKind.REPAID: "recordTemporaryAssistanceRepayment",
}


# A step (approve, reject, paid, a repayment), once per idempotency key (``approvals.steps``):
# assistance that awaited approval leaves the queues.
STEPS = steps.Steps(
    agg=ASSISTANCE,
    once=ONCE,
    entity="temporary_assistance",
    awaiting=AssistanceStatus.REQUESTED,
    actions=_ACTIONS,
    operations=_OPERATIONS,
    read=_outcome,
)
Held = approvals.Held[TemporaryAssistance, AssistanceStatus]
Moved = tuple[dict[str, Any], AssistanceStatus]


def claim(assistance: TemporaryAssistance) -> approvals.Claim:
    """What deciding it is judged on: whoever requested it is its one author (R-ROLE-2), its
    amount under the limits for TEMPORARY_ASSISTANCE (R-DEC-2)."""
    raised_by = assistance.raised_by
    return approvals.Claim(raised_by, (raised_by,), SUBJECT, assistance.amount)


async def _decide(
    session: AsyncSession,
    actor: Actor,
    assistance_id: uuid.UUID,
    event: AssistanceEventKind,
    *,
    idempotency_key: str,
    reason: str | None = None,
) -> AssistanceOutcome:
    """Approve or reject (``event``) requested assistance: four eyes (R-ROLE-2), then the
    limits in force today for TEMPORARY_ASSISTANCE (R-DEC-2), the version judged under
    recorded on the event (R-DEC-4). Nothing moves."""
    approved = event is AssistanceEventKind.APPROVED

    async def decide(held: Held) -> Moved:
        row = held.row
        if approved:  # not approved after the client's confirmed death (B 29)
            await deaths.refuse_spending_after_death(session, row.client_id, commits_new_money=True)
        version = await approvals.authorise(
            session,
            actor,
            ASSISTANCE,
            claim(row),
            what=f"temporary assistance of {format_money(row.amount)}",
            on=clock.today(),
        )
        await approvals.append_event(
            session,
            ASSISTANCE,
            assistance_id,
            event,
            actor,
            limit_version_id=version.id,
            reason=reason,
        )
        judged = {"limit_version_id": version.id}
        if approved:
            return judged | {"amount": row.amount}, AssistanceStatus.APPROVED
        return judged, AssistanceStatus.REJECTED

    return await steps.run(
        STEPS,
        session,
        actor,
        assistance_id,
        event,
        decide,
        idempotency_key=idempotency_key,
        payload={"reason": reason} if reason is not None else {},
        reason=reason,
    )


async def approve_assistance(
    session: AsyncSession, actor: Actor, assistance_id: uuid.UUID, *, idempotency_key: str
) -> AssistanceOutcome:
    """Approve requested assistance: not by whoever requested it (R-ROLE-2), within the limits in
    force today (R-DEC-2), recorded with the version judged under (R-DEC-4). Nothing moves."""
    approved = AssistanceEventKind.APPROVED
    return await _decide(session, actor, assistance_id, approved, idempotency_key=idempotency_key)


async def reject_assistance(
    session: AsyncSession,
    actor: Actor,
    assistance_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> AssistanceOutcome:
    """Reject requested assistance, with the reason: whoever may approve it may reject it (the
    same four eyes and limits, R-ROLE-2, R-DEC-2), the version judged under recorded (R-DEC-4)."""
    text = reason.strip()
    problems = text_problem("reason", text, required=True, maximum=rules.MAX_REASON)
    if problems:
        raise ValidationFailed(problems)
    rejected = AssistanceEventKind.REJECTED
    return await _decide(
        session, actor, assistance_id, rejected, idempotency_key=idempotency_key, reason=text
    )


async def record_paid(
    session: AsyncSession,
    actor: Actor,
    assistance_id: uuid.UUID,
    paid_on: date,
    payment_reference: str,
    *,
    idempotency_key: str,
) -> AssistanceOutcome:
    """The council paid approved assistance (B 4.7: the SCAO implements it): the date and the
    council's payment reference. No ledger transfer: the money is the council's, the client's
    account is not touched (R-ACC-2); from now the client owes it (``outstanding``)."""
    ref = payment_reference.strip()
    problems = text_problem(
        "payment_reference", ref, required=True, maximum=rules.MAX_PAYMENT_REFERENCE
    )
    if paid_on > clock.today():
        problems["paid_on"] = "is in the future: record the payment once it is made"
    if problems:
        raise ValidationFailed(problems)

    async def paid(held: Held) -> Moved:
        await approvals.append_event(
            session,
            ASSISTANCE,
            assistance_id,
            AssistanceEventKind.PAID,
            actor,
            paid_on=paid_on,
            payment_reference=ref,
        )
        done = {"paid_on": paid_on.isoformat(), "payment_reference": ref}
        return done, AssistanceStatus.PAID

    return await steps.run(
        STEPS,
        session,
        actor,
        assistance_id,
        AssistanceEventKind.PAID,
        paid,
        idempotency_key=idempotency_key,
        payload={"paid_on": paid_on.isoformat(), "payment_reference": ref},
    )


# --- reads --------------------------------------------------------------------------------


async def get_assistance(
    session: AsyncSession, principal: Principal, assistance_id: uuid.UUID
) -> AssistanceView | None:
    row = await repository.get(session, assistance_id, principal)
    return _view(row) if row is not None else None


async def assistance_by_id(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AssistanceView]:
    """node(id:) and nodes(ids:): the ones the caller may read, in one query."""
    return {r[0].id: _view(r) for r in await repository.get_many(session, ids, principal)}


async def list_outstanding(
    session: AsyncSession,
    principal: Principal,
    *,
    client_id: uuid.UUID | None,
    seek: Seek[AssistanceKey],
) -> list[AssistanceView]:
    rows = await repository.list_outstanding(session, principal, client_id=client_id, seek=seek)
    return [_view(r) for r in rows]


async def events_by_assistance(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[TemporaryAssistanceEvent]]:
    out: dict[uuid.UUID, list[TemporaryAssistanceEvent]] = {}
    for e in await repository.events_of(session, ids):
        out.setdefault(e.assistance_id, []).append(e)
    return out


async def repayments_by_assistance(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[TemporaryAssistanceRepayment]]:
    out: dict[uuid.UUID, list[TemporaryAssistanceRepayment]] = {}
    for r in await repository.repayments_of(session, ids):
        out.setdefault(r.assistance_id, []).append(r)
    return out


def can_approve(principal: Principal, view: AssistanceView, version: LimitVersion | None) -> bool:
    """Whether the caller could approve it now: it awaits approval, they did not request it
    (R-ROLE-2), and their role covers the amount under today's limits (R-DEC-2)."""
    if view.status is not AssistanceStatus.REQUESTED:
        return False
    return approvals.may_decide(principal, claim(view.assistance), version)
