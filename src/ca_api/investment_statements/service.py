"""Use cases of investment statements (R-INV-3, seed 002 7.1-7.5): the statement on a new deputy
order, raised as an INVESTMENT_PLAN decision through ``ca_api.decisions.service`` in the same
transaction for the governance manager to agree (R-DEC, four eyes R-ROLE-2), and where each
deputy order's statement stands against its due date."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.common.keyset import Seek
from ca_api.common.rules import MAX_TEXT, text_problem
from ca_api.decisions import rules as decision_rules
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import DecisionDraft, DecisionEventKind, DecisionKind, DecisionStatus
from ca_api.errors import InvalidState, ValidationFailed, existing
from ca_api.investment_statements import repository, rules
from ca_api.investment_statements.models import InvestmentStatement
from ca_api.investment_statements.rules import StatementStatus
from ca_api.money import Pence, format_money


@dataclass(frozen=True)
class NewStatement:
    client_id: uuid.UUID
    deputyship_id: uuid.UUID
    summary: str
    investments_summary: str
    surplus: Pence
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None

    def payload(self) -> dict[str, Any]:
        return {k: str(v) if v is not None else None for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class StatementView:
    statement: InvestmentStatement
    decision_status: DecisionStatus
    approved_on: date | None
    replayed: bool = False  # a repeat of an idempotency key: nothing new was done


async def _decision_statuses(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[DecisionStatus, date | None]]:
    """Each decision's status and the date it was approved (if it was)."""
    events = await decisions.events_by_decision(session, ids)
    out: dict[uuid.UUID, tuple[DecisionStatus, date | None]] = {}
    for i in ids:
        evs = events.get(i, [])
        status = decision_rules.decision_status(DecisionEventKind(e.event) for e in evs)
        approved = next((e.on_date for e in evs if e.event == DecisionEventKind.APPROVED), None)
        out[i] = (status, approved)
    return out


async def statement_views(
    session: AsyncSession, rows: Sequence[InvestmentStatement]
) -> list[StatementView]:
    statuses = await _decision_statuses(session, [r.decision_id for r in rows])
    return [StatementView(r, *statuses[r.decision_id]) for r in rows]


async def statements_by_id(
    session: AsyncSession, principal: Principal, statement_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, StatementView]:
    """The statements with these ids whose client the principal may read (as the list is
    scoped when asked for one client); one missing or hidden is absent."""
    if not statement_ids:
        return {}
    rows = await repository.statements_by_id(session, principal, statement_ids)
    return {v.statement.id: v for v in await statement_views(session, rows)}


async def _replayed_statement(session: AsyncSession, statement_id: uuid.UUID) -> StatementView:
    row = await repository.get_statement(session, statement_id)
    assert row is not None
    return replace((await statement_views(session, [row]))[0], replayed=True)


STATEMENT_ONCE = approvals.Once(
    remember_as="statement_id", ident=lambda v: v.statement.id, replay=_replayed_statement
)


async def record_statement(
    session: AsyncSession, actor: Actor, new: NewStatement, *, idempotency_key: str
) -> StatementView:
    """The investment statement on a new deputy order (R-INV-3, seed 002 7.1-7.5): the client's
    investments and the surplus, raised as an INVESTMENT_PLAN decision for the governance
    manager to agree. One awaiting approval or approved per order; after a refusal, another."""
    summary, investments = new.summary.strip(), new.investments_summary.strip()
    problems = text_problem("summary", summary, required=True, maximum=MAX_TEXT)
    problems |= text_problem("investments_summary", investments, required=True, maximum=MAX_TEXT)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> StatementView:
        existing(await clients.lock_client(session, new.client_id), "Client", new.client_id)
        order = existing(
            await repository.deputyship(session, new.deputyship_id), "Deputyship", new.deputyship_id
        )
        if order.client_id != new.client_id:
            raise ValidationFailed({"deputyship_id": "is not this client's deputy order"})
        for v in await statement_views(
            session, await repository.statements_of(session, [new.deputyship_id])
        ):
            if v.decision_status in (DecisionStatus.RAISED, DecisionStatus.APPROVED):
                raise InvalidState(
                    "this order's investment statement is "
                    f"{'approved' if v.approved_on else 'awaiting approval'} already",
                    statement_id=str(v.statement.id),
                )
        draft = DecisionDraft(
            kind=DecisionKind.INVESTMENT_PLAN,
            amount=max(new.surplus, 0),
            what_was_decided=(
                f"Investment statement for deputy order {order.case_number} of "
                f"{order.order_date.isoformat()}: surplus {format_money(new.surplus)} (R-INV-3)"
            ),
            best_interests_reason=summary,
            consulted=new.consulted,
            client_involved=new.client_involved,
            why_client_not_involved=new.why_client_not_involved,
            notes=investments,
        )
        decision_id = await decisions.raise_within(
            session, actor, decisions.tidy(decisions.NewDecision(new.client_id, draft))
        )
        row = await repository.insert_statement(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": new.client_id,
                "deputyship_id": new.deputyship_id,
                "summary": summary,
                "investments_summary": investments,
                "surplus": new.surplus,
                "decision_id": decision_id,
                "submitted_on": clock.today(),
                "recorded_by": actor.principal.subject,
            },
        )
        after = {
            "deputyship_id": new.deputyship_id,
            "surplus": new.surplus,
            "decision_id": decision_id,
            "submitted_on": row.submitted_on,
        }
        await audit.record(
            session,
            actor,
            "investment_statement",
            row.id,
            "submit",
            after=after,
            client_id=new.client_id,
        )
        return (await statement_views(session, [row]))[0]

    return await approvals.run_once(
        STATEMENT_ONCE,
        session,
        actor,
        idempotency_key,
        "recordInvestmentStatement",
        new.payload(),
        work,
    )


@dataclass(frozen=True)
class StatementDue:
    deputyship_id: uuid.UUID
    client_id: uuid.UUID
    client_reference: str
    case_number: str
    order_date: date
    due_date: date
    status: StatementStatus
    statement: StatementView | None
    on: date

    @property
    def days_overdue(self) -> int:
        """Days past the due date without a submitted statement, or by which it came late."""
        if self.status is StatementStatus.OVERDUE:
            return (self.on - self.due_date).days
        if self.statement is not None:
            return max(0, (self.statement.statement.submitted_on - self.due_date).days)
        return 0

    @property
    def submitted_on(self) -> date | None:
        return self.statement.statement.submitted_on if self.statement is not None else None

    @property
    def approved_on(self) -> date | None:
        """The day its statement was approved, if that was by the date."""
        approved = self.statement.approved_on if self.statement is not None else None
        return approved if approved is not None and approved <= self.on else None


def _as_of(views: Sequence[StatementView], on: date) -> StatementView | None:
    """The statement that stands on ``on``: approved by then, else submitted by then and not
    refused or superseded."""
    known = [v for v in views if v.statement.submitted_on <= on]
    approved = [v for v in known if v.approved_on is not None and v.approved_on <= on]
    if approved:
        return approved[0]
    pending = [
        v
        for v in known
        if v.decision_status is DecisionStatus.RAISED
        or v.decision_status is DecisionStatus.APPROVED
    ]
    return pending[-1] if pending else None


async def statements_due(
    session: AsyncSession,
    on: date,
    *,
    client_id: uuid.UUID | None,
    seek: Seek[tuple[date, uuid.UUID]],
) -> list[StatementDue]:
    """Every deputy order in force on ``on`` with its statement's due date (order date + 3
    calendar months, R-INV-3) and where it stands on that date: the page ``seek`` asks for, in
    the order it is read."""
    orders = await repository.deputyships_in_force(session, on, client_id=client_id, seek=seek)
    by_order: dict[uuid.UUID, list[StatementView]] = defaultdict(list)
    if orders:
        rows = await repository.statements_of(session, [o.id for o in orders])
        for v in await statement_views(session, rows):
            by_order[v.statement.deputyship_id].append(v)
    out = []
    for o in orders:
        due = rules.statement_due(o.order_date)
        standing = _as_of(by_order[o.id], on)
        status = rules.statement_status(
            due,
            on,
            standing.statement.submitted_on if standing else None,
            standing.approved_on if standing else None,
        )
        out.append(
            StatementDue(
                deputyship_id=o.id,
                client_id=o.client_id,
                client_reference=o.client_reference,
                case_number=o.case_number,
                order_date=o.order_date,
                due_date=due,
                status=status,
                statement=standing,
                on=on,
            )
        )
    return out
