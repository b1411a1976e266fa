"""Deadlines met and missed (issue 16 item 4) over 50,000 clients through the real API:
deadlinesReport for a year and deadlinesSeries of its twelve months, as the reporting role.

Set-up goes straight into PostgreSQL (not measured): 50,000 clients (35,000 deputy, orders
from 2010 to 2014, a review each a year or so after the order; 15,000 appointee with an
accepted referral each over 2012-2014), 3,000 confirmed deaths, two plan years of budget plans
for 25,000 clients, and 200,000 invoices received over 2012-2014 (unpaid: each is looked up for
its payment all the same). Prints each query's median and worst of five (the series: of three),
and of the report's CSV (each month of the year).

    .venv/bin/python bench/deadline_measures.py [--clients 50000] [--invoices 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from harness import bench_database, gql, server
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ca_api.db import async_url

SETUP = [
    """
    INSERT INTO client (id, reference, created_by)
    SELECT gen_random_uuid(), 'DLM' || lpad(g::text, 6, '0'), 'bench'
      FROM generate_series(1, CAST(:clients AS int)) g
    """,
    """
    INSERT INTO client_version (client_id, version, given_name, family_name, date_of_birth,
                                situation, status, recorded_by)
    SELECT id, 1, 'Bench', reference, DATE '1950-01-01', 'RESIDENTIAL_CARE', 'ACTIVE', 'bench'
      FROM client WHERE reference LIKE 'DLM%'
    """,
    """
    CREATE TEMP TABLE bench_clients AS
    SELECT id, row_number() OVER (ORDER BY reference) AS n FROM client
     WHERE reference LIKE 'DLM%'
    """,
    """
    INSERT INTO deputyship (id, client_id)
    SELECT gen_random_uuid(), id FROM bench_clients WHERE n <= CAST(:clients AS int) * 7 / 10
    """,
    """
    INSERT INTO deputyship_version (deputyship_id, version, case_number, order_date,
      power_receive_income, power_manage_accounts, power_manage_capital, power_sell_property,
      power_let_property, power_make_gifts, supervision_type, recorded_by)
    SELECT d.id, 1, 'D' || b.n, DATE '2010-01-01' + (b.n % 1600)::int,
           true, true, true, false, false, false, 'TYPE_2', 'bench'
      FROM deputyship d JOIN bench_clients b ON b.id = d.client_id
    """,
    """
    INSERT INTO client_review (id, client_id, reviewed_on, methods, needs, finances,
                               client_involved, recorded_by)
    SELECT gen_random_uuid(), d.client_id, v.order_date + 300 + (b.n % 120)::int,
           ARRAY['PERSONAL_VISIT'], 'bench', 'bench', true, 'bench'
      FROM deputyship d JOIN deputyship_version v ON v.deputyship_id = d.id
      JOIN bench_clients b ON b.id = d.client_id
    """,
    """
    INSERT INTO death (id, client_id, died_on, certificate_reference, recorded_by)
    SELECT gen_random_uuid(), id, DATE '2013-01-01' + (n % 500)::int, 'DC' || n, 'bench'
      FROM bench_clients WHERE n % 17 = 0 LIMIT 3000
    """,
    "INSERT INTO death_event (death_id, event, recorded_by) SELECT id, 'CONFIRMED', 'bench2' "
    "FROM death",
    """
    INSERT INTO budget_plan (id, client_id, plan_year_start, opening_balance, annual_income,
      annual_expenditure, available_income, surplus, recorded_by, recorded_at)
    SELECT gen_random_uuid(), id, y.start, 0, 0, 0, 0, 0, 'bench',
           (y.start - 20 + (n % 60)::int)::timestamptz
      FROM bench_clients,
           (VALUES (DATE '2013-04-01'), (DATE '2014-04-01')) AS y(start)
     WHERE n % 2 = 0
    """,
    """
    INSERT INTO referral (id, client_id, referred_by, referred_at)
    SELECT gen_random_uuid(), id, 'bench', TIMESTAMPTZ '2012-01-01' + (n % 1000) * INTERVAL '1 day'
      FROM bench_clients WHERE n > CAST(:clients AS int) * 7 / 10
    """,
    """
    INSERT INTO referral_submission (id, referral_id, version, social_care_eligible,
      social_care_evidence, no_appointee_or_lpa, no_appointee_evidence, no_one_to_help,
      no_one_to_help_evidence, lacks_capacity, lacks_capacity_evidence, capital_at_referral,
      private_income_known, property_known, bank_accounts_known, had_previous_appointee,
      documents, submitted_by, submitted_at)
    SELECT gen_random_uuid(), r.id, 1, true, 'bench', true, 'bench', true, 'bench', true,
           'bench', 0, false, false, false, false, '[]'::jsonb, 'bench', r.referred_at
      FROM referral r WHERE r.referred_by = 'bench'
    """,
    """
    INSERT INTO referral_triage (id, referral_id, submission_id, outcome, missing, reasons,
                                 threshold, note, triaged_by, triaged_at)
    SELECT gen_random_uuid(), s.referral_id, s.id, 'ACCEPTED', '{}', '{}', 1600000, 'bench',
           'bench', s.submitted_at + INTERVAL '1 day'
      FROM referral_submission s WHERE s.submitted_by = 'bench'
    """,
    """
    INSERT INTO counterparty (id, kind, name, created_by)
    VALUES (gen_random_uuid(), 'SUPPLIER', 'Bench supplier', 'bench')
    """,
    """
    INSERT INTO invoice (id, client_id, supplier_id, supplier_invoice_number, invoice_date,
      amount, kind, category, description, received_on, due_on, source, recorded_by)
    SELECT gen_random_uuid(), b.id,
           (SELECT id FROM counterparty WHERE name = 'Bench supplier'),
           'B' || g, DATE '2012-01-01' + (g % 1000)::int, 100 + (g % 9000), 'SUPPLIER',
           'OUT_ELECTRICITY', 'bench', DATE '2012-01-01' + (g % 1000)::int,
           DATE '2012-01-01' + (g % 1000)::int + 29, 'OFFICER', 'bench'
      FROM generate_series(1, CAST(:invoices AS int)) g
      JOIN bench_clients b ON b.n = 1 + g % CAST(:clients AS int)
    """,
]

COUNTS = "measures { measure due { count } met { count } missed { count } open { count } }"
REPORT = f"""query {{ deadlinesReport(from: "2013-05-01", to: "2014-04-30") {{ {COUNTS} }} }}"""
SERIES = f"""query {{ deadlinesSeries(from: "2013-05-01", to: "2014-04-30") {{ {COUNTS} }} }}"""


async def setup(url: str, clients: int, invoices: int) -> None:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            for sql in SETUP:
                await conn.execute(text(sql), {"clients": clients, "invoices": invoices})
        async with engine.connect() as conn:
            await conn.execute(text("COMMIT"))
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def measure(base_url: str, token: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=600) as c:
        print(await gql(c, token, REPORT, {}))

        async def csv() -> None:
            path = "/reports/deadlines.csv?from=2013-05-01&to=2014-04-30"
            resp = await c.get(path, headers={"Authorization": f"Bearer {token}"})
            resp.raise_for_status()

        for label, query, runs in (
            ("deadlinesReport (a year)", REPORT, 5),
            ("deadlinesSeries (12 months)", SERIES, 3),
            ("GET /reports/deadlines.csv (a year, by month)", "", 5),
        ):
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                await (gql(c, token, query, {}) if query else csv())
                times.append(time.perf_counter() - start)
            med, worst = statistics.median(times), max(times)
            print(f"{label}: median {med * 1000:.0f} ms, worst {worst * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--invoices", type=int, default=200_000)
    args = parser.parse_args()
    with bench_database() as url:
        start = time.perf_counter()
        asyncio.run(setup(url, args.clients, args.invoices))
        print(
            f"set-up: {args.clients} clients, {args.invoices} invoices in "
            f"{time.perf_counter() - start:.0f} s"
        )
        with server(url) as srv:
            asyncio.run(measure(srv.url, srv.token("reporting", "dash.board")))


if __name__ == "__main__":
    main()
