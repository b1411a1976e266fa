"""Finding every value of one scalar in an argument's value, written once (issue 10): through
nullable types, lists and input objects, each value found with its path as the caller wrote it
(``lines.3.amount``). The ids a problem names (``common.problems``) and the amounts the amount
check weighs (``policy.amounts``) are both found this way."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from functools import partial
from typing import TypeVar

from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.lazy_type import LazyType

T = TypeVar("T")

# What is found in a value at a path (the path as the caller wrote it, "" at an argument).
Walk = Callable[[object, str], Iterator[T]]


def graphql_name(field: str) -> str:
    """A service's field name as the caller wrote it in GraphQL: ``date_of_birth`` ->
    ``dateOfBirth``."""
    head, *rest = field.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def join(path: str, name: str) -> str:
    """The path of ``name`` (a field, or an item's index) inside ``path``."""
    return f"{path}.{name}" if path else name


def _items(inner: Walk[T], value: object, path: str) -> Iterator[T]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from inner(item, join(path, str(i)))


def _fields(
    cls: type, parts: list[tuple[str, str, Walk[T]]], value: object, path: str
) -> Iterator[T]:
    if isinstance(value, cls):
        for python_name, name, walk in parts:
            yield from walk(getattr(value, python_name, None), join(path, name))


def input_walk(
    tp: object,
    scalar: object,
    found: Walk[T],
    *,
    skip: Collection[tuple[str, str]] = frozenset(),
    refuse_recursive: bool = False,
) -> Walk[T] | None:
    """How to find the values of ``scalar`` in a value of strawberry type ``tp``, each handed
    to ``found`` with its path; None: such a value holds none. A field named in ``skip`` (input
    type, field) is passed over; an input that contains itself is walked once (its nested
    copies passed over), or refused with ``refuse_recursive`` (TypeError)."""

    def walk_of(tp: object, seen: frozenset[type]) -> Walk[T] | None:
        if isinstance(tp, LazyType):
            tp = tp.resolve_type()
        if tp is scalar:
            return found
        if isinstance(tp, StrawberryOptional):
            return walk_of(tp.of_type, seen)
        if isinstance(tp, StrawberryList):
            inner = walk_of(tp.of_type, seen)
            return partial(_items, inner) if inner is not None else None
        if isinstance(tp, type) and has_object_definition(tp):
            definition = tp.__strawberry_definition__
            if not definition.is_input:
                return None
            if tp in seen:
                if refuse_recursive:
                    raise TypeError(f"cannot walk the recursive input {definition.name}")
                return None
            parts: list[tuple[str, str, Walk[T]]] = []
            for f in definition.fields:
                name = f.graphql_name or graphql_name(f.python_name)
                if (definition.name, name) in skip:
                    continue
                walk = walk_of(f.type, seen | {tp})
                if walk is not None:
                    parts.append((f.python_name, name, walk))
            return partial(_fields, tp, parts) if parts else None
        return None

    return walk_of(tp, frozenset())
