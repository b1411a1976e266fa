"""Pure rules of the Court of Protection deputyship application (R-REF-6, R-INV-1, R-ORD-2).
No I/O, no clock: ``today`` is passed in.

Why one is due:

- R-REF-6 (seed 002 B 2.2, B 3.1): "If it is known that the client has private income, bank
  accounts or owns a property then Deputyship will be applied for at the same time" as the DWP
  application, so its deadline is the DWP application's (``appointee_applications.rules.due_on``
  of the day the referral became valid, on the one working-day calendar, ``ca_api.workdays``).
- R-INV-1 (seed 002 B 3.6): an appointee-only client flagged by the threshold flags. A flag is
  worked out live (``planning.thresholds``) and has no day it was first raised, so an officer
  records "a deputyship application is needed" from the flag, and the clock starts that day: the
  application is due on the same 5th working day after it as a referral's.

Whether the promise was kept is the DWP application's rule, unchanged
(``appointee_applications.rules.deadline_state``): MET when made on or before the due date,
MISSED when made after it or not made and the due date has passed, DUE otherwise.

The application then moves through the court's stages, in order (``allowed_next``), each
recorded once it happens, never changed (R-AUD-2).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date

from ca_api.appointee_applications.rules import DeadlineState, deadline_state, due_on
from ca_api.ledger.rules import CounterpartyKind

__all__ = [
    "Cause",
    "DeadlineState",
    "Stage",
    "allowed_next",
    "deadline_state",
    "due_on",
    "validate_made",
    "validate_stage",
]

MAX_NOTE = 2000
MAX_FORM = 20
MAX_FORMS = 20
MAX_REFERENCE = 100
MAX_NAME = 200


class Cause(enum.StrEnum):
    """Why a deputyship application is due."""

    REFERRAL_ASSETS_KNOWN = "REFERRAL_ASSETS_KNOWN"  # R-REF-6
    ASSETS_THRESHOLD_FLAG = "ASSETS_THRESHOLD_FLAG"  # R-INV-1


class Stage(enum.StrEnum):
    """A step of the application after it was made (COP1 and the other forms sent)."""

    ISSUED = "ISSUED"  # the court issued the application
    NOTIFIED = "NOTIFIED"  # the client notified / served (COP14, COP20A)
    FURTHER_INFORMATION_REQUESTED = "FURTHER_INFORMATION_REQUESTED"
    FURTHER_INFORMATION_SENT = "FURTHER_INFORMATION_SENT"
    ORDER_MADE = "ORDER_MADE"  # final: the deputy order, linked to the deputyship recorded
    REFUSED = "REFUSED"  # final
    WITHDRAWN = "WITHDRAWN"  # final


FINAL = frozenset({Stage.ORDER_MADE, Stage.REFUSED, Stage.WITHDRAWN})
# The main line: made -> ISSUED -> NOTIFIED -> ORDER_MADE or REFUSED.
_MAIN_NEXT: dict[Stage | None, frozenset[Stage]] = {
    None: frozenset({Stage.ISSUED}),
    Stage.ISSUED: frozenset({Stage.NOTIFIED}),
    Stage.NOTIFIED: frozenset({Stage.ORDER_MADE, Stage.REFUSED}),
}


def allowed_next(stages: Sequence[Stage]) -> frozenset[Stage]:
    """The stages that may follow those recorded (oldest first): the next of the main line
    (ISSUED, then NOTIFIED, then ORDER_MADE or REFUSED); the court may ask for further
    information at any point before its decision, and while a request is open only the answer
    (FURTHER_INFORMATION_SENT) or a withdrawal may follow; WITHDRAWN at any point; nothing after
    ORDER_MADE, REFUSED or WITHDRAWN."""
    if any(s in FINAL for s in stages):
        return frozenset()
    if stages and stages[-1] is Stage.FURTHER_INFORMATION_REQUESTED:
        return frozenset({Stage.FURTHER_INFORMATION_SENT, Stage.WITHDRAWN})
    main = [s for s in stages if s in _MAIN_NEXT]
    reached = main[-1] if main else None
    return _MAIN_NEXT[reached] | {Stage.FURTHER_INFORMATION_REQUESTED, Stage.WITHDRAWN}


def validate_made(
    starts_on: date,
    made_on: date,
    forms: Sequence[str],
    court_reference: str,
    note: str,
    today: date,
) -> dict[str, str]:
    """The application is made on or after the day the clock started, not after today, with
    the forms sent (COP1 at least, R-REF-6: "a series of documents ... sent to the Court of
    Protection", seed 002 B 3.2)."""
    problems: dict[str, str] = {}
    if made_on > today:
        problems["made_on"] = "is in the future"
    elif made_on < starts_on:
        problems["made_on"] = f"is before the application became due ({starts_on.isoformat()})"
    cleaned = [f.strip().upper() for f in forms]
    if "COP1" not in cleaned:
        problems["forms"] = "must include COP1, the application form"
    elif any(not f or len(f) > MAX_FORM for f in cleaned) or len(cleaned) > MAX_FORMS:
        problems["forms"] = f"each form is named (at most {MAX_FORM} characters, {MAX_FORMS} forms)"
    elif len(set(cleaned)) != len(cleaned):
        problems["forms"] = "names a form twice"
    if len(court_reference) > MAX_REFERENCE:
        problems["court_reference"] = f"is longer than {MAX_REFERENCE} characters"
    if len(note) > MAX_NOTE:
        problems["note"] = f"is longer than {MAX_NOTE} characters"
    return problems


def forms_of(forms: Sequence[str]) -> list[str]:
    return [f.strip().upper() for f in forms]


def validate_stage(
    stage: Stage,
    occurred_on: date,
    since: date,
    note: str,
    has_deputyship: bool,
    today: date,
) -> dict[str, str]:
    """A stage falls between the one before it (or the application) and today; an order made
    names the deputyship recorded for it (recordDeputyship), and only an order made does; a
    refusal or a withdrawal says why."""
    problems: dict[str, str] = {}
    if occurred_on > today:
        problems["occurred_on"] = "is in the future"
    elif occurred_on < since:
        problems["occurred_on"] = f"is before the stage before it ({since.isoformat()})"
    if stage is Stage.ORDER_MADE and not has_deputyship:
        problems["deputyship_id"] = (
            "is required: the deputyship recorded for the order (recordDeputyship)"
        )
    elif stage is not Stage.ORDER_MADE and has_deputyship:
        problems["deputyship_id"] = "is given only with ORDER_MADE"
    if stage in (Stage.REFUSED, Stage.WITHDRAWN) and not note.strip():
        problems["note"] = "is required: why"
    elif len(note) > MAX_NOTE:
        problems["note"] = f"is longer than {MAX_NOTE} characters"
    return problems


def validate_organisation(name: str) -> dict[str, str]:
    if not name.strip():
        return {"name": "is required"}
    if len(name) > MAX_NAME:
        return {"name": f"is longer than {MAX_NAME} characters"}
    return {}


def validate_notice_sent(sent_on: date, order_date: date, note: str, today: date) -> dict[str, str]:
    """R-ORD-2: a notice of the deputy order is sent on or after the order, not after today."""
    if sent_on > today:
        return {"sent_on": "is in the future"}
    if sent_on < order_date:
        return {"sent_on": f"is before the order was made ({order_date.isoformat()})"}
    if len(note) > MAX_NOTE:
        return {"note": f"is longer than {MAX_NOTE} characters"}
    return {}


class NoticeSource(enum.StrEnum):
    LEDGER = "LEDGER"
    OFFICER = "OFFICER"
    INVESTMENT = "INVESTMENT"  # R-INV-5: the holder of an investment the client keeps


# R-ORD-2: who is told of a deputy order. Every organisation the client deals with, except the
# council itself (the deputy) and the Office of the Public Guardian (which supervises the order
# and knows it); a council employee is a person, never an organisation the client deals with.
NOT_TOLD = frozenset({CounterpartyKind.COUNCIL, CounterpartyKind.OPG})


def told_of_order(kind: CounterpartyKind, is_council_employee: bool) -> bool:
    return kind not in NOT_TOLD and not is_council_employee
