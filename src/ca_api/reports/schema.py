"""Queries of the committee and dashboard reports (issue 16): thin resolvers over
``reports.caseload`` and ``reports.money_held``. Readable by ``REPORT_READ`` (officers, audit,
the reporting role); counts suppressed for the reporting role."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import REPORT_READ, allow
from ca_api.context import Context
from ca_api.errors import ApiError, ErrorCode
from ca_api.reports import caseload as caseload_report
from ca_api.reports import money_held as money_report
from ca_api.reports import rules
from ca_api.reports.types import Caseload, MoneyHeld


def _series_range(start: date, end: date) -> None:
    months = len(rules.month_ends(start, end))
    if months == 0:
        raise ApiError(ErrorCode.BAD_USER_INPUT, "`to` is before `from`")
    if months > rules.MAX_SERIES_MONTHS:
        raise ApiError(
            ErrorCode.BAD_USER_INPUT,
            f"a series is at most {rules.MAX_SERIES_MONTHS} months: ask for a shorter range",
        )


_FROM = strawberry.argument(name="from", description="The first month (any day in it).")
_TO = strawberry.argument(name="to", description="The last month (any day in it).")


@strawberry.type
class ReportQuery:
    @strawberry.field(
        extensions=allow(REPORT_READ),
        description="Clients by role and situation on a date, from the records as dated "
        "(R-REP-1, seed 002 Appendix 1), and the change since a second date. Numbers only; "
        "small counts suppressed for the reporting role.",
    )
    async def caseload(
        self,
        info: Info[Context, None],
        as_at: Annotated[date, strawberry.argument(description="The date to count on.")],
        compared_with: Annotated[
            date | None, strawberry.argument(description="A date to compare the total with.")
        ] = None,
    ) -> Caseload:
        ctx = info.context
        disclosure = await caseload_report.disclosure_for(ctx.session, ctx.principal)
        report = await caseload_report.caseload(ctx.session, disclosure, as_at, compared_with)
        return Caseload.of(report)

    @strawberry.field(
        extensions=allow(REPORT_READ),
        description="The caseload at each month end of a range (at most 120 months), each "
        "compared with the month end before it: a time series to plot.",
    )
    async def caseload_series(
        self,
        info: Info[Context, None],
        start: Annotated[date, _FROM],
        end: Annotated[date, _TO],
    ) -> list[Caseload]:
        _series_range(start, end)
        ctx = info.context
        disclosure = await caseload_report.disclosure_for(ctx.session, ctx.principal)
        reports = await caseload_report.caseload_series(ctx.session, disclosure, start, end)
        return [Caseload.of(r) for r in reports]

    @strawberry.field(
        extensions=allow(REPORT_READ),
        description="Money held for the caseload's clients on a date, in total and by role, "
        "the average per client and the deputy clients over the lodgement threshold (R-REP-2, "
        "seed 002 section 1.4). Small counts, and money resting on them, suppressed for the "
        "reporting role.",
    )
    async def money_held(
        self,
        info: Info[Context, None],
        as_at: Annotated[date, strawberry.argument(description="The date.")],
    ) -> MoneyHeld:
        ctx = info.context
        disclosure = await caseload_report.disclosure_for(ctx.session, ctx.principal)
        return MoneyHeld.of(await money_report.money_held(ctx.session, disclosure, as_at))

    @strawberry.field(
        extensions=allow(REPORT_READ),
        description="Money held at each month end of a range (at most 120 months): a time "
        "series to plot.",
    )
    async def money_held_series(
        self,
        info: Info[Context, None],
        start: Annotated[date, _FROM],
        end: Annotated[date, _TO],
    ) -> list[MoneyHeld]:
        _series_range(start, end)
        ctx = info.context
        disclosure = await caseload_report.disclosure_for(ctx.session, ctx.principal)
        reports = await money_report.money_held_series(ctx.session, disclosure, start, end)
        return [MoneyHeld.of(r) for r in reports]
