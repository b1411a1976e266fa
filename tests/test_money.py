"""Money is integer pence; GraphQL carries it as a two-place decimal string; rounding is
half-up at the penny. A percentage is a Decimal carried as a four-place decimal string (issue 9
item 9)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ca_api.money import (
    MoneyFormatError,
    PercentFormatError,
    format_money,
    format_percent,
    parse_money,
    parse_percent,
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


# --- percentages (issue 9 item 9) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("0.0000", "0"), ("1.5000", "1.5"), ("0.6450", "0.645"), ("999.9999", "999.9999"),
     ("-0.2500", "-0.25")],
)  # fmt: skip
def test_parse_percent_reads_four_places(text: str, value: str) -> None:
    assert parse_percent(text) == Decimal(value)


@pytest.mark.parametrize(
    "text",
    ["1.5", "1.50", "1.50000", "1", "1,5000", "1.5000%", "1.5e0", "+1.5000", " 1.5000",
     "1000.0000", "01.5000", ".5000", "NaN", ""],
)  # fmt: skip
def test_parse_percent_refuses_any_other_shape(text: str) -> None:
    with pytest.raises(PercentFormatError):
        parse_percent(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("1.5"), "1.5000"), (Decimal("7E+1"), "70.0000"), (Decimal("0.645"), "0.6450"),
     (Decimal("-0"), "0.0000"), (Decimal(3), "3.0000")],
)  # fmt: skip
def test_format_percent_always_gives_four_places(value: Decimal, text: str) -> None:
    # "1.50" came back "1.5", and figures as "7E+4": never again.
    assert format_percent(value) == text


def test_format_percent_refuses_what_four_places_cannot_carry() -> None:
    with pytest.raises(PercentFormatError):
        format_percent(Decimal("0.12345"))
    with pytest.raises(TypeError):
        format_percent(1.5)  # type: ignore[arg-type]


@given(st.decimals(min_value=-999, max_value=999, places=4, allow_nan=False))
def test_format_then_parse_percent_is_the_identity(value: Decimal) -> None:
    assert parse_percent(format_percent(value)) == value
