"""Money is integer pence; GraphQL carries it as a two-place decimal string; rounding is
half-up at the penny."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ca_api.money import (
    MoneyFormatError,
    format_money,
    parse_money,
    percentage_of,
    round_half_up,
)


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("0.00", 0),
        ("0.01", 1),
        ("12.50", 1250),
        ("8110.08", 811008),
        ("-0.05", -5),
        ("999999999999.99", 99999999999999),
    ],
)
def test_parse_money_reads_pounds_and_pence(text: str, pence: int) -> None:
    assert parse_money(text) == pence


@pytest.mark.parametrize(
    "text",
    [
        "12.5",
        "12.345",
        "12",
        "1,000.00",
        "1e3",
        " 12.50",
        "12.50 ",
        "£12.50",
        "",
        "-",
        "01.00",
        ".50",
        "NaN",
        "1000000000000.00",
    ],
)
def test_parse_money_refuses_anything_but_two_places(text: str) -> None:
    with pytest.raises(MoneyFormatError):
        parse_money(text)


def test_parse_money_refuses_non_strings() -> None:
    with pytest.raises(MoneyFormatError):
        parse_money(12.5)  # type: ignore[arg-type]


def test_format_money_refuses_floats_and_bools() -> None:
    with pytest.raises(TypeError):
        format_money(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_money(True)


@given(st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1))
def test_format_then_parse_is_the_identity(pence: int) -> None:
    assert parse_money(format_money(pence)) == pence


@pytest.mark.parametrize(
    ("fraction", "pence"),
    [("0.5", 1), ("1.5", 2), ("2.5", 3), ("2.4999", 2), ("-0.5", -1), ("-2.5", -3), ("0.49", 0)],
)
def test_round_half_up_takes_halves_away_from_zero(fraction: str, pence: int) -> None:
    assert round_half_up(Decimal(fraction)) == pence


def test_percentage_rounds_half_up_at_the_penny() -> None:
    # R-BUD-4: 10% of 8,110.08 is 811.008 -> 811.01
    assert percentage_of(811008, Decimal(10)) == 81101
    # R-FEE-1: 3% of 100.50 is 3.015 -> 3.02 (banker's rounding would give 3.02 too; 3% of
    # 100.50 + 0.00 ... so also check a case where half-even differs): 3% of 50.50 = 1.515 -> 1.52
    assert percentage_of(10050, Decimal(3)) == 302
    assert percentage_of(5050, Decimal(3)) == 152
    # 0.5% of 1.00 = 0.005 -> 0.01 (half-even would give 0.00)
    assert percentage_of(100, Decimal("0.5")) == 1


def test_round_half_up_refuses_nan() -> None:
    with pytest.raises(MoneyFormatError):
        round_half_up(Decimal("NaN"))
