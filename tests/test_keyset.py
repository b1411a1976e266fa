"""The keyset helper every list query pages with (common/keyset.py): pure, no database. The
SQL it writes is compiled for PostgreSQL and read; the in-memory twin is checked against a
plain slice of the list."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql

from ca_api.common.keyset import (
    Seek,
    keyset,
    keyset_bound,
    keyset_order,
    keyset_where,
    page_shape,
    seek_rows,
    seek_values,
)

t = Table("t", MetaData(), Column("a", String), Column("b", Integer))


def sql(clause: object) -> str:
    compiled = clause.compile(  # type: ignore[attr-defined]
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    return " ".join(str(compiled).split())


def test_forward_ascending_reads_after_the_key_in_order() -> None:
    stmt = keyset(select(t), Seek(("x", 3), 11), t.c.a, t.c.b)
    assert sql(stmt).endswith("WHERE (t.a, t.b) > ('x', 3) ORDER BY t.a ASC, t.b ASC LIMIT 11")


def test_backward_ascending_reads_before_the_key_nearest_first() -> None:
    stmt = keyset(select(t), Seek(("x", 3), 11, backward=True), t.c.a, t.c.b)
    assert sql(stmt).endswith("WHERE (t.a, t.b) < ('x', 3) ORDER BY t.a DESC, t.b DESC LIMIT 11")


def test_descending_keys_flip_the_comparison_both_ways() -> None:
    forward = keyset(select(t), Seek(("x", 3), 5), t.c.a.desc(), t.c.b.desc())
    assert sql(forward).endswith("WHERE (t.a, t.b) < ('x', 3) ORDER BY t.a DESC, t.b DESC LIMIT 5")
    back = keyset(select(t), Seek(("x", 3), 5, backward=True), t.c.a.desc(), t.c.b.desc())
    assert sql(back).endswith("WHERE (t.a, t.b) > ('x', 3) ORDER BY t.a ASC, t.b ASC LIMIT 5")


def test_one_column_and_a_scalar_key() -> None:
    assert sql(keyset(select(t), Seek(7, 2), t.c.b)).endswith(
        "WHERE t.b > 7 ORDER BY t.b ASC LIMIT 2"
    )
    assert sql(keyset(select(t), Seek(7, 2, backward=True), t.c.b)).endswith(
        "WHERE t.b < 7 ORDER BY t.b DESC LIMIT 2"
    )


def test_no_key_reads_from_the_start_or_from_the_end() -> None:
    assert sql(keyset(select(t), Seek(None, 4), t.c.b.desc())).endswith(
        "FROM t ORDER BY t.b DESC LIMIT 4"
    )
    assert sql(keyset(select(t), Seek(None, 4, backward=True), t.c.b.desc())).endswith(
        "FROM t ORDER BY t.b ASC LIMIT 4"
    )


def test_mixed_directions_compare_column_by_column() -> None:
    where = keyset_where([t.c.a.asc(), t.c.b.desc()], ("x", 3))
    assert sql(where) == "t.a > 'x' OR t.a = 'x' AND t.b < 3"
    back = keyset_where([t.c.a.asc(), t.c.b.desc()], ("x", 3), backward=True)
    assert sql(back) == "t.a < 'x' OR t.a = 'x' AND t.b > 3"
    assert [sql(o) for o in keyset_order([t.c.a.asc(), t.c.b.desc()], backward=True)] == [
        "t.a DESC",
        "t.b ASC",
    ]


def test_a_key_of_the_wrong_length_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        keyset_where([t.c.a, t.c.b], ("x",))


ROWS = [(a, b) for a, b in itertools.product("abc", range(3))]  # in ascending order


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 4, 20])
def test_seek_rows_is_a_slice_of_the_list_either_way(descending: bool, limit: int) -> None:
    rows = list(reversed(ROWS)) if descending else ROWS
    for i, cursor in enumerate(rows):
        after = seek_rows(rows, Seek(cursor, limit), key=lambda r: r, descending=descending)
        assert after == rows[i + 1 : i + 1 + limit]
        before = seek_rows(
            rows, Seek(cursor, limit, backward=True), key=lambda r: r, descending=descending
        )
        assert before == list(reversed(rows[max(0, i - limit) : i]))  # nearest first
    assert (
        seek_rows(rows, Seek(None, limit), key=lambda r: r, descending=descending) == rows[:limit]
    )
    from_end = seek_rows(rows, Seek(None, limit, True), key=lambda r: r, descending=descending)
    assert from_end == list(reversed(rows))[:limit]


def test_seek_rows_keeps_a_cursor_whose_entry_has_gone() -> None:
    """An approval queue item leaves the queue: its cursor still marks a place."""
    rows = [(1, "p"), (3, "p"), (5, "p")]
    assert seek_rows(rows, Seek((2, "p"), 5), key=lambda r: r) == [(3, "p"), (5, "p")]
    assert seek_rows(rows, Seek((4, "p"), 5, True), key=lambda r: r) == [(3, "p"), (1, "p")]


# A statement built once (issue 18 item 3) reads the same page: ``keyset_bound``'s statement,
# run with ``seek_values``, is ``keyset``'s statement with the values in place.


def bound_sql(stmt: object, values: dict[str, object]) -> str:
    return sql(stmt.params(values))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "order",
    [(t.c.a, t.c.b), (t.c.a.desc(), t.c.b.desc()), (t.c.a, t.c.b.desc()), (t.c.b,)],
    ids=["ascending", "descending", "mixed", "one column"],
)
@pytest.mark.parametrize("key", [None, "given"])
@pytest.mark.parametrize("backward", [False, True])
def test_a_statement_built_once_reads_the_page_keyset_reads(
    order: tuple[object, ...], key: str | None, backward: bool
) -> None:
    value = None if key is None else (("x", 3) if len(order) == 2 else 7)
    seek = Seek(value, 9, backward=backward)
    built = keyset_bound(select(t), page_shape(seek), *order)
    assert bound_sql(built, seek_values(seek)) == sql(keyset(select(t), seek, *order))


def test_a_statement_built_once_is_one_object_a_shape_whatever_the_values() -> None:
    first, other = Seek(("x", 3), 9), Seek(("y", 8), 21)
    assert page_shape(first) == page_shape(other)
    assert seek_values(other) == {"page_limit": 21, "key_0": "y", "key_1": 8}
    built = keyset_bound(select(t), page_shape(first), t.c.a, t.c.b)
    assert "'x'" not in str(built) and "9" not in str(built)  # nothing of a page is built in
