"""A cheaper build of a GraphQL input object for inputs sent by the thousand (a batch's lines).

Strawberry converts an input value field by field through its generic ``convert_argument``,
which resolves each field's type and GraphQL name again for every value: about half a second for
the 1,000 lines of an integration's invoice batch, on top of graphql-core's own coercion of the
variables (which validates every field and parses every scalar, and stays). ``fast_input`` sets
the type definition's ``from_input`` hook (Strawberry's documented way for a type to build its
own value) to a builder that works the field plan out once: a leaf (a scalar or an enum) is
taken as graphql-core coerced it, which is what ``convert_argument`` returns for a leaf too; a
nested input object or a list is converted by Strawberry as before (``InputContext.convert``). The
instance is the same class with the same values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING
from typing import Any, TypeVar

from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)

T = TypeVar("T")

_Plan = list[tuple[str, str, "StrawberryType | type | None"]]


def _nested(t: Any) -> bool:
    """Strawberry's own conversion is kept for a nested input and for any list (it copies a
    list, so a default list graphql-core shares between requests is never handed out)."""
    while isinstance(t, StrawberryOptional):
        t = t.of_type
    return isinstance(t, StrawberryList) or has_object_definition(t)


def fast_input(cls: type[T]) -> type[T]:
    """Set ``cls``'s (a ``@strawberry.input``) builder to the cheaper one; returns ``cls``."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    plan: _Plan = []
    implicit_none = [
        f.python_name
        for f in definition.fields
        if f.default_value is MISSING and f.default_factory is MISSING
    ]

    def build(type_: type, value: Mapping[str, Any], context: InputContext) -> Any:
        if not plan:
            for f in definition.fields:
                t = f.resolve_type(type_definition=definition)
                name = context.config.name_converter.from_field(f)
                plan.append((name, f.python_name, t if _nested(t) else None))
        # as convert_argument: a nullable field with no default is None unless sent
        kwargs: dict[str, Any] = dict.fromkeys(implicit_none)
        for name, python_name, nested in plan:
            if name in value:
                v = value[name]
                kwargs[python_name] = (
                    v if nested is None or v is None else context.convert(v, nested, name)
                )
        return type_(**kwargs)

    definition.from_input = build
    return cls
