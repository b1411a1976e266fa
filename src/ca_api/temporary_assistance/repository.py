"""Every SQL statement of temporary financial assistance: the derived status, what was repaid,
the list of what is outstanding, the approval queue's query, and row scoping (the clients'
``readable``: a caller reads the assistance of the clients they may read)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, insert, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.approvals.repository import before_any, derived_status, has_events
from ca_api.auth.principal import Principal
from ca_api.clients.models import Client
from ca_api.clients.repository import cc, readable
from ca_api.common.keyset import Seek, in_order, keyset
from ca_api.db import fixed, insert_returning, rows_where_in
from ca_api.ledger.models import Counterparty
from ca_api.temporary_assistance.models import (
    TemporaryAssistance,
    TemporaryAssistanceCurrent,
    TemporaryAssistanceEvent,
    TemporaryAssistanceRepayment,
)
from ca_api.temporary_assistance.rules import ASSISTANCE_STATUSES, AssistanceStatus

# --- the derived status and what was repaid ---------------------------------------------------


def _has(assistance_id: Any) -> Any:
    return has_events(TemporaryAssistanceEvent, "assistance_id", assistance_id)


def status_of(assistance_id: Any) -> ColumnElement[str]:
    """The assistance's status: its current row (``temporary_assistance_current``, kept from its
    events by the database in the same transaction, migration 0048), one index probe."""
    tc = aliased(TemporaryAssistanceCurrent)
    return select(tc.status).where(tc.assistance_id == assistance_id).scalar_subquery()


def status_derived(assistance_id: Any) -> ColumnElement[str]:
    """rules.assistance_status, in SQL from the events: built from the same status table (the
    agreement test's other side; ``approvals.repository.derived_status``)."""
    return derived_status(
        TemporaryAssistanceEvent,
        "assistance_id",
        assistance_id,
        ASSISTANCE_STATUSES,
        AssistanceStatus.REQUESTED,
    )


def requested(assistance_id: Any) -> ColumnElement[bool]:
    """Still REQUESTED (awaiting approval), from the events: ``status_derived(...) ==
    REQUESTED`` as one NOT EXISTS (the agreement test's)."""
    return before_any(ASSISTANCE_STATUSES, _has(assistance_id))


def repaid_of(assistance_id: Any) -> ColumnElement[int]:
    """What the client has repaid so far, in pence (0 when nothing)."""
    r = aliased(TemporaryAssistanceRepayment)
    total = select(func.coalesce(func.sum(r.amount), 0)).where(r.assistance_id == assistance_id)
    return total.scalar_subquery()


@functools.cache
def _select() -> Any:
    """(TemporaryAssistance, client_reference, status, repaid); built once."""
    return (
        select(
            TemporaryAssistance,
            Client.reference.label("client_reference"),
            TemporaryAssistanceCurrent.status.label("status"),
            repaid_of(TemporaryAssistance.id).label("repaid"),
        )
        .join(Client, Client.id == TemporaryAssistance.client_id)
        .join(
            TemporaryAssistanceCurrent,
            TemporaryAssistanceCurrent.assistance_id == TemporaryAssistance.id,
        )
        .join(cc, cc.c.id == TemporaryAssistance.client_id)
    )


def _scoped(stmt: Any, principal: Principal | None) -> Any:
    """Row scoping (``clients.repository.readable``); ``None``: the service itself, reading what
    it has just written."""
    return stmt if principal is None else stmt.where(readable(principal))


# --- the assistance -------------------------------------------------------------------------


async def insert_assistance(session: AsyncSession, values: dict[str, Any]) -> None:
    # clock_timestamp(): the moment it was raised, so the queue is in true order.
    await session.execute(
        insert(TemporaryAssistance).values(raised_at=func.clock_timestamp(), **values)
    )


async def lock(session: AsyncSession, assistance_id: uuid.UUID) -> TemporaryAssistance | None:
    """The assistance, locked FOR UPDATE: its state (and what is outstanding) is decided by one
    request at a time."""
    stmt = (
        select(TemporaryAssistance)
        .where(TemporaryAssistance.id == assistance_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def events_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> Sequence[TemporaryAssistanceEvent]:
    return await rows_where_in(
        session,
        TemporaryAssistanceEvent,
        TemporaryAssistanceEvent.assistance_id,
        ids,
        TemporaryAssistanceEvent.id,
    )


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> int:
    stmt = insert(TemporaryAssistanceEvent).values(values).returning(TemporaryAssistanceEvent.id)
    return int((await session.execute(stmt)).scalar_one())


async def insert_repayment(
    session: AsyncSession, values: dict[str, Any]
) -> TemporaryAssistanceRepayment:
    return await insert_returning(session, TemporaryAssistanceRepayment, values)


async def repayments_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> Sequence[TemporaryAssistanceRepayment]:
    return await rows_where_in(
        session,
        TemporaryAssistanceRepayment,
        TemporaryAssistanceRepayment.assistance_id,
        ids,
        TemporaryAssistanceRepayment.recorded_at,
        TemporaryAssistanceRepayment.id,
    )


async def repaid(session: AsyncSession, assistance_id: uuid.UUID) -> int:
    """What was repaid so far (read under the assistance's lock)."""
    return int((await session.execute(select(repaid_of(assistance_id)))).scalar_one())


async def get(
    session: AsyncSession, assistance_id: uuid.UUID, principal: Principal | None
) -> Row[Any] | None:
    """(TemporaryAssistance, client_reference, status, repaid), if the caller may read it."""
    stmt = _scoped(_select().where(TemporaryAssistance.id == assistance_id), principal)
    return (await session.execute(stmt)).one_or_none()


async def get_many(
    session: AsyncSession, ids: Sequence[uuid.UUID], principal: Principal
) -> Sequence[Row[Any]]:
    """``get``'s rows for each of these the caller may read, in one query."""
    stmt = _scoped(_select().where(TemporaryAssistance.id.in_(set(ids))), principal)
    return (await session.execute(stmt)).all()


# Where a page of assistance starts: after the (raised_at, id) of the last one seen.
AssistanceKey = tuple[datetime, uuid.UUID]

# Not yet repaid in full, nor rejected: what the council is still owed, or may be.
OUTSTANDING = (AssistanceStatus.REQUESTED, AssistanceStatus.APPROVED, AssistanceStatus.PAID)


async def list_outstanding(
    session: AsyncSession,
    principal: Principal,
    *,
    client_id: uuid.UUID | None,
    seek: Seek[AssistanceKey],
) -> Sequence[Row[Any]]:
    """A page of the assistance not yet repaid in full (REQUESTED, APPROVED or PAID), oldest
    first; only the client's when given."""
    sub = _scoped(_select(), principal)
    if client_id is not None:
        sub = sub.where(TemporaryAssistance.client_id == client_id)
    s = sub.subquery()
    ta = aliased(TemporaryAssistance, s)
    stmt = select(ta, s.c.client_reference, s.c.status, s.c.repaid).where(
        s.c.status.in_([st.value for st in OUTSTANDING])
    )
    return (await session.execute(keyset(stmt, seek, ta.raised_at, ta.id))).all()


# --- the approval queue (kind TEMPORARY_ASSISTANCE) --------------------------------------------


async def awaiting(
    session: AsyncSession,
    principal: Principal,
    *,
    assistance_id: uuid.UUID | None,
    seek: Seek[tuple[datetime, uuid.UUID]] | None = None,
) -> Sequence[Row[Any]]:
    """(TemporaryAssistance, client_reference, payee_name) of the assistance still REQUESTED
    that the principal did not raise (R-ROLE-2) and may read, oldest first; only
    ``assistance_id`` when given; only the page ``seek`` asks for, by (raised at, id), when
    given. The queue's shortcut: the source judges each row again as
    ``approveTemporaryAssistance`` would."""
    stmt: Any = (
        select(
            TemporaryAssistance,
            Client.reference.label("client_reference"),
            Counterparty.name.label("payee_name"),
        )
        .join(
            TemporaryAssistanceCurrent,
            TemporaryAssistanceCurrent.assistance_id == TemporaryAssistance.id,
        )
        .join(Client, Client.id == TemporaryAssistance.client_id)
        .join(cc, cc.c.id == TemporaryAssistance.client_id)
        .join(Counterparty, Counterparty.id == TemporaryAssistance.payee_id)
        .where(
            readable(principal),
            TemporaryAssistance.raised_by != principal.subject,
            TemporaryAssistanceCurrent.status == fixed(AssistanceStatus.REQUESTED.value),
            TemporaryAssistance.id == assistance_id if assistance_id is not None else true(),
        )
    )
    order = (TemporaryAssistanceCurrent.raised_at, TemporaryAssistanceCurrent.assistance_id)
    return (await session.execute(in_order(stmt, seek, *order))).all()
