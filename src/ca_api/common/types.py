"""Filling a GraphQL object type from a row or a view, in one place (issue 10 item 4).

``from_source(Invoice, view.invoice, view=view, client_reference=view.client_reference)``
copies every plain field of ``Invoice`` that is not given from the attribute of the same name
on the source, converting by the field's declared type:

- an enum field takes the enum of the stored value (``InvoiceKind("SUPPLIER")``);
- ``id`` is the opaque id of the type itself, and ``client_id`` the opaque id of a Client;
- any other id field must be given: which type an id names is not guessed;
- ``Money`` and ``Percent`` are carried as the stored pence and Decimal, unchanged.

Fields with a resolver (loaders, derived values) and private fields are left to the type; a
private field it declares must be given.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

import strawberry
from strawberry.types.base import StrawberryOptional, get_object_definition
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.private import is_private

from ca_api.common.ids import decode_uuid, node_id

T = TypeVar("T")

Convert = Callable[[Any], Any] | None

# The ids a type may be filled with unasked: its own, and the client's it belongs to.
_KNOWN_ID_TYPES = {"client_id": "Client"}


def _converter(type_name: str, name: str, tp: object) -> Convert:
    if isinstance(tp, StrawberryOptional):
        tp = tp.of_type
    if isinstance(tp, StrawberryEnumDefinition):
        wrapped: Callable[[Any], enum.Enum] = tp.wrapped_cls
        return wrapped
    if tp is strawberry.ID:
        target = type_name if name == "id" else _KNOWN_ID_TYPES.get(name)
        if target is None:
            return _must_be_given(f"{type_name}.{name}")
        return lambda value: node_id(target, value)
    return None


def _must_be_given(field: str) -> Convert:
    def refuse(value: Any) -> Any:
        raise TypeError(f"{field} is an id of a type not named here: give it")

    return refuse


_PLANS: dict[type, list[tuple[str, Convert]]] = {}


def _plan(cls: type) -> list[tuple[str, Convert]]:
    plan = _PLANS.get(cls)
    if plan is None:
        definition = get_object_definition(cls, strict=True)
        plan = [
            (f.python_name, _converter(definition.name, f.python_name, f.type))
            for f in definition.fields
            if f.base_resolver is None and not is_private(f.type)
        ]
        _PLANS[cls] = plan
    return plan


def from_source(cls: type[T], source: object, /, **given: Any) -> T:
    """An instance of the GraphQL type ``cls``: the ``given`` fields as they are, every other
    plain field read from ``source`` by its name and converted by its type (module doc)."""
    values = dict(given)
    for name, convert in _plan(cls):
        if name in values:
            continue
        raw = getattr(source, name)
        values[name] = raw if convert is None or raw is None else convert(raw)
    return cls(**values)


def own_fields(
    given: object,
    cls: type,
    *,
    leave: Collection[str] = (),
    ids: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The values in the input ``given`` of the fields ``cls`` declares, but those named in
    ``leave``: the part of a mutation's input its use case takes, not what the mutation adds of
    its own (the request's idempotency key, the record it replaces). A field named in ``ids``
    is an opaque id of the type it maps to, decoded (BAD_ID if it is not one)."""
    types = ids or {}
    values = {
        f.name: getattr(given, f.name) for f in dataclasses.fields(cls) if f.name not in leave
    }
    return {k: decode_uuid(types[k], v) if k in types else v for k, v in values.items()}


E = TypeVar("E", bound=enum.Enum)


def describe_enum(cls: type[E], descriptions: Mapping[E, str]) -> type[E]:
    """Describes each value of a GraphQL enum (strawberry's ``enum_value`` would change a
    ``StrEnum``'s members, whose values are stored and compared): every value, none twice."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    named = {member.name: text for member, text in descriptions.items()}
    missing = [v.name for v in definition.values if v.name not in named]
    if missing:
        raise ValueError(f"{cls.__name__}: no description for {', '.join(missing)}")
    for value in definition.values:
        value.description = named[value.name]
    return cls


def graphql_enum(
    cls: type[E],
    description: str,
    values: Mapping[Any, str] | None = None,
    *,
    name: str | None = None,
    **named: str,
) -> type[E]:
    """Make a rules enum (free of strawberry) the GraphQL enum ``name`` (default: its own),
    with a description of the type and of every value, the values given by member or by
    member name (``values``, or keywords)."""
    strawberry.enum(cls, name=name, description=description)
    given: dict[object, str] = dict(values or {})
    given.update(named)
    by_member = {(k if isinstance(k, cls) else cls[str(k)]): text for k, text in given.items()}
    return describe_enum(cls, by_member)
