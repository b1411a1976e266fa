"""The reads of decisions the GraphQL layer and the approval queue make: one decision, a page,
successors and gift recipients, and whether the caller may decide one now (R-ROLE-2, R-DEC-2).
The reads other modules make stay in ``decisions.service`` (``decisions_by_id``,
``events_by_decision``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals import mechanism as approvals
from ca_api.auth.principal import Principal
from ca_api.common.keyset import Seek
from ca_api.decisions import repository, rules
from ca_api.decisions.models import Decision
from ca_api.decisions.rules import DecisionKind, DecisionStatus
from ca_api.policy.rules import LimitVersion


@dataclass(frozen=True)
class DecisionView:
    decision: Decision
    client_reference: str
    status: DecisionStatus
    authors: tuple[str, ...] = ()  # everyone who wrote it, the raiser included (R-ROLE-2)


def view(row: Any) -> DecisionView:
    """A decision as ``repository`` reads it (the row, its client's reference, its status and
    authors)."""
    return DecisionView(
        decision=row[0],
        client_reference=row.client_reference,
        status=DecisionStatus(row.status),
        authors=tuple(row.authors),
    )


async def get_decision(
    session: AsyncSession, principal: Principal, decision_id: uuid.UUID
) -> DecisionView | None:
    row = await repository.get_decision(session, decision_id, principal)
    return view(row) if row is not None else None


async def list_decisions(
    session: AsyncSession,
    principal: Principal,
    flt: repository.DecisionFilter,
    *,
    seek: Seek[tuple[datetime, uuid.UUID]],
) -> list[DecisionView]:
    rows = await repository.list_decisions(session, principal, flt, seek=seek)
    return [view(r) for r in rows]


async def decisions_by_id(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, DecisionView]:
    """The decisions with these ids the caller may read, as ``get_decision`` scopes one."""
    rows = await repository.readable_decisions(session, principal, ids)
    return {row[0].id: view(row) for row in rows}


async def successors(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    return await repository.successors_of(session, ids)


def claim(decision: Decision, authors: Sequence[str]) -> approvals.Claim:
    """What deciding it is judged on: its authors (R-ROLE-2), its kind's row of the approval
    limits and its amount (R-DEC-2)."""
    subject = rules.SUBJECT[DecisionKind(decision.kind)]
    return approvals.Claim(decision.raised_by, authors, subject, decision.amount)


def can_approve(principal: Principal, view: DecisionView, version: LimitVersion | None) -> bool:
    """Whether the principal may approve or refuse it now: it is RAISED, they neither raised it
    nor wrote any of it (R-ROLE-2), and their role covers it under the limits in force
    (R-DEC-2)."""
    if view.status is not DecisionStatus.RAISED:
        return False
    return approvals.may_decide(principal, claim(view.decision, view.authors), version)
