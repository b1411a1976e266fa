"""The SQL side of the approval mechanism: an aggregate's status from its events, built from the
same status table as the Python side (``approvals.rules.status_of``), so the two agree by
construction (and ``tests/test_status_sql_matches_python.py`` checks that they do)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, exists, literal, not_
from sqlalchemy.orm import aliased

from ca_api.approvals.rules import E, S, StatusTable

# Given event kinds (their values): whether the aggregate has an event of one of them.
Has = Callable[[Sequence[str]], ColumnElement[bool]]


def has_events(model: Any, owner_column: str, owner: Any) -> Has:
    """``has`` for an aggregate whose events are rows of ``model`` (with an ``event`` column)
    naming it in ``owner_column``."""

    def has(kinds: Sequence[str]) -> ColumnElement[bool]:
        e = aliased(model)
        return exists().where(getattr(e, owner_column) == owner, e.event.in_(list(kinds)))

    return has


def status_arms(table: StatusTable[E, S], has: Has) -> list[tuple[ColumnElement[bool], S]]:
    """The table's rows as (SQL condition, status), in the table's order."""
    return [(has([kind.value]), status) for kind, status in table]


def status_case(arms: Iterable[tuple[ColumnElement[bool], S]], otherwise: S) -> ColumnElement[str]:
    """The first arm whose condition holds gives the status, else ``otherwise``
    (``approvals.rules.status_of``, in SQL)."""
    return case(
        *((when, literal(status.value)) for when, status in arms), else_=literal(otherwise.value)
    )


def before_any(table: StatusTable[E, S], has: Has) -> ColumnElement[bool]:
    """Still in the status before any event of the table (e.g. RAISED, awaiting approval): one
    NOT EXISTS, the cheap form of ``status_case(...) == otherwise``."""
    return not_(has([kind.value for kind, _ in table]))
