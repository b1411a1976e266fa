"""Pure rules for payments (R-PAY-3, R-PAY-4, R-ROLE-2): no I/O, no clock."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from ca_api.approvals.rules import StatusTable, status_of, transition_allowed
from ca_api.approvals.rules import four_eyes as four_eyes  # R-ROLE-2, for payments too
from ca_api.auth.permissions import OFFICERS
from ca_api.auth.principal import Role
from ca_api.invoices.rules import MAX_DESCRIPTION as MAX_DESCRIPTION
from ca_api.invoices.rules import MAX_NOTE as MAX_NOTE
from ca_api.invoices.rules import category_problem as category_problem  # an invoice's, too


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "BANK_TRANSFER"
    DIRECT_DEBIT = "DIRECT_DEBIT"
    CHEQUE = "CHEQUE"
    CASH = "CASH"


class PaymentStatus(enum.StrEnum):
    RAISED = "RAISED"
    APPROVED = "APPROVED"
    MADE = "MADE"
    CANCELLED = "CANCELLED"


class PaymentEventKind(enum.StrEnum):
    APPROVED = "APPROVED"
    MADE = "MADE"
    CANCELLED = "CANCELLED"
    REFUSED_FUNDS_SHORT = "REFUSED_FUNDS_SHORT"


def may_raise_standing(roles: frozenset[Role]) -> bool:
    """SAP raises payments of the council's own invoices only; standing payments are officers'."""
    return not roles.isdisjoint(OFFICERS)


def payment_method(
    requested: PaymentMethod | None, *, direct_debit_set_up: bool, from_invoice: bool
) -> tuple[PaymentMethod, str | None]:
    """The method a payment uses, and why the requested one may not be (None: it may).
    R-PAY-4: council invoices are paid by direct debit where one is set up."""
    if direct_debit_set_up:
        if requested not in (None, PaymentMethod.DIRECT_DEBIT):
            return PaymentMethod.DIRECT_DEBIT, (
                "a direct debit is set up for this invoice: it is paid by DIRECT_DEBIT (R-PAY-4)"
            )
        return PaymentMethod.DIRECT_DEBIT, None
    if requested is PaymentMethod.DIRECT_DEBIT and from_invoice:
        return PaymentMethod.DIRECT_DEBIT, "no direct debit is set up for this invoice"
    return requested or PaymentMethod.BANK_TRANSFER, None


# --- the payment's state machine ----------------------------------------------------------


# RAISED -> APPROVED -> MADE; RAISED | APPROVED -> CANCELLED. The status table (the first
# event present wins; none: RAISED) gives the status in Python and in SQL
# (``approvals.rules.status_of``, ``approvals.repository.status_case``); a funds-short refusal
# leaves it RAISED (R-PAY-3).
PAYMENT_STATUSES: StatusTable[PaymentEventKind, PaymentStatus] = (
    (PaymentEventKind.MADE, PaymentStatus.MADE),
    (PaymentEventKind.CANCELLED, PaymentStatus.CANCELLED),
    (PaymentEventKind.APPROVED, PaymentStatus.APPROVED),
)


def payment_status(events: Iterable[str]) -> PaymentStatus:
    """RAISED -> APPROVED -> MADE; RAISED | APPROVED -> CANCELLED."""
    return status_of(PAYMENT_STATUSES, events, PaymentStatus.RAISED)


# The transition table: the statuses each event may be recorded from.
TRANSITIONS: dict[PaymentEventKind, frozenset[PaymentStatus]] = {
    PaymentEventKind.APPROVED: frozenset({PaymentStatus.RAISED}),
    PaymentEventKind.MADE: frozenset({PaymentStatus.APPROVED}),
    PaymentEventKind.CANCELLED: frozenset({PaymentStatus.RAISED, PaymentStatus.APPROVED}),
}


def transition_problem(status: PaymentStatus, event: PaymentEventKind) -> str | None:
    if transition_allowed(TRANSITIONS, status, event):
        return None
    allowed = " or ".join(s.value for s in sorted(TRANSITIONS[event]))
    verb = {
        PaymentEventKind.APPROVED: "approved",
        PaymentEventKind.MADE: "made",
        PaymentEventKind.CANCELLED: "cancelled",
    }[event]
    return f"the payment is {status.value}: only a payment {allowed} can be {verb}"
