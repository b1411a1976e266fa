"""The committee's reports (issue 16 items 1, 2, 7) over 50,000 clients and two million
transfers through the real API: caseload(asAt:, comparedWith:), moneyHeld(asAt:), each as CSV,
and the twelve-month series, as the reporting role (small counts suppressed).

Set-up goes straight into PostgreSQL (not measured): 50,000 clients (35,000 deputy, 5,000 of
them also appointee; 15,000 appointee only; orders from 2010 to 2014), 3,000 confirmed deaths
and 5,000 moves into residential care in 2013-2014, a CMS account each, and two million posted
transfers from a counterparty into them (value dates over 2012-2014; inserted with the ledger's
per-row trigger off, each account's posted balance then set to their sum). Prints each
report's median and worst of five, and the dates read both ways of the ledger.

    .venv/bin/python bench/reports.py [--clients 50000] [--transfers 2000000]
        [--keep NAME]

``--keep NAME``: load into database NAME (made and migrated the first time) and keep it, so a
second run with the same name measures again without loading (to iterate on a query; drop it
with ``DROP DATABASE NAME`` when done).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from harness import ADMIN_URL, _admin, bench_database, gql, holds_clients, server
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ca_api.db import async_url
from ca_api.migrate import upgrade

SETUP = [
    """
    INSERT INTO client (id, reference, created_by)
    SELECT gen_random_uuid(), 'REP' || lpad(g::text, 6, '0'), 'bench'
      FROM generate_series(1, CAST(:clients AS int)) g
    """,
    """
    INSERT INTO client_version (client_id, version, given_name, family_name, date_of_birth,
                                situation, status, recorded_by)
    SELECT id, 1, 'Bench', reference, DATE '1950-01-01',
           CASE WHEN random() < 0.2 THEN 'COMMUNITY' ELSE 'RESIDENTIAL_CARE' END,
           'ACTIVE', 'bench'
      FROM client WHERE reference LIKE 'REP%'
    """,
    """
    CREATE TEMP TABLE bench_clients AS
    SELECT id, row_number() OVER (ORDER BY reference) AS n FROM client
     WHERE reference LIKE 'REP%'
    """,
    """
    INSERT INTO deputyship (id, client_id)
    SELECT gen_random_uuid(), id FROM bench_clients WHERE n <= CAST(:clients AS int) * 7 / 10
    """,
    """
    INSERT INTO deputyship_version (deputyship_id, version, case_number, order_date,
      power_receive_income, power_manage_accounts, power_manage_capital, power_sell_property,
      power_let_property, power_make_gifts, supervision_type, recorded_by)
    SELECT d.id, 1, 'B' || b.n, DATE '2010-01-01' + (b.n % 1600)::int,
           true, true, true, false, false, false, 'TYPE_2', 'bench'
      FROM deputyship d JOIN bench_clients b ON b.id = d.client_id
    """,
    """
    INSERT INTO appointeeship (id, client_id)
    SELECT gen_random_uuid(), id FROM bench_clients WHERE n > CAST(:clients AS int) * 6 / 10
    """,
    """
    INSERT INTO appointeeship_version (appointeeship_id, version, start_date, recorded_by)
    SELECT a.id, 1, DATE '2009-06-01' + (b.n % 1700)::int, 'bench'
      FROM appointeeship a JOIN bench_clients b ON b.id = a.client_id
    """,
    """
    INSERT INTO death (id, client_id, died_on, certificate_reference, recorded_by)
    SELECT gen_random_uuid(), id, DATE '2013-01-01' + (n % 500)::int, 'DC' || n, 'bench'
      FROM bench_clients WHERE n % 17 = 0 LIMIT 3000
    """,
    "INSERT INTO death_event (death_id, event, recorded_by) SELECT id, 'CONFIRMED', 'bench2' "
    "FROM death",
    """
    INSERT INTO circumstance_change (id, client_id, occurred_on, kind, details, recorded_by)
    SELECT gen_random_uuid(), id, DATE '2013-01-01' + (n % 600)::int,
           'ADMITTED_TO_RESIDENTIAL_CARE', 'bench', 'bench'
      FROM bench_clients WHERE n % 10 = 3
    """,
    """
    INSERT INTO counterparty (id, kind, name, created_by)
    VALUES (gen_random_uuid(), 'OTHER', 'Bench payer', 'bench')
    """,
    """
    INSERT INTO ledger_account (id, kind, counterparty_id, name)
    SELECT gen_random_uuid(), 'COUNTERPARTY', id, name FROM counterparty
     WHERE name = 'Bench payer'
    """,
    """
    INSERT INTO ledger_account (id, kind, client_id, name)
    SELECT gen_random_uuid(), 'CLIENT_CMS', id, 'CMS' FROM bench_clients
    """,
    """
    CREATE TEMP TABLE bench_accounts AS
    SELECT a.id, row_number() OVER (ORDER BY a.id) - 1 AS k, a.client_id
      FROM ledger_account a JOIN bench_clients b ON b.id = a.client_id
    """,
]

TRANSFERS = """
INSERT INTO transfer (id, kind, from_account_id, to_account_id, amount, value_date, category,
                      description, client_id, recorded_by)
SELECT gen_random_uuid(), 'POSTED',
       (SELECT id FROM ledger_account WHERE kind = 'COUNTERPARTY' AND name = 'Bench payer'),
       a.id, 100 + (g % 9000), DATE '2012-01-01' + (g % 1000)::int, 'OTHER_INCOME',
       'bench', a.client_id, 'bench'
  FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) g
  JOIN bench_accounts a ON a.k = g % CAST(:clients AS bigint)
"""

POSTED = """
UPDATE ledger_account a SET posted = t.total
  FROM (SELECT to_account_id, sum(amount) AS total FROM transfer GROUP BY to_account_id) t
 WHERE a.id = t.to_account_id AND a.kind <> 'COUNTERPARTY'
"""

CASELOAD = """query($asAt: Date!, $comparedWith: Date) {
  caseload(asAt: $asAt, comparedWith: $comparedWith) {
    total { count } deputy { total { count } } appointee { total { count } }
    deceasedWindingUp { count } change changePercent } }"""
MONEY = """query($asAt: Date!) { moneyHeld(asAt: $asAt) {
  total deputy { held average } appointee { held average }
  deputyClientsOverThreshold { count } } }"""
SERIES = """query { caseloadSeries(from: "2013-05-01", to: "2014-04-30") { total { count } } }"""
MONEY_SERIES = """query { moneyHeldSeries(from: "2013-05-01", to: "2014-04-30") { total } }"""


async def setup(url: str, clients: int, transfers: int) -> None:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            for sql in SETUP:
                await conn.execute(text(sql), {"clients": clients})
            # Two million rows through the ledger's per-row trigger take a quarter of an hour
            # on this machine: insert them with it off, then set each account's posted
            # balance to what the trigger would have left (the ledger still adds up).
            await conn.execute(text("ALTER TABLE transfer DISABLE TRIGGER transfer_apply"))
            step = 250_000
            for first in range(0, transfers, step):
                last = min(first + step, transfers) - 1
                params = {"first": first, "last": last, "clients": clients}
                await conn.execute(text(TRANSFERS), params)
            await conn.execute(text("ALTER TABLE transfer ENABLE TRIGGER transfer_apply"))
            await conn.execute(text(POSTED))
        async with engine.connect() as conn:
            await conn.execute(text("COMMIT"))
            # The ledger as it stands after autovacuum: statistics, and the visibility map an
            # index-only scan reads (migration 0042).
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


async def measure(base_url: str, token: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=600) as c:

        async def graphql(query: str, variables: dict[str, str]) -> None:
            await gql(c, token, query, variables)

        async def csv(path: str) -> None:
            resp = await c.get(path, headers={"Authorization": f"Bearer {token}"})
            resp.raise_for_status()

        cases = [
            (
                "caseload(asAt, comparedWith)",
                lambda: graphql(CASELOAD, {"asAt": "2014-04-30", "comparedWith": "2013-11-26"}),
            ),
            # 2014-04-30 reads the balances now less what moved after; 2012-12-31 the money moved
            # up to it (the two sides of the middle of the value dates, 2013-05-14).
            ("moneyHeld(asAt 2014-04-30)", lambda: graphql(MONEY, {"asAt": "2014-04-30"})),
            ("moneyHeld(asAt 2012-12-31)", lambda: graphql(MONEY, {"asAt": "2012-12-31"})),
            (
                "GET /reports/caseload.csv",
                lambda: csv("/reports/caseload.csv?asAt=2014-04-30&comparedWith=2013-11-26"),
            ),
            ("GET /reports/money-held.csv", lambda: csv("/reports/money-held.csv?asAt=2014-04-30")),
            ("caseloadSeries (12 month ends)", lambda: graphql(SERIES, {})),
            ("moneyHeldSeries (12 month ends)", lambda: graphql(MONEY_SERIES, {})),
            (
                "GET /reports/caseload.csv (Series, 12 month ends)",
                lambda: csv("/reports/caseload.csv?from=2013-05-01&to=2014-04-30"),
            ),
            (
                "GET /reports/money-held.csv (Series, 12 month ends)",
                lambda: csv("/reports/money-held.csv?from=2013-05-01&to=2014-04-30"),
            ),
        ]
        print(await gql(c, token, CASELOAD, {"asAt": "2014-04-30", "comparedWith": "2013-11-26"}))
        print(await gql(c, token, MONEY, {"asAt": "2014-04-30"}))
        worst_single = 0.0
        for label, run in cases:
            times = []
            for _ in range(5):
                start = time.perf_counter()
                await run()
                times.append(time.perf_counter() - start)
                print(f"  {label}: {(time.perf_counter() - start) * 1000:.0f} ms", flush=True)
            med, worst = statistics.median(times), max(times)
            worst_single = max(worst_single, worst)
            print(f"{label}: median {med * 1000:.0f} ms, worst {worst * 1000:.0f} ms")
        print(f"slowest report, worst of five: {worst_single * 1000:.0f} ms")


async def _loaded(url: str) -> bool:
    return await holds_clients(url, "REP")


@contextlib.contextmanager
def kept_database(name: str) -> Iterator[str]:
    """Database ``name``, made and migrated if it does not exist; kept afterwards."""
    with contextlib.suppress(Exception):
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--transfers", type=int, default=2_000_000)
    parser.add_argument("--keep", metavar="NAME", help="load into NAME once and keep it")
    args = parser.parse_args()
    with kept_database(args.keep) if args.keep else bench_database() as url:
        start = time.perf_counter()
        if args.keep and asyncio.run(_loaded(url)):
            print(f"database {args.keep} already loaded: set-up skipped")
        else:
            asyncio.run(setup(url, args.clients, args.transfers))
            print(
                f"set-up: {args.clients} clients, {args.transfers} transfers in "
                f"{time.perf_counter() - start:.0f} s"
            )
        with server(url) as srv:
            asyncio.run(measure(srv.url, srv.token("reporting", "dash.board")))


if __name__ == "__main__":
    main()
