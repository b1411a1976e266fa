"""Run the Alembic migrations programmatically (``ca-api migrate``, ``serve``, the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def split_sql(script: str) -> list[str]:
    """Split a SQL script into statements at semicolons outside dollar-quoted bodies and
    strings, dropping ``--`` comments (asyncpg runs one statement per call)."""
    statements: list[str] = []
    current: list[str] = []
    in_dollar = in_string = False
    i = 0
    while i < len(script):
        ch = script[i]
        if not in_string and script.startswith("$$", i):
            in_dollar = not in_dollar
            current.append("$$")
            i += 2
            continue
        if not in_dollar and not in_string and script.startswith("--", i):
            end = script.find("\n", i)
            i = len(script) if end < 0 else end
            continue
        if not in_dollar and ch == "'":
            in_string = not in_string
        if ch == ";" and not in_dollar and not in_string:
            statement = "".join(current).strip()
            if statement:
                statements.append(statement)
            current = []
        else:
            current.append(ch)
        i += 1
    tail = "".join(current).strip()
    if tail:
        statements.append(tail)
    return statements


def run_script(script: str) -> None:
    """Run a migration's SQL script, one statement at a time."""
    from alembic import op

    for statement in split_sql(script):
        op.execute(statement)


def make_append_only(tables: list[str]) -> None:
    """The database refuses UPDATE, DELETE and TRUNCATE on these tables (R-AUD-2); the function
    refuse_change() is made by migration 0001."""
    from alembic import op

    for table in tables:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
        )
