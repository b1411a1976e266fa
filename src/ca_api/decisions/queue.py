"""The approval queue's source for decisions (``approvals.sources.QueueSource``, kind
"DECISION"): RAISED decisions the principal may approve now: neither raised nor written by them
(R-ROLE-2: not one of its authors, e.g. the budget plan's recorder), and of a kind and amount
their role covers under the limits in force today (R-DEC-2, R-DEC-4). Listed in
``graphql.QUEUE_SOURCES``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.approvals.sources import Judge, QuerySource, QueueItem, SourceKey
from ca_api.common.keyset import Seek
from ca_api.decisions import reads, repository, service
from ca_api.decisions.models import Decision
from ca_api.decisions.rules import DecisionKind

_LABEL = {
    DecisionKind.BEST_INTEREST: "Best interest decision",
    DecisionKind.CONFLICT_OF_INTEREST: "Conflict of interest",
    DecisionKind.DEBT_STATEMENT: "Financial statement of outstanding debts",
    DecisionKind.INVESTMENT_PLAN: "Investment plan",
    DecisionKind.FINANCIAL_PLAN: "Financial plan and budget",
}
MAX_SUMMARY = 120


def summary(kind: str, what: str, recipient: str | None) -> str:
    k = DecisionKind(kind)
    if k is DecisionKind.GIFT:
        text = f"Gift to {recipient}"
    else:
        text = f"{_LABEL[k]}: {' '.join(what.split())}"
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"


def _item(row: Any) -> QueueItem:
    d: Decision = row[0]
    what = summary(d.kind, d.what_was_decided, d.recipient_name)
    return QueueItem.of(service.QUEUE_KIND, d, row.client_reference, what)


class DecisionSource(QuerySource):
    kind = service.QUEUE_KIND

    async def rows(
        self,
        session: AsyncSession,
        judge: Judge,
        item_id: uuid.UUID | None,
        seek: Seek[SourceKey] | None,
    ) -> Sequence[Any]:
        return await repository.awaiting(
            session, not_raised_by=judge.principal.subject, decision_id=item_id, seek=seek
        )

    def item(self, judge: Judge, row: Any) -> QueueItem | None:
        # The mutation's own test once more (the SQL leaves out what they raised or wrote).
        return _item(row) if judge.may(reads.claim(row[0], row.authors)) else None


SOURCE = DecisionSource()
