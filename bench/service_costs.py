"""The service's reports (issue 16 items 3, 5, 6) and every report's CSV over 50,000 clients
and two million transfers through the real API, as the reporting role:
serviceCostAndIncome(financialYear:), workload(asAt:), policyExceptions, deadlinesReport for a
year, and GET /reports/<name>.csv for each of the six reports.

Set-up (not measured): `bench/reports.py`'s 50,000 clients and two million transfers, then a
cost table in force from 2012 (four roles), a fee run with 100,000 court fixed-cost charges on
transfers of 2012-2014 (one a year for two deputy clients in three), 300,000 payments raised
over 2012-2014 by 40 officers (90% made, 3% cancelled, the rest open), 60,000 decisions (90%
decided) and 2,000 policy exceptions (half decided); the 40 officers are in the officer
directory (30 assistants, 10 senior officers). Prints each query's median and worst of
five.

    .venv/bin/python bench/service_costs.py [--clients 50000] [--transfers 2000000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from harness import bench_database, gql, server
from reports import setup as reports_setup
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ca_api.db import async_url

SETUP = [
    """
    INSERT INTO service_cost_version (id, effective_from, overhead_rate, bank_charges, note,
                                      recorded_by)
    VALUES ('00000000-0000-0000-0000-00000000c057', DATE '2012-04-01', 15, 500000, 'bench',
            'bench')
    """,
    """
    INSERT INTO service_cost_role (version_id, position, title, fte, payroll)
    SELECT '00000000-0000-0000-0000-00000000c057', g, 'Role ' || g, 10 * g, 3000000 * g
      FROM generate_series(1, 4) g
    """,
    """
    INSERT INTO officer (subject, role, display_name)
    SELECT 'officer' || g, CASE WHEN g <= 30 THEN 'assistant' ELSE 'senior_officer' END,
           'Officer ' || g
      FROM generate_series(1, 40) g
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO fee_run (id, period_start, period_end, run_by, run_at, charges, clients_charged,
                         total, clients_refused, clients_short)
    VALUES ('00000000-0000-0000-0000-0000000fee01', DATE '2012-01-01', DATE '2014-12-31',
            'bench', now(), 0, 0, 0, 0, 0)
    """,
    """
    CREATE TEMP TABLE bench_fee_transfers AS
    SELECT DISTINCT ON (t.client_id, extract(year FROM t.value_date))
           t.id, t.client_id, t.value_date, d.id AS deputyship_id
      FROM transfer t JOIN deputyship d ON d.client_id = t.client_id
      JOIN bench_clients b ON b.id = t.client_id
     WHERE b.n % 3 <> 0
     ORDER BY t.client_id, extract(year FROM t.value_date), t.value_date
    """,
    """
    INSERT INTO fee_charge (transfer_id, run_id, client_id, deputyship_id, kind, basis, due_date,
      anniversary, amount, figure_name, figure_effective_from, figure_value, year_start,
      year_end)
    SELECT f.id, '00000000-0000-0000-0000-0000000fee01', f.client_id, f.deputyship_id,
           'DEPUTY_REMUNERATION', 'LATER_YEAR', f.value_date, 1, 77500, p.name, p.effective_from,
           p.value, f.value_date - 365, f.value_date - 1
      FROM bench_fee_transfers f,
           (SELECT name, effective_from, value FROM policy_figure
             ORDER BY name, effective_from LIMIT 1) p
    """,
    """
    INSERT INTO payment (id, client_id, payee_id, from_account_id, amount, category, method,
                         description, raised_by, raised_at)
    SELECT gen_random_uuid(), a.client_id,
           (SELECT id FROM counterparty WHERE name = 'Bench payer'), a.id, 1000 + g % 5000,
           'OTHER', 'BANK_TRANSFER', 'bench', 'officer' || (1 + g % 40),
           TIMESTAMPTZ '2012-01-01 10:00+00' + (g % 1000) * INTERVAL '1 day'
      FROM generate_series(1, 300000) g
      JOIN bench_accounts a ON a.k = g % CAST(:clients AS bigint)
    """,
    """
    INSERT INTO payment_event (payment_id, event, recorded_by, recorded_at)
    SELECT id, CASE WHEN random() < 0.97 THEN 'MADE' ELSE 'CANCELLED' END, 'bench',
           raised_at + INTERVAL '3 days'
      FROM payment WHERE raised_by LIKE 'officer%' AND random() < 0.93
    """,
    """
    INSERT INTO decision (id, client_id, kind, amount, what_was_decided, best_interests_reason,
                          consulted, client_involved, raised_by, raised_at, raised_on)
    SELECT gen_random_uuid(), b.id, 'BEST_INTEREST', 0, 'bench', 'bench', 'bench', true,
           'officer' || (1 + g % 40),
           TIMESTAMPTZ '2012-01-01 10:00+00' + (g % 1000) * INTERVAL '1 day',
           DATE '2012-01-01' + (g % 1000)
      FROM generate_series(1, 60000) g
      JOIN bench_clients b ON b.n = 1 + g % CAST(:clients AS int)
    """,
    """
    INSERT INTO decision_event (decision_id, event, on_date, limit_version_id, recorded_by)
    SELECT id, 'APPROVED', raised_on + 2, (SELECT min(id) FROM approval_limit_version), 'bench'
      FROM decision WHERE raised_by LIKE 'officer%' AND random() < 0.9
    """,
    """
    INSERT INTO policy_exception (id, summary, policy_reference, submitted_on, submitted_by,
                                  submitted_by_role)
    SELECT gen_random_uuid(), 'bench', 'D 1.3', DATE '2012-01-01' + (g % 1000),
           'officer' || (1 + g % 40), 'assistant'
      FROM generate_series(1, 2000) g
    """,
    """
    INSERT INTO policy_exception_decision (exception_id, outcome, reason, decided_on,
                                           decided_by, decided_by_role)
    SELECT id, 'APPROVED', 'bench', submitted_on + 7, 'bench', 'governance_manager'
      FROM policy_exception WHERE random() < 0.5
    """,
]

COST = """query { serviceCostAndIncome(financialYear: 2013) {
  ... on ServiceCostAndIncome { totalCost shortfall income { __typename } }
  ... on PolicyMissingProblem { code } } }"""
WORKLOAD = """query { workload(asAt: "2014-04-30") {
  clients fte clientsPerFte officers { role payments decisions policyExceptions } } }"""
EXCEPTIONS = """query { policyExceptions(from: "2013-04-01", to: "2014-03-31") { __typename } }"""
DEADLINES = """query { deadlinesReport(from: "2013-05-01", to: "2014-04-30") {
  measures { measure due { count } met { count } missed { count } open { count } } } }"""

CSV = [
    "/reports/caseload.csv?asAt=2014-04-30&comparedWith=2013-11-26",
    "/reports/money-held.csv?asAt=2014-04-30",
    "/reports/deadlines.csv?from=2013-05-01&to=2014-04-30",
    "/reports/cost-and-income.csv?asAt=2013-06-30",
    "/reports/workload.csv?asAt=2014-04-30",
    "/reports/policy-exceptions.csv?from=2013-04-01&to=2014-03-31",
]


async def setup(url: str, clients: int, transfers: int) -> None:
    await reports_setup(url, clients, transfers)
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "CREATE TEMP TABLE bench_clients AS SELECT id, row_number() OVER "
                    "(ORDER BY reference) AS n FROM client WHERE reference LIKE 'REP%'"
                )
            )
            await conn.execute(
                text(
                    "CREATE TEMP TABLE bench_accounts AS SELECT a.id, row_number() OVER "
                    "(ORDER BY a.id) - 1 AS k, a.client_id FROM ledger_account a "
                    "JOIN bench_clients b ON b.id = a.client_id"
                )
            )
            for sql in SETUP:
                await conn.execute(text(sql), {"clients": clients})
        async with engine.connect() as conn:
            await conn.execute(text("COMMIT"))
            # The ledger as it stands after autovacuum: statistics, and the visibility map an
            # index-only scan reads (migration 0042).
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


async def measure(base_url: str, token: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=600) as c:

        def graphql(query: str) -> Callable[[], Awaitable[object]]:
            return lambda: gql(c, token, query, {})

        def csv(path: str) -> Callable[[], Awaitable[object]]:
            async def get() -> object:
                resp = await c.get(path, headers={"Authorization": f"Bearer {token}"})
                resp.raise_for_status()
                return resp.text

            return get

        print(await gql(c, token, COST, {}))
        print(await gql(c, token, WORKLOAD, {}))
        cases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("serviceCostAndIncome(financialYear: 2013)", graphql(COST)),
            ("workload(asAt: 2014-04-30)", graphql(WORKLOAD)),
            ("policyExceptions (a year)", graphql(EXCEPTIONS)),
            ("deadlinesReport (a year)", graphql(DEADLINES)),
        ] + [(f"GET {p.split('?')[0]}", csv(p)) for p in CSV]
        worst_all = 0.0
        for label, run in cases:
            times = []
            for _ in range(5):
                start = time.perf_counter()
                await run()
                times.append(time.perf_counter() - start)
            med, worst = statistics.median(times), max(times)
            worst_all = max(worst_all, worst)
            print(f"{label}: median {med * 1000:.0f} ms, worst {worst * 1000:.0f} ms", flush=True)
        print(f"slowest report, worst of five: {worst_all * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--transfers", type=int, default=2_000_000)
    args = parser.parse_args()
    with bench_database() as url:
        start = time.perf_counter()
        asyncio.run(setup(url, args.clients, args.transfers))
        print(
            f"set-up: {args.clients} clients, {args.transfers} transfers in "
            f"{time.perf_counter() - start:.0f} s",
            flush=True,
        )
        with server(url) as srv:
            asyncio.run(measure(srv.url, srv.token("reporting", "dash.board")))


if __name__ == "__main__":
    main()
