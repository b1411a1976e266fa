"""Each report as CSV over HTTP (issue 16 item 7): ``GET /reports/<name>.csv?asAt=2014-04-30``
with the same bearer token as /graphql and the same roles as the report's GraphQL field (HTTP
401 without a valid token, 403 for a role that may not read it, 404 for no such report, 400
for a bad parameter). A header row, then one row per figure; money as decimal strings
(``1234.50``); UTF-8, CRLF line ends (RFC 4180), so Excel, Metabase (upload) and Grafana (the
Infinity data source) read it. docs/reports.md has a curl example.

``REPORTS`` is the registry: a report is one entry, its roles and a function from the session,
the caller's disclosure and the query parameters to a header and rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ca_api import clock
from ca_api.auth.permissions import (
    POLICY_EXCEPTION_READ,
    REPORT_READ,
    SAP_POSTINGS_READ,
    SERVICE_REPORT_READ,
)
from ca_api.auth.principal import Principal, Role
from ca_api.auth.tokens import TokenError, bearer_token
from ca_api.deadline_measures import service as deadlines
from ca_api.errors import BusinessProblem, ErrorCode
from ca_api.gate import error_body, request_id_from
from ca_api.outbox import postings
from ca_api.planning.rules import plan_year_of  # the council's financial year, from 1 April
from ca_api.reports import caseload, money_held, rules
from ca_api.reports.caseload import Disclosure, disclosure_for
from ca_api.service_costs import csv as service_costs_csv
from ca_api.service_costs import service as service_costs

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

Table = tuple[list[str], list[list[str]]]


class BadParameter(ValueError):
    pass


@dataclass(frozen=True)
class ReportParams:
    """The query parameters a report may read: ``asAt`` (default today), ``comparedWith``, or
    ``from`` and ``to`` for the month-end series."""

    as_at: date
    compared_with: date | None
    start: date | None
    end: date | None
    on: date | None = None  # ``date``: the day of SAP's postings

    @staticmethod
    def parse(query: Mapping[str, str]) -> ReportParams:
        def day(name: str) -> date | None:
            raw = query.get(name)
            if raw is None or raw == "":
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError as exc:
                raise BadParameter(f"{name} must be a date as 2014-04-30, not {raw!r}") from exc

        start, end = day("from"), day("to")
        if (start is None) != (end is None):
            raise BadParameter("give both from and to for a series, or neither")
        if start is not None and end is not None:
            months = len(rules.month_ends(start, end))
            if months == 0:
                raise BadParameter("to is before from")
            if months > rules.MAX_SERIES_MONTHS:
                raise BadParameter(f"a series is at most {rules.MAX_SERIES_MONTHS} months")
        return ReportParams(
            day("asAt") or clock.today(), day("comparedWith"), start, end, day("date")
        )


Produce = Callable[["AsyncSession", Disclosure, ReportParams], Awaitable[Table]]


@dataclass(frozen=True)
class CsvReport:
    roles: frozenset[Role]  # the same roles as the report's GraphQL field
    produce: Produce


async def _caseload(session: AsyncSession, d: Disclosure, p: ReportParams) -> Table:
    if p.start is not None and p.end is not None:
        return caseload.rows_for_csv(await caseload.caseload_series(session, d, p.start, p.end))
    return caseload.rows_for_csv([await caseload.caseload(session, d, p.as_at, p.compared_with)])


async def _money_held(session: AsyncSession, d: Disclosure, p: ReportParams) -> Table:
    if p.start is not None and p.end is not None:
        series = await money_held.money_held_series(session, d, p.start, p.end)
        return money_held.rows_for_csv(series)
    return money_held.rows_for_csv([await money_held.money_held(session, d, p.as_at)])


async def _deadlines(session: AsyncSession, d: Disclosure, p: ReportParams) -> Table:
    """``from``/``to`` the period (each calendar month of it as a series); without them the
    financial year to ``asAt``."""
    start = p.start or plan_year_of(p.as_at)
    end = p.end or p.as_at
    reports = await deadlines.deadlines_series_for(session, d.threshold, start, end)
    return deadlines.rows_for_csv(reports)


def _headed(rows: list[list[str]]) -> Table:
    """A table written with its header as the first row."""
    header, *body = rows
    return header, body


async def _cost_and_income(session: AsyncSession, d: Disclosure, p: ReportParams) -> Table:
    """The financial year (1 April to 31 March) that holds ``asAt``."""
    report = await service_costs.cost_and_income(session, plan_year_of(p.as_at).year)
    return _headed(service_costs_csv.cost_and_income_rows(report))


async def _workload(session: AsyncSession, d: Disclosure, p: ReportParams) -> Table:
    report = await service_costs.workload(session, p.as_at, by_name=False)
    return _headed(service_costs_csv.workload_rows(report))


async def _policy_exceptions(session: AsyncSession, d: Disclosure, p: ReportParams) -> Table:
    views = await service_costs.exceptions(session, p.start, p.end)
    return _headed(service_costs_csv.policy_exception_rows(views))


async def _sap_postings(session: AsyncSession, d: Disclosure, p: ReportParams) -> Table:
    """SAP's postings of the day ``date`` (default today), issue 17 item 3."""
    return postings.HEADER, await postings.postings_of_day(session, p.on or clock.today())


# The integrations' own files: /integrations/<system>/<name>.csv, served as the reports are.
INTEGRATION_FILES: dict[str, CsvReport] = {
    "sap/postings": CsvReport(SAP_POSTINGS_READ, _sap_postings),
}

# The registry: /reports/<name>.csv. A report added here is served with its roles checked.
REPORTS: dict[str, CsvReport] = {
    "caseload": CsvReport(REPORT_READ, _caseload),
    "money-held": CsvReport(REPORT_READ, _money_held),
    "deadlines": CsvReport(REPORT_READ, _deadlines),
    "cost-and-income": CsvReport(SERVICE_REPORT_READ, _cost_and_income),
    "workload": CsvReport(SERVICE_REPORT_READ, _workload),
    "policy-exceptions": CsvReport(POLICY_EXCEPTION_READ, _policy_exceptions),
}


def to_csv(table: Table) -> str:
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _refusal(status: int, code: ErrorCode, message: str, rid: str) -> Response:
    headers = {"x-request-id": rid}
    if status == 401:
        headers["www-authenticate"] = 'Bearer realm="ca-api"'
    return JSONResponse(error_body(code, message, rid), status, headers)


async def report_csv(request: Request) -> Response:
    name = request.path_params["name"]
    return await _serve(request, name, REPORTS.get(name), f"no report named {name!r}")


async def integration_csv(request: Request) -> Response:
    name = f"{request.path_params['system']}/{request.path_params['name']}"
    return await _serve(request, name, INTEGRATION_FILES.get(name), f"no file named {name!r}")


async def _serve(request: Request, name: str, report: CsvReport | None, missing: str) -> Response:
    state = request.app.state.ca
    rid = request_id_from(request.headers.get("x-request-id"))
    try:
        principal: Principal = state.verifier.verify(
            bearer_token(request.headers.get("authorization"))
        )
    except TokenError as exc:
        return _refusal(401, ErrorCode.UNAUTHENTICATED, str(exc), rid)
    if report is None:
        return _refusal(404, ErrorCode.NOT_FOUND, missing, rid)
    if not principal.has_any(report.roles):
        return _refusal(403, ErrorCode.FORBIDDEN, "your role may not read this report", rid)
    try:
        params = ReportParams.parse(request.query_params)
    except BadParameter as exc:
        return _refusal(400, ErrorCode.BAD_REQUEST, str(exc), rid)
    session = state.database.session()
    try:
        disclosure = await disclosure_for(session, principal)
        table = await report.produce(session, disclosure, params)
    except BusinessProblem as exc:  # e.g. POLICY_MISSING: no cost table in force that year
        return _refusal(409, exc.code, str(exc), rid)
    finally:
        await session.close()
    return Response(
        to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'inline; filename="{name.replace("/", "-")}.csv"',
            "x-request-id": rid,
            "cache-control": "no-store",
        },
    )


def routes() -> list[Route]:
    return [
        Route("/reports/{name}.csv", report_csv, methods=["GET"]),
        Route("/integrations/{system}/{name}.csv", integration_csv, methods=["GET"]),
    ]
