"""The SQL of trusted documents."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.trusted_documents.models import TrustedDocument


async def insert_new(session: AsyncSession, rows: Sequence[dict[str, object]]) -> list[str]:
    """Insert the documents not registered yet; the ids inserted."""
    if not rows:
        return []
    stmt = (
        insert(TrustedDocument)
        .values(list(rows))
        .on_conflict_do_nothing(index_elements=[TrustedDocument.id])
        .returning(TrustedDocument.id)
    )
    return list((await session.execute(stmt)).scalars())


async def get(session: AsyncSession, document_id: str) -> TrustedDocument | None:
    return await session.get(TrustedDocument, document_id)


async def listed(session: AsyncSession, client_name: str | None) -> Sequence[TrustedDocument]:
    stmt = select(TrustedDocument).order_by(TrustedDocument.registered_at, TrustedDocument.id)
    if client_name is not None:
        stmt = stmt.where(TrustedDocument.client_name == client_name)
    return (await session.execute(stmt)).scalars().all()
