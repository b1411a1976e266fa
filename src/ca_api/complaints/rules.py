"""Pure rules of the register of complaints and appeals (issue 14 item 8; R-AUD-4, R-AUD-2,
R-ROLE-2, seed 002 B 30): no I/O, no clock.

- A **complaint** (B 30.4) about the way the client's financial affairs are handled, made by the
  client or someone on their behalf, to the Office of the Public Guardian (with a copy to the
  council as deputy), the DWP or the council: received on a date, OPEN until its outcome is
  recorded (CLOSED).
- An **appeal** (B 30.1, 30.3, 30.5) against a decision of the Office of the Public Guardian, the
  Court of Protection or the DWP that the team disagrees with: prepared by the Senior Client
  Affairs Officer (AWAITING_APPROVAL), approved by the deputy before it is lodged (another senior
  officer or the head of service who signs as the corporate deputy; never whoever prepared or
  corrected it: four eyes, R-ROLE-2) or not approved (NOT_APPROVED, closed, never lodged), then
  LODGED on a date with the body's reference, then its outcome (CLOSED).

Nothing is changed in place (R-AUD-2): the details are corrected by a new version that points at
the one it corrects, with the reason; a lodging or an outcome recorded wrongly is corrected by a
new entry of the same kind pointing at it, with the reason. Status comes from the entries.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ca_api.approvals.rules import Lifecycle
from ca_api.common.rules import text_problem

MAX_NAME = 200
MAX_TEXT = 4000
MAX_REFERENCE = 100
MAX_REASON = 2000


class RegisterKind(enum.StrEnum):
    COMPLAINT = "COMPLAINT"
    APPEAL = "APPEAL"


class MadeBy(enum.StrEnum):
    """Who made a complaint (B 30.4: "they (or someone on their behalf)")."""

    CLIENT = "CLIENT"
    SOMEONE_FOR_CLIENT = "SOMEONE_FOR_CLIENT"


class ComplaintTo(enum.StrEnum):
    """To whom a complaint was made (B 30.4; issue 14 item 8)."""

    OPG = "OPG"
    DWP = "DWP"
    COUNCIL = "COUNCIL"


class AppealAgainst(enum.StrEnum):
    """Whose decision an appeal is against (B 30.1, 30.3, 30.5)."""

    OPG = "OPG"
    COURT_OF_PROTECTION = "COURT_OF_PROTECTION"
    DWP = "DWP"


class ComplaintOutcome(enum.StrEnum):
    UPHELD = "UPHELD"
    PARTLY_UPHELD = "PARTLY_UPHELD"
    NOT_UPHELD = "NOT_UPHELD"
    WITHDRAWN = "WITHDRAWN"


class AppealOutcome(enum.StrEnum):
    ALLOWED = "ALLOWED"
    PARTLY_ALLOWED = "PARTLY_ALLOWED"
    DISMISSED = "DISMISSED"
    WITHDRAWN = "WITHDRAWN"


class EventKind(enum.StrEnum):
    APPROVED = "APPROVED"  # an appeal, by the deputy (four eyes)
    REFUSED = "REFUSED"  # an appeal the deputy did not approve: never lodged
    LODGED = "LODGED"  # an appeal, with the body
    OUTCOME = "OUTCOME"  # either: the outcome, and the date it was decided


class ComplaintStatus(enum.StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class AppealStatus(enum.StrEnum):
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    APPROVED = "APPROVED"
    NOT_APPROVED = "NOT_APPROVED"
    LODGED = "LODGED"
    CLOSED = "CLOSED"


COMPLAINT_LIFE: Lifecycle[EventKind, ComplaintStatus] = Lifecycle(
    statuses=((EventKind.OUTCOME, ComplaintStatus.CLOSED),),
    before=ComplaintStatus.OPEN,
    transitions={
        EventKind.APPROVED: frozenset(),
        EventKind.REFUSED: frozenset(),
        EventKind.LODGED: frozenset(),
        EventKind.OUTCOME: frozenset({ComplaintStatus.OPEN}),
    },
)

APPEAL_LIFE: Lifecycle[EventKind, AppealStatus] = Lifecycle(
    statuses=(
        (EventKind.OUTCOME, AppealStatus.CLOSED),
        (EventKind.REFUSED, AppealStatus.NOT_APPROVED),
        (EventKind.LODGED, AppealStatus.LODGED),
        (EventKind.APPROVED, AppealStatus.APPROVED),
    ),
    before=AppealStatus.AWAITING_APPROVAL,
    transitions={
        EventKind.APPROVED: frozenset({AppealStatus.AWAITING_APPROVAL}),
        EventKind.REFUSED: frozenset({AppealStatus.AWAITING_APPROVAL}),
        EventKind.LODGED: frozenset({AppealStatus.APPROVED}),
        EventKind.OUTCOME: frozenset({AppealStatus.LODGED}),
    },
)

# The events that close an entry of the register: the list's open/closed filter (SQL) and
# ``is_open`` (Python) read this one set.
CLOSING: frozenset[EventKind] = frozenset({EventKind.OUTCOME, EventKind.REFUSED})

# Entries corrected by a later entry of the same kind (R-AUD-2), and from which status.
CORRECTABLE: dict[EventKind, frozenset[str]] = {
    EventKind.LODGED: frozenset({AppealStatus.LODGED, AppealStatus.CLOSED}),
    EventKind.OUTCOME: frozenset({ComplaintStatus.CLOSED, AppealStatus.CLOSED}),
}


def complaint_status(kinds: Iterable[str]) -> ComplaintStatus:
    return COMPLAINT_LIFE.status(kinds)


def appeal_status(kinds: Iterable[str]) -> AppealStatus:
    return APPEAL_LIFE.status(kinds)


def is_open(kinds: Iterable[str]) -> bool:
    """OPEN, or an appeal not yet decided nor refused: not closed by any of ``CLOSING``."""
    return not ({str(k) for k in kinds} & {k.value for k in CLOSING})


_WORDS = {
    EventKind.APPROVED: "approved",
    EventKind.REFUSED: "refused",
    EventKind.LODGED: "lodged",
    EventKind.OUTCOME: "given its outcome",
}


def appeal_transition_problem(status: AppealStatus, event: EventKind) -> str | None:
    if APPEAL_LIFE.allows(status, event):
        return None
    need = {
        EventKind.APPROVED: "only an appeal AWAITING_APPROVAL is approved",
        EventKind.REFUSED: "only an appeal AWAITING_APPROVAL is refused",
        EventKind.LODGED: "an appeal is lodged only once the deputy has approved it (B 30.3)",
        EventKind.OUTCOME: "an appeal's outcome is recorded only once it is lodged",
    }[event]
    return f"the appeal is {status.value}: {need}"


def complaint_transition_problem(status: ComplaintStatus, event: EventKind) -> str | None:
    if COMPLAINT_LIFE.allows(status, event):
        return None
    if event is not EventKind.OUTCOME:
        return f"a complaint is not {_WORDS[event]}: only an appeal is"
    return f"the complaint is {status.value}: its outcome is recorded already"


def correction_problem(reason: str | None) -> str | None:
    """A second entry of a kind recorded already corrects the first (R-AUD-2) only with the
    reason it does."""
    if reason is None or not reason.strip():
        return "an entry is recorded already: say why this one corrects it (reason)"
    return None


def past_date_problem(on: date, today: date, *, not_before: date | None = None) -> str | None:
    """A date of the register: not in the future, nor before the date it follows."""
    if on > today:
        return "is in the future"
    if not_before is not None and on < not_before:
        return f"is before {not_before.isoformat()}"
    return None


def on_behalf_problems(
    made_by: MadeBy, name: str | None, relationship: str | None
) -> dict[str, str]:
    """A complaint made for the client names who made it and how they stand to the client; one
    the client made names no one else."""
    problems: dict[str, str] = {}
    given = bool(name and name.strip()), bool(relationship and relationship.strip())
    if made_by is MadeBy.SOMEONE_FOR_CLIENT:
        if not given[0]:
            problems["on_behalf_name"] = "is required when someone complains for the client"
        if not given[1]:
            problems["on_behalf_relationship"] = "is required when someone complains for the client"
    else:
        if given[0]:
            problems["on_behalf_name"] = "is given only when someone complains for the client"
        if given[1]:
            problems["on_behalf_relationship"] = (
                "is given only when someone complains for the client"
            )
    return problems


@dataclass(frozen=True)
class Details:
    """An entry's details as given (a first version or a correction). A complaint: who made it
    (and for the client, their name and relationship), to whom (``body``), when received
    (``dated``), what about (``summary``). An appeal: against whose decision (``body``), the
    decision's date (``dated``) and what it decided (``summary``), and the grounds (B 30.3)."""

    body: str
    dated: date
    summary: str
    made_by: MadeBy | None = None
    on_behalf_name: str | None = None
    on_behalf_relationship: str | None = None
    grounds: str | None = None


def details_problems(kind: RegisterKind, d: Details, today: date) -> dict[str, str]:
    """What is wrong with an entry's details, by field (empty when nothing)."""
    problems = text_problem("summary", d.summary, required=True, maximum=MAX_TEXT)
    date_field = "received_on" if kind is RegisterKind.COMPLAINT else "decision_dated"
    problem = past_date_problem(d.dated, today)
    if problem is not None:
        problems[date_field] = problem
    if kind is RegisterKind.COMPLAINT:
        if d.made_by is None:
            problems["made_by"] = "is required"
        else:
            problems |= on_behalf_problems(d.made_by, d.on_behalf_name, d.on_behalf_relationship)
        for name, value in (
            ("on_behalf_name", d.on_behalf_name),
            ("on_behalf_relationship", d.on_behalf_relationship),
        ):
            problems |= (
                {}
                if name in problems
                else text_problem(name, value, required=False, maximum=MAX_NAME)
            )
        if d.body not in {b.value for b in ComplaintTo}:
            problems["made_to"] = "is not the OPG, the DWP or the council"
    else:
        # B 30.3: the SCAO reviews the circumstances and prepares the appeal: its grounds.
        problems |= text_problem("grounds", d.grounds, required=True, maximum=MAX_TEXT)
        if d.body not in {b.value for b in AppealAgainst}:
            problems["against"] = "is not the OPG, the Court of Protection or the DWP"
    return problems


def outcome_problem(kind: RegisterKind, outcome: str) -> str | None:
    allowed = ComplaintOutcome if kind is RegisterKind.COMPLAINT else AppealOutcome
    if outcome in {o.value for o in allowed}:
        return None
    return (
        f"is not an outcome of {'a complaint' if kind is RegisterKind.COMPLAINT else 'an appeal'}"
    )


class RegisterEntryKind(enum.StrEnum):
    """What an entry of a complaint's or an appeal's history records."""

    RECORDED = "RECORDED"
    DETAILS_CORRECTED = "DETAILS_CORRECTED"
    APPROVED = "APPROVED"
    REFUSED = "REFUSED"
    LODGED = "LODGED"
    OUTCOME = "OUTCOME"
