"""Money is integer pence. Never a float.

GraphQL carries it as a decimal string with exactly two places (``"1234.50"``). Rounding is
explicit: half-up at the penny (``round_half_up``), used wherever a rate or a share makes a
fraction of a penny.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

Pence = int

_MONEY_RE = re.compile(r"^-?(0|[1-9]\d{0,11})\.\d{2}$")
# Twelve integer digits: a thousand million pounds is far beyond any client's estate.


class MoneyFormatError(ValueError):
    """A string is not a money amount: ``[-]digits.two-digits``."""


def parse_money(text: str) -> Pence:
    """Parse ``"1234.50"`` into pence. Exactly two decimal places; no exponent, no commas."""
    if not isinstance(text, str) or not _MONEY_RE.fullmatch(text):
        raise MoneyFormatError(
            f'{text!r} is not a money amount: write pounds and pence as a string, e.g. "12.50"'
        )
    negative = text.startswith("-")
    pounds, pence = text.lstrip("-").split(".")
    value = int(pounds) * 100 + int(pence)
    return -value if negative else value


def format_money(pence: Pence) -> str:
    """Format pence as ``"1234.50"`` (``"-0.05"`` for minus five pence)."""
    if isinstance(pence, bool) or not isinstance(pence, int):
        raise TypeError(f"money must be integer pence, not {type(pence).__name__}")
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}{whole}.{part:02d}"


def round_half_up(amount_in_pence: Decimal) -> Pence:
    """Round a fractional number of pence to whole pence, halves away from zero."""
    try:
        return int(amount_in_pence.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError, OverflowError) as exc:  # NaN, infinity
        raise MoneyFormatError(f"{amount_in_pence} cannot be rounded to pence") from exc


def percentage_of(pence: Pence, percent: Decimal) -> Pence:
    """``percent`` % of an amount, rounded half-up to the penny (3% of 100.50 -> 3.02)."""
    return round_half_up(Decimal(pence) * percent / Decimal(100))
