"""Keyset reads of a page: the one WHERE / ORDER BY / LIMIT every list query pages with.

A list is ordered by a sort key (one or more columns, each ascending or descending, the last one
unique). A page is read from a cursor's key: forward, the rows after the key in list order;
backward, the rows before it, nearest first (the ORDER BY and the comparison reversed), which
``pagination.Page.connection`` turns back into list order. ``Seek`` says which; ``keyset``
applies it to a SELECT, ``seek_rows`` to rows already in memory and in list order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, or_, tuple_
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

K = TypeVar("K")
R = TypeVar("R")
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Seek(Generic[K]):
    """Where a page is read from: ``key`` is the cursor's sort key (None: from the start, or
    backward from the end); ``limit`` how many rows at most; ``backward`` whether the rows
    before the key are read, nearest first, rather than those after it in list order."""

    key: K | None
    limit: int
    backward: bool = False


def _sort_key(term: Any) -> tuple[ColumnElement[Any], bool]:
    """A column of the sort key and whether it is descending: ``col``, ``col.asc()`` or
    ``col.desc()``."""
    if isinstance(term, UnaryExpression):
        if term.modifier is operators.desc_op:
            return term.element, True
        if term.modifier is operators.asc_op:
            return term.element, False
    return term, False


def _key_tuple(key: Any) -> tuple[Any, ...]:
    return tuple(key) if isinstance(key, (tuple, list)) else (key,)


def keyset_where(order: Sequence[Any], key: Any, *, backward: bool = False) -> ColumnElement[bool]:
    """The rows strictly after ``key`` in the order ``order`` (strictly before it when
    ``backward``). One row comparison when every column sorts the same way (the index is used
    as is); otherwise the lexicographic OR of column comparisons."""
    terms = [_sort_key(t) for t in order]
    values = _key_tuple(key)
    if len(values) != len(terms):
        raise ValueError(f"a key of {len(terms)} values was expected, not {len(values)}")
    # Forward past an ascending column means greater; backward or descending flips it.
    greater = [desc == backward for _, desc in terms]
    if len(set(greater)) == 1:
        cols = [c for c, _ in terms]
        left = cols[0] if len(cols) == 1 else tuple_(*cols)
        right = values[0] if len(values) == 1 else tuple_(*values)
        return left > right if greater[0] else left < right
    clauses = []
    for i, ((col, _), value) in enumerate(zip(terms, values, strict=True)):
        ties = [c == v for (c, _), v in zip(terms[:i], values[:i], strict=True)]
        step = col > value if greater[i] else col < value
        clauses.append(and_(*ties, step))
    return or_(*clauses)


def keyset_order(order: Sequence[Any], *, backward: bool = False) -> list[ColumnElement[Any]]:
    """The ORDER BY of a page: the list's order, or its exact reverse when reading backward."""
    out: list[ColumnElement[Any]] = []
    for term in order:
        col, desc = _sort_key(term)
        out.append(col.desc() if desc != backward else col.asc())
    return out


def keyset(
    stmt: Select[*Ts], seek: Seek[Any], *order: Any, fixed_limit: bool = False
) -> Select[*Ts]:
    """``stmt`` read as a page: the rows after (or, backward, before) ``seek.key`` in the order
    ``order``, in that order (reversed backward), at most ``seek.limit`` of them. ``stmt`` has
    no ORDER BY or LIMIT of its own. ``fixed_limit``: the limit written into the SQL as
    ``db.fixed`` writes a constant, not bound: a statement whose planning costs more than its
    running (a join of views) and that binds nothing else on a first page is then planned once
    per connection and its plan kept (a bound limit is planned anew each time: a generic plan
    cannot know it)."""
    if seek.key is not None:
        stmt = stmt.where(keyset_where(order, seek.key, backward=seek.backward))
    limit: Any = (
        bindparam("limit", seek.limit, type_=Integer, literal_execute=True)
        if fixed_limit
        else seek.limit
    )
    return stmt.order_by(*keyset_order(order, backward=seek.backward)).limit(limit)


# A statement built once (issue 18 item 3: building a statement and its cache key costs more
# than running it) reads a page by its shape alone: whether there is a cursor and which way it
# reads (``PageShape``); the cursor's values and the limit are bound when it runs
# (``seek_values``).
PageShape = tuple[bool, bool]  # (a cursor is given, backward)


def page_shape(seek: Seek[Any]) -> PageShape:
    return (seek.key is not None, seek.backward)


def keyset_bound(stmt: Select[*Ts], shape: PageShape, *order: Any) -> Select[*Ts]:
    """``keyset`` for a statement built once: the cursor's values bound as ``:key_0``, ``:key_1``
    ... and the limit as ``:page_limit``, given by ``seek_values`` when it runs."""
    has_key, backward = shape
    if has_key:
        key = tuple(
            bindparam(f"key_{i}", type_=_sort_key(term)[0].type) for i, term in enumerate(order)
        )
        stmt = stmt.where(keyset_where(order, key, backward=backward))
    ordered = stmt.order_by(*keyset_order(order, backward=backward))
    return ordered.limit(bindparam("page_limit", type_=Integer))


def seek_values(seek: Seek[Any]) -> dict[str, Any]:
    """The values ``keyset_bound``'s statement is run with for the page ``seek`` asks for."""
    values: dict[str, Any] = {"page_limit": seek.limit}
    if seek.key is not None:
        values.update({f"key_{i}": v for i, v in enumerate(_key_tuple(seek.key))})
    return values


def in_order(stmt: Select[*Ts], seek: Seek[Any] | None, *order: Any) -> Select[*Ts]:
    """``stmt`` in the order ``order``: every row, or (``seek`` given) the page it asks for,
    as ``keyset`` reads it."""
    return stmt.order_by(*order) if seek is None else keyset(stmt, seek, *order)


def beyond(key: Sequence[Any] | Any, seek: Seek[Any], *, descending: bool = False) -> bool:
    """Whether a row of sort key ``key`` is past ``seek``'s cursor in the direction it reads
    (every row is, with no cursor): ``keyset_where`` for one row in memory."""
    if seek.key is None:
        return True
    k, c = _key_tuple(key), _key_tuple(seek.key)
    return (k > c) if descending == seek.backward else (k < c)


def seek_rows(
    rows: Sequence[R],
    seek: Seek[Any],
    *,
    key: Callable[[R], Sequence[Any] | Any],
    descending: bool = False,
) -> list[R]:
    """``keyset`` for rows already in memory and in list order (sorted by ``key``, ascending,
    or descending when ``descending``): the page ``seek`` asks for, nearest first."""
    ordered = list(reversed(rows)) if seek.backward else list(rows)
    if seek.key is not None:
        ordered = [r for r in ordered if beyond(key(r), seek, descending=descending)]
    return ordered[: seek.limit]
