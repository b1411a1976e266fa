"""The caseload import's own SQL: it has no tables (every record it writes is another module's,
through that module's service), only its lock."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

LOCK_KEY = "caseload-import"


async def lock(session: AsyncSession) -> None:
    """One caseload import at a time (a transaction-scoped advisory lock): two imports of
    overlapping files judge what is on the books one after the other."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(LOCK_KEY, 0))))
