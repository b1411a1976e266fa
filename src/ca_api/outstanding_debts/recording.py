"""A debt found on appointment recorded (seed 002 B 14.1): creditor, kind, amount, the dates
incurred and found, the creditor's reference and the counterparty to pay; a correction is a new
record superseding the debt's current one, with the reason (R-AUD-2). Accepted after the client's
death too (a debt found then is still owed); nothing is paid then but through the winding-up
(B 29.2)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common.rules import optional_text, text_problem
from ca_api.debts.rules import FoundDebtKind
from ca_api.errors import RecordNotFound, ValidationFailed
from ca_api.ledger import counterparties as ledger
from ca_api.outstanding_debts import repository, rules
from ca_api.outstanding_debts.models import (
    OutstandingDebt,
)
from ca_api.outstanding_debts.reads import DEBT, DebtsOutcome, debts_of, lock, run


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
    creditor, reference, reason = (
        d.creditor.strip(),
        optional_text(d.reference),
        optional_text(d.reason),
    )

    async def work() -> dict[str, Any]:
        await lock(session, d.client_id)
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
        await audit.record_version(
            session,
            actor,
            DEBT,
            row.id,
            superseded=None
            if supersedes is None
            else {
                "debt_record_id": supersedes.id,
                "creditor": supersedes.creditor,
                "kind": supersedes.kind,
                "amount": supersedes.amount,
                "incurred_on": supersedes.incurred_on,
            },
            after=audit.written(values),
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
    return await run(session, actor, idempotency_key, "recordOutstandingDebt", payload, work)
