"""The SQL side of the approval mechanism: an aggregate's status from its events, built from the
same status table as the Python side (``approvals.rules.status_of``), so the two agree by
construction (and ``tests/test_status_sql_matches_python.py`` checks that they do).

The lists read an aggregate's status from its current table (``payment_current``,
``decision_current``, ..., migration 0048), which the database keeps from the same status
table (its rows in ``lifecycle_status``); the expression derived from the events here is the
other side of the agreement test (``tests/test_current_status.py``). ``derived_status`` builds
it once per aggregate (and table), not per call."""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=128)
def derived_status(
    model: Any, owner_column: str, owner: Any, table: StatusTable[E, S], otherwise: S
) -> ColumnElement[str]:
    """``status_case(status_arms(table, has_events(model, owner_column, owner)), otherwise)``,
    built once for each (events, owner, table): ``owner`` is usually a column (an aggregate's id
    column in the enclosing query), so the expression is the same every call (bounded: a
    literal owner is a new key each time)."""
    return status_case(status_arms(table, has_events(model, owner_column, owner)), otherwise)
