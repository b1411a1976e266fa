"""Scalars: ``Money`` is a decimal string with exactly two places, carried as integer pence;
``Percent`` a decimal string with exactly four places, carried as a Decimal (issue 9 item 9:
numbers in one format)."""

from __future__ import annotations

from decimal import Decimal
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from ca_api.money import format_money, format_percent, parse_money, parse_percent

Money = NewType("Money", int)
Percent = NewType("Percent", Decimal)


def money_or_none(value: int | None) -> Money | None:
    return Money(value) if value is not None else None


def _serialize(value: int) -> str:
    return format_money(value)


def _parse(value: object) -> int:
    if not isinstance(value, str):
        raise ValueError('Money is a string of pounds and pence, e.g. "12.50", never a number')
    return parse_money(value)


def _parse_percent(value: object) -> Decimal:
    if not isinstance(value, str):
        raise ValueError(
            'Percent is a string with four decimal places, e.g. "3.7500", never a number'
        )
    return parse_percent(value)


MoneyScalar = strawberry.scalar(
    name="Money",
    description=(
        'An amount of pounds sterling as a decimal string with exactly two places, e.g. "1234.50"'
        ' or "-0.05". Never a float, never a number. At most twelve digits of pounds'
        " (999999999999.99): anything longer, or with other than two places, is refused as"
        " BAD_USER_INPUT. An amount a mutation takes is also bounded by the maximum for any one"
        ' amount in force that day, the policy figure "amount_maximum" (policyFigures;'
        " £10,000,000.00 from 2014-04-01), above or below zero: beyond it the mutation answers"
        " its ValidationProblem with code AMOUNT_OVER_MAXIMUM, naming each such amount, and"
        " writes nothing."
    ),
    serialize=_serialize,
    parse_value=_parse,
)

PercentScalar = strawberry.scalar(
    name="Percent",
    description=(
        "A percentage (an interest rate a year, a price rise, a share of assets) as a decimal"
        ' string with exactly four places: "3.7500" is 3.75%, "0.6450" is 0.645%, "-0.2500" a'
        " negative rate. Never a float or a number; at most three digits before the point. Any"
        ' other shape ("3.75",'
        ' "3.75000", "3,7500", "3.75%", "3.75e0") is refused as BAD_USER_INPUT.'
    ),
    serialize=format_percent,
    parse_value=_parse_percent,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {Money: MoneyScalar, Percent: PercentScalar}
