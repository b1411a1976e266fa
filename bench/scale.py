"""Issue 18's scale benchmark: a shared service's 50,000 clients and two million transfers
(``bench/scale_data.py``: what is loaded, and what the loader bypasses and why it stays
consistent), then every officer-facing list and lookup and every report through the real
API (one uvicorn worker), each as the role that uses it.

    .venv/bin/python bench/scale.py [--clients 50000] [--transfers 2000000]
        [--keep NAME] [--load-only] [--skip-load] [--only thresholdFlags,client] [--runs 7]
        [--client-page] [--seconds 10] [--connections 8] [--floor]

``--keep NAME`` loads into database NAME (made and migrated to head the first time) and keeps
it: a second run with the same name skips the load (``--skip-load`` says so outright). Another
run can clone it: ``CREATE DATABASE x TEMPLATE NAME``. ``--load-only`` loads (and checks) and
stops. ``--only`` times the cases whose label contains one of the names. ``--client-page``
runs the SPA's client page for a busy client at ``--connections`` for ``--seconds`` instead
(``bench/client_page.py``); with ``--floor``, beside its floor (``bench/client_page_floor.py``).

Prints each case's median, p95 and worst of ``--runs`` (after one warm-up; a case whose
warm-up took over ``--slow`` seconds is not run again: that one time is its figure), flags a list or
lookup whose median is over 50 ms and a report whose median is over 1 s, and the slowest.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from harness import ADMIN_URL, _admin, bench_database, gql, holds_clients, server
from reports import kept_database
from scale_data import BUSY_CLIENTS, Sizes, consistency, foreign_keys_broken, load
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from wide import widen

from ca_api.db import async_url

LIST_TARGET = 0.050  # s, median of a list or lookup (issue 18)
REPORT_TARGET = 1.0  # s, a report


async def _loaded(url: str) -> bool:
    return await holds_clients(url, "SC")


async def setup(url: str, sizes: Sizes) -> float:
    """Load, then VACUUM ANALYZE (what autovacuum leaves: statistics and the visibility map).
    Returns the seconds the load took (the transaction, committed)."""
    engine = create_async_engine(async_url(url))
    try:
        start = time.perf_counter()
        await load(engine, sizes)
        loaded = time.perf_counter() - start
        print(f"loaded in {loaded:.1f} s", flush=True)
        async with engine.connect() as conn:
            await conn.execute(text("COMMIT"))
            t0 = time.perf_counter()
            await conn.execute(text("VACUUM ANALYZE"))
            print(f"VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s", flush=True)
        return loaded
    finally:
        await engine.dispose()


async def check(url: str) -> None:
    """The foreign keys and what the bypassed triggers keep, recomputed from the rows."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            t0 = time.perf_counter()
            broken = await foreign_keys_broken(conn)
            kept = await consistency(conn)
            print(f"checked in {time.perf_counter() - t0:.1f} s", flush=True)
            print(f"  foreign keys broken: {broken or 'none'}")
            for label, n in kept.items():
                print(f"  {label}: {n}")
            if broken or any(kept.values()):
                raise SystemExit("the loaded data is inconsistent")
            counts = {}
            for table in (
                "client",
                "transfer",
                "payment",
                "invoice",
                "decision",
                "budget_plan",
                "receipt",
                "death",
                "referral",
                "lodgement",
            ):
                sql = f"SELECT count(*) FROM {table}"  # noqa: S608 (our own names)
                counts[table] = (await conn.execute(text(sql))).scalar_one()
            print("  rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    finally:
        await engine.dispose()


# --- the cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    label: str
    role: str
    query: str
    variables: dict[str, Any]
    report: bool = False


def cases(ids: dict[str, str], *, wide: bool = False) -> list[Case]:
    """Every root list and lookup an officer or dashboard opens, and every report; ``wide``:
    each asking for every plain field of what it selects (``bench/wide.py``)."""
    every = sorted(every_case(ids), key=lambda c: c.label in LAST)
    if wide:
        every = [dataclasses.replace(c, query=widen(c.query)) for c in every]
    return every


# Over a minute before issue 18 (each holds the server's database for minutes after the bench
# gives up on it): timed after every other case, so they slow none of the others.
LAST = frozenset({"clientsBeingWoundUp", "annualReviewsDue", "opgReportsDue", "ledgerCheck"})


def every_case(ids: dict[str, str]) -> list[Case]:
    busy, client, account = ids["busy"], ids["client"], ids["busyAccount"]
    officer, senior, reporting = "assistant", "senior_officer", "reporting"
    # An officer's review list: who, when due, and where it stands (issue 18 item 1).
    due = "dueOn state daysOverdue lastReviewedOn client { reference givenName familyName }"

    def lst(field: str, args: str = "", sel: str = "id") -> str:
        a = f"({args})" if args else ""
        return (
            f"query {{ {field}{a} {{ edges {{ node {{ {sel} }} }} pageInfo {{ hasNextPage }} }} }}"
        )

    return [
        Case(
            "client(id) with orders",
            officer,
            """query($id: ID!) { client(id: $id) { id reference givenName familyName situation
              status deputyships { id caseNumber orderDate inForce }
              appointeeships { id startDate inForce } } }""",
            {"id": busy},
        ),
        Case(
            "clients (first page)",
            officer,
            "query { clients(first: 25) { edges { cursor node { id reference familyName } } } }",
            {},
        ),
        Case(
            "clients (a later page)",
            officer,
            """query($after: String) { clients(first: 25, after: $after) {
              edges { node { id reference familyName } } } }""",
            {"after": ids["clientsCursor"]},
        ),
        Case(
            "clients (search by name)",
            officer,
            """query { clients(first: 25, filter: {search: "Family12"}) {
              edges { node { id reference } } } }""",
            {},
        ),
        Case("caseloadSummary", officer, "query { caseloadSummary { __typename } }", {}),
        Case(
            "clientAccounts",
            officer,
            "query($c: ID!) { clientAccounts(clientId: $c) { id kind balance held available } }",
            {"c": busy},
        ),
        Case(
            "accountStatement (busy account, first 20)",
            officer,
            """query($a: ID!) { accountStatement(accountId: $a, first: 20) {
              edges { node { __typename } } } }""",
            {"a": account},
        ),
        Case(
            "accountStatement (busy account, last 20)",
            officer,
            """query($a: ID!) { accountStatement(accountId: $a, last: 20) {
              edges { node { __typename } } } }""",
            {"a": account},
        ),
        Case("counterparties", officer, lst("counterparties", "first: 25"), {}),
        Case(
            "counterparties (search)",
            officer,
            lst("counterparties", 'first: 25, search: "supplier 1"'),
            {},
        ),
        Case("receipts", officer, lst("receipts", "first: 25"), {}),
        Case(
            "receipts (a client)",
            officer,
            "query($c: ID) { receipts(clientId: $c, first: 25) { edges { node { __typename } } } }",
            {"c": busy},
        ),
        Case("invoices", officer, lst("invoices", "first: 25"), {}),
        Case(
            "invoices (overdue)",
            officer,
            lst("invoices", "first: 25, filter: {overdue: true}", "id status daysOverdue"),
            {},
        ),
        Case(
            "invoices (a client's outstanding)",
            officer,
            """query($c: ID) { invoices(first: 25, filter: {clientId: $c, status: RECEIVED}) {
              edges { node { id status } } } }""",
            {"c": busy},
        ),
        Case(
            "invoice(id)",
            officer,
            "query($id: ID!) { invoice(id: $id) { id status } }",
            {"id": ids["invoice"]},
        ),
        Case("payments", officer, lst("payments", "first: 25", "id status"), {}),
        Case(
            "payments (a client)",
            officer,
            """query($c: ID) { payments(clientId: $c, first: 25) {
              edges { node { id status } } } }""",
            {"c": busy},
        ),
        Case(
            "payments (status APPROVED)",
            officer,
            lst("payments", "first: 25, status: APPROVED", "id status"),
            {},
        ),
        Case(
            "paymentsAwaitingApproval",
            senior,
            lst("paymentsAwaitingApproval", "first: 25", "id amount canApprove"),
            {},
        ),
        Case(
            "payment(id)",
            officer,
            "query($id: ID!) { payment(id: $id) { id status } }",
            {"id": ids["payment"]},
        ),
        Case("decisions", officer, lst("decisions", "first: 25", "id status"), {}),
        Case(
            "decisions (pending: RAISED)",
            senior,
            lst("decisions", "first: 25, status: RAISED", "id status"),
            {},
        ),
        Case(
            "decisions (a client)",
            officer,
            """query($c: ID) { decisions(clientId: $c, first: 25) {
              edges { node { id status } } } }""",
            {"c": busy},
        ),
        Case("approvalQueue", senior, lst("approvalQueue", "first: 25", "__typename"), {}),
        Case(
            "budgetPlans (a client)",
            officer,
            "query($c: ID!) { budgetPlans(clientId: $c, first: 5) { edges { node { id } } } }",
            {"c": client},
        ),
        Case("thresholdFlags", officer, lst("thresholdFlags", "first: 25", "__typename"), {}),
        Case("budgetPlanReviews", officer, lst("budgetPlanReviews", "first: 25", "__typename"), {}),
        Case("feeRuns", officer, lst("feeRuns", "first: 25"), {}),
        Case("lodgements", officer, lst("lodgements", "first: 25"), {}),
        Case(
            "investmentStatementsDue",
            officer,
            lst("investmentStatementsDue", "first: 25", "__typename"),
            {},
        ),
        Case("referrals", officer, lst("referrals", "first: 25"), {}),
        Case(
            "appointeeApplicationDeadlines",
            officer,
            lst("appointeeApplicationDeadlines", "first: 25", "__typename"),
            {},
        ),
        Case(
            "deputyshipApplicationDeadlines",
            officer,
            lst("deputyshipApplicationDeadlines", "first: 25", "__typename"),
            {},
        ),
        Case(
            "outstandingTemporaryAssistance",
            officer,
            lst("outstandingTemporaryAssistance", "first: 25"),
            {},
        ),
        Case(
            "clientsBeingWoundUp",
            officer,
            lst(
                "clientsBeingWoundUp",
                "first: 25",
                "client { id reference givenName familyName situation } "
                "death { diedOn status confirmedAt windUpFee { __typename } } "
                "daysSinceDeath outstanding { step count amount detail }",
            ),
            {},
        ),
        Case("complaints (open)", officer, lst("complaints", "first: 25, open: true"), {}),
        Case("willCourtNotices", officer, lst("willCourtNotices", "first: 25", "__typename"), {}),
        Case(
            "taxReturns",
            officer,
            lst(
                "taxReturns",
                "first: 25, taxYear: 2025",
                "dueOn state incomeTax { clientId label totalTaxableIncome returnNeeded "
                "returnNeededBecause returnState filedOn taxPaid taxRefunded "
                "taxableIncome { category amount } filing { taxReturnId filedOn reference } }",
            ),
            {},
        ),
        Case("annualReviewsDue", officer, lst("annualReviewsDue", "first: 25", due), {}),
        Case(
            "annualReviewsDue (OVERDUE)",
            officer,
            lst("annualReviewsDue", "first: 25, state: OVERDUE", due),
            {},
        ),
        Case(
            "annualReviewsDue (dueBy)",
            officer,
            """query($d: Date) { annualReviewsDue(first: 25, dueBy: $d) {
              edges { node { dueOn state client { reference givenName familyName } } } } }""",
            {"d": ids["today"]},
        ),
        Case(
            "annualReviewsDue (a client)",
            officer,
            """query($c: ID) { annualReviewsDue(first: 25, clientId: $c) {
              edges { node { dueOn state client { reference givenName familyName } } } } }""",
            {"c": client},
        ),
        Case("allowanceSchedules", officer, lst("allowanceSchedules", "first: 25"), {}),
        Case("opgReports", officer, lst("opgReports", "first: 25"), {}),
        Case("opgReportsDue", officer, "query { opgReportsDue { __typename } }", {}),
        Case(
            "opgReportsComingDue",
            officer,
            lst(
                "opgReportsComingDue",
                "first: 25",
                "clientId periodStart periodEnd dueOn dueState "
                "client { reference givenName familyName }",
            ),
            {},
        ),
        Case("officers", officer, lst("officers", "first: 25", "__typename"), {}),
        Case("intakeBatches", officer, lst("intakeBatches", "first: 25"), {}),
        Case(
            "auditLog (a client)",
            "auditor",
            """query($c: ID) { auditLog(first: 25, filter: {clientId: $c}) {
              edges { node { __typename } } } }""",
            {"c": busy},
        ),
        # A busy client's own pages beyond the client page (issue 18: every lookup).
        Case(
            "incomeTax (a busy client's year)",
            officer,
            "query($c: ID!) { incomeTax(clientId: $c, taxYear: 2025) { __typename } }",
            {"c": busy},
        ),
        Case(
            "feeCharges (a busy client)",
            officer,
            "query($c: ID!) { feeCharges(clientId: $c, first: 25) { edges { node { id } } } }",
            {"c": busy},
        ),
        Case(
            "outstandingDebts (a busy client)",
            officer,
            "query($c: ID!) { outstandingDebts(clientId: $c) { __typename } }",
            {"c": busy},
        ),
        Case(
            "estate (a busy client)",
            officer,
            "query($c: ID!) { estate(clientId: $c) { __typename } }",
            {"c": busy},
        ),
        Case(
            "circumstanceChanges (a busy client)",
            officer,
            """query($c: ID!) { circumstanceChanges(clientId: $c, first: 25) {
              edges { node { __typename } } } }""",
            {"c": busy},
        ),
        Case("outboxMessages", "auditor", lst("outboxMessages", "first: 25"), {}),
        Case("ledgerCheck", "auditor", "query { ledgerCheck { sound } }", {}, report=True),
        Case(
            "caseload(asAt, comparedWith)",
            reporting,
            """query($a: Date!, $c: Date) { caseload(asAt: $a, comparedWith: $c) {
              total { count } } }""",
            {"a": ids["today"], "c": ids["yearAgo"]},
            report=True,
        ),
        Case(
            "moneyHeld(asAt today)",
            reporting,
            "query($a: Date!) { moneyHeld(asAt: $a) { total } }",
            {"a": ids["today"]},
            report=True,
        ),
        Case(
            "caseloadSeries (12 month ends)",
            reporting,
            "query($f: Date!, $t: Date!) { caseloadSeries(from: $f, to: $t) { total { count } } }",
            {"f": ids["yearAgo"], "t": ids["today"]},
            report=True,
        ),
        Case(
            "moneyHeldSeries (12 month ends)",
            reporting,
            "query($f: Date!, $t: Date!) { moneyHeldSeries(from: $f, to: $t) { total } }",
            {"f": ids["yearAgo"], "t": ids["today"]},
            report=True,
        ),
        Case(
            "serviceCostAndIncome",
            reporting,
            "query($y: Int!) { serviceCostAndIncome(financialYear: $y) { __typename } }",
            {"y": int(ids["today"][:4]) - 1},
            report=True,
        ),
        Case(
            "workload",
            reporting,
            "query($a: Date!) { workload(asAt: $a) { clients } }",
            {"a": ids["today"]},
            report=True,
        ),
        Case(
            "deadlinesSeries (a year)",
            reporting,
            "query($f: Date!, $t: Date!) { deadlinesSeries(from: $f, to: $t) { __typename } }",
            {"f": ids["yearAgo"], "t": ids["today"]},
            report=True,
        ),
        Case(
            "deadlinesReport (a year)",
            reporting,
            """query($f: Date!, $t: Date!) { deadlinesReport(from: $f, to: $t) {
              measures { measure } } }""",
            {"f": ids["yearAgo"], "t": ids["today"]},
            report=True,
        ),
        Case(
            "policyExceptions (a year)",
            reporting,
            "query($f: Date, $t: Date) { policyExceptions(from: $f, to: $t) { __typename } }",
            {"f": ids["yearAgo"], "t": ids["today"]},
            report=True,
        ),
    ]


ROLE_SUBJECTS = {
    "assistant": "officer1",
    "senior_officer": "senior1",
    "reporting": "dash.board",
    "auditor": "audit.or",
}


async def known_ids(c: httpx.AsyncClient, token: str, url: str) -> dict[str, str]:
    """The opaque ids and cursors the cases need, asked of the API as a client would."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            today = (await conn.execute(text("SELECT current_date::text"))).scalar_one()
            year_ago = (await conn.execute(text("SELECT (current_date - 365)::text"))).scalar_one()
    finally:
        await engine.dispose()
    q = """query { clients(first: 1, filter: {search: "SC000001"}) { edges { node { id } } }
      invoices(first: 1) { edges { node { id } } }
      payments(first: 1) { edges { node { id } } } }"""
    data = await gql(c, token, q, {})
    busy = data["clients"]["edges"][0]["node"]["id"]
    cursor = None  # the 20th page of 100 (a keyset page costs the same wherever it is)
    for _ in range(20):
        q_page = "query($a: String) { clients(first: 100, after: $a) { pageInfo { endCursor } } }"
        cursor = (await gql(c, token, q_page, {"a": cursor}))["clients"]["pageInfo"]["endCursor"]
    q2 = """query($c: ID!) { clientAccounts(clientId: $c) { id kind } }"""
    accounts = (await gql(c, token, q2, {"c": busy}))["clientAccounts"]
    q3 = """query { clients(first: 1, filter: {search: "SC000002"}) { edges { node { id } } } }"""
    planned = (await gql(c, token, q3, {}))["clients"]["edges"][0]["node"]["id"]
    return {
        "busy": busy,
        "client": planned,
        "busyAccount": next(a["id"] for a in accounts if a["kind"] == "CLIENT_CMS"),
        "clientsCursor": cursor,
        "invoice": data["invoices"]["edges"][0]["node"]["id"],
        "payment": data["payments"]["edges"][0]["node"]["id"],
        "today": today,
        "yearAgo": year_ago,
    }


async def measure(
    base_url: str,
    tokens: dict[str, str],
    url: str,
    only: list[str],
    runs: int,
    slow: float,
    request_seconds: float,
    wide: bool = False,
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=request_seconds) as c:
        ids = await known_ids(c, tokens["assistant"], url)
        results: list[tuple[Case, float, float, float]] = []
        failed: list[str] = []
        for case in cases(ids, wide=wide):
            if only and not any(o.lower() in case.label.lower() for o in only):
                continue
            times: list[float] = []
            try:
                for i in range(runs + 1):
                    start = time.perf_counter()
                    await gql(c, tokens[case.role], case.query, case.variables)
                    took = time.perf_counter() - start
                    if i:  # the first is a warm-up
                        times.append(took)
                    elif took > slow:  # far over: its one run is its figure
                        times.append(took)
                        break
            except httpx.TimeoutException:
                failed.append(f"{case.label}: no answer in {request_seconds:.0f} s (timed out)")
                print(
                    f"{case.label:48} no answer in {request_seconds:.0f} s  OVER TARGET", flush=True
                )
                continue
            except (RuntimeError, httpx.HTTPError) as exc:
                failed.append(f"{case.label}: {str(exc)[:300]}")
                print(f"{case.label:48} FAILED {str(exc)[:200]}", flush=True)
                continue
            med = statistics.median(times)
            p95 = sorted(times)[min(len(times) - 1, int(0.95 * len(times)))]
            target = REPORT_TARGET if case.report else LIST_TARGET
            flag = "  OVER TARGET" if med > target else ""
            print(
                f"{case.label:48} median {med * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms  "
                f"worst {max(times) * 1000:8.1f} ms{flag}",
                flush=True,
            )
            results.append((case, med, p95, max(times)))
        if results:
            over = [r for r in results if r[1] > (REPORT_TARGET if r[0].report else LIST_TARGET)]
            print(f"\n{len(results)} cases timed, {len(over)} over target, {len(failed)} failed")
            for case, med, _, _ in sorted(over, key=lambda r: -r[1]):
                kind = "report" if case.report else "list/lookup"
                print(f"  over: {case.label} ({kind}) median {med * 1000:.0f} ms")
            slowest = max(results, key=lambda r: r[1])
            print(f"slowest: {slowest[0].label}, median {slowest[1] * 1000:.0f} ms")
        for f in failed:
            print(f"  failed: {f}")
        check = "query { ledgerCheck { sound sumOfAllBalances accountsOutOfBalance } }"
        try:
            print(f"ledgerCheck: {(await gql(c, tokens['auditor'], check, {}))['ledgerCheck']}")
        except httpx.TimeoutException:
            print(
                f"ledgerCheck: no answer in {request_seconds:.0f} s (the load's own check, "
                "the same sums in SQL, found the ledger sound)"
            )


@contextlib.contextmanager
def database(keep: str | None) -> Iterator[str]:
    if keep:
        with kept_database(keep) as url:
            yield url
    else:
        with bench_database() as url:
            yield url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--transfers", type=int, default=2_000_000)
    parser.add_argument("--keep", metavar="NAME", help="load into NAME once and keep it")
    parser.add_argument("--load-only", action="store_true", help="load, check and stop")
    parser.add_argument("--skip-load", action="store_true", help="NAME is loaded already")
    parser.add_argument("--only", default="", help="comma-separated names of cases to time")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--slow", type=float, default=10.0, help="a case whose first run takes longer runs once"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a request")
    parser.add_argument("--client-page", action="store_true", help="the client page bench")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--floor", action="store_true", help="the client page's floor too (client_page_floor.py)"
    )
    parser.add_argument(
        "--wide", action="store_true", help="every case asks for every plain field (bench/wide.py)"
    )
    args = parser.parse_args()
    if args.skip_load and not args.keep:
        parser.error("--skip-load needs --keep NAME")
    print(f"load average: {os.getloadavg()}")
    sizes = Sizes(clients=args.clients, transfers=args.transfers)
    with database(args.keep) as url:
        if args.skip_load or (args.keep and asyncio.run(_loaded(url))):
            print(f"database {args.keep} already loaded: load skipped")
        else:
            asyncio.run(setup(url, sizes))
            asyncio.run(check(url))
        if args.load_only:
            return
        with server(url) as srv:
            tokens = {role: srv.token(role, sub) for role, sub in ROLE_SUBJECTS.items()}
            if args.client_page:
                from client_page import run as client_page

                args.settings = srv.settings
                args.server_pid = srv.pid
                asyncio.run(client_page(srv.url, tokens["assistant"], url, args))
            else:
                only = [o.strip() for o in args.only.split(",") if o.strip()]
                asyncio.run(
                    measure(
                        srv.url, tokens, url, only, args.runs, args.slow, args.timeout, args.wide
                    )
                )
        print(f"load average: {os.getloadavg()}")


_ = (ADMIN_URL, _admin, make_url, BUSY_CLIENTS)

if __name__ == "__main__":
    main()
