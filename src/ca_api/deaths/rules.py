"""Pure rules of a client's death (issue 13; R-DEATH-1..4, R-ROLE-2, seed 002 B 29): no I/O, no
clock.

A death is RECORDED by one officer (the date, the death certificate's reference) and takes
effect only once a second officer CONFIRMS it (four eyes, R-ROLE-2). From then the order's
authority has ended: money leaves the client's account only on a basis that winding up allows
(B 29.2-29.6), and every such payment records its basis. The rule is here, once; every door
where money leaves or is committed asks it through ``deaths.service.refuse_spending_after_death``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date

from ca_api.approvals.rules import StatusTable, status_of, transition_allowed

MAX_CERTIFICATE = 100  # the death certificate's reference
MAX_NOTES = 2000


class DeathStatus(enum.StrEnum):
    PENDING_CONFIRMATION = "PENDING_CONFIRMATION"  # recorded; nothing has taken effect
    CONFIRMED = "CONFIRMED"  # a second officer confirmed it: it takes effect


class DeathEventKind(enum.StrEnum):
    CONFIRMED = "CONFIRMED"


DEATH_STATUSES: StatusTable[DeathEventKind, DeathStatus] = (
    (DeathEventKind.CONFIRMED, DeathStatus.CONFIRMED),
)

TRANSITIONS: dict[DeathEventKind, frozenset[DeathStatus]] = {
    DeathEventKind.CONFIRMED: frozenset({DeathStatus.PENDING_CONFIRMATION}),
}


def death_status(events: Iterable[str]) -> DeathStatus:
    """PENDING_CONFIRMATION -> CONFIRMED."""
    return status_of(DEATH_STATUSES, events, DeathStatus.PENDING_CONFIRMATION)


def transition_problem(status: DeathStatus, event: DeathEventKind) -> str | None:
    if transition_allowed(TRANSITIONS, status, event):
        return None
    return f"the death is {status.value}: only a death PENDING_CONFIRMATION can be confirmed"


class WindingUpBasis(enum.StrEnum):
    """On what basis money leaves a deceased client's account (seed 002 B 29): the order's
    authority ended at death, so every payment after it names one."""

    FUNERAL = "FUNERAL"  # the funeral's costs
    DEBT_BEFORE_DEATH = "DEBT_BEFORE_DEATH"  # goods and services up to the date of death (B 29.2)
    WIND_UP_FEE = "WIND_UP_FEE"  # the council's wind-up charge (B 29.4, R-FEE-5)
    REPAYMENT = "REPAYMENT"  # a benefit overpayment to its agency, assistance to the council
    ESTATE = "ESTATE"  # the estate: executor, next of kin, Treasury Solicitor (B 29.3-29.6)


def death_date_problem(died_on: date, born_on: date, today: date) -> str | None:
    """A date of death is not in the future, nor before the client was born."""
    if died_on > today:
        return "is in the future"
    if died_on < born_on:
        return f"is before the client's date of birth ({born_on.isoformat()})"
    return None


def invoice_payable_after_death(invoice_date: date, died_on: date) -> bool:
    """A debt is paid from the estate only for goods and services up to and including the date
    of death (B 29.2, R-DEATH-2); an invoice dated later is queried, never paid as such."""
    return invoice_date <= died_on


def spending_problem(
    died_on: date | None,
    basis: WindingUpBasis | None,
    *,
    standing: bool = False,
    invoice_date: date | None = None,
    commits_new_money: bool = False,
) -> str | None:
    """Why money may not leave (or be committed from) the client's account, or None when it may.

    ``died_on``: the date of a CONFIRMED death, None while the client lives (nothing refused;
    a basis is then not recorded: the order's authority stands). After death:

    - a standing payment (the weekly personal allowance among them): never, they stopped;
    - a new commitment (a gift or other decision, a lodgement, a placement, temporary
      assistance): never, the order's authority ended at death;
    - otherwise only on a winding-up basis, and a debt only for an invoice dated up to and
      including the date of death (an invoice dated later is queried: not paid as a debt).
    """
    if died_on is None:
        if basis is not None:
            return "a winding-up basis is recorded only for a client whose death is confirmed"
        return None
    when = died_on.isoformat()
    if standing:
        return f"the client died on {when}: standing payments and the personal allowance stopped"
    if commits_new_money:
        return (
            f"the client died on {when}: the order's authority ended at death, so nothing new "
            "is committed from their money (only winding up, seed 002 B 29)"
        )
    if basis is None:
        allowed = ", ".join(b.value for b in WindingUpBasis)
        return (
            f"the client died on {when}: a payment after death names its winding-up basis "
            f"({allowed}; seed 002 B 29)"
        )
    if basis is WindingUpBasis.DEBT_BEFORE_DEATH:
        if invoice_date is None:
            return "a debt before death is paid against an invoice dated up to the date of death"
        if not invoice_payable_after_death(invoice_date, died_on):
            return (
                f"the invoice is dated {invoice_date.isoformat()}, after the death on {when}: "
                "it is queried, not paid as a debt (B 29.2, R-DEATH-2)"
            )
    return None


def days_since(died_on: date, today: date) -> int:
    return (today - died_on).days
