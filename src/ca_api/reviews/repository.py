"""Every SQL statement of a client's reviews, contacts and changes of circumstances, and the
deputy clients whose annual review the clock follows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Row, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.auth.permissions import CLIENT_READ_ALL
from ca_api.auth.principal import Principal
from ca_api.clients.models import Client
from ca_api.clients.models import client_current as cc
from ca_api.clients.repository import readable, readable_by_id
from ca_api.clients.rules import ClientStatus
from ca_api.common.keyset import Seek, keyset
from ca_api.db import Base, get_by_id, insert_returning
from ca_api.deaths.repository import has_confirmed_death
from ca_api.orders.models import deputyship_current
from ca_api.reviews.models import (
    AnnualReviewClock,
    CircumstanceChange,
    ClientContact,
    ClientReview,
)

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
    *,
    overdue: bool | None,
    due_by: date | None,
    client_id: uuid.UUID | None,
    seek: Seek[tuple[date, uuid.UUID]],
) -> Sequence[Row[Any]]:
    """A page of ``deputy_clients`` by the day each one's next review is due, soonest first,
    read from the clocks the database keeps (``annual_review_clock``, migration 0055: the last
    review standing, the months and the due date worked out when a review, an order, a client
    version, a death or a figure of the months is written): a range scan of the running clocks
    in due order from the cursor, keeping those whose order is in force on ``on``, instead of
    every deputy client's due date worked out to cut a page (issue 18). ``overdue``: only those
    due before ``on`` (True) or on or after it (False)."""
    k = AnnualReviewClock
    # Every client readable (``readable`` is true): the reference from the client row, not
    # the current-version view (a join of three tables: 1.3 ms to plan, not 0.15).
    whole = principal.has_any(CLIENT_READ_ALL)
    reference = Client.reference if whole else cc.c.reference
    stmt = select(
        k.client_id,
        reference.label("client_reference"),
        k.order_date,
        k.last_reviewed_on,
        k.due_on,
    ).where(k.live, k.order_date <= on, or_(k.end_date.is_(None), k.end_date >= on))
    if whole:
        stmt = stmt.join(Client, Client.id == k.client_id)
    else:
        stmt = stmt.join(cc, cc.c.id == k.client_id).where(readable(principal))
    if client_id is not None:
        stmt = stmt.where(k.client_id == client_id)
    if overdue is not None:
        stmt = stmt.where(k.due_on < on if overdue else k.due_on >= on)
    if due_by is not None:
        stmt = stmt.where(k.due_on <= due_by)
    page = keyset(stmt, seek, k.due_on, k.client_id)
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
