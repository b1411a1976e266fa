"""Pure rules of the DWP appointeeship application (R-REF-5): when it is due and whether the
promise was kept. No I/O, no clock: ``today`` is passed in.

"Upon receipt of a valid referral form the Client Affairs team will apply to the Department of
Works and Pensions within 5 working days" (seed 002 section B 2.1). A referral is valid on the
council's date of its ACCEPTED triage; the application is due on the 5th working day after that
date (the valid date itself not counted), on the one working-day calendar of England and Wales
(``ca_api.workdays``, as invoices are).
"""

from __future__ import annotations

import enum
from datetime import date

from ca_api.common.deadlines import DeadlineState, state_on
from ca_api.workdays import add_working_days

__all__ = [
    "APPLICATION_WORKING_DAYS",
    "DeadlineState",
    "DwpOutcome",
    "deadline_state",
    "due_on",
    "validate_decision",
    "validate_sent",
]

APPLICATION_WORKING_DAYS = 5  # R-REF-5
MAX_REASON = 2000


class DwpOutcome(enum.StrEnum):
    APPOINTED = "APPOINTED"
    REFUSED = "REFUSED"


def due_on(valid_on: date) -> date:
    """R-REF-5: the 5th working day after the day the referral became valid."""
    return add_working_days(valid_on, APPLICATION_WORKING_DAYS)


def deadline_state(valid_on: date, sent_on: date | None, today: date) -> DeadlineState:
    """MET: sent on or before the due date; MISSED: sent after it, or not sent and the due date
    has passed; DUE: not sent and the due date is today or later (``common.deadlines``)."""
    return state_on(due_on(valid_on), sent_on, today)


def validate_sent(valid_on: date, sent_on: date, today: date) -> dict[str, str]:
    """The application is sent on or after the day the referral became valid, and not later
    than today."""
    if sent_on > today:
        return {"sent_on": "is in the future"}
    if sent_on < valid_on:
        return {
            "sent_on": f"is before the referral became valid ({valid_on.isoformat()}): the "
            "application follows a valid referral (R-REF-5)"
        }
    return {}


def validate_decision(
    outcome: DwpOutcome, decided_on: date, reason: str, sent_on: date, today: date
) -> dict[str, str]:
    """A decision falls between the application and today; a refusal gives the DWP's reason."""
    problems: dict[str, str] = {}
    if decided_on > today:
        problems["decided_on"] = "is in the future"
    elif decided_on < sent_on:
        problems["decided_on"] = f"is before the application was sent ({sent_on.isoformat()})"
    if outcome is DwpOutcome.REFUSED and not reason.strip():
        problems["reason"] = "is required: the DWP's reason for refusing"
    elif len(reason) > MAX_REASON:
        problems["reason"] = f"is longer than {MAX_REASON} characters"
    return problems
