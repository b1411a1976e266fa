"""Every SQL statement of stored files: stored once per content, read without their bytes
unless the bytes are asked for."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.files.models import StoredFile


async def insert_once(session: AsyncSession, values: dict[str, Any]) -> tuple[StoredFile, bool]:
    """The file with these bytes: stored now (True) or stored before (False, same SHA-256)."""
    stmt = (
        insert(StoredFile)
        .values(values)
        .on_conflict_do_nothing(index_elements=[StoredFile.sha256])
        .returning(StoredFile.id)
    )
    new_id = (await session.execute(stmt)).scalar_one_or_none()
    row = (
        await session.execute(select(StoredFile).where(StoredFile.sha256 == values["sha256"]))
    ).scalar_one()
    return row, new_id is not None


async def files_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[StoredFile]:
    if not ids:
        return []
    stmt = select(StoredFile).where(StoredFile.id.in_(set(ids)))
    return (await session.execute(stmt)).scalars().all()


async def content_of(session: AsyncSession, file_id: uuid.UUID) -> bytes | None:
    stmt = select(StoredFile.content).where(StoredFile.id == file_id)
    return (await session.execute(stmt)).scalar_one_or_none()
