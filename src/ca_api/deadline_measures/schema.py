"""Queries of the deadline measures (issue 16 item 4, R-REP-4): thin resolvers over
``deadline_measures.service``. Readable by officers, audit and the reporting role (counts only;
small counts suppressed for the reporting role)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import AGGREGATE_READ, allow
from ca_api.context import Context
from ca_api.deadline_measures import rules, service
from ca_api.deadline_measures.types import DeadlinesReport
from ca_api.errors import ApiError, ErrorCode

_FROM = strawberry.argument(name="from", description="The period's first day.")
_TO = strawberry.argument(name="to", description="The period's last day (included).")


def _period(start: date, end: date) -> None:
    problem = rules.period_problem(start, end)
    if problem is not None:
        raise ApiError(ErrorCode.BAD_USER_INPUT, f"`to` {problem}")


@strawberry.type
class DeadlineMeasureQuery:
    @strawberry.field(
        extensions=allow(AGGREGATE_READ),
        description="Deadlines met and missed (R-REP-4, seed 002 B 31, D 3): for each promise, "
        "the cases due in the period (their due date from `from` to `to`, both included), how "
        "many were met, missed and are still open as of today (docs/deadline_measures.md). "
        "Numbers only; small counts suppressed for the reporting role.",
    )
    async def deadlines_report(
        self,
        info: Info[Context, None],
        start: Annotated[date, _FROM],
        end: Annotated[date, _TO],
    ) -> DeadlinesReport:
        _period(start, end)
        ctx = info.context
        report = await service.deadlines_report(ctx.session, ctx.principal, start, end)
        return DeadlinesReport.of(report)

    @strawberry.field(
        extensions=allow(AGGREGATE_READ),
        description="deadlinesReport for each calendar month of the period (the first and last "
        "clipped to it; at most 120 months): a time series to plot.",
    )
    async def deadlines_series(
        self,
        info: Info[Context, None],
        start: Annotated[date, _FROM],
        end: Annotated[date, _TO],
    ) -> list[DeadlinesReport]:
        _period(start, end)
        ctx = info.context
        reports = await service.deadlines_series(ctx.session, ctx.principal, start, end)
        return [DeadlinesReport.of(r) for r in reports]
