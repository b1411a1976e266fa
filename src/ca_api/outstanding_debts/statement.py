"""The financial statement of a client's outstanding debts (R-DEBT-3, seed 002 B 14.2-14.4):
every debt still owed in R-DEBT-1's order, what the client can afford shared out in that order and
written with its DEBT_STATEMENT decision; where funds are short, the letters to the creditors left
unpaid (R-DEBT-2, B 14.3) and their sending, recorded once the statement is approved."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.debts import rules as order
from ca_api.debts.rules import FoundDebtKind
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import DecisionDraft, DecisionKind, validate_decision
from ca_api.decisions.service import NewDecision
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.files import service as files
from ca_api.files.pdf import text_pdf
from ca_api.files.rules import FileType, sha256
from ca_api.outstanding_debts import repository, rules
from ca_api.outstanding_debts.reads import DebtsOutcome, as_debt, debts_of, lock, run

PLAN = "debt_repayment_plan"
LETTER = "debt_letter"


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
        client_reference = await lock(session, s.client_id)
        view = await debts_of(session, s.client_id)
        owed = [d for d in view.debts if d.owed > 0]
        if not owed:
            raise InvalidState(
                "the client has no outstanding debt recorded: record the debts first"
            )
        by_id = {d.first.id: d for d in owed}
        allocations = order.allocate([(as_debt(d), d.owed) for d in owed], s.funds_available)
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
    return await run(session, actor, idempotency_key, "produceDebtStatement", payload, work)


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
        await lock(session, found.client_id)
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
    return await run(session, actor, idempotency_key, "recordDebtLetterSent", payload, work)
