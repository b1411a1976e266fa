"""Payments in the approval queue (kind ``PAYMENT``): what a principal may approve now.

A payment waits while it is RAISED (a funds-short refusal leaves it waiting, R-PAY-3). A
principal may approve it when they neither raised it nor recorded its invoice (its authors,
R-ROLE-2) and their role covers its amount
under the approval limits in force today (R-DEC-2, R-DEC-4): the same test ``approvePayment``
makes, so the queue never offers what the mutation would refuse.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals.rules import authors_of
from ca_api.approvals.sources import Judge, QuerySource, QueueItem, SourceKey
from ca_api.auth.principal import Principal
from ca_api.common.keyset import Seek
from ca_api.money import Pence
from ca_api.payments import repository
from ca_api.payments.views import claim
from ca_api.policy.rules import APPROVAL_RANK, ApprovalSubject, LimitVersion

KIND = "PAYMENT"


def _cap(version: LimitVersion, principal: Principal) -> tuple[bool, Pence | None]:
    """(may approve any payment at all, the largest amount; None: any amount), as
    ``may_approve`` judges: a role at or above one the limits name, up to that role's limit."""
    best = max((APPROVAL_RANK.get(r, 0) for r in principal.roles), default=0)
    if best == 0:
        return False, None
    caps = [
        up_to
        for (subject, role), up_to in version.limits.items()
        if subject is ApprovalSubject.PAYMENT and APPROVAL_RANK.get(role, 99) <= best
    ]
    if not caps:
        return False, None
    if any(c is None for c in caps):
        return True, None
    return True, max(c for c in caps if c is not None)


class PaymentQueueSource(QuerySource):
    kind = KIND

    async def rows(
        self,
        session: AsyncSession,
        judge: Judge,
        item_id: uuid.UUID | None,
        seek: Seek[SourceKey] | None,
    ) -> Sequence[Any]:
        allowed, cap = _cap(judge.version, judge.principal)
        if not allowed:
            return []  # below senior_officer: an empty queue, without a query
        return await repository.awaiting_approval(
            session, judge.principal, cap=cap, payment_id=item_id, seek=seek
        )

    def item(self, judge: Judge, row: Any) -> QueueItem | None:
        p = row[0]
        # The mutation's own tests, once more (the SQL is their shortcut).
        if not judge.may(claim(p, authors_of(p.raised_by, [row.invoice_recorded_by]))):
            return None
        summary = f"Payment to {row.payee_name}: {p.description}"
        return QueueItem.of(KIND, p, row.client_reference, summary)


SOURCE = PaymentQueueSource()
