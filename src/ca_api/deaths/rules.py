"""Pure rules of a client's death (issue 13; R-DEATH-1..4, R-ROLE-2, seed 002 B 29): no I/O, no
clock.

A death is RECORDED by one officer (the date, the death certificate's reference) and takes
effect only once a second officer CONFIRMS it (four eyes, R-ROLE-2). From then the order's
authority has ended: money leaves the client's account only on a basis that winding up allows
(B 29.2-29.6), and every such payment records its basis. The rule is here, once; every door
where money leaves or is committed asks it through ``deaths.spending.refuse_spending_after_death``.
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
    WITHDRAWN = "WITHDRAWN"  # recorded in error, withdrawn before confirmation (migration 0032)


class DeathEventKind(enum.StrEnum):
    CONFIRMED = "CONFIRMED"
    WITHDRAWN = "WITHDRAWN"


DEATH_STATUSES: StatusTable[DeathEventKind, DeathStatus] = (
    (DeathEventKind.WITHDRAWN, DeathStatus.WITHDRAWN),
    (DeathEventKind.CONFIRMED, DeathStatus.CONFIRMED),
)

TRANSITIONS: dict[DeathEventKind, frozenset[DeathStatus]] = {
    DeathEventKind.CONFIRMED: frozenset({DeathStatus.PENDING_CONFIRMATION}),
    DeathEventKind.WITHDRAWN: frozenset({DeathStatus.PENDING_CONFIRMATION}),
}


def death_status(events: Iterable[str]) -> DeathStatus:
    """PENDING_CONFIRMATION -> CONFIRMED, or -> WITHDRAWN (recorded in error)."""
    return status_of(DEATH_STATUSES, events, DeathStatus.PENDING_CONFIRMATION)


def transition_problem(status: DeathStatus, event: DeathEventKind) -> str | None:
    if transition_allowed(TRANSITIONS, status, event):
        return None
    what = "confirmed" if event is DeathEventKind.CONFIRMED else "withdrawn"
    return f"the death is {status.value}: only a death PENDING_CONFIRMATION can be {what}"


class WindingUpBasis(enum.StrEnum):
    """On what basis money leaves a deceased client's account (seed 002 B 29): the order's
    authority ended at death, so every payment after it names one."""

    FUNERAL = "FUNERAL"  # the funeral's costs
    DEBT_BEFORE_DEATH = "DEBT_BEFORE_DEATH"  # goods and services up to the date of death (B 29.2)
    WIND_UP_FEE = "WIND_UP_FEE"  # the council's wind-up charge (B 29.4, R-FEE-5)
    REPAYMENT = "REPAYMENT"  # a benefit overpayment to its agency, assistance to the council
    ESTATE = "ESTATE"  # the estate: executor, next of kin, Treasury Solicitor (B 29.3-29.6)


UNRECORDED_DEATH = (
    "the client is recorded as deceased (DECEASED_WINDING_UP) but no death is confirmed: record "
    "the death and have it confirmed first, so its date rules what winding up pays (B 29.2)"
)


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


def after_death_query(invoice_date: date, died_on: date) -> str:
    """The note of the QUERIED event (R-PAY-7) the service writes on an invoice dated after the
    client's death (R-DEATH-2, B 29.2)."""
    return (
        f"dated {invoice_date.isoformat()}, after the client's death on {died_on.isoformat()}: "
        "queried, not paid as a debt of the client (R-DEATH-2, seed 002 B 29.2); the funeral's "
        "costs are paid on the FUNERAL basis"
    )


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
    elif invoice_date is not None and invoice_payable_after_death(invoice_date, died_on):
        # An invoice for goods and services up to the death is the client's debt, paid as one
        # and in R-DEBT-1's order; no other basis lets it jump the queue.
        return (
            f"the invoice is dated {invoice_date.isoformat()}, up to the death on {when}: it is "
            f"a debt, paid on the DEBT_BEFORE_DEATH basis in R-DEBT-1's order, not as "
            f"{basis.value} (B 29.2)"
        )
    return None


def fee_due_for_life(due_on: date, died_on: date | None) -> bool:
    """The deputy's fees are charged for the deputyship years the client lived through: one
    that falls due (the year completed) on or before the date of death is still charged, even
    by a run after it; none falls due after death, when the order's authority has ended and the
    wind-up fee is the charge for the work (seed 002 B 6.4, B 29.4, R-FEE-5)."""
    return died_on is None or due_on <= died_on


def days_since(died_on: date, today: date) -> int:
    return (today - died_on).days


# --- who is told of the death (R-DEATH-1, seed 002 B 29.1) ---------------------------------


class NotificationRecipient(enum.StrEnum):
    """Whom the team tells of a client's death (B 29.1, R-DEATH-1)."""

    COURT_OF_PROTECTION = "COURT_OF_PROTECTION"  # if the council is deputy
    DWP = "DWP"  # if appointee, or any DWP counterparty (each one told)
    CARE_MANAGEMENT = "CARE_MANAGEMENT"  # ASC Care Management team
    SERVICE_AGREEMENT_TEAM = "SERVICE_AGREEMENT_TEAM"  # ASC Service Agreement team
    INCOME_RECOVERY = "INCOME_RECOVERY"  # BSD Income Recovery team
    FINANCIAL_ASSESSMENT = "FINANCIAL_ASSESSMENT"  # ASC Financial Assessment team
    HOUSING_BENEFIT = "HOUSING_BENEFIT"
    COMPANY = "COMPANY"  # a company the client dealt with (private pensions, utilities)
    COURT_FUNDS_OFFICE = "COURT_FUNDS_OFFICE"  # if the client has money lodged
    CARE_PROVIDER = "CARE_PROVIDER"
    SOCIAL_WORKER = "SOCIAL_WORKER"  # social worker / care worker
    WILL_SOLICITOR = "WILL_SOLICITOR"  # the solicitor holding the will (an officer adds)


class NotificationChannel(enum.StrEnum):
    COUNCIL_TEAM = "COUNCIL_TEAM"  # another council team: through the outbox, on confirmation
    LETTER = "LETTER"  # an outside organisation or person: sent by an officer, recorded


# The council's own teams of B 29.1 ("ASC", "BSD" and the council's Housing Benefit service):
# told through the outbox in the confirmation's transaction, as the hand-offs on appointment
# are (seed 002 B 4.1, 4.5). Everyone else is outside the council: a letter an officer sends.
COUNCIL_TEAMS: tuple[NotificationRecipient, ...] = (
    NotificationRecipient.CARE_MANAGEMENT,
    NotificationRecipient.SERVICE_AGREEMENT_TEAM,
    NotificationRecipient.INCOME_RECOVERY,
    NotificationRecipient.FINANCIAL_ASSESSMENT,
    NotificationRecipient.HOUSING_BENEFIT,
)

TEAM_NAMES: dict[NotificationRecipient, str] = {
    NotificationRecipient.COURT_OF_PROTECTION: "Court of Protection",
    NotificationRecipient.DWP: "Department for Work and Pensions",
    NotificationRecipient.CARE_MANAGEMENT: "ASC Care Management team",
    NotificationRecipient.SERVICE_AGREEMENT_TEAM: "ASC Service Agreement team",
    NotificationRecipient.INCOME_RECOVERY: "BSD Income Recovery team",
    NotificationRecipient.FINANCIAL_ASSESSMENT: "ASC Financial Assessment team",
    NotificationRecipient.HOUSING_BENEFIT: "Housing Benefit",
    NotificationRecipient.COURT_FUNDS_OFFICE: "Office of the Public Guardian Court Funds Office",
    NotificationRecipient.SOCIAL_WORKER: "Social worker / care worker",
}

ADDABLE = frozenset({NotificationRecipient.WILL_SOLICITOR, NotificationRecipient.COMPANY})
MAX_ORGANISATION = 200


def channel_of(recipient: NotificationRecipient) -> NotificationChannel:
    if recipient in COUNCIL_TEAMS:
        return NotificationChannel.COUNCIL_TEAM
    return NotificationChannel.LETTER


# Counterparty kinds never sent a death notice as a company: the council itself (its teams are
# told as teams), the OPG (the Court Funds Office is its own item), and money moved to the
# client's own Court Funds or placement accounts is not a dealing.
_NOT_TOLD = frozenset({"COUNCIL", "OPG"})


def counterparty_recipient(kind: str, is_council_employee: bool) -> NotificationRecipient | None:
    """Which item a counterparty of the client's is: DWP, the care provider, the Court Funds
    Office, or a company the client dealt with; None for the council, the OPG and council
    employees (never told as a company)."""
    if kind in _NOT_TOLD or is_council_employee:
        return None
    return {
        "DWP": NotificationRecipient.DWP,
        "CARE_PROVIDER": NotificationRecipient.CARE_PROVIDER,
        "COURT_FUNDS_OFFICE": NotificationRecipient.COURT_FUNDS_OFFICE,
    }.get(kind, NotificationRecipient.COMPANY)


def fixed_recipients(
    *, deputy: bool, appointee: bool, dwp_named: bool, court_funds: bool
) -> list[NotificationRecipient]:
    """The items every death has, and those that depend on the case: the Court of Protection
    if deputy; the DWP if appointee and no DWP counterparty names it already; the Court Funds
    Office if money is lodged; the council's teams and the social worker always."""
    out = []
    if deputy:
        out.append(NotificationRecipient.COURT_OF_PROTECTION)
    if appointee and not dwp_named:
        out.append(NotificationRecipient.DWP)
    out += list(COUNCIL_TEAMS)
    if court_funds:
        out.append(NotificationRecipient.COURT_FUNDS_OFFICE)
    out.append(NotificationRecipient.SOCIAL_WORKER)
    return out


def sent_on_problem(sent_on: date, died_on: date, today: date) -> str | None:
    if sent_on > today:
        return "is in the future"
    if sent_on < died_on:
        return f"is before the death ({died_on.isoformat()})"
    return None
