"""Pure rules for existing investments (R-INV-5). No I/O."""

from __future__ import annotations

import enum
from decimal import Decimal

MAX_LOCATION = 400


class InvestmentKind(enum.StrEnum):
    SHARES = "SHARES"
    BONDS = "BONDS"
    ISA = "ISA"
    OTHER = "OTHER"


def parse_units(text: str) -> Decimal | None:
    """Units held as a decimal string ("1500", "12.5"); None if it is not a number from 0 up."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        return None
    return value if value.is_finite() and value >= 0 else None
