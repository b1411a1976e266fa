"""The one way a repository reads a row by its key and inserts the row it hands back (db.py):
pure, no database. The statements are caught by a stand-in session and read as PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import get_by_id, insert_returning
from ca_api.institutions.models import ApprovedInstitution


class _Result:
    def scalar_one_or_none(self) -> str:
        return "one or none"

    def scalar_one(self) -> str:
        return "one"


class _Session:
    def __init__(self) -> None:
        self.sql: list[str] = []

    async def execute(self, stmt: Any) -> _Result:
        self.sql.append(" ".join(str(stmt.compile(dialect=postgresql.dialect())).split()))
        return _Result()


async def test_get_by_id_reads_the_row_with_the_id_and_locks_it_only_when_asked() -> None:
    session = _Session()
    some = uuid.uuid4()
    got: object = await get_by_id(cast(AsyncSession, session), ApprovedInstitution, some)
    assert got == "one or none"
    await get_by_id(cast(AsyncSession, session), ApprovedInstitution, some, lock=True)
    plain, locked = session.sql
    assert plain.endswith(
        "FROM approved_institution WHERE approved_institution.id = %(id_1)s::UUID"
    )
    assert locked == plain + " FOR UPDATE"


async def test_insert_returning_inserts_the_values_and_returns_the_whole_row() -> None:
    session = _Session()
    values = {"id": uuid.uuid4(), "name": "Bank", "approved_on": None}
    made: object = await insert_returning(cast(AsyncSession, session), ApprovedInstitution, values)
    assert made == "one"
    (sql,) = session.sql
    assert sql.startswith("INSERT INTO approved_institution (id, name, approved_on) VALUES")
    assert "RETURNING approved_institution.id, approved_institution.name" in sql
