"""Pure rules of the council employee register (R-ROLE-3): names as compared, and who counts
as an employee on a date. No I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

MAX_NAME = 200
MAX_EMPLOYEE_NUMBER = 40
MAX_REASON = 4000


# --- names (R-ROLE-3) ---------------------------------------------------------------------

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"})


def normalise_name(name: str) -> str:
    """A name as compared with the employee register: accents, case, punctuation, spacing
    and titles ignored ("Dr  Zoë O'Neill-Smith" -> "zoe o neill smith")."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = re.sub(r"[^0-9a-z]+", " ", plain).split()
    while words and words[0] in _TITLES:
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True)
class Employee:
    name_key: str
    date_of_birth: date | None
    left_on: date | None


def employed_on(e: Employee, on: date) -> bool:
    return e.left_on is None or e.left_on >= on


def matches_employee(
    recipient_key: str, recipient_dob: date | None, employees: Sequence[Employee], on: date
) -> bool:
    """R-ROLE-3: the recipient's normalised name is an employee's (in post on ``on``); a known
    date of birth on both sides that differs tells two people apart."""
    for e in employees:
        if not employed_on(e, on) or e.name_key != recipient_key:
            continue
        known = recipient_dob is not None and e.date_of_birth is not None
        if known and recipient_dob != e.date_of_birth:
            continue
        return True
    return False
