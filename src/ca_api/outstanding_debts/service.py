"""Use cases of a client's outstanding debts found on appointment (issue 14 item 2; R-DEBT-1..3,
seed 002 B 14): each one transaction with its audit rows (R-AUD-1), once per idempotency key;
refused, nothing written, with the reason.

- **A debt found** (B 14.1): creditor, kind, amount, the date incurred, the day found, the
  creditor's reference and the counterparty to pay. A correction is a new record superseding
  the debt's current one, with the reason (R-AUD-2). Accepted after the client's death too (a
  debt found then is still owed); nothing is paid then but through the winding-up (B 29.2).
- **The financial statement** (R-DEBT-3, B 14.4): every debt still owed (its amount less the
  repayments raised against it and not cancelled), in R-DEBT-1's order (B 14.2,
  ``debts.rules.allocate``: the same order as the debts after death), what the client can
  afford shared out in that order; written with its DEBT_STATEMENT decision
  (``decisions.raise_within``, approved within the Appendix 2 limits by another, R-DEC,
  R-ROLE-2; its amount is what the plan pays). Refused after the client's confirmed death.
- **Letters** (R-DEBT-2, B 14.3): where funds are short, one to each creditor the plan leaves
  unpaid, made from the template as text and as a PDF (stored by ``files.service``), with the
  statement; its sending recorded once, and only once the statement is approved.
- **A repayment** (B 14.4): a payment of a debt's share under an APPROVED statement, through
  ``payments.raise_for_decision`` (then approvePayment, which asks ``refuse_unless_agreed``
  again, and makePayment as every payment).
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
from ca_api.common import idempotency
from ca_api.common.rules import text_problem
from ca_api.debts import rules as order
from ca_api.debts.rules import FoundDebtKind
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import DecisionDraft, DecisionKind, validate_decision
from ca_api.decisions.service import NewDecision
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.files import service as files
from ca_api.files.models import StoredFile
from ca_api.files.pdf import text_pdf
from ca_api.files.rules import FileType, sha256
from ca_api.ledger import service as ledger
from ca_api.ledger.rules import Category
from ca_api.money import format_money
from ca_api.outstanding_debts import repository, rules
from ca_api.outstanding_debts.models import (
    DebtLetter,
    DebtLetterSent,
    DebtPlanLine,
    DebtRepaymentPlan,
    OutstandingDebt,
)
from ca_api.payments import raising as payments
from ca_api.payments.views import PaymentOutcome

DEBT = "outstanding_debt"
PLAN = "debt_repayment_plan"
LETTER = "debt_letter"

CATEGORY: dict[FoundDebtKind, Category] = {
    FoundDebtKind.CARE_HOME_PERSONAL_ALLOWANCE: Category.OUT_CARE_FEES,
    FoundDebtKind.COUNCIL_CARE_CONTRIBUTION: Category.OUT_LOCAL_AUTHORITY_CARE_CHARGES,
    FoundDebtKind.OTHER_UNSECURED: Category.OUT_OTHER,
}
LIVE = ("RAISED", "APPROVED", "MADE")  # a repayment's payment not cancelled


@dataclass(frozen=True)
class RepaymentView:
    plan_id: uuid.UUID
    debt_id: uuid.UUID
    amount: int
    payment_id: uuid.UUID
    status: str
    raised_by: str


@dataclass(frozen=True)
class DebtView:
    """A debt as it stands: its records oldest first (the last is current) and its repayments."""

    records: Sequence[OutstandingDebt]
    repayments: Sequence[RepaymentView]

    @property
    def first(self) -> OutstandingDebt:
        return self.records[0]

    @property
    def current(self) -> OutstandingDebt:
        return self.records[-1]

    @property
    def repaid(self) -> int:
        return sum(r.amount for r in self.repayments if r.status in LIVE)

    @property
    def owed(self) -> int:
        return max(0, self.current.amount - self.repaid)


@dataclass(frozen=True)
class LetterView:
    letter: DebtLetter
    sent: DebtLetterSent | None
    file: StoredFile


@dataclass(frozen=True)
class PlanView:
    plan: DebtRepaymentPlan
    decision_status: str
    lines: Sequence[DebtPlanLine]
    letters: Sequence[LetterView]
    repayments: Sequence[RepaymentView]


@dataclass(frozen=True)
class DebtsView:
    client_id: uuid.UUID
    debts: Sequence[DebtView]
    plans: Sequence[PlanView]

    def record(self, record_id: uuid.UUID) -> OutstandingDebt | None:
        return next((r for d in self.debts for r in d.records if r.id == record_id), None)

    def debt(self, debt_id: uuid.UUID) -> DebtView | None:
        return next((d for d in self.debts if any(r.id == debt_id for r in d.records)), None)

    def plan(self, plan_id: uuid.UUID) -> PlanView | None:
        return next((p for p in self.plans if p.plan.id == plan_id), None)


@dataclass(frozen=True)
class DebtsOutcome:
    view: DebtsView
    replayed: bool = False


@dataclass(frozen=True)
class RepaymentOutcome:
    view: DebtsView
    plan_id: uuid.UUID
    payment: PaymentOutcome
    replayed: bool = False


# --- reads ------------------------------------------------------------------------------------


def _chains(rows: Sequence[OutstandingDebt]) -> list[list[OutstandingDebt]]:
    by_supersedes = {r.supersedes_id: r for r in rows if r.supersedes_id is not None}
    out = []
    for first in (r for r in rows if r.supersedes_id is None):
        chain, at = [first], by_supersedes.get(first.id)
        while at is not None:
            chain.append(at)
            at = by_supersedes.get(at.id)
        out.append(chain)
    return out


async def debts_of(session: AsyncSession, client_id: uuid.UUID) -> DebtsView:
    repaid = [
        RepaymentView(
            r[0].plan_id,
            r[0].debt_id,
            r[0].amount,
            r[0].payment_id,
            str(r.status),
            r[0].recorded_by,
        )
        for r in await repository.repayments_of(session, client_id)
    ]
    debts = [
        DebtView(chain, [r for r in repaid if r.debt_id == chain[0].id])
        for chain in _chains(await repository.debts_of(session, client_id))
    ]
    debts.sort(key=lambda d: order.order_key(_as_debt(d)))
    plans = list(await repository.plans_of(session, client_id))
    decided = await decisions.decisions_by_id(session, [p.decision_id for p in plans])
    lines = list(await repository.lines_of(session, client_id))
    sent = {s.letter_id: s for s in await repository.sendings_of(session, client_id)}
    letters = list(await repository.letters_of(session, client_id))
    stored = await files.files_by_id(session, [x.file_id for x in letters])
    views = [
        PlanView(
            plan=p,
            decision_status=decided[p.decision_id].status.value
            if p.decision_id in decided
            else "RAISED",
            lines=[ln for ln in lines if ln.plan_id == p.id],
            letters=[
                LetterView(x, sent.get(x.id), stored[x.file_id])
                for x in letters
                if x.plan_id == p.id
            ],
            repayments=[r for r in repaid if r.plan_id == p.id],
        )
        for p in plans
    ]
    return DebtsView(client_id, debts, views)


def _as_debt(d: DebtView) -> order.Debt:
    c = d.current
    return order.found_debt(
        d.first.id, FoundDebtKind(c.kind), c.incurred_on, c.found_on, c.reference or c.creditor
    )


async def _lock(session: AsyncSession, client_id: uuid.UUID) -> str:
    reference = await clients.lock_client(session, client_id)
    if reference is None:
        raise RecordNotFound.of("Client", client_id)
    return reference


async def _run(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: dict[str, Any],
    work: Any,
) -> DebtsOutcome:
    result = await idempotency.run_recorded(session, actor, key, operation, payload, work)
    view = await debts_of(session, uuid.UUID(str(result["client_id"])))
    return DebtsOutcome(view, bool(result.get("replayed")))


def _clean(v: str | None) -> str | None:
    return v.strip() if v is not None and v.strip() else None


# --- a debt found (B 14.1) --------------------------------------------------------------------


@dataclass(frozen=True)
class FoundDebt:
    client_id: uuid.UUID
    creditor: str
    kind: FoundDebtKind
    amount: int
    incurred_on: date
    found_on: date
    reference: str | None = None
    payee_id: uuid.UUID | None = None
    corrects_debt_id: uuid.UUID | None = None
    reason: str | None = None


async def record_debt(
    session: AsyncSession, actor: Actor, d: FoundDebt, *, idempotency_key: str
) -> DebtsOutcome:
    """Record a debt found on appointment (seed 002 B 14.1); with ``corrects_debt_id`` (any
    record of the debt), a correction of its current record, with the reason (R-AUD-2)."""
    creditor, reference, reason = d.creditor.strip(), _clean(d.reference), _clean(d.reason)

    async def work() -> dict[str, Any]:
        await _lock(session, d.client_id)
        problems = rules.debt_problems(
            creditor=creditor,
            amount=d.amount,
            incurred_on=d.incurred_on,
            found_on=d.found_on,
            today=clock.today(),
        )
        problems |= text_problem("reference", reference, required=False, maximum=rules.MAX_NAME)
        problems |= text_problem(
            "reason", reason, required=d.corrects_debt_id is not None, maximum=rules.MAX_TEXT
        )
        if d.corrects_debt_id is None and reason is not None:
            problems["reason"] = "is for a correction (correctsDebtId)"
        supersedes: OutstandingDebt | None = None
        if d.corrects_debt_id is not None:
            found = (await debts_of(session, d.client_id)).debt(d.corrects_debt_id)
            if found is None:
                raise RecordNotFound.of("OutstandingDebt", d.corrects_debt_id)
            supersedes = found.current
        if d.payee_id is not None:
            try:
                await ledger.counterparty_account(session, d.payee_id)
            except RecordNotFound:
                raise RecordNotFound.of("Counterparty", d.payee_id) from None
        if problems:
            raise ValidationFailed(problems)
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": d.client_id,
            "creditor": creditor,
            "kind": d.kind.value,
            "amount": d.amount,
            "incurred_on": d.incurred_on,
            "found_on": d.found_on,
            "reference": reference,
            "payee_id": d.payee_id,
            "supersedes_id": supersedes.id if supersedes is not None else None,
            "reason": reason,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert_debt(session, values)
        after = audit.jsonable(
            {k: v for k, v in values.items() if k not in ("id", "client_id", "recorded_by")}
        )
        before = (
            audit.jsonable(
                {
                    "debt_record_id": supersedes.id,
                    "creditor": supersedes.creditor,
                    "kind": supersedes.kind,
                    "amount": supersedes.amount,
                    "incurred_on": supersedes.incurred_on,
                }
            )
            if supersedes is not None
            else None
        )
        await audit.record(
            session,
            actor,
            DEBT,
            row.id,
            "correct" if supersedes is not None else "record",
            before=before,
            after=after,
            reason=reason,
            client_id=d.client_id,
        )
        return {"client_id": str(d.client_id), "debt_record_id": str(row.id)}

    payload = audit.jsonable(
        {
            "client_id": d.client_id,
            "creditor": creditor,
            "kind": d.kind.value,
            "amount": d.amount,
            "incurred_on": d.incurred_on,
            "found_on": d.found_on,
            "reference": reference,
            "payee_id": d.payee_id,
            "corrects_debt_id": d.corrects_debt_id,
            "reason": reason,
        }
    )
    return await _run(session, actor, idempotency_key, "recordOutstandingDebt", payload, work)


# --- the financial statement, its plan and the letters (R-DEBT-1..3, B 14.2-14.4) ---------------


@dataclass(frozen=True)
class StatementRequest:
    client_id: uuid.UUID
    funds_available: int
    best_interests_reason: str
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None
    notes: str | None = None


async def produce_statement(
    session: AsyncSession, actor: Actor, s: StatementRequest, *, idempotency_key: str
) -> DebtsOutcome:
    """Produce the financial statement of the client's outstanding debts with the plan to clear
    them (R-DEBT-3, B 14.4): every debt still owed in R-DEBT-1's order (B 14.2), what the client
    can afford shared out in that order (``debts.rules.allocate``), raised as a DEBT_STATEMENT
    decision for what it pays (approved within the Appendix 2 limits by another: SCAO or TGM,
    B 14.4); where funds are short, the letter to each creditor left unpaid (R-DEBT-2, B 14.3)
    as text and PDF. All in one transaction."""
    problems: dict[str, str] = {}
    if s.funds_available < 0:
        problems["funds_available"] = "cannot be negative"
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        client_reference = await _lock(session, s.client_id)
        view = await debts_of(session, s.client_id)
        owed = [d for d in view.debts if d.owed > 0]
        if not owed:
            raise InvalidState(
                "the client has no outstanding debt recorded: record the debts first"
            )
        by_id = {d.first.id: d for d in owed}
        allocations = order.allocate([(_as_debt(d), d.owed) for d in owed], s.funds_available)
        today = clock.today()
        lines = [
            rules.Line(
                allocation=a,
                creditor=by_id[a.debt.invoice_id].current.creditor,
                kind=FoundDebtKind(by_id[a.debt.invoice_id].current.kind),
                incurred_on=by_id[a.debt.invoice_id].current.incurred_on,
                reference=by_id[a.debt.invoice_id].current.reference,
            )
            for a in allocations
        ]
        statement = rules.statement_text(client_reference, s.funds_available, lines, today)
        total_owed = sum(a.owed for a in allocations)
        total_paid = sum(a.allocated for a in allocations)
        new = decisions.tidy(
            NewDecision(
                client_id=s.client_id,
                draft=DecisionDraft(
                    kind=DecisionKind.DEBT_STATEMENT,
                    amount=total_paid,
                    what_was_decided=rules.what_was_decided(lines),
                    best_interests_reason=s.best_interests_reason,
                    consulted=s.consulted,
                    client_involved=s.client_involved,
                    why_client_not_involved=s.why_client_not_involved,
                    notes=s.notes,
                ),
            )
        )
        invalid = validate_decision(new.draft, today)
        if invalid:
            raise ValidationFailed(invalid)
        decision_id = await decisions.raise_within(session, actor, new)
        short = order.funds_short(allocations)
        plan = await repository.insert_plan(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": s.client_id,
                "funds_available": s.funds_available,
                "total_owed": total_owed,
                "total_allocated": total_paid,
                "funds_short": short,
                "statement": statement,
                "decision_id": decision_id,
                "recorded_by": actor.principal.subject,
            },
        )
        for ln in lines:
            a = ln.allocation
            await repository.insert_line(
                session,
                {
                    "id": uuid.uuid4(),
                    "client_id": s.client_id,
                    "plan_id": plan.id,
                    "debt_id": a.debt.invoice_id,
                    "record_id": by_id[a.debt.invoice_id].current.id,
                    "position": a.position,
                    "owed": a.owed,
                    "allocated": a.allocated,
                    "recorded_by": actor.principal.subject,
                },
            )
        written = []
        to_write = {a.debt.invoice_id for a in order.creditors_to_write_to(allocations)}
        for ln in lines:
            if ln.allocation.debt.invoice_id not in to_write:
                continue
            body = rules.letter_text(client_reference, ln, today)
            data = text_pdf(body)
            stored = await files.store(
                session,
                actor,
                files.CheckedFile(data, FileType.PDF, sha256(data)),
                why=f"letter to {ln.creditor}: the client cannot repay (R-DEBT-2)",
                client_id=s.client_id,
            )
            row = await repository.insert_letter(
                session,
                {
                    "id": uuid.uuid4(),
                    "client_id": s.client_id,
                    "plan_id": plan.id,
                    "debt_id": ln.allocation.debt.invoice_id,
                    "creditor": ln.creditor,
                    "body": body,
                    "file_id": stored.id,
                    "recorded_by": actor.principal.subject,
                },
            )
            written.append({"letter_id": str(row.id), "creditor": ln.creditor})
        after = {
            "funds_available": s.funds_available,
            "total_owed": total_owed,
            "total_allocated": total_paid,
            "funds_short": short,
            "decision_id": str(decision_id),
            "order": [
                {
                    "debt_id": str(a.debt.invoice_id),
                    "position": a.position,
                    "owed": a.owed,
                    "allocated": a.allocated,
                }
                for a in allocations
            ],
            "letters": written,
        }
        await audit.record(
            session, actor, PLAN, plan.id, "produce_statement", after=after, client_id=s.client_id
        )
        return {"client_id": str(s.client_id), "plan_id": str(plan.id)}

    payload = audit.jsonable(
        {
            "client_id": s.client_id,
            "funds_available": s.funds_available,
            "best_interests_reason": s.best_interests_reason,
            "consulted": s.consulted,
            "client_involved": s.client_involved,
            "why_client_not_involved": s.why_client_not_involved,
            "notes": s.notes,
        }
    )
    return await _run(session, actor, idempotency_key, "produceDebtStatement", payload, work)


async def record_letter_sent(
    session: AsyncSession,
    actor: Actor,
    letter_id: uuid.UUID,
    *,
    sent_on: date,
    idempotency_key: str,
) -> DebtsOutcome:
    """Record a letter to a creditor sent (R-DEBT-2, B 14.3): once, only under an approved
    statement (what it says is paid is then agreed), not before it was made, not in the future."""

    async def work() -> dict[str, Any]:
        found = await repository.letter(session, letter_id)
        if found is None:
            raise RecordNotFound.of("DebtLetter", letter_id)
        await _lock(session, found.client_id)
        view = (await debts_of(session, found.client_id)).plan(found.plan_id)
        assert view is not None
        if view.decision_status != "APPROVED":
            raise InvalidState(
                f"the financial statement is {view.decision_status}: its letters are sent once "
                "it is approved (R-DEBT-3, seed 002 B 14.4)",
                status=view.decision_status,
            )
        letter = next(x for x in view.letters if x.letter.id == letter_id)
        problem = rules.letter_problem(
            letter.sent is not None, sent_on, found.recorded_at.date(), clock.today()
        )
        if problem is not None:
            if letter.sent is not None:
                raise InvalidState(problem)
            raise ValidationFailed({"sent_on": problem})
        row = await repository.insert_sending(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": found.client_id,
                "letter_id": letter_id,
                "sent_on": sent_on,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            LETTER,
            row.id,
            "sent",
            after={
                "letter_id": str(letter_id),
                "creditor": found.creditor,
                "sent_on": sent_on.isoformat(),
            },
            client_id=found.client_id,
        )
        return {"client_id": str(found.client_id), "sending_id": str(row.id)}

    payload = {"letter_id": str(letter_id), "sent_on": sent_on.isoformat()}
    return await _run(session, actor, idempotency_key, "recordDebtLetterSent", payload, work)


async def raise_repayment(
    session: AsyncSession,
    actor: Actor,
    plan_id: uuid.UUID,
    debt_id: uuid.UUID,
    *,
    idempotency_key: str,
) -> RepaymentOutcome:
    """Raise the payment of a debt's share under an approved statement (B 14.4): its amount the
    plan's allocation (no more than is still owed), to the debt's payee, once per plan and debt
    (a cancelled one may be raised again); approved (four eyes, limits, the hold) and made as
    every payment."""

    async def work() -> dict[str, Any]:
        plan = await repository.plan(session, plan_id, lock=True)
        if plan is None:
            raise RecordNotFound.of("DebtRepaymentPlan", plan_id)
        await _lock(session, plan.client_id)
        decision = await approvals.locked(session, decisions.DECISIONS, plan.decision_id)
        view = await debts_of(session, plan.client_id)
        debt = view.debt(debt_id)
        pv = view.plan(plan_id)
        assert pv is not None
        line = next((ln for ln in pv.lines if debt and ln.debt_id == debt.first.id), None)
        if debt is None or line is None:
            raise RecordNotFound.of("OutstandingDebt", debt_id)
        raised = any(r.debt_id == debt.first.id and r.status in LIVE for r in pv.repayments)
        problem = rules.repayment_problem(
            decision.status.value, line.allocated, debt.current.payee_id is not None, raised
        )
        if problem is not None:
            raise InvalidState(problem, status=decision.status.value)
        amount = min(line.allocated, debt.owed)  # repaid meanwhile under another plan
        if amount <= 0:
            raise InvalidState("nothing is still owed on this debt: it is repaid already")
        assert debt.current.payee_id is not None
        payment_id = await payments.raise_for_decision(
            session,
            actor,
            client_id=plan.client_id,
            payee_id=debt.current.payee_id,
            amount=amount,
            category=CATEGORY[FoundDebtKind(debt.current.kind)],
            description=f"Debt to {debt.current.creditor} found on appointment, repaid in "
            f"R-DEBT-1's order (position {line.position}), seed 002 B 14",
        )
        row = await repository.insert_repayment(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": plan.client_id,
                "plan_id": plan.id,
                "debt_id": debt.first.id,
                "amount": amount,
                "payment_id": payment_id,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            DEBT,
            row.id,
            "raise_repayment",
            after={
                "plan_id": str(plan.id),
                "debt_id": str(debt.first.id),
                "payment_id": str(payment_id),
                "amount": amount,
                "decision_status": decision.status.value,
            },
            client_id=plan.client_id,
        )
        return {"client_id": str(plan.client_id), "payment_id": str(payment_id)}

    result = await idempotency.run_recorded(
        session,
        actor,
        idempotency_key,
        "raiseDebtRepayment",
        {"plan_id": str(plan_id), "debt_id": str(debt_id)},
        work,
    )
    done = await payments.payment_outcome(session, uuid.UUID(str(result["payment_id"])))
    view = await debts_of(session, uuid.UUID(str(result["client_id"])))
    return RepaymentOutcome(view, plan_id, done, bool(result.get("replayed")))


async def refuse_unless_agreed(session: AsyncSession, payment_id: uuid.UUID) -> None:
    """Asked by ``payments.approve_payment`` of every one-off decided payment: a debt's repayment
    is approved only while its financial statement stands APPROVED (R-DEBT-3). Others pass."""
    link = await repository.repayment_of(session, payment_id)
    if link is None:
        return
    plan = await repository.plan(session, link.plan_id)
    assert plan is not None
    decision = await approvals.locked(session, decisions.DECISIONS, plan.decision_id)
    if decision.status.value != "APPROVED":
        problem = rules.repayment_problem(decision.status.value, 1, True, False)
        assert problem is not None
        raise InvalidState(problem, status=decision.status.value)


async def refuse_paying_a_creditor_by_hand(
    session: AsyncSession, client_id: uuid.UUID, payee_id: uuid.UUID
) -> None:
    """A payment with no invoice (``raisePayment``) to a creditor of a debt found on
    appointment that is still owed: refused, since found debts are repaid through the approved
    plan in R-DEBT-1's order (raiseDebtRepayment, B 14.2), never by a plain payment that could
    pay a later creditor first."""
    if not await repository.owes_payee(session, client_id, payee_id):
        return  # no debt names the payee: nothing to work out
    owed = [
        d
        for d in (await debts_of(session, client_id)).debts
        if d.current.payee_id == payee_id and d.owed > 0
    ]
    if owed:
        raise InvalidState(
            f"the payee is a creditor of a debt found on appointment ({owed[0].current.creditor}, "
            f"{format_money(owed[0].owed)} owed): it is repaid through the approved repayment plan "
            "in R-DEBT-1's order (raiseDebtRepayment, seed 002 B 14.2), not by a plain payment"
        )
