"""Pure rules of the financial assessment status (seed 002 B 4.2-4.4). No I/O, no clock.

- 4.2: as a first step the client is charged at their current rate; with no financial
  assessment, nothing is charged until the council is appointee and gives the Financial
  Assessment team the client's financial information (NOT_ASSESSED).
- 4.3: the team refers the client for a financial assessment with an ASC Visiting Officer as
  soon as possible (REFERRED, on a day).
- 4.4: the client is then charged at the assessed rate (ASSESSED: the weekly charge, from a day).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from ca_api.money import Pence

MAX_NOTE = 2000


class AssessmentStatus(enum.StrEnum):
    NOT_ASSESSED = "NOT_ASSESSED"
    REFERRED = "REFERRED"
    ASSESSED = "ASSESSED"


@dataclass(frozen=True)
class AssessmentEntry:
    status: AssessmentStatus
    referred_on: date | None = None
    assessed_on: date | None = None
    weekly_charge: Pence | None = None
    note: str = ""


def validate(entry: AssessmentEntry, today: date) -> dict[str, str]:
    """Each status with its own facts, and no others; no day in the future."""
    problems: dict[str, str] = {}
    s = entry.status
    if s is AssessmentStatus.REFERRED and entry.referred_on is None:
        problems["referred_on"] = "is required: the day the referral for assessment was made"
    if s is AssessmentStatus.NOT_ASSESSED and entry.referred_on is not None:
        problems["referred_on"] = "is given only when REFERRED or ASSESSED"
    if s is AssessmentStatus.ASSESSED:
        if entry.assessed_on is None:
            problems["assessed_on"] = "is required: the day the assessed rate applies from"
        if entry.weekly_charge is None:
            problems["weekly_charge"] = "is required: the assessed charge per week"
    else:
        if entry.assessed_on is not None:
            problems["assessed_on"] = "is given only when ASSESSED"
        if entry.weekly_charge is not None:
            problems["weekly_charge"] = "is given only when ASSESSED"
    if entry.weekly_charge is not None and entry.weekly_charge < 0:
        problems["weekly_charge"] = "is negative"
    for name, day in (("referred_on", entry.referred_on), ("assessed_on", entry.assessed_on)):
        if day is not None and day > today and name not in problems:
            problems[name] = "is in the future"
    if (
        entry.referred_on is not None
        and entry.assessed_on is not None
        and entry.assessed_on < entry.referred_on
        and "assessed_on" not in problems
    ):
        problems["assessed_on"] = "is before the referral for assessment"
    if len(entry.note) > MAX_NOTE:
        problems["note"] = f"is longer than {MAX_NOTE} characters"
    return problems
