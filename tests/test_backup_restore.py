"""Backups (issue 11 item 6, the production guide): a demo database dumped with ``pg_dump`` and
restored with ``pg_restore`` into an empty database holds the same records, its append-only
triggers still refuse an edit, and its audit trail verifies intact. Against the PostgreSQL the
suite runs on; skipped where its client tools are not installed (CI has them)."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ca_api import demo
from ca_api.audit.commands import verify_audit
from ca_api.config import Settings
from ca_api.db import Database
from ca_api.migrate import upgrade
from tests.conftest import _admin, _admin_url

TABLES = ("client", "transfer", "payment", "decision", "audit_log", "ledger_account")

if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
    if os.environ.get("CI"):
        raise RuntimeError("CI restores a backup: pg_dump and pg_restore must be installed")
    pytest.skip("no pg_dump / pg_restore here", allow_module_level=True)


def _url(name: str) -> str:
    return make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def two_databases() -> Iterator[tuple[str, str]]:
    names = [f"ca_api_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for name in names:
        asyncio.run(_admin(_admin_url(), f'CREATE DATABASE "{name}"'))
    try:
        yield _url(names[0]), _url(names[1])
    finally:
        for name in names:
            asyncio.run(_admin(_admin_url(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _counts(url: str) -> dict[str, int]:
    db = Database(url, pool_size=1)
    try:
        async with db.engine.connect() as conn:
            return {
                t: int((await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one())
                for t in TABLES
            }
    finally:
        await db.dispose()


async def _verify(url: str, settings: Settings) -> tuple[int, str]:
    db = Database(url, pool_size=1)
    out = io.StringIO()
    try:
        session = db.session()
        try:
            code = await verify_audit(session, settings, out)
        finally:
            await session.close()
        return code, out.getvalue()
    finally:
        await db.dispose()


async def _try_edit(url: str) -> None:
    db = Database(url, pool_size=1)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE transfer SET amount = amount + 1"))
    finally:
        await db.dispose()


async def _load_demo(url: str) -> None:
    db = Database(url, pool_size=2)
    try:
        assert await demo.load(db)
    finally:
        await db.dispose()


def test_a_dump_of_the_demo_database_restores_whole(
    two_databases: tuple[str, str], settings: Settings, tmp_path: object
) -> None:
    source, target = two_databases
    upgrade(source)
    asyncio.run(_load_demo(source))
    dump = f"{tmp_path}/ca_api.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", _libpq(source)],
        check=True,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(target)}", dump],
        check=True,
    )
    before, after = asyncio.run(_counts(source)), asyncio.run(_counts(target))
    assert after == before
    assert after["client"] > 0 and after["transfer"] > 0 and after["audit_log"] > 0
    code, report = asyncio.run(_verify(target, settings))
    assert code == 0, report
    assert "intact" in report
    with pytest.raises(DBAPIError, match="append-only"):  # R-AUD-2 survives a restore
        asyncio.run(_try_edit(target))
