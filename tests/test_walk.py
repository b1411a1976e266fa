"""Finding every value of one scalar in an argument's value (common/walk.py), the one walk the
problems' ids and the amount check share: pure, on input types of the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import strawberry
from strawberry.types.base import StrawberryList, StrawberryOptional

from ca_api.common.walk import input_walk


@strawberry.input
class _Line:
    amount: int
    note: str | None = None


@strawberry.input
class _Run:
    first_line: _Line
    lines: list[_Line]
    skipped_amount: int = 0


@strawberry.input
class _Tree:
    value: int
    children: list[_Tree] | None = None


def _found(value: object, path: str) -> Iterator[tuple[str, object]]:
    yield path, value


def test_values_are_found_through_inputs_lists_and_nullables_with_their_paths() -> None:
    walk = input_walk(_Run, int, _found, skip={("Run", "skippedAmount")})
    assert walk is not None
    run = _Run(
        first_line=_Line(amount=1),
        lines=[_Line(amount=2), _Line(amount=3, note="x")],
        skipped_amount=9,
    )
    assert list(walk(run, "")) == [
        ("firstLine.amount", 1),
        ("lines.0.amount", 2),
        ("lines.1.amount", 3),
    ]
    nullable = input_walk(StrawberryOptional(StrawberryList(int)), int, _found)
    assert nullable is not None
    assert list(nullable([4, 5], "input")) == [("input.0", 4), ("input.1", 5)]
    assert list(nullable(None, "input")) == []


def test_a_type_holding_none_has_no_walk() -> None:
    assert input_walk(_Line, float, _found) is None
    assert input_walk(str, int, _found) is None


def test_a_recursive_input_is_walked_once_or_refused() -> None:
    walk = input_walk(_Tree, int, _found)
    assert walk is not None
    tree = _Tree(value=1, children=[_Tree(value=2, children=[_Tree(value=3)])])
    assert list(walk(tree, "")) == [("value", 1)]
    with pytest.raises(TypeError, match="recursive input Tree"):
        input_walk(_Tree, int, _found, refuse_recursive=True)
