"""Pure rules of a client's wills and funeral (issue 14 item 5; R-CARE-5, seed 002 B 21, B 28,
B 29.1): no I/O, no clock.

- A will or codicil found is recorded with where it is held (B 21.1-21.2, B 24.1: the team's
  safe, a solicitor, the client, elsewhere); the Court of Protection is told immediately
  (B 21.1): the notice is due on the day the will was found (``notice_due_on``) and its clock is
  ``common.deadlines.state_on`` (DUE, MET, MISSED).
- Funeral wishes are recorded (B 28.1); a correction is a new record (R-AUD-2).
- A funeral plan bought from the client's funds (B 28.2) is a BEST_INTEREST decision raised by
  the senior officer and approved within the limits (R-DEC, Appendix 2); its payment is raised
  only once that decision is approved (``plan_payment_problem``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date

MAX_TEXT = 2000
MAX_NAME = 200
MAX_REFERENCE = 200


class WillKind(enum.StrEnum):
    WILL = "WILL"  # a last will and testament (B 21.1)
    CODICIL = "CODICIL"  # an addition to a will (B 21.1)


class WillHolder(enum.StrEnum):
    """Where the will is held (B 21.2, B 24.1)."""

    COUNCIL_SAFE = "COUNCIL_SAFE"  # the Client Affairs team's safe (B 21.2, B 24.1)
    SOLICITOR = "SOLICITOR"  # a solicitor (told of the death, B 29.1)
    CLIENT = "CLIENT"  # the client keeps it
    OTHER = "OTHER"  # elsewhere: a bank, a relative (say where)


def notice_due_on(found_on: date) -> date:
    """B 21.1: the Court of Protection "should be notified immediately": due the day found."""
    return found_on


def will_problems(
    *,
    kind: WillKind,
    dated: date | None,
    found_on: date,
    held_by: WillHolder,
    holder: str | None,
    today: date,
) -> dict[str, str]:
    """A will is dated no later than it was found, found no later than today; where it is held
    names the solicitor (or the place) unless it is in the team's safe or with the client."""
    out: dict[str, str] = {}
    if found_on > today:
        out["found_on"] = "is in the future"
    if dated is not None and dated > found_on:
        out["dated"] = f"is after the day the {kind.value.lower()} was found"
    name = (holder or "").strip()
    if held_by in (WillHolder.SOLICITOR, WillHolder.OTHER) and not name:
        out["holder"] = (
            "is required: the solicitor holding it"
            if held_by is WillHolder.SOLICITOR
            else "is required: where it is held"
        )
    elif len(name) > MAX_NAME:
        out["holder"] = f"is longer than {MAX_NAME} characters"
    return out


def notice_problem(sent_on: date, found_on: date, today: date) -> str | None:
    if sent_on > today:
        return "is in the future"
    if sent_on < found_on:
        return f"is before the will was found ({found_on.isoformat()})"
    return None


def plan_payment_problem(decision_status: str, paid_statuses: Iterable[str]) -> str | None:
    """B 28.2, R-CARE-5: a funeral plan is paid from the client's funds only once its best
    interest decision is APPROVED, and once (a payment raised, approved or made stands; a
    cancelled one may be raised again)."""
    if decision_status != "APPROVED":
        return (
            f"the funeral plan's best interest decision is {decision_status}: it is paid from "
            "the client's funds only once that decision is approved (seed 002 B 28.2, R-CARE-5)"
        )
    standing = [s for s in paid_statuses if s in ("RAISED", "APPROVED", "MADE")]
    if standing:
        return f"the funeral plan's payment is {standing[0]} already: it is paid once"
    return None


def what_was_decided(provider: str, description: str, amount_text: str) -> str:
    return f"Buy a funeral plan from {provider} ({description}) for {amount_text} (B 28.2)"
