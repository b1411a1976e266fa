"""A client's outstanding debts found on appointment as they stand (issue 14 item 2; R-DEBT-1,
seed 002 B 14): each debt's records and repayments in R-DEBT-1's order, the statements with their
plans and letters; and the outcome each use case returns them in, run under the client's lock
once per idempotency key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import corrections, idempotency
from ca_api.debts import rules as order
from ca_api.debts.rules import FoundDebtKind
from ca_api.decisions import service as decisions
from ca_api.errors import RecordNotFound
from ca_api.files import service as files
from ca_api.files.models import StoredFile
from ca_api.outstanding_debts import repository
from ca_api.outstanding_debts.models import (
    DebtLetter,
    DebtLetterSent,
    DebtPlanLine,
    DebtRepaymentPlan,
    OutstandingDebt,
)

DEBT = "outstanding_debt"
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


# --- reads ------------------------------------------------------------------------------------


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
        for chain in corrections.chains(await repository.debts_of(session, client_id))
    ]
    debts.sort(key=lambda d: order.order_key(as_debt(d)))
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


def as_debt(d: DebtView) -> order.Debt:
    c = d.current
    return order.found_debt(
        d.first.id, FoundDebtKind(c.kind), c.incurred_on, c.found_on, c.reference or c.creditor
    )


async def lock(session: AsyncSession, client_id: uuid.UUID) -> str:
    reference = await clients.lock_client(session, client_id)
    if reference is None:
        raise RecordNotFound.of("Client", client_id)
    return reference


async def run(
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
