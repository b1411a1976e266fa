"""Append-only versioned records (R-AUD-2): an identity row and numbered version rows.

A change never updates a row: it inserts version n+1 with the reason for the change. Two
concurrent amendments of the same version collide on the (id, version) primary key, and the
loser gets a version conflict instead of silently overwriting the winner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, MetaData, Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.errors import StaleVersion

if TYPE_CHECKING:
    from ca_api.db import Base

_views = MetaData()  # views are kept off Base.metadata: they are not tables


def current_view(name: str, identity: type[Base], version: type[Base], key: str) -> Table:
    """The view joining each identity row with its highest version (defined in a migration)."""
    identity_cols = [Column(c.name, c.type) for c in identity.__table__.columns]
    names = {c.name for c in identity_cols}
    version_cols = [
        Column(c.name, c.type)
        for c in version.__table__.columns
        if c.name != key and c.name not in names
    ]
    return Table(name, _views, *identity_cols, *version_cols)


async def latest_version(session: AsyncSession, table: Table, key_column: str, key: Any) -> int:
    column = table.c[key_column]
    stmt = select(func.coalesce(func.max(table.c.version), 0)).where(column == key)
    return int((await session.execute(stmt)).scalar_one())


async def append_version(
    session: AsyncSession,
    table: Table,
    key_column: str,
    key: Any,
    values: dict[str, Any],
    *,
    what: str,
    expected_version: int | None,
) -> int:
    """Insert the next version of a record; returns its number."""
    current = await latest_version(session, table, key_column, key)
    if expected_version is not None and expected_version != current:
        raise StaleVersion(what, expected_version, current)
    version = current + 1
    try:
        async with session.begin_nested():
            await session.execute(
                insert(table).values({key_column: key, "version": version, **values})
            )
    except IntegrityError as exc:
        if "pk_" in str(exc.orig) or "_pkey" in str(exc.orig):
            raise StaleVersion(what, current, current + 1) from exc
        raise
    return version
