"""Use cases for decisions.

Each is one transaction with its audit rows (R-AUD-1). A decision is raised (R-DEC-1), then
approved or refused by someone else (R-ROLE-2) whose role the approval limits in force today
name for its kind and amount (R-DEC-2), recorded with the limit version judged under (R-DEC-4);
or superseded by a new decision (R-AUD-2). Gifts need the order's power and stay within its
yearly limit (R-ORD-1, R-DEC-3) and never go to a council employee (R-ROLE-3), checked when
raised and again when approved. Every move into or out of the approval queue is NOTIFYed in the
same transaction (``approvals.events``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from itertools import groupby
from operator import attrgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import rules as approval_rules
from ca_api.approvals import steps as approval_steps
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.deaths import spending as deaths
from ca_api.decisions import gifts, reads, repository, rules
from ca_api.decisions.models import Decision, DecisionEvent
from ca_api.decisions.reads import DecisionView, view
from ca_api.decisions.rules import (
    DecisionDraft,
    DecisionEventKind,
    DecisionKind,
    DecisionStatus,
)
from ca_api.errors import RecordNotFound, ValidationFailed, existing
from ca_api.money import format_money
from ca_api.policy.rules import LimitVersion

QUEUE_KIND = "DECISION"

# A record named by its GraphQL type: its NotFoundProblem carries the opaque id.
Missing = RecordNotFound.of


# --- what the use cases take and return ---------------------------------------------------


@dataclass(frozen=True)
class NewDecision:
    client_id: uuid.UUID
    draft: DecisionDraft
    recipient_counterparty_id: uuid.UUID | None = None
    # Who wrote what the decision approves, besides whoever raises it (R-ROLE-2), named by the
    # module that raises it: e.g. the officers who recorded a budget plan and its revisions.
    authors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DecisionOutcome:
    decision: DecisionView
    replayed: bool = False


async def _read(session: AsyncSession, decision_id: uuid.UUID) -> DecisionView:
    row = existing(
        await repository.get_decision(session, decision_id, None), "Decision", decision_id
    )
    return view(row)


# --- the approval mechanism's view of a decision (issue 10 item 2) -----------------------

DECISIONS: approvals.Approvable[Decision, DecisionStatus, DecisionEventKind] = approvals.Approvable(
    type_name="Decision",
    owner_column="decision_id",
    lock=repository.lock_decision,
    events_of=repository.events_of,
    status=rules.decision_status,
    transition_problem=rules.transition_problem,
    insert_event=repository.insert_event,
    once_index="uq_decision_event",  # uq_decision_event_decided, uq_decision_event_superseded
    already=lambda _event: "the decision was decided or superseded meanwhile",
    missing=Missing,
    queue_kind=QUEUE_KIND,
    wording=approvals.Wording(
        raised="you raised this decision",
        authored="you wrote what this decision approves (you are one of its authors)",
        must="approve or refuse it",
        may="decide under the approval limits",
    ),
)


async def _outcome(
    session: AsyncSession, decision_id: uuid.UUID, *, replayed: bool = False
) -> DecisionOutcome:
    return DecisionOutcome(await _read(session, decision_id), replayed)


DECISION_ONCE = approvals.Once(
    remember_as="decision_id",
    ident=lambda o: o.decision.decision.id,
    replay=partial(_outcome, replayed=True),
)


def _reason(reason: str, what: str) -> str:
    text = reason.strip()
    if not text:
        raise ValidationFailed({"reason": f"is required: say why the decision is {what}"})
    if len(text) > rules.MAX_TEXT:
        raise ValidationFailed({"reason": f"is longer than {rules.MAX_TEXT} characters"})
    return text


def _payload(new: NewDecision) -> dict[str, Any]:
    authors = {"authors": sorted(new.authors)} if new.authors else {}
    counterparty = new.recipient_counterparty_id
    return authors | {
        "client_id": str(new.client_id),
        **rules.stored(new.draft),
        "recipient_counterparty_id": str(counterparty) if counterparty else None,
    }


# --- raise and supersede ------------------------------------------------------------------


async def _insert_new(
    session: AsyncSession,
    actor: Actor,
    new: NewDecision,
    *,
    supersedes: uuid.UUID | None = None,
    reason: str | None = None,
) -> uuid.UUID:
    d = new.draft
    today = clock.today()
    problems = rules.validate_decision(d, today)
    if new.recipient_counterparty_id is not None and d.kind is not DecisionKind.GIFT:
        problems["recipient_counterparty_id"] = "only a gift has a recipient"
    if problems:
        raise ValidationFailed(problems)
    if not await clients.exists(session, new.client_id):
        raise Missing("Client", new.client_id)
    # The order's authority ended at death: no decision on the client's money after it (B 29).
    await deaths.refuse_spending_after_death(session, new.client_id, commits_new_money=True)
    name_key: str | None = None
    if d.kind is DecisionKind.GIFT:
        assert d.recipient_name is not None  # validated above
        name_key = rules.normalise_name(d.recipient_name)
        gift = gifts.Gift(
            new.client_id,
            d.amount,
            name_key,
            d.recipient_date_of_birth,
            new.recipient_counterparty_id,
        )
        await gifts.check_gift(session, gift, today)
    decision_id = uuid.uuid4()
    values = {
        "id": decision_id,
        "client_id": new.client_id,
        **rules.stored(d),
        "recipient_name_key": name_key,
        "recipient_counterparty_id": new.recipient_counterparty_id,
        "supersedes_id": supersedes,
        "supersede_reason": reason,
        "raised_by": actor.principal.subject,
        "raised_on": today,
    }
    # R-ROLE-2: whoever raises it, whoever the raising module names, and every author of the
    # decision it replaces (a change is the same decision rewritten).
    inherited = await repository.authors(session, supersedes) if supersedes else []
    authors = sorted(approval_rules.authors_of(actor.principal.subject, new.authors, inherited))
    await repository.insert_decision(session, values)
    await repository.insert_authors(session, decision_id, authors)
    after = {k: v for k, v in values.items() if k not in ("id", "recipient_name_key")}
    after |= {"status": DecisionStatus.RAISED.value, "authors": authors}
    action = "supersede" if supersedes else "raise"
    await audit.record(
        session,
        actor,
        "decision",
        decision_id,
        action,
        after=after,
        reason=reason,
        client_id=new.client_id,
    )
    await approvals.notify(session, DECISIONS, decision_id)  # enters the queue
    return decision_id


async def raise_within(session: AsyncSession, actor: Actor, new: NewDecision) -> uuid.UUID:
    """Raise a decision inside the caller's transaction (a placement or a statement and the
    decision that approves it are written together, or not at all). Same checks and audit as
    ``raise_decision``; the caller owns the transaction and the idempotency key."""
    return await _insert_new(session, actor, tidy(new))


def tidy(new: NewDecision) -> NewDecision:
    return replace(new, draft=rules.tidy(new.draft))


async def _once(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: dict[str, Any],
    work: Callable[[], Awaitable[DecisionOutcome]],
) -> DecisionOutcome:
    """Every decision use case: ``work`` once per idempotency key (``approvals.run_once``)."""
    return await approvals.run_once(DECISION_ONCE, session, actor, key, operation, payload, work)


async def _moved(
    session: AsyncSession,
    actor: Actor,
    held: approvals.Held[Decision, DecisionStatus],
    event: DecisionEventKind,
    action: str,
    after: dict[str, Any],
    reason: str | None,
) -> None:
    """After the event: its audit row (the status before and the one the event brings) and the
    approval queue told (the decision leaves it)."""
    decision = held.row
    before = {"status": held.status.value}
    after = {"status": rules.decision_status([event]).value} | after
    await audit.record(
        session,
        actor,
        "decision",
        decision.id,
        action,
        before=before,
        after=after,
        reason=reason,
        client_id=decision.client_id,
    )
    await approvals.notify(session, DECISIONS, decision.id)


async def raise_decision(
    session: AsyncSession, actor: Actor, new: NewDecision, *, idempotency_key: str
) -> DecisionOutcome:
    """Raise a decision to await approval (R-DEC-1); a gift is checked now (R-DEC-3,
    R-ROLE-3) and again when approved."""
    new = tidy(new)

    async def work() -> DecisionOutcome:
        decision_id = await _insert_new(session, actor, new)
        return await _outcome(session, decision_id)

    return await _once(session, actor, idempotency_key, "raiseDecision", _payload(new), work)


async def supersede_decision(
    session: AsyncSession,
    actor: Actor,
    decision_id: uuid.UUID,
    new: NewDecision,
    reason: str,
    *,
    idempotency_key: str,
) -> DecisionOutcome:
    """A change to a decision is a new decision that supersedes the old (R-AUD-2): the old can
    no longer be approved and names its successor; the new awaits approval afresh."""
    new = tidy(new)
    text = _reason(reason, "changed")
    superseded = DecisionEventKind.SUPERSEDED

    async def work() -> DecisionOutcome:
        held = await approvals.locked_for(session, DECISIONS, decision_id, superseded)
        old = held.row
        problems: dict[str, str] = {}
        if new.client_id != old.client_id:
            problems["client_id"] = "a decision is superseded by one for the same client"
        if new.draft.kind.value != old.kind:
            problems["kind"] = f"a {old.kind} decision is superseded by another {old.kind}"
        if problems:
            raise ValidationFailed(problems)
        successor = await _insert_new(session, actor, new, supersedes=decision_id, reason=text)
        await approvals.append_event(
            session,
            DECISIONS,
            decision_id,
            superseded,
            actor,
            on_date=clock.today(),
            superseded_by=successor,
            reason=text,
        )
        await _moved(
            session, actor, held, superseded, "superseded", {"superseded_by": successor}, text
        )
        return await _outcome(session, successor)

    payload = {"decision_id": str(decision_id), "reason": text, "input": _payload(new)}
    return await _once(session, actor, idempotency_key, "supersedeDecision", payload, work)


# --- approve and refuse -------------------------------------------------------------------

# Checks other modules own, run on every approval after four eyes and the limits, in the
# approval's transaction with the decision locked. A check raises a BusinessProblem to refuse
# (nothing is written), or returns what it judged (added to the approval's audit row) or None.
ApprovalCheck = Callable[[AsyncSession, Decision, date], Awaitable[dict[str, Any] | None]]


def approval_checks() -> tuple[ApprovalCheck, ...]:
    """Named here, in one place, so no way into an approval (GraphQL, the demo loader, a CLI)
    can miss one: a lodgement's or placement's surplus rule (R-INV-2, ``lodgements.surplus``).
    Imported when called, since lodgements build on decisions."""
    from ca_api.lodgements import surplus

    return (surplus.on_approval,)


async def _authorise(
    session: AsyncSession, actor: Actor, decision: Decision, today: date
) -> LimitVersion:
    """Four eyes (R-ROLE-2): not whoever raised it nor any of its authors; then the limits in
    force today (R-DEC-2, R-DEC-4)."""
    authors = await repository.authors(session, decision.id)
    what = f"a {decision.kind} decision of {format_money(decision.amount)}"
    claim = reads.claim(decision, authors)
    return await approvals.authorise(session, actor, DECISIONS, claim, what=what, on=today)


async def _approval_checks(
    session: AsyncSession, decision: Decision, today: date
) -> dict[str, Any]:
    """What an approval checks besides four eyes and the limits: a gift again, the order's
    power and yearly limit counting gifts approved meanwhile (R-DEC-3) and the employee
    register as it stands now (R-ROLE-3); then the checks other modules register. Returns
    what they judged, for the audit row."""
    # Nor is one approved after the client's confirmed death (seed 002 B 29).
    await deaths.refuse_spending_after_death(session, decision.client_id, commits_new_money=True)
    if decision.kind == DecisionKind.GIFT.value:
        await clients.lock_client(session, decision.client_id)  # one gift at a time
        assert decision.recipient_name_key is not None
        gift = gifts.Gift(
            decision.client_id,
            decision.amount,
            decision.recipient_name_key,
            decision.recipient_date_of_birth,
            decision.recipient_counterparty_id,
        )
        await gifts.check_gift(session, gift, today)
    judged: dict[str, Any] = {}
    for check in approval_checks():
        judged |= await check(session, decision, today) or {}
    return judged


_VERBS = {DecisionEventKind.APPROVED: "approve", DecisionEventKind.REFUSED: "refuse"}

# Approving or refusing, once per idempotency key (``approvals.steps``): the decision leaves the
# approval queue.
STEPS = approval_steps.Steps(
    agg=DECISIONS,
    once=DECISION_ONCE,
    entity="decision",
    awaiting=DecisionStatus.RAISED,
    actions=_VERBS,
    operations={event: f"{verb}Decision" for event, verb in _VERBS.items()},
    read=_outcome,
)


async def _decide(
    session: AsyncSession,
    actor: Actor,
    decision_id: uuid.UUID,
    event: DecisionEventKind,
    key: str,
    reason: str | None = None,
) -> DecisionOutcome:
    """Approve or refuse (``event``) a RAISED decision: four eyes and the limits in force
    today (``_authorise``), an approval's own checks, then the event with the limit version
    judged under (R-DEC-4)."""

    async def decide(
        held: approvals.Held[Decision, DecisionStatus],
    ) -> tuple[dict[str, Any], DecisionStatus]:
        decision = held.row
        today = clock.today()
        version = await _authorise(session, actor, decision, today)
        after: dict[str, Any] = {"limit_version_id": version.id}
        if event is DecisionEventKind.APPROVED:
            after |= {"amount": decision.amount, "on": today}
            after |= await _approval_checks(session, decision, today)
        event_id = await approvals.append_event(
            session,
            DECISIONS,
            decision_id,
            event,
            actor,
            on_date=today,
            limit_version_id=version.id,
            reason=reason,
        )
        return after | {"event_id": event_id}, rules.decision_status([event])

    payload = {"reason": reason} if reason else {}
    return await approval_steps.run(
        STEPS,
        session,
        actor,
        decision_id,
        event,
        decide,
        idempotency_key=key,
        payload=payload,
        reason=reason,
    )


async def approve_decision(
    session: AsyncSession, actor: Actor, decision_id: uuid.UUID, *, idempotency_key: str
) -> DecisionOutcome:
    """Approve a raised decision: not by whoever raised or wrote it (R-ROLE-2), within the
    approval limits in force today, recorded with the version judged under (R-DEC-4). A gift
    is checked again (R-DEC-3, R-ROLE-3), then the checks other modules own
    (``approval_checks``: a lodgement's or placement's surplus, R-INV-2)."""
    return await _decide(session, actor, decision_id, DecisionEventKind.APPROVED, idempotency_key)


async def refuse_decision(
    session: AsyncSession,
    actor: Actor,
    decision_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> DecisionOutcome:
    """Refuse a raised decision, with the reason. Refusing is deciding: not by whoever raised
    it (R-ROLE-2), and by a role the limits in force name for it (R-DEC-2)."""
    text = _reason(reason, "refused")
    refused = DecisionEventKind.REFUSED
    return await _decide(session, actor, decision_id, refused, idempotency_key, text)


# --- reads other modules make (the rest: ``decisions.reads``) ------------------------------


async def decisions_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, DecisionView]:
    return {row[0].id: view(row) for row in await repository.get_decisions(session, ids)}


async def events_by_decision(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[DecisionEvent]]:
    events = await repository.events_of(session, ids)  # by decision
    return {key: list(group) for key, group in groupby(events, attrgetter("decision_id"))}
