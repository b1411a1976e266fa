"""Scalars: ``Money`` is a decimal string with exactly two places, carried as integer pence."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from ca_api.money import format_money, parse_money

Money = NewType("Money", int)


def _serialize(value: int) -> str:
    return format_money(value)


def _parse(value: object) -> int:
    if not isinstance(value, str):
        raise ValueError('Money is a string of pounds and pence, e.g. "12.50", never a number')
    return parse_money(value)


MoneyScalar = strawberry.scalar(
    name="Money",
    description=(
        'An amount of pounds sterling as a decimal string with exactly two places, e.g. "1234.50".'
        " Never a float."
    ),
    serialize=_serialize,
    parse_value=_parse,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {Money: MoneyScalar}
