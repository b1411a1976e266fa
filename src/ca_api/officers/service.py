"""The officer directory's use cases: the page of officers (``officers``), and an officer added
once (the demo data, a council's set-up)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Role
from ca_api.common.keyset import Seek
from ca_api.officers import repository
from ca_api.officers.models import Officer


async def list_officers(session: AsyncSession, *, seek: Seek[str]) -> Sequence[Officer]:
    """A page of the officer directory, by subject."""
    return await repository.list_officers(session, seek=seek)


async def add_if_missing(
    session: AsyncSession, subject: str, display_name: str, role: Role, email: str | None
) -> bool:
    """The officer, unless one with the subject is there (True: added), in the caller's
    transaction."""
    return await repository.add_if_missing(session, subject, display_name, role, email)
