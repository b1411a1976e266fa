"""Temporary assistance in the approval queue (kind ``TEMPORARY_ASSISTANCE``, listed in
``graphql.QUEUE_SOURCES``): REQUESTED assistance the principal did not request (R-ROLE-2) and
whose amount their role covers under the limits in force today (R-DEC-2, R-DEC-4): the same test
``approveTemporaryAssistance`` makes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals.sources import Judge, QuerySource, QueueItem, SourceKey
from ca_api.common.keyset import Seek
from ca_api.money import format_money
from ca_api.temporary_assistance import repository, service

MAX_SUMMARY = 120


class TemporaryAssistanceSource(QuerySource):
    kind = service.QUEUE_KIND

    async def rows(
        self,
        session: AsyncSession,
        judge: Judge,
        item_id: uuid.UUID | None,
        seek: Seek[SourceKey] | None,
    ) -> Sequence[Any]:
        return await repository.awaiting(session, judge.principal, assistance_id=item_id, seek=seek)

    def item(self, judge: Judge, row: Any) -> QueueItem | None:
        a = row[0]
        # The mutation's own test once more (the SQL leaves out what they requested).
        if not judge.may(service.claim(a)):
            return None
        text = " ".join(a.purpose.split())
        summary = f"Temporary assistance, {format_money(a.amount)} to {row.payee_name}: {text}"
        if len(summary) > MAX_SUMMARY:
            summary = summary[: MAX_SUMMARY - 1] + "…"
        return QueueItem.of(service.QUEUE_KIND, a, row.client_reference, summary)


SOURCE = TemporaryAssistanceSource()
