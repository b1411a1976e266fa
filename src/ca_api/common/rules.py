"""Pure helpers the rules of several modules share: free-text checks, calendar months, decimals
as text. No I/O."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

MAX_NAME = 200
MAX_TEXT = 4000


def optional_text(value: str | None) -> str | None:
    """An optional text as kept: stripped, None when absent or blank."""
    return value.strip() if value is not None and value.strip() else None


def text_problem(name: str, value: str | None, *, required: bool, maximum: int) -> dict[str, str]:
    if value is None or not value.strip():
        return {name: "is required"} if required else {}
    if len(value) > maximum:
        return {name: f"is longer than {maximum} characters"}
    return {}


def add_months(start: date, months: int) -> date:
    """The same day ``months`` calendar months later; a day the month lacks falls on its last
    day (31 August + 3 months = 30 November; 30 November + 3 = 28 or 29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def decimal_text(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent ("1.49", "1500", "0")."""
    return format(value.normalize(), "f") if value != 0 else "0"
