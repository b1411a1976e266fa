"""Every SQL statement of the council employee register."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.keyset import Seek, keyset
from ca_api.db import get_by_id
from ca_api.employees.models import CouncilEmployee, CouncilEmployeeLeaver


def _employees() -> Any:
    return select(CouncilEmployee, CouncilEmployeeLeaver.left_on).outerjoin(
        CouncilEmployeeLeaver, CouncilEmployeeLeaver.employee_id == CouncilEmployee.id
    )


async def employees_named(session: AsyncSession, name_key: str) -> Sequence[Row[Any]]:
    stmt = _employees().where(CouncilEmployee.name_key == name_key)
    return (await session.execute(stmt)).all()


async def insert_employee(session: AsyncSession, values: dict[str, Any]) -> bool:
    """False: the employee number is on the register already, and nothing was inserted."""
    stmt = (
        pg_insert(CouncilEmployee)
        .values(values)
        .on_conflict_do_nothing(constraint="uq_council_employee_employee_number")
        .returning(CouncilEmployee.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def insert_leaver(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(CouncilEmployeeLeaver).values(values))


async def get_employee(session: AsyncSession, employee_id: uuid.UUID) -> Row[Any] | None:
    stmt = _employees().where(CouncilEmployee.id == employee_id)
    return (await session.execute(stmt)).one_or_none()


async def employees_by_id(
    session: AsyncSession, employee_ids: Sequence[uuid.UUID]
) -> Sequence[Row[Any]]:
    stmt = _employees().where(CouncilEmployee.id.in_(set(employee_ids)))
    return (await session.execute(stmt)).all()


async def lock_employee(session: AsyncSession, employee_id: uuid.UUID) -> CouncilEmployee | None:
    return await get_by_id(session, CouncilEmployee, employee_id, lock=True)


async def list_employees(
    session: AsyncSession, *, seek: Seek[tuple[str, uuid.UUID]]
) -> Sequence[Row[Any]]:
    """A page of employees by normalised name."""
    stmt = keyset(_employees(), seek, CouncilEmployee.name_key, CouncilEmployee.id)
    return (await session.execute(stmt)).all()
