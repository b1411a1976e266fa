"""Rules of valuables in the team's safe (issue 14 item 4; R-CARE-3, seed 002 B 24.1-24.2):
pure, no I/O.

- B 24.1: valuables the client cannot keep securely (jewellery, wills) are stored in the team's
  safe. B 24.2 and R-CARE-3: each is recorded with its monetary value and a photograph, kept
  with the client's record: an item with no photograph is refused.
- The photograph is a JPEG or PNG of at most ``files.rules.MAX_PHOTO_BYTES`` (it comes in the
  request as base64 and fits the 1 MB body limit).
- Every movement in and out of the safe is logged with who and why: registering an item is its
  first CHECK_IN; CHECK_OUT takes it out to come back; RETURN hands it back for good (to the
  client who recovers capacity, R-ORD-5 / B 27; to the executor or next of kin after a death,
  B 29). An item is in the safe after a CHECK_IN, out after the others; only an item in the safe
  goes out, only one out comes in.
- Records are never changed (R-AUD-2): a correction of the description, value, location or
  photograph is a new record that supersedes the one before, with its reason.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from ca_api.files.rules import MAX_PHOTO_BYTES, PHOTO_TYPES

__all__ = ["MAX_PHOTO_BYTES", "PHOTO_TYPES"]

MAX_DESCRIPTION = 2000
MAX_LOCATION = 200
MAX_PERSON = 200
MAX_REASON = 2000
PHOTO_REQUIRED = (
    "is required: every valuable in the safe is recorded with a photograph "
    "(R-CARE-3, seed 002 B 24.2)"
)


class MovementKind(enum.StrEnum):
    CHECK_IN = "CHECK_IN"
    CHECK_OUT = "CHECK_OUT"
    RETURN = "RETURN"


class ValuableStatus(enum.StrEnum):
    IN_SAFE = "IN_SAFE"
    CHECKED_OUT = "CHECKED_OUT"
    RETURNED = "RETURNED"


AFTER: dict[MovementKind, ValuableStatus] = {
    MovementKind.CHECK_IN: ValuableStatus.IN_SAFE,
    MovementKind.CHECK_OUT: ValuableStatus.CHECKED_OUT,
    MovementKind.RETURN: ValuableStatus.RETURNED,
}


def status_of(kinds: Sequence[MovementKind]) -> ValuableStatus:
    """Where an item is after its movements, in order (the first is its registration's
    CHECK_IN)."""
    return AFTER[kinds[-1]] if kinds else ValuableStatus.IN_SAFE


def held(status: ValuableStatus) -> bool:
    """Whether the team still holds the item for the client (in the safe, or out to come back):
    recovery of capacity (R-ORD-5) and the close of a case wait for none to be held."""
    return status is not ValuableStatus.RETURNED


def movement_problem(status: ValuableStatus, kind: MovementKind) -> str | None:
    """Why the item cannot make this movement now; None when it can."""
    if kind is MovementKind.CHECK_IN:
        if status is ValuableStatus.IN_SAFE:
            return "the item is in the safe already: only an item out of the safe is checked in"
        if status is ValuableStatus.RETURNED:
            return (
                "the item was returned for good: it is no longer held (an item handed in again "
                "is registered afresh, registerValuable)"
            )
        return None
    if status is not ValuableStatus.IN_SAFE:
        return (
            f"the item is {status.value.lower().replace('_', ' ')}: only an item in the safe is "
            "checked out or returned"
        )
    return None


def text_problems(fields: dict[str, tuple[str | None, bool, int]]) -> dict[str, str]:
    """Each text field's problem: (value, required, maximum length) by field name."""
    out: dict[str, str] = {}
    for name, (value, required, maximum) in fields.items():
        if value is None or not value.strip():
            if required:
                out[name] = "is required"
        elif len(value) > maximum:
            out[name] = f"is longer than {maximum} characters"
    return out


def value_problem(value: int | None) -> str | None:
    if value is not None and value < 0:
        return "is never negative (a value of 0.00: of no monetary value, e.g. a will)"
    return None
