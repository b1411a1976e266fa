"""Pure rules for the register of approved institutions (R-INV-4, seed 002 7.11). No I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation


def parse_rate(text: str) -> Decimal | None:
    """A rate in percent as a decimal string ("1.49"); None if it is not one."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= 100:
        return None
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        return None
    return value


def approved_on(approved_from: date, reviews: Iterable[tuple[date, int, bool]], on: date) -> bool:
    """Whether an institution is approved on ``on``: on the register by then, and the latest
    review on or before ``on`` (reviewed_on, then the order recorded) did not withdraw it."""
    if on < approved_from:
        return False
    latest = max(((d, i, ok) for d, i, ok in reviews if d <= on), default=None)
    return latest is None or latest[2]
