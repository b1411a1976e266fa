from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.principal import Role
from ca_api.common.keyset import Seek, keyset
from ca_api.officers.models import Officer


async def list_officers(session: AsyncSession, *, seek: Seek[str]) -> Sequence[Officer]:
    """A page of the officer directory, by subject."""
    stmt = keyset(select(Officer), seek, Officer.subject)
    return (await session.execute(stmt)).scalars().all()


async def add_if_missing(
    session: AsyncSession, subject: str, display_name: str, role: Role, email: str | None
) -> bool:
    """The officer, unless one with the subject is there. Their role is a ``Role`` (its id is
    stored): Officer.role is the GraphQL enum Role, which answers only a role it knows."""
    stmt = (
        insert(Officer)
        .values(subject=subject, display_name=display_name, role=role.value, email=email)
        .on_conflict_do_nothing(index_elements=["subject"])
        .returning(Officer.subject)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None
