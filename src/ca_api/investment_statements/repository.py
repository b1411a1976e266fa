"""Every SQL statement of investment statements, and the deputy orders they are due on."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Principal
from ca_api.clients.models import Client
from ca_api.clients.repository import readable_by_id
from ca_api.common.keyset import Seek, keyset
from ca_api.db import get_by_id, insert_returning, rows_where_in
from ca_api.investment_statements.models import InvestmentStatement
from ca_api.orders.models import deputyship_current


async def insert_statement(session: AsyncSession, values: dict[str, Any]) -> InvestmentStatement:
    return await insert_returning(session, InvestmentStatement, values)


async def get_statement(
    session: AsyncSession, statement_id: uuid.UUID
) -> InvestmentStatement | None:
    return await get_by_id(session, InvestmentStatement, statement_id)


async def statements_by_id(
    session: AsyncSession, principal: Principal, statement_ids: Sequence[uuid.UUID]
) -> Sequence[InvestmentStatement]:
    """The statements with these ids whose client the principal may read (row scoping,
    ``clients.repository.readable``), in one query."""
    return await readable_by_id(session, principal, InvestmentStatement, statement_ids)


async def statements_of(
    session: AsyncSession, deputyship_ids: Sequence[uuid.UUID]
) -> Sequence[InvestmentStatement]:
    s = InvestmentStatement
    return await rows_where_in(session, s, s.deputyship_id, deputyship_ids, s.recorded_at, s.id)


async def deputyship(session: AsyncSession, deputyship_id: uuid.UUID) -> Row[Any] | None:
    d = deputyship_current
    return (await session.execute(select(d).where(d.c.id == deputyship_id))).one_or_none()


async def deputyships_in_force(
    session: AsyncSession,
    on: date,
    *,
    client_id: uuid.UUID | None,
    seek: Seek[tuple[date, uuid.UUID]],
) -> Sequence[Row[Any]]:
    """A page of the deputy orders in force on ``on``, oldest order first (so earliest due date
    first)."""
    d = deputyship_current
    stmt = (
        select(d, Client.reference.label("client_reference"))
        .join(Client, Client.id == d.c.client_id)
        .where(d.c.order_date <= on, or_(d.c.end_date.is_(None), d.c.end_date >= on))
    )
    if client_id is not None:
        stmt = stmt.where(d.c.client_id == client_id)
    stmt = keyset(stmt, seek, d.c.order_date, d.c.id)
    return (await session.execute(stmt)).all()
