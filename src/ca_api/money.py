"""Money is integer pence. Never a float. Percentages are Decimals with four places.

GraphQL carries money as a decimal string with exactly two places (``"1234.50"``) and a
percentage (an interest rate, a price rise, a fee's share of assets) as a decimal string with
exactly four (``"3.7500"``: 3.75%). Rounding is explicit: half-up at the penny
(``round_half_up``), used wherever a rate or a share makes a fraction of a penny.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

Pence = int

_MONEY_RE = re.compile(r"^-?(0|[1-9]\d{0,11})\.\d{2}$")
# Twelve integer digits: the syntactic bound, far beyond any client's estate. The amounts a
# caller may enter are bounded much lower by the policy figure ``amount_maximum``
# (``ca_api.policy.amounts``, issue 9 item 6).
MONEY_SYNTAX_MAXIMUM: Pence = 10**14 - 1  # 999,999,999,999.99

# Percentages: the Court Funds Office's rates need three places (0.645% in 2022, R-DATA); four
# leave room for a hundredth of a basis point. Three integer digits: 999.9999% at most.
PERCENT_PLACES = 4
_PERCENT_QUANTUM = Decimal(1).scaleb(-PERCENT_PLACES)
_PERCENT_RE = re.compile(r"^-?(0|[1-9]\d{0,2})\.\d{4}$")


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


class PercentFormatError(ValueError):
    """A string is not a percentage: ``[-]digits.four-digits``."""


def parse_percent(text: str) -> Decimal:
    """Parse ``"3.7500"`` (3.75%) into a Decimal. Exactly four places; no exponent, no plus sign."""
    if not isinstance(text, str) or not _PERCENT_RE.fullmatch(text):
        raise PercentFormatError(
            f"{text!r} is not a percentage: write it as a string with exactly "
            f'{PERCENT_PLACES} decimal places, e.g. "3.7500" for 3.75%'
        )
    return Decimal(text)


def format_percent(value: Decimal) -> str:
    """Format a percentage with exactly four places (``Decimal("0.1")`` -> ``"0.1000"``).

    A value with more places than four would be misreported by rounding, so it is refused: the
    database keeps every stored percentage to four places (migration 0012)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"a percentage must be a finite Decimal, not {value!r}")
    fixed = value.quantize(_PERCENT_QUANTUM)
    if fixed != value:
        raise PercentFormatError(f"{value} has more than {PERCENT_PLACES} decimal places")
    return format(fixed if fixed != 0 else abs(fixed), "f")
