"""Pure rules of personal allowance and weekly cash (issue 14 item 9; R-PAY-6, R-BUD-4, seed 002
B 5.3, B 22-23): no I/O, no clock.

- A **schedule** per client and kind: the weekly personal allowance (B 22.1, every client), or
  the weekly cash of a client in the community, drawn on their own card (B 23.1-23.2, B 5.3).
  It names the weekly amount, the account it is paid to and the Monday it starts. A change is a
  new version superseding the last (R-AUD-2); a stop is a version with no amount.
- It is paid to the client's own account (their card's, B 23.2), never advanced to a care
  provider (R-PAY-6, B 22.3), nor to the Court Funds Office or an institution (R-INV-2).
- The **weekly run** pays each schedule in force for the week once (per client, kind and week):
  nothing after a confirmed death (standing payments stop, seed 002 B 29,
  ``deaths.rules.spending_problem``), nothing for a closed case, never below zero (R-PAY-3).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ca_api.clients.rules import ClientStatus, Situation
from ca_api.deaths import rules as death_rules
from ca_api.ledger.rules import CounterpartyKind
from ca_api.money import Pence

MAX_REASON = 2000
WEEKS_A_YEAR = 52  # R-BUD-1, R-BUD-4: the weekly figure is the year's divided by 52


class AllowanceKind(enum.StrEnum):
    PERSONAL_ALLOWANCE = "PERSONAL_ALLOWANCE"  # B 22.1: every client, weekly
    WEEKLY_CASH = "WEEKLY_CASH"  # B 23.1: a client in the community, drawn on their card


class ScheduleStatus(enum.StrEnum):
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    APPROVED = "APPROVED"
    STOPPED = "STOPPED"  # a stop: in force from its start without approval (no money moves)


class ScheduleEvent(enum.StrEnum):
    APPROVED = "APPROVED"


class NotPaid(enum.StrEnum):
    """Why the run paid a schedule in force nothing this week (stable codes)."""

    CLIENT_DECEASED = "CLIENT_DECEASED"  # a confirmed death, or recorded deceased (B 29)
    CLIENT_CLOSED = "CLIENT_CLOSED"  # the client left: the case is closed
    NOT_IN_COMMUNITY = "NOT_IN_COMMUNITY"  # weekly cash, the client no longer in the community
    PAYEE_REFUSED = "PAYEE_REFUSED"  # R-PAY-6: never to a provider (a payee changed kind)
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"  # R-PAY-3: never below zero


# The kinds of account an allowance is paid to: the client's own, at a bank (B 23.2) or another.
PAYEE_KINDS = frozenset({CounterpartyKind.BANK, CounterpartyKind.OTHER})


def payee_problem(kind: str) -> str | None:
    """Why an allowance may not be paid to a counterparty of this kind (None: it may)."""
    if kind == CounterpartyKind.CARE_PROVIDER.value:
        return (
            "personal allowance is never advanced to a care provider (R-PAY-6, seed 002 B 22.3): "
            "the provider is repaid against its invoice and receipts for what it spent (R-PAY-5)"
        )
    if kind not in PAYEE_KINDS:
        return (
            "an allowance is paid to the client's own account (their card's, seed 002 B 23.2): "
            f"a counterparty of kind {', '.join(sorted(PAYEE_KINDS))}, not {kind}"
        )
    return None


def kind_problem(kind: AllowanceKind, situation: Situation) -> str | None:
    """Weekly cash is for a client living in the community (seed 002 B 23.1)."""
    if kind is AllowanceKind.WEEKLY_CASH and situation is not Situation.COMMUNITY:
        return (
            "weekly cash is for a client living in the community (seed 002 B 23.1); the "
            f"client is {situation.value}: give them their PERSONAL_ALLOWANCE"
        )
    return None


def week_problem(day: date) -> str | None:
    """A week starts on a Monday: a schedule's start and a run's week are Mondays."""
    if day.isoweekday() != 1:
        return f"{day.isoformat()} is a {day.strftime('%A')}: a week starts on a Monday"
    return None


def yearly(weekly: Pence) -> Pence:
    """The year's allowance a weekly figure comes to (R-BUD-4): what its approval is judged on."""
    return weekly * WEEKS_A_YEAR


def schedule_status(stops: bool, events: Iterable[str]) -> ScheduleStatus:
    if stops:
        return ScheduleStatus.STOPPED
    if ScheduleEvent.APPROVED.value in set(events):
        return ScheduleStatus.APPROVED
    return ScheduleStatus.AWAITING_APPROVAL


def transition_problem(status: ScheduleStatus, event: ScheduleEvent) -> str | None:
    if status is ScheduleStatus.AWAITING_APPROVAL:
        return None
    return f"the schedule is {status.value}: only one AWAITING_APPROVAL is approved"


@dataclass(frozen=True)
class Due:
    """A schedule in force for the week, not yet paid, with what the run knows of its client."""

    schedule_id: object
    client_id: object
    kind: AllowanceKind
    amount: Pence
    payee_kind: str
    client_status: ClientStatus
    situation: Situation
    died_on: date | None


def not_paid(due: Due) -> tuple[NotPaid, str] | None:
    """Why the run pays this due nothing (None: it pays, funds allowing): the death first."""
    problem = death_rules.spending_problem(due.died_on, None, standing=True)
    if problem is not None:
        return NotPaid.CLIENT_DECEASED, f"{problem} (seed 002 B 29)"
    if due.situation is Situation.DECEASED_WINDING_UP:
        return NotPaid.CLIENT_DECEASED, death_rules.UNRECORDED_DEATH
    if due.client_status is not ClientStatus.ACTIVE:
        return NotPaid.CLIENT_CLOSED, f"the client's case is {due.client_status.value}"
    if (problem := kind_problem(due.kind, due.situation)) is not None:
        return NotPaid.NOT_IN_COMMUNITY, problem
    if (problem := payee_problem(due.payee_kind)) is not None:
        return NotPaid.PAYEE_REFUSED, problem
    return None
