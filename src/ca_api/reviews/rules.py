"""Pure rules of a client's annual review, contacts and changes of circumstances (issue 14
item 1). No I/O, no clock: ``today`` is passed in.

- R-CARE-1, seed 002 B 13.1: "The County Council therefore will review every Deputyship client at
  least once annually". The next review is due the policy's months (``annual_review_months``,
  12) after the last review, or after the deputy order when there is none; a review not done by
  that day is OVERDUE the day after (``common.deadlines.state_on``).
- B 13.3: a review is a personal visit, a call to the manager of the care home, or included
  with Care Management's annual review, "one or a combination"; it assesses the client's needs
  "to improve and/or enhance their life"; B 13.2 reviews the finances and investments; B 13.1
  (and the Mental Capacity Act) consults the client, so a review says whether the client was
  involved and, if not, why.
- B 13.4: every contact with the client is recorded; B 13.5: changes in the client's financial
  or personal circumstances are recorded.
- R-ORD-4, B 18.2: a change the OPG must hear of (the council is deputy) or the DWP (the
  council is appointee, R-ORD-4; or the DWP pays the client's benefits, B 18.2): the sale of a
  property, admission to residential care, and the other major changes to where the client
  lives and what they have (``REPORTABLE``).
- R-AUD-2: a correction is a new record that supersedes the last, with the reason.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date

from ca_api.common.deadlines import DeadlineState, state_on
from ca_api.common.rules import add_months, text_problem
from ca_api.outbox.rules import Recipient

__all__ = [
    "REPORTABLE",
    "REVIEW_MONTHS",
    "CircumstanceKind",
    "ContactKind",
    "ReviewMethod",
    "ReviewState",
    "change_problems",
    "contact_problems",
    "correction_problems",
    "recipients_of",
    "review_due_on",
    "review_problems",
    "review_state",
]

# The policy figure of the months between reviews (migration 0027: 12, B 13.1).
REVIEW_MONTHS = "annual_review_months"
MAX_TEXT = 4000
MAX_NAME = 200
MAX_REASON = 2000


class ReviewMethod(enum.StrEnum):
    """How a review was carried out (B 13.3): one or a combination."""

    PERSONAL_VISIT = "PERSONAL_VISIT"
    CARE_HOME_CALL = "CARE_HOME_CALL"
    CARE_MANAGEMENT_REVIEW = "CARE_MANAGEMENT_REVIEW"


class ContactKind(enum.StrEnum):
    """How the team was in touch with or about the client (B 13.4)."""

    VISIT = "VISIT"
    TELEPHONE_CALL = "TELEPHONE_CALL"
    LETTER = "LETTER"
    MEETING = "MEETING"
    EMAIL = "EMAIL"


class CircumstanceKind(enum.StrEnum):
    """What changed in the client's circumstances (B 13.5, B 18.2)."""

    PROPERTY_SOLD = "PROPERTY_SOLD"
    ADMITTED_TO_RESIDENTIAL_CARE = "ADMITTED_TO_RESIDENTIAL_CARE"
    LEFT_RESIDENTIAL_CARE = "LEFT_RESIDENTIAL_CARE"
    MOVED_HOME = "MOVED_HOME"
    CAPITAL_CHANGED = "CAPITAL_CHANGED"
    INCOME_CHANGED = "INCOME_CHANGED"
    HEALTH = "HEALTH"
    FAMILY = "FAMILY"
    OTHER = "OTHER"


# The changes the OPG and the DWP must hear of (R-ORD-4, B 18.2: "major changes to a client's
# financial circumstances e.g. the sale of a property ... or the admission to residential
# care"): where the client lives and what they have. A change in health or family, or another
# personal change, is recorded (B 13.5) and told to no one.
REPORTABLE = frozenset(
    {
        CircumstanceKind.PROPERTY_SOLD,
        CircumstanceKind.ADMITTED_TO_RESIDENTIAL_CARE,
        CircumstanceKind.LEFT_RESIDENTIAL_CARE,
        CircumstanceKind.MOVED_HOME,
        CircumstanceKind.CAPITAL_CHANGED,
        CircumstanceKind.INCOME_CHANGED,
    }
)


class ReviewState(enum.StrEnum):
    DUE = "DUE"  # the due day is today or later
    OVERDUE = "OVERDUE"  # the due day has passed with no review


def review_due_on(last: date, months: int) -> date:
    """The day the next review is due: ``months`` after the last review (or the deputy order),
    the same day of the month (the month's last day when it lacks that day)."""
    return add_months(last, months)


def review_state(due_on: date, today: date) -> ReviewState:
    """DUE up to and including the due day; OVERDUE from the day after (``state_on``: not done,
    and the due date has passed)."""
    if state_on(due_on, None, today) is DeadlineState.MISSED:
        return ReviewState.OVERDUE
    return ReviewState.DUE


def recipients_of(kind: CircumstanceKind, *, deputy: bool, dwp: bool) -> tuple[Recipient, ...]:
    """Who must hear of a change: the OPG where the council is deputy (R-ORD-4); the DWP where
    the council is appointee (R-ORD-4) or the client's benefits come from the DWP (seed 002
    B 18.2, which names no role: the seed wins); for a change in ``REPORTABLE`` only."""
    if kind not in REPORTABLE:
        return ()
    return tuple(r for r, told in ((Recipient.OPG, deputy), (Recipient.DWP, dwp)) if told)


def _day_problem(name: str, day: date, today: date, since: date | None) -> dict[str, str]:
    if day > today:
        return {name: "is in the future"}
    if since is not None and day < since:
        return {name: f"is before the client was born ({since.isoformat()})"}
    return {}


def review_problems(
    *,
    reviewed_on: date,
    methods: Sequence[ReviewMethod],
    needs: str,
    finances: str,
    client_involved: bool,
    not_involved_reason: str | None,
    actions: str | None,
    today: date,
    born_on: date | None,
) -> dict[str, str]:
    """A review is on a day not in the future, carried out one way or a combination (B 13.3),
    with the client's needs and finances written (B 13.2-13.3), and says why the client was not
    involved when they were not (B 13.1)."""
    problems = _day_problem("reviewed_on", reviewed_on, today, born_on)
    if not methods:
        problems["methods"] = "is required: a visit, a call to the care home, or Care Management"
    elif len(set(methods)) != len(methods):
        problems["methods"] = "names a method twice"
    problems |= text_problem("needs", needs, required=True, maximum=MAX_TEXT)
    problems |= text_problem("finances", finances, required=True, maximum=MAX_TEXT)
    problems |= text_problem(
        "not_involved_reason",
        not_involved_reason,
        required=not client_involved,
        maximum=MAX_REASON,
    )
    if client_involved and not_involved_reason:
        problems["not_involved_reason"] = "is given only when the client was not involved"
    problems |= text_problem("actions", actions, required=False, maximum=MAX_TEXT)
    return problems


def contact_problems(
    *, contacted_on: date, with_whom: str, about: str, today: date, born_on: date | None
) -> dict[str, str]:
    problems = _day_problem("contacted_on", contacted_on, today, born_on)
    problems |= text_problem("with_whom", with_whom, required=True, maximum=MAX_NAME)
    problems |= text_problem("about", about, required=True, maximum=MAX_TEXT)
    return problems


def change_problems(
    *, occurred_on: date, details: str, today: date, born_on: date | None
) -> dict[str, str]:
    problems = _day_problem("occurred_on", occurred_on, today, born_on)
    problems |= text_problem("details", details, required=True, maximum=MAX_TEXT)
    return problems


def correction_problems(corrects: object | None, reason: str | None) -> dict[str, str]:
    """R-AUD-2: a correction says why; a first record has no reason to give."""
    if corrects is not None:
        return text_problem("reason", reason, required=True, maximum=MAX_REASON)
    if reason:
        return {"reason": "is given only with corrects (the record this one corrects)"}
    return {}
