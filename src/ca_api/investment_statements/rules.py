"""Pure rules for investment statements on deputy orders (R-INV-3). No I/O."""

from __future__ import annotations

import enum
from datetime import date

from ca_api.common.rules import add_months


class StatementStatus(enum.StrEnum):
    DUE = "DUE"  # not yet submitted, on or before the due date
    OVERDUE = "OVERDUE"  # not yet submitted, after the due date
    SUBMITTED = "SUBMITTED"  # recorded, awaiting the governance manager's approval
    APPROVED = "APPROVED"  # agreed (R-INV-3, R-DEC)


def statement_due(order_date: date) -> date:
    """R-INV-3: the investment statement is due within three calendar months of the order."""
    return add_months(order_date, 3)


def statement_status(
    due: date, on: date, submitted_on: date | None, approved: date | None
) -> StatementStatus:
    if approved is not None and approved <= on:
        return StatementStatus.APPROVED
    if submitted_on is not None and submitted_on <= on:
        return StatementStatus.SUBMITTED
    return StatementStatus.DUE if on <= due else StatementStatus.OVERDUE
