"""The business failures of everything that gets approved, defined once (issue 10 item 2).

Payments, decisions, lodgements, placements and investment statements raise these; each says
its own words (what was raised, what is above the limit), the code and the shape are the same
for all, so the GraphQL layer maps them to one union member each (``common.problems``).
"""

from __future__ import annotations

from ca_api.errors import ErrorCode, MoneyProblem
from ca_api.money import Pence


class FourEyes(MoneyProblem):
    """R-ROLE-2: the caller raised the thing, or wrote some of it (one of its authors).

    ``did``: what the caller did ("you raised this payment"); ``must``: what someone else must
    do instead ("approve it")."""

    def __init__(self, raised_by: str, did: str, must: str) -> None:
        super().__init__(
            ErrorCode.FOUR_EYES,
            f"{did}: someone else must {must} (R-ROLE-2)",
            raised_by=raised_by,
        )


class OverApprovalLimit(MoneyProblem):
    """R-DEC-2, R-DEC-4: the caller's role does not cover the amount under the limits in force.

    ``above``: the sentence saying so ("£12.00 is above what your role may approve under the
    limits in force"); ``lowest``: the lowest role that may, if any."""

    def __init__(self, amount: Pence, lowest: str | None, above: str) -> None:
        who = f"; the lowest role that may is {lowest}" if lowest else ""
        super().__init__(
            ErrorCode.OVER_APPROVAL_LIMIT,
            f"{above} (R-DEC-2, R-DEC-4){who}",
            amount=amount,
            lowest_role=lowest,
        )
