"""Every SQL statement of the register of complaints and appeals: the entries, their details'
versions and their events, and the register's pages (by kind, client, open or closed)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.keyset import Seek, keyset
from ca_api.complaints.models import EntryDetails, EntryEvent, RegisterEntry
from ca_api.complaints.rules import CLOSING
from ca_api.db import insert_returning, rows_where_in


async def insert_entry(session: AsyncSession, values: dict[str, Any]) -> RegisterEntry:
    return await insert_returning(session, RegisterEntry, values)


async def insert_details(session: AsyncSession, values: dict[str, Any]) -> EntryDetails:
    return await insert_returning(session, EntryDetails, values)


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> int:
    stmt = insert(EntryEvent).values(values).returning(EntryEvent.id)
    return int((await session.execute(stmt)).scalar_one())


async def lock(session: AsyncSession, entry_id: uuid.UUID) -> RegisterEntry | None:
    stmt = (
        select(RegisterEntry)
        .where(RegisterEntry.id == entry_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def entries(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[RegisterEntry]:
    return await rows_where_in(session, RegisterEntry, RegisterEntry.id, ids, RegisterEntry.id)


async def details_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[EntryDetails]:
    """The entries' details, every version, oldest first (the last of each stands)."""
    return await rows_where_in(
        session, EntryDetails, EntryDetails.entry_id, ids, EntryDetails.recorded_at, EntryDetails.id
    )


async def events_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[EntryEvent]:
    return await rows_where_in(session, EntryEvent, EntryEvent.entry_id, ids, EntryEvent.id)


async def page(
    session: AsyncSession,
    kind: str,
    seek: Seek[Any],
    *,
    client_id: uuid.UUID | None,
    open_: bool | None,
) -> Sequence[RegisterEntry]:
    """A page of the register's entries of one kind, oldest recorded first; of one client's when
    given; only those open (no closing event, ``rules.CLOSING``) or only those closed."""
    stmt = select(RegisterEntry).where(RegisterEntry.kind == kind)
    if client_id is not None:
        stmt = stmt.where(RegisterEntry.client_id == client_id)
    if open_ is not None:
        closed = exists().where(
            EntryEvent.entry_id == RegisterEntry.id,
            EntryEvent.event.in_([k.value for k in CLOSING]),
        )
        stmt = stmt.where(~closed if open_ else closed)
    stmt = keyset(stmt, seek, RegisterEntry.recorded_at, RegisterEntry.id)
    return (await session.execute(stmt)).scalars().all()
