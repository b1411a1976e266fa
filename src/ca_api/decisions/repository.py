"""Every SQL statement of decisions, the derived status, and row scoping."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    any_,
    bindparam,
    exists,
    false,
    func,
    insert,
    not_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.approvals.repository import before_any, derived_status, has_events
from ca_api.auth.permissions import DECISION_READ
from ca_api.auth.principal import Principal
from ca_api.clients.models import Client
from ca_api.common.keyset import (
    PageShape,
    Seek,
    in_order,
    keyset_bound,
    page_shape,
    seek_values,
)
from ca_api.db import fixed, get_by_id, rows_where_in
from ca_api.decisions.models import Decision, DecisionAuthor, DecisionCurrent, DecisionEvent
from ca_api.decisions.rules import (
    DECISION_STATUSES,
    DecisionEventKind,
    DecisionKind,
    DecisionStatus,
)

# --- row scoping --------------------------------------------------------------------------


def readable(principal: Principal | None) -> ColumnElement[bool]:
    """Decisions are read by the caseload's officers and audit (DECISION_READ); ``None``: the
    service itself, reading what it has just written."""
    return true() if may_read(principal) else false()


def may_read(principal: Principal | None) -> bool:
    """Whether ``readable`` lets every row through (a statement built once takes it so)."""
    return principal is None or principal.has_any(DECISION_READ)


# --- the status ---------------------------------------------------------------------------


def _has(decision_id: Any, *events: DecisionEventKind) -> ColumnElement[bool]:
    return has_events(DecisionEvent, "decision_id", decision_id)([ev.value for ev in events])


def status_of(decision_id: Any) -> ColumnElement[str]:
    """The decision's status: its current row (``decision_current``, kept from its events by
    the database in the same transaction, migration 0048), one index probe."""
    dc = aliased(DecisionCurrent)
    return select(dc.status).where(dc.decision_id == decision_id).scalar_subquery()


def status_derived(decision_id: Any) -> ColumnElement[str]:
    """rules.decision_status, in SQL from the events: built from the same status table (the
    agreement test's other side; ``approvals.repository.derived_status``)."""
    return derived_status(
        DecisionEvent, "decision_id", decision_id, DECISION_STATUSES, DecisionStatus.RAISED
    )


def raised(decision_id: Any) -> ColumnElement[bool]:
    """Still RAISED (awaiting a decision), from the events: ``status_derived(...) == RAISED``
    as one NOT EXISTS (the agreement test's)."""
    return before_any(DECISION_STATUSES, has_events(DecisionEvent, "decision_id", decision_id))


def authors_of(decision_id: Any) -> ColumnElement[list[str]]:
    """The decision's authors (R-ROLE-2), sorted, as a text[]."""
    a = aliased(DecisionAuthor)
    return func.array(
        select(a.author).where(a.decision_id == decision_id).order_by(a.author).scalar_subquery()
    )


@functools.cache
def _view() -> Any:
    """Built once: a decision with its client's reference, its current status (the current row,
    joined) and its authors."""
    return (
        select(
            Decision,
            Client.reference.label("client_reference"),
            DecisionCurrent.status.label("status"),
            authors_of(Decision.id).label("authors"),
        )
        .join(Client, Client.id == Decision.client_id)
        .join(DecisionCurrent, DecisionCurrent.decision_id == Decision.id)
    )


# --- decisions ----------------------------------------------------------------------------


async def insert_decision(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(Decision).values(values))


async def insert_authors(
    session: AsyncSession, decision_id: uuid.UUID, authors: Sequence[str]
) -> None:
    rows = [{"decision_id": decision_id, "author": a} for a in authors]
    await session.execute(insert(DecisionAuthor), rows)


async def authors(session: AsyncSession, decision_id: uuid.UUID) -> list[str]:
    stmt = select(DecisionAuthor.author).where(DecisionAuthor.decision_id == decision_id)
    return sorted((await session.execute(stmt)).scalars())


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> int:
    stmt = insert(DecisionEvent).values(values).returning(DecisionEvent.id)
    return int((await session.execute(stmt)).scalar_one())


async def lock_decision(session: AsyncSession, decision_id: uuid.UUID) -> Decision | None:
    return await get_by_id(session, Decision, decision_id, lock=True)


async def events_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[DecisionEvent]:
    """The decisions' events, by decision then oldest first."""
    by = DecisionEvent.decision_id
    return await rows_where_in(session, DecisionEvent, by, ids, by, DecisionEvent.id)


async def get_decision(
    session: AsyncSession, decision_id: uuid.UUID, principal: Principal | None
) -> Row[Any] | None:
    stmt = _view().where(Decision.id == decision_id, readable(principal))
    return (await session.execute(stmt)).one_or_none()


async def get_decisions(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[Row[Any]]:
    return (await session.execute(_view().where(Decision.id.in_(ids)))).all()


async def readable_decisions(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Row[Any]]:
    """The decisions with these ids that the principal may read, in one query (node(id:))."""
    stmt = _view().where(Decision.id.in_(set(ids)), readable(principal))
    return (await session.execute(stmt)).all()


async def successors_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    stmt = select(Decision.supersedes_id, Decision.id).where(Decision.supersedes_id.in_(ids))
    return {row[0]: row[1] for row in (await session.execute(stmt)).all() if row[0] is not None}


@dataclass(frozen=True)
class DecisionFilter:
    client_id: uuid.UUID | None = None
    kind: DecisionKind | None = None
    status: DecisionStatus | None = None


async def list_decisions(
    session: AsyncSession,
    principal: Principal,
    flt: DecisionFilter,
    *,
    seek: Seek[tuple[datetime, uuid.UUID]],
) -> Sequence[Row[Any]]:
    """A page of decisions, newest first; a status is read off the current row, in the order of
    its index (status, raised_at, id)."""
    stmt = _decisions_statement(
        may_read(principal),
        flt.client_id is not None,
        flt.kind is not None,
        flt.status is not None,
        page_shape(seek),
    )
    values = {
        "client_id": flt.client_id,
        "kind": flt.kind.value if flt.kind is not None else None,
        "status": flt.status.value if flt.status is not None else None,
        **seek_values(seek),
    }
    return (await session.execute(stmt, values)).all()


@functools.cache
def _decisions_statement(
    readable: bool, by_client: bool, by_kind: bool, by_status: bool, page: PageShape
) -> Any:
    """``list_decisions``' statement, built once for each shape (issue 18 item 3): the client,
    kind, status, cursor and limit bound when it runs."""
    stmt = _view().where(true() if readable else false())
    if by_client:
        stmt = stmt.where(Decision.client_id == bindparam("client_id"))
    if by_kind:
        stmt = stmt.where(Decision.kind == bindparam("kind"))
    if by_status:
        stmt = stmt.where(DecisionCurrent.status == bindparam("status"))
    # One client's: its few decisions by its index, then sorted; else a status's page walks
    # its index in order.
    if by_status and not by_client:
        raised_at, ident = DecisionCurrent.raised_at, DecisionCurrent.decision_id
    else:
        raised_at, ident = Decision.raised_at, Decision.id
    return keyset_bound(stmt, page, raised_at.desc(), ident.desc())


def _raised_ids() -> Any:
    dc = aliased(DecisionCurrent)
    return (
        select(dc.decision_id)
        .where(dc.status == fixed(DecisionStatus.RAISED.value))
        .scalar_subquery()
    )


async def awaiting(
    session: AsyncSession,
    *,
    not_raised_by: str,
    decision_id: uuid.UUID | None = None,
    seek: Seek[tuple[datetime, uuid.UUID]] | None = None,
) -> Sequence[Row[Any]]:
    """RAISED decisions ``not_raised_by`` neither raised nor wrote (R-ROLE-2), oldest first;
    only the page ``seek`` asks for, by (raised at, id), when given."""
    a = aliased(DecisionAuthor)
    stmt = _view().where(
        Decision.raised_by != not_raised_by,
        not_(exists().where(a.decision_id == Decision.id, a.author == not_raised_by)),
        DecisionCurrent.status == fixed(DecisionStatus.RAISED.value),  # its partial index
    )
    if seek is None:
        # The whole queue: the RAISED ones read off their partial index first, then each
        # decision by its key (as one array): joined instead, the planner hashes every decision
        # (2x slower at 60,000 decisions, 600 raised). A page walks the partial index in order
        # instead, joined, and stops at the page (0.3 ms where the array's plan sorted all
        # 600: 11 ms).
        stmt = stmt.where(Decision.id == any_(func.array(_raised_ids())))
    if decision_id is not None:
        stmt = stmt.where(Decision.id == decision_id)
    order = (DecisionCurrent.raised_at, DecisionCurrent.decision_id)
    return (await session.execute(in_order(stmt, seek, *order))).all()


async def gifts_approved(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> int:
    """The total of the client's gifts approved from ``start`` to ``end`` (inclusive) and not
    since superseded (a superseded gift is replaced by its successor)."""
    e = aliased(DecisionEvent)
    stmt = (
        select(func.coalesce(func.sum(Decision.amount), 0))
        .join(e, e.decision_id == Decision.id)
        .where(
            Decision.client_id == client_id,
            Decision.kind == DecisionKind.GIFT.value,
            e.event == DecisionEventKind.APPROVED.value,
            e.on_date >= start,
            e.on_date <= end,
            not_(_has(Decision.id, DecisionEventKind.SUPERSEDED)),
        )
    )
    return int((await session.execute(stmt)).scalar_one())
