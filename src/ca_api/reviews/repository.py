"""Every SQL statement of a client's reviews, contacts and changes of circumstances, and the
deputy clients whose annual review the clock follows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Date, Row, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.auth.principal import Principal
from ca_api.clients.models import client_current as cc
from ca_api.clients.repository import readable, readable_by_id
from ca_api.clients.rules import ClientStatus
from ca_api.common.keyset import Seek, keyset
from ca_api.db import Base, get_by_id, insert_returning
from ca_api.deaths.repository import has_confirmed_death
from ca_api.orders.models import deputyship_current
from ca_api.reviews.models import CircumstanceChange, ClientContact, ClientReview

M = TypeVar("M", bound=Base)
Record = ClientReview | ClientContact | CircumstanceChange

# Each kind of record and the day it is dated by (its list's order, newest first).
DATED_BY: dict[type[Any], Any] = {
    ClientReview: ClientReview.reviewed_on,
    ClientContact: ClientContact.contacted_on,
    CircumstanceChange: CircumstanceChange.occurred_on,
}


async def insert(session: AsyncSession, model: type[M], values: dict[str, Any]) -> M:
    return await insert_returning(session, model, values)


async def get(session: AsyncSession, model: type[M], record_id: uuid.UUID) -> M | None:
    return await get_by_id(session, model, record_id)


async def corrected_by(
    session: AsyncSession, model: type[Any], ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """For each of these records corrected by another, the id of the one that corrects it."""
    if not ids:
        return {}
    table = model.__table__.c
    stmt = select(table.supersedes_id, table.id).where(table.supersedes_id.in_(set(ids)))
    return {r[0]: r[1] for r in await session.execute(stmt)}


async def by_id(
    session: AsyncSession, principal: Principal | None, model: type[M], ids: Sequence[uuid.UUID]
) -> Sequence[M]:
    """The records with these ids whose client the principal may read (None: the service)."""
    if principal is None:
        table = model.__table__.c
        stmt = select(model).where(table.id.in_(set(ids)))
        return (await session.execute(stmt)).scalars().all()
    return await readable_by_id(session, principal, model, ids)


async def page_of_client(
    session: AsyncSession,
    model: type[M],
    client_id: uuid.UUID,
    seek: Seek[tuple[date, uuid.UUID]],
) -> Sequence[M]:
    """A page of the client's records of one kind, newest first (corrections included)."""
    table = model.__table__.c
    day = DATED_BY[model]
    stmt = keyset(
        select(model).where(table.client_id == client_id), seek, day.desc(), table.id.desc()
    )
    return (await session.execute(stmt)).scalars().all()


def _last_review() -> Any:
    """The day of the client's last review that stands (not corrected by another)."""
    r, later = ClientReview, aliased(ClientReview)
    standing = ~exists().where(later.supersedes_id == r.id)
    return (
        select(func.max(r.reviewed_on))
        .where(r.client_id == cc.c.id, standing)
        .correlate(cc)
        .scalar_subquery()
    )


def _deputy_clients(principal: Principal, on: date) -> Any:
    d = deputyship_current
    return (
        select(
            cc.c.id.label("client_id"),
            cc.c.reference.label("client_reference"),
            d.c.order_date,
            _last_review().label("last_reviewed_on"),
        )
        .join(d, d.c.client_id == cc.c.id)
        .where(
            cc.c.status == ClientStatus.ACTIVE.value,
            d.c.order_date <= on,
            or_(d.c.end_date.is_(None), d.c.end_date >= on),
            readable(principal),
            ~has_confirmed_death(cc.c.id),
        )
    )


async def reviews_due_page(
    session: AsyncSession,
    principal: Principal,
    on: date,
    months: Sequence[tuple[date, int]],
    *,
    overdue: bool | None,
    due_by: date | None,
    client_id: uuid.UUID | None,
    seek: Seek[tuple[date, uuid.UUID]],
) -> Sequence[Row[Any]]:
    """A page of ``deputy_clients`` by the day each one's next review is due, soonest first,
    worked out in SQL (issue 18: not every deputy client read to page them in memory):
    ``months`` is the history of the months between reviews (effective from, months), oldest
    first; a clock that started before the first runs by the first. Due that many calendar
    months after the start (the last review standing, or the order): PostgreSQL's ``date +
    interval 'n months'`` falls on the month's last day when it lacks the day, as
    ``common.rules.add_months`` does (``tests/test_reviews_due_page.py``). ``overdue``: only
    those due before ``on`` (True) or on or after it (False)."""
    inner = _deputy_clients(principal, on)
    if client_id is not None:
        inner = inner.where(cc.c.id == client_id)
    rows = inner.subquery()
    start = func.coalesce(rows.c.last_reviewed_on, rows.c.order_date)
    in_force = case(*[(start >= since, n) for since, n in reversed(months)], else_=months[0][1])
    due_on = (start + func.make_interval(0, in_force)).cast(Date)
    dated = select(rows, due_on.label("due_on")).subquery()
    stmt = select(dated)
    if overdue is not None:
        stmt = stmt.where(dated.c.due_on < on if overdue else dated.c.due_on >= on)
    if due_by is not None:
        stmt = stmt.where(dated.c.due_on <= due_by)
    page = keyset(stmt, seek, dated.c.due_on, dated.c.client_id)
    return (await session.execute(page)).all()


async def deputy_clients(
    session: AsyncSession, principal: Principal, on: date, client_id: uuid.UUID | None
) -> Sequence[Row[Any]]:
    """The ACTIVE clients the principal may read with a deputy order in force on ``on`` and
    no confirmed death (left out here, not by reading every client's death: issue 18):
    (client_id, client_reference, order_date, last_reviewed_on), by client."""
    stmt = _deputy_clients(principal, on).order_by(cc.c.id)
    if client_id is not None:
        stmt = stmt.where(and_(cc.c.id == client_id))
    return (await session.execute(stmt)).all()
