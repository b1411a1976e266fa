"""Use cases of a client's wills and funeral (issue 14 item 5; R-CARE-5, seed 002 B 21, B 28,
B 29.1): each one transaction with its audit rows (R-AUD-1), once per idempotency key; refused,
nothing written, with the reason.

- **A will or codicil found** (B 21.1-21.2): what it is, its date, the day found, where it is
  held and by whom. A correction is a new record superseding the will's current one, with the
  reason (R-AUD-2). Accepted after the client's death too: a will found then names the executor
  who takes the estate (B 29.3).
- **The Court of Protection told** (B 21.1 "notified immediately"): due the day the will was
  found; the clock (DUE, MET, MISSED) is ``common.deadlines.state_on``; recorded once per will
  (when sent, who recorded it, the reference).
- **Funeral wishes** (B 28.1): one current record per client; a correction supersedes it.
- **A funeral plan bought from the client's funds** (B 28.2, R-CARE-5): proposing it raises a
  BEST_INTEREST decision (``decisions.raise_within``: approved within the Appendix 2 limits,
  never by its raiser, R-DEC, R-ROLE-2); its payment (``raise_funeral_plan_payment``, through
  ``payments.raise_for_decision``, then approvePayment and makePayment as every payment) is
  refused unless that decision is APPROVED, and checked again when the payment is approved
  (``refuse_unless_decided``).
- **The death's notification list** (B 29.1 "Solicitor holding the Will"): a will held by a
  solicitor as it stands is an item of it (``solicitors_holding_of``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import deadlines as deadline_clock
from ca_api.common import idempotency
from ca_api.common.deadlines import DeadlineState, state_on
from ca_api.common.keyset import Seek
from ca_api.common.rules import text_problem
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import DecisionDraft, DecisionKind, validate_decision
from ca_api.decisions.service import NewDecision
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.ledger import service as ledger
from ca_api.ledger.rules import Category
from ca_api.money import format_money
from ca_api.payments import raising as payments
from ca_api.payments.views import PaymentOutcome
from ca_api.wills import repository, rules
from ca_api.wills.models import (
    FuneralPlan,
    FuneralPlanPayment,
    FuneralWishes,
    WillCourtNotice,
    WillRecord,
)
from ca_api.wills.rules import WillHolder, WillKind

WILL = "will"
FUNERAL = "funeral"


@dataclass(frozen=True)
class WillView:
    """A will as it stands: its records oldest first (the last is current), the notice to the
    Court of Protection if sent, and the notice's clock today."""

    records: Sequence[WillRecord]
    notice: WillCourtNotice | None
    today: date

    @property
    def first(self) -> WillRecord:
        return self.records[0]

    @property
    def current(self) -> WillRecord:
        return self.records[-1]

    @property
    def notice_due_on(self) -> date:
        return rules.notice_due_on(self.first.found_on)

    @property
    def notice_state(self) -> DeadlineState:
        sent = self.notice.sent_on if self.notice is not None else None
        return state_on(self.notice_due_on, sent, self.today)


@dataclass(frozen=True)
class PlanPaymentView:
    row: FuneralPlanPayment
    status: str  # the payment's: RAISED, APPROVED, MADE, CANCELLED


@dataclass(frozen=True)
class FuneralPlanView:
    plan: FuneralPlan
    decision_status: str
    payments: Sequence[PlanPaymentView]


@dataclass(frozen=True)
class WillsView:
    """A client's wills and funeral: each will, the funeral wishes (their chain), the plans."""

    client_id: uuid.UUID
    wills: Sequence[WillView]
    wishes: Sequence[FuneralWishes]
    plans: Sequence[FuneralPlanView]

    def will(self, will_id: uuid.UUID) -> WillView | None:
        return next((w for w in self.wills if any(r.id == will_id for r in w.records)), None)

    def plan(self, plan_id: uuid.UUID) -> FuneralPlanView | None:
        return next((p for p in self.plans if p.plan.id == plan_id), None)


@dataclass(frozen=True)
class WillsOutcome:
    view: WillsView
    replayed: bool = False


@dataclass(frozen=True)
class PlanPaymentOutcome:
    view: WillsView
    plan_id: uuid.UUID
    payment: PaymentOutcome
    replayed: bool = False


# --- reads ------------------------------------------------------------------------------------


def _will_chains(records: Sequence[WillRecord]) -> list[list[WillRecord]]:
    """A client's wills (each its chain of records, oldest first), in the order found."""
    return sorted(
        rules.chains(records), key=lambda ch: (ch[0].found_on, ch[0].recorded_at, str(ch[0].id))
    )


async def wills_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, WillsView]:
    ids = list(dict.fromkeys(client_ids))
    today = clock.today()
    records: dict[uuid.UUID, list[WillRecord]] = {}
    for r in await repository.wills_of_clients(session, ids):
        records.setdefault(r.client_id, []).append(r)
    notices = {n.will_id: n for n in await repository.notices_of_clients(session, ids)}
    wishes: dict[uuid.UUID, list[FuneralWishes]] = {}
    for w in await repository.wishes_of_clients(session, ids):
        wishes.setdefault(w.client_id, []).append(w)
    plans = list(await repository.plans_of_clients(session, ids))
    decided = await decisions.decisions_by_id(session, [p.decision_id for p in plans])
    paid: dict[uuid.UUID, list[PlanPaymentView]] = {}
    for row in await repository.plan_payments_of_clients(session, ids):
        paid.setdefault(row[0].funeral_plan_id, []).append(PlanPaymentView(row[0], str(row.status)))
    by_client: dict[uuid.UUID, list[FuneralPlanView]] = {}
    for p in plans:
        status = decided[p.decision_id].status.value if p.decision_id in decided else "RAISED"
        by_client.setdefault(p.client_id, []).append(FuneralPlanView(p, status, paid.get(p.id, [])))
    out = {}
    for c in ids:
        chains = _will_chains(records.get(c, []))
        wish_chain = rules.chains(wishes.get(c, []))
        out[c] = WillsView(
            client_id=c,
            wills=[WillView(ch, notices.get(ch[0].id), today) for ch in chains],
            wishes=wish_chain[0] if wish_chain else [],
            plans=by_client.get(c, []),
        )
    return out


async def wills_of(session: AsyncSession, client_id: uuid.UUID) -> WillsView:
    return (await wills_of_clients(session, [client_id]))[client_id]


async def solicitors_holding_of(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[str, str]]]:
    """Seed 002 B 29.1 ("Solicitor holding the Will"), R-DEATH-1: for each of these clients,
    each will that, as it stands, a solicitor holds: (its key, the solicitor's name) for the
    death's notification list; the key is the will's first record, stable through
    corrections. Only the wills' records are read, once for all the clients (a page of
    deceased clients), not their notices nor the funerals ``wills_of_clients`` reads too."""
    records: dict[uuid.UUID, list[WillRecord]] = {c: [] for c in client_ids}
    for r in await repository.wills_of_clients(session, list(records)):
        records[r.client_id].append(r)
    return {
        c: [
            (f"will:{ch[0].id}", ch[-1].holder or "")
            for ch in _will_chains(mine)
            if ch[-1].held_by == WillHolder.SOLICITOR.value
        ]
        for c, mine in records.items()
    }


# --- a will or codicil found (B 21.1-21.2) ------------------------------------------------------


def _clean(v: str | None) -> str | None:
    return v.strip() if v is not None and v.strip() else None


async def _run(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: dict[str, Any],
    work: Any,
) -> WillsOutcome:
    result = await idempotency.run_recorded(session, actor, key, operation, payload, work)
    view = await wills_of(session, uuid.UUID(str(result["client_id"])))
    return WillsOutcome(view, bool(result.get("replayed")))


async def _lock(session: AsyncSession, client_id: uuid.UUID) -> None:
    if await clients.lock_client(session, client_id) is None:
        raise RecordNotFound.of("Client", client_id)


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
    holder, reference, reason = _clean(holder), _clean(reference), _clean(reason)

    async def work() -> dict[str, Any]:
        await _lock(session, client_id)
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
        after = audit.jsonable(
            {k: v for k, v in values.items() if k not in ("id", "client_id", "recorded_by")}
        )
        if supersedes is None:
            after["court_notice_due_on"] = rules.notice_due_on(found_on).isoformat()
        before = (
            audit.jsonable(
                {
                    "will_record_id": supersedes.id,
                    "held_by": supersedes.held_by,
                    "holder": supersedes.holder,
                    "found_on": supersedes.found_on,
                }
            )
            if supersedes is not None
            else None
        )
        await audit.record(
            session,
            actor,
            WILL,
            row.id,
            "correct" if supersedes is not None else "record",
            before=before,
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
    return await _run(session, actor, idempotency_key, "recordWill", payload, work)


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
    reference = _clean(reference)
    problems = text_problem("reference", reference, required=False, maximum=rules.MAX_REFERENCE)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        found = await repository.will(session, will_id)
        if found is None:
            raise RecordNotFound.of("Will", will_id)
        client_id = found.client_id
        await _lock(session, client_id)
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
    return await _run(session, actor, idempotency_key, "recordWillCourtNotice", payload, work)


# --- funeral wishes (B 28.1) --------------------------------------------------------------------


async def record_funeral_wishes(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    wishes: str,
    client_involved: bool,
    source: str | None,
    reason: str | None,
    idempotency_key: str,
) -> WillsOutcome:
    """Record the client's funeral wishes (B 28.1: sought with the client where possible; who
    else told us, ``source``). A second record corrects the first, with the reason (R-AUD-2)."""
    wishes = wishes.strip()
    source, reason = _clean(source), _clean(reason)

    async def work() -> dict[str, Any]:
        await _lock(session, client_id)
        view = await wills_of(session, client_id)
        current = view.wishes[-1] if view.wishes else None
        problems = text_problem("wishes", wishes, required=True, maximum=rules.MAX_TEXT)
        problems |= text_problem("source", source, required=False, maximum=rules.MAX_NAME)
        if not client_involved and source is None:
            problems["source"] = "is required when the client was not involved: who told us"
        if current is not None and reason is None:
            problems["reason"] = "is required: wishes are recorded already; say why this corrects"
        elif current is None and reason is not None:
            problems["reason"] = "is for a correction of wishes recorded before"
        problems |= text_problem("reason", reason, required=False, maximum=rules.MAX_TEXT)
        if problems:
            raise ValidationFailed(problems)
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "wishes": wishes,
            "client_involved": client_involved,
            "source": source,
            "supersedes_id": current.id if current is not None else None,
            "reason": reason,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert_wishes(session, values)
        after = audit.jsonable(
            {k: v for k, v in values.items() if k not in ("id", "client_id", "recorded_by")}
        )
        before = {"wishes": current.wishes} if current is not None else None
        await audit.record(
            session,
            actor,
            FUNERAL,
            row.id,
            "correct_wishes" if current is not None else "record_wishes",
            before=before,
            after=after,
            reason=reason,
            client_id=client_id,
        )
        return {"client_id": str(client_id), "wishes_id": str(row.id)}

    payload = {
        "client_id": str(client_id),
        "wishes": wishes,
        "client_involved": client_involved,
        "source": source,
        "reason": reason,
    }
    return await _run(session, actor, idempotency_key, "recordFuneralWishes", payload, work)


# --- a funeral plan bought from the client's funds (B 28.2) ---------------------------------------


@dataclass(frozen=True)
class PlanProposal:
    client_id: uuid.UUID
    provider: str
    description: str
    amount: int
    payee_id: uuid.UUID
    best_interests_reason: str
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None
    notes: str | None = None


async def propose_funeral_plan(
    session: AsyncSession, actor: Actor, p: PlanProposal, *, idempotency_key: str
) -> WillsOutcome:
    """Propose buying a funeral plan from the client's funds (B 28.2): a BEST_INTEREST decision
    is raised for it (the senior officer completes it; it is approved within the Appendix 2
    limits by another, R-DEC, R-ROLE-2) and the plan recorded linked to it, in one transaction.
    Refused after the client's confirmed death (no decision then, B 29)."""
    provider, description = p.provider.strip(), p.description.strip()
    problems = text_problem("provider", provider, required=True, maximum=rules.MAX_NAME)
    problems |= text_problem("description", description, required=True, maximum=rules.MAX_TEXT)
    if p.amount <= 0:
        problems["amount"] = "must be more than 0.00"
    new = decisions.tidy(
        NewDecision(
            client_id=p.client_id,
            draft=DecisionDraft(
                kind=DecisionKind.BEST_INTEREST,
                amount=p.amount,
                what_was_decided=rules.what_was_decided(
                    provider, description, format_money(p.amount)
                ),
                best_interests_reason=p.best_interests_reason,
                consulted=p.consulted,
                client_involved=p.client_involved,
                why_client_not_involved=p.why_client_not_involved,
                notes=p.notes,
            ),
        )
    )
    if not problems:
        problems |= validate_decision(new.draft, clock.today())
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        await _lock(session, p.client_id)
        try:
            await ledger.counterparty_account(session, p.payee_id)
        except RecordNotFound:
            raise RecordNotFound.of("Counterparty", p.payee_id) from None
        decision_id = await decisions.raise_within(session, actor, new)
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": p.client_id,
            "provider": provider,
            "description": description,
            "amount": p.amount,
            "counterparty_id": p.payee_id,
            "decision_id": decision_id,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert_plan(session, values)
        after = audit.jsonable(
            {k: v for k, v in values.items() if k not in ("id", "client_id", "recorded_by")}
        )
        await audit.record(
            session,
            actor,
            FUNERAL,
            row.id,
            "propose_plan",
            after=after,
            reason=new.draft.best_interests_reason,
            client_id=p.client_id,
        )
        return {"client_id": str(p.client_id), "plan_id": str(row.id)}

    payload = audit.jsonable(
        {
            "client_id": p.client_id,
            "provider": provider,
            "description": description,
            "amount": p.amount,
            "payee_id": p.payee_id,
            "best_interests_reason": new.draft.best_interests_reason,
            "consulted": new.draft.consulted,
            "client_involved": p.client_involved,
            "why_client_not_involved": new.draft.why_client_not_involved,
            "notes": new.draft.notes,
        }
    )
    return await _run(session, actor, idempotency_key, "proposeFuneralPlan", payload, work)


async def raise_funeral_plan_payment(
    session: AsyncSession, actor: Actor, plan_id: uuid.UUID, *, idempotency_key: str
) -> PlanPaymentOutcome:
    """Raise the payment for a funeral plan from the client's CMS account (B 28.2, R-CARE-5):
    refused unless its best interest decision is APPROVED (``rules.plan_payment_problem``), and
    once (a cancelled payment may be raised again). A second officer approves it
    (approvePayment, which checks the decision again) and it is made (makePayment)."""

    async def work() -> dict[str, Any]:
        plan = await repository.plan(session, plan_id, lock=True)
        if plan is None:
            raise RecordNotFound.of("FuneralPlan", plan_id)
        await _lock(session, plan.client_id)
        # Locked as approve, refuse and supersede lock it: its status cannot change under us.
        decision = await approvals.locked(session, decisions.DECISIONS, plan.decision_id)
        view = (await wills_of(session, plan.client_id)).plan(plan_id)
        assert view is not None
        problem = rules.plan_payment_problem(
            decision.status.value, [p.status for p in view.payments]
        )
        if problem is not None:
            raise InvalidState(problem, status=decision.status.value)
        payment_id = await payments.raise_for_decision(
            session,
            actor,
            client_id=plan.client_id,
            payee_id=plan.counterparty_id,
            amount=plan.amount,
            category=Category.OUT_OTHER,
            description=f"Funeral plan: {plan.provider} ({plan.description}), seed 002 B 28.2",
        )
        row = await repository.insert_plan_payment(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": plan.client_id,
                "funeral_plan_id": plan.id,
                "payment_id": payment_id,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {
            "funeral_plan_id": str(plan.id),
            "payment_id": str(payment_id),
            "amount": plan.amount,
            "decision_id": str(plan.decision_id),
            "decision_status": decision.status.value,
        }
        await audit.record(
            session,
            actor,
            FUNERAL,
            row.id,
            "raise_plan_payment",
            after=after,
            client_id=plan.client_id,
        )
        return {"client_id": str(plan.client_id), "payment_id": str(payment_id)}

    result = await idempotency.run_recorded(
        session,
        actor,
        idempotency_key,
        "raiseFuneralPlanPayment",
        {"plan_id": str(plan_id)},
        work,
    )
    done = await payments.payment_outcome(session, uuid.UUID(str(result["payment_id"])))
    view = await wills_of(session, uuid.UUID(str(result["client_id"])))
    return PlanPaymentOutcome(view, plan_id, done, bool(result.get("replayed")))


async def refuse_unless_decided(session: AsyncSession, payment_id: uuid.UUID) -> None:
    """Asked by ``payments.approve_payment`` of every payment: a funeral plan's payment is
    approved only while its best interest decision stands APPROVED (superseded meanwhile: not
    paid, B 28.2, R-CARE-5). Other payments pass."""
    link = await repository.plan_payment_of(session, payment_id)
    if link is None:
        return
    plan = await repository.plan(session, link.funeral_plan_id)
    assert plan is not None
    decision = await approvals.locked(session, decisions.DECISIONS, plan.decision_id)
    if decision.status.value != "APPROVED":
        problem = rules.plan_payment_problem(decision.status.value, [])
        assert problem is not None
        raise InvalidState(problem, status=decision.status.value)


# --- the outstanding list: every will's notice to the Court (B 21.1) ----------------------------


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
    for chain in rules.chains(await repository.all_wills(session)):
        w = WillView(chain, notices.get(chain[0].id), today)
        every.append(NoticeDeadline(w.first.id, w.notice_due_on, w.notice_state, w))
    return deadline_clock.page(every, state=state, seek=seek)


async def refuse_paying_a_funeral_plan_by_hand(
    session: AsyncSession, client_id: uuid.UUID, payee_id: uuid.UUID
) -> None:
    """A payment with no invoice (``raisePayment``) to the provider of a funeral plan proposed
    for the client: refused, since a plan is bought only on its approved best-interest decision,
    through raiseFuneralPlanPayment (R-CARE-5, seed 002 B 28.2)."""
    if not await repository.plan_provided_by(session, client_id, payee_id):
        return  # no plan of the client's is from the payee: nothing to work out
    views = await wills_of_clients(session, [client_id])
    view = views.get(client_id)
    plans = [
        p for p in (view.plans if view is not None else []) if p.plan.counterparty_id == payee_id
    ]
    if plans:
        raise InvalidState(
            f"the payee provides the funeral plan proposed for the client ({plans[0].plan.provider}"
            "): a funeral plan is paid only on its approved best-interest decision, through "
            "raiseFuneralPlanPayment (R-CARE-5, seed 002 B 28.2)"
        )
