"""The OPG annual report (issue 15) for 320 deputy clients, each with a year of entries, through
the service layer: for each client ``openOpgReport`` then ``generateOpgReport`` (each its own
transaction and idempotency key, as the endpoint runs them), one client after another.

Set-up goes straight into PostgreSQL (clients, a deputyship each whose order was made 400 days
ago so its first period has ended, their CMS opening balances (the day before) through the ledger's
``post_opening_balances``, then a year of entries each through the ledger's batch insert
``post_many``: 13 four-weekly benefits, 12 monthly pensions, 4 quarterly interest credits, 12
monthly care fees, 52 weekly personal allowances, a lodgement into Court Funds and a deputy fee,
95 entries a client); only the reports are measured. Prints the wall time of the whole run, per
report (mean, p95, and open / generate apart), the process's peak memory, then the live balance
check, the JSON and the PDF export of one report, and the ledger check.

    .venv/bin/python bench/opg_reports.py [--clients 320]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import statistics
import sys
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_database
from seed import new_key
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.db import async_url
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import opening_balances as ledger
from ca_api.ledger import repository as ledger_repository
from ca_api.ledger import transfers as ledger_transfers
from ca_api.ledger.accounts import ACCOUNT_NAMES
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind
from ca_api.opg_reports import (
    balance,
    drafting,
    exports_csv,
    exports_json,
    exports_pdf,
    report_views,
)
from ca_api.orders import service as orders
from ca_api.orders.rules import DeputyPowers, DeputyshipDetails, SupervisionType

OPENING = 30_000_00  # 30,000.00 on CMS the day before the order's date: a 102-6 report
POWERS = DeputyPowers(
    receive_income=True,
    manage_accounts=True,
    manage_capital=True,
    sell_property=False,
    let_property=False,
    make_gifts=False,
)
SETUP = Actor(Principal("bench.setup", frozenset({Role.HEAD_OF_SERVICE})), "bench")
OFFICER = Actor(Principal("bench.assistant", frozenset({Role.ASSISTANT})), "bench")

CLIENTS = text(
    """
    WITH c AS (
      INSERT INTO client (id, reference, created_by)
      SELECT gen_random_uuid(), 'OPG' || lpad(g::text, 6, '0'), 'bench'
        FROM generate_series(1, :n) g
      RETURNING id, reference
    )
    INSERT INTO client_version (client_id, version, given_name, family_name, date_of_birth,
                                situation, status, recorded_by)
    SELECT id, 1, 'Bench', reference, DATE '1940-01-01', 'RESIDENTIAL_CARE', 'ACTIVE', 'bench'
      FROM c
    RETURNING client_id
    """
)
COUNTS = text(
    "SELECT (SELECT count(*) FROM transfer), (SELECT count(*) FROM opg_report), "
    "(SELECT count(*) FROM opg_report_version)"
)


def _year(start: date) -> list[tuple[Category, int, date, str]]:
    """A deputy client's year from ``start``: (category, pence, value date, description)."""
    out: list[tuple[Category, int, date, str]] = []
    for i in range(13):
        out.append((Category.IN_BENEFITS, 442_80, start + timedelta(days=7 + 28 * i), "AA"))
    for i in range(12):
        day = start + timedelta(days=3 + 30 * i)
        out.append((Category.IN_STATE_PENSION, 873_40, day, "State pension"))
        out.append((Category.OUT_CARE_FEES, 1_450_00, day + timedelta(days=2), "Care fees"))
    for i in range(4):
        day = start + timedelta(days=88 + 91 * i)
        out.append((Category.IN_INTEREST, 31_17 + i, day, "Interest"))
    for i in range(52):
        day = start + timedelta(days=1 + 7 * i)
        out.append((Category.OUT_PERSONAL_ALLOWANCE, 25_00, day, "Personal allowance"))
    out.append(
        (
            Category.TRANSFER_BETWEEN_OWN_ACCOUNTS,
            10_000_00,
            start + timedelta(days=40),
            "Lodgement",
        )
    )
    out.append((Category.OUT_DEPUTY_FEES, 775_00, start + timedelta(days=200), "Deputy fee"))
    out.sort(key=lambda e: e[2])
    return out


async def _seed(url: str, n: int, order_date: date) -> list[uuid.UUID]:
    engine = create_async_engine(async_url(url))
    try:
        async with AsyncSession(engine) as session, session.begin():
            ids = [r[0] for r in await session.execute(CLIENTS, {"n": n})]
            details = [
                (
                    c,
                    DeputyshipDetails(
                        case_number=f"COP{i:07d}",
                        order_date=order_date,
                        powers=POWERS,
                        supervision_type=SupervisionType.TYPE_2,
                    ),
                )
                for i, c in enumerate(ids)
            ]
            await orders.import_orders(session, SETUP, orders.DEPUTYSHIP, details, why="bench")
            lines = [(c, AccountKind.CLIENT_CMS, OPENING) for c in ids]
            await ledger.post_opening_balances(
                session,
                SETUP,
                "Bench set-up",
                lines,
                order_date - timedelta(days=1),
                why="bench set-up",
            )
            parties: dict[str, uuid.UUID] = {}
            for kind, name in (
                (CounterpartyKind.DWP, "DWP"),
                (CounterpartyKind.PENSION_PAYER, "Pension Service"),
                (CounterpartyKind.BANK, "Bank interest"),
                (CounterpartyKind.CARE_PROVIDER, "Care home"),
                (CounterpartyKind.OTHER, "Personal allowance card"),
                (CounterpartyKind.COUNCIL, "Council deputy fees"),
            ):
                account = await ledger_counterparties.named_counterparty_account(
                    session, SETUP, kind, name, why="bench", changes=[]
                )
                parties[kind.value] = account.id
            names = {k.value: v for k, v in ACCOUNT_NAMES.items()}
            wanted = [
                (c, k)
                for c in ids
                for k in (AccountKind.CLIENT_CMS, AccountKind.CLIENT_COURT_FUNDS)
            ]
            accounts = await ledger_repository.lock_client_accounts(session, wanted, names)
            party_of = {
                Category.IN_BENEFITS: parties["DWP"],
                Category.IN_STATE_PENSION: parties["PENSION_PAYER"],
                Category.IN_INTEREST: parties["BANK"],
                Category.OUT_CARE_FEES: parties["CARE_PROVIDER"],
                Category.OUT_PERSONAL_ALLOWANCE: parties["OTHER"],
                Category.OUT_DEPUTY_FEES: parties["COUNCIL"],
            }
            transfers: list[dict[str, Any]] = []
            for c in ids:
                cms = accounts[(c, "CLIENT_CMS")].id
                court = accounts[(c, "CLIENT_COURT_FUNDS")].id
                for category, pence, day, description in _year(order_date):
                    if category is Category.TRANSFER_BETWEEN_OWN_ACCOUNTS:
                        source, target = cms, court
                    elif category.money_in:
                        source, target = party_of[category], cms
                    else:
                        source, target = cms, party_of[category]
                    transfers.append(
                        {
                            "id": uuid.uuid4(),
                            "kind": "POSTED",
                            "from_account_id": source,
                            "to_account_id": target,
                            "amount": pence,
                            "pending_id": None,
                            "reverses_id": None,
                            "value_date": day,
                            "category": category.value,
                            "description": description,
                            "reference": None,
                            "client_id": c,
                            "recorded_by": SETUP.principal.subject,
                            "reason": None,
                        }
                    )
            await ledger_transfers.post_many(session, transfers)
            return ids
    finally:
        await engine.dispose()


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _run(url: str, seeded: list[uuid.UUID]) -> None:
    ids, extra = seeded[:-1], seeded[-1]  # the last one's report is traced apart
    engine = create_async_engine(async_url(url))
    make = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with engine.connect() as conn:
            before = tuple(int(v) for v in (await conn.execute(COUNTS)).one())
        rss_before = _peak_mib()
        per: list[float] = []
        opens: list[float] = []
        generates: list[float] = []
        reports: list[uuid.UUID] = []
        start = time.perf_counter()
        for cid in ids:
            t0 = time.perf_counter()
            async with make() as session:
                opened = await drafting.open_report(
                    session, OFFICER, cid, idempotency_key=new_key()
                )
            t1 = time.perf_counter()
            rid = opened.view.report.id
            async with make() as session:
                made = await drafting.generate_report(
                    session, OFFICER, rid, None, idempotency_key=new_key()
                )
            t2 = time.perf_counter()
            assert made.view.current is not None
            reports.append(rid)
            opens.append(t1 - t0)
            generates.append(t2 - t1)
            per.append(t2 - t0)
        total = time.perf_counter() - start
        rss_after = _peak_mib()
        async with engine.connect() as conn:
            after = tuple(int(v) for v in (await conn.execute(COUNTS)).one())

        def p95(xs: list[float]) -> float:
            ordered = sorted(xs)
            return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]

        ms = 1000
        print(
            f"{len(ids)} reports (open + generate, 2 transactions each, one client after "
            f"another): {total:.2f} s total"
        )
        print(
            f"  per report: mean {statistics.mean(per) * ms:.1f} ms, p95 {p95(per) * ms:.1f} ms"
            f" (open mean {statistics.mean(opens) * ms:.1f} ms, generate mean "
            f"{statistics.mean(generates) * ms:.1f} ms, p95 {p95(generates) * ms:.1f} ms)"
        )
        print(
            f"  peak memory (process max RSS): {rss_before:.0f} MiB before the run, "
            f"{rss_after:.0f} MiB after"
        )
        print(
            f"  rows: transfers {before[0]} (unchanged: {after[0] == before[0]}), "
            f"reports {after[1] - before[1]}, versions {after[2] - before[2]}"
        )

        # One more client's report with its statements counted and Python's allocations traced.
        statements = 0
        in_sql = 0.0
        started: list[float] = []
        each: list[tuple[float, str]] = []

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1
            started.append(time.perf_counter())

        def done(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            nonlocal in_sql
            took = time.perf_counter() - started.pop()
            in_sql += took
            each.append((took, " ".join(statement.split())[:70]))

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        event.listen(engine.sync_engine, "after_cursor_execute", done)
        tracemalloc.start()
        async with make() as session:
            opened = await drafting.open_report(session, OFFICER, extra, idempotency_key=new_key())
        opened_statements, opened_sql = statements, in_sql
        each.clear()
        t0 = time.perf_counter()
        async with make() as session:
            await drafting.generate_report(
                session, OFFICER, opened.view.report.id, None, idempotency_key=new_key()
            )
        generated = time.perf_counter() - t0
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        event.remove(engine.sync_engine, "after_cursor_execute", done)
        print(
            f"  one more report, traced: {opened_statements} SQL statements to open, "
            f"{statements - opened_statements} to generate ({generated * ms:.1f} ms with "
            f"tracemalloc on, {(in_sql - opened_sql) * ms:.1f} ms of it waiting on SQL); "
            f"Python allocations peak {traced_peak / 2**20:.1f} MiB"
        )
        for took, statement in sorted(each, reverse=True)[:3]:
            print(f"    {took * ms:.1f} ms: {statement}")

        # One report: the live balance check, the JSON and the PDF export.
        rid = reports[0]
        async with make() as session:
            v = await report_views.view(session, rid)
            t0 = time.perf_counter()
            live = await balance.balance_check(session, v)
            t_check = time.perf_counter() - t0
            assert live is not None
            t0 = time.perf_counter()
            doc = await report_views.document(session, rid)
            t_doc = time.perf_counter() - t0
        t0 = time.perf_counter()
        body = exports_json.digital_service_json_text(doc)
        t_json = time.perf_counter() - t0
        t0 = time.perf_counter()
        pdf = exports_pdf.report_pdf(doc)
        t_pdf = time.perf_counter() - t0
        t0 = time.perf_counter()
        csvs = exports_csv.csv_sections(doc)
        t_csv = time.perf_counter() - t0
        entries = sum(len(c["entries"]) for c in doc["moneyIn"] + doc["moneyOut"])
        entries += len(doc["transfersBetweenOwnAccounts"])
        totals = doc["totals"]
        print(
            f"one report ({entries} entries, type {doc['reportType']}, opening "
            f"{totals['opening']} + in {totals['moneyIn']} - out {totals['moneyOut']} = closing "
            f"{totals['closing']}):"
        )
        print(
            f"  balance check (live, against the ledger): {t_check * ms:.1f} ms, balanced "
            f"{live.check.balanced}"
        )
        print(f"  document read: {t_doc * ms:.1f} ms")
        print(f"  JSON export: {t_json * ms:.1f} ms ({len(body)} bytes)")
        print(f"  PDF export: {t_pdf * ms:.1f} ms ({len(pdf)} bytes)")
        print(f"  CSV export: {t_csv * ms:.1f} ms ({len(csvs)} files)")
        async with make() as session:
            total_all, out_of_balance = await ledger_accounts.ledger_is_sound(session)
        print(f"ledger: accounts out of balance {out_of_balance}, sum of all balances {total_all}")
    finally:
        await engine.dispose()


def _seed_process(url: str, n: int, order_date: date) -> None:
    asyncio.run(_seed(url, n, order_date))


async def _client_ids(url: str) -> list[uuid.UUID]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT id FROM client ORDER BY reference"))
            return [r[0] for r in rows]
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=320)
    args = parser.parse_args()
    order_date = clock.today() - timedelta(days=400)
    with bench_database() as url:
        t0 = time.perf_counter()
        # In a process of its own, so this process's peak memory is the reports' alone.
        seeding = multiprocessing.get_context("spawn").Process(
            target=_seed_process, args=(url, args.clients + 1, order_date)
        )
        seeding.start()
        seeding.join()
        if seeding.exitcode != 0:
            raise RuntimeError(f"set-up failed: exit {seeding.exitcode}")
        ids = asyncio.run(_client_ids(url))
        print(
            f"set-up: {len(ids)} deputy clients (the last traced apart), order date "
            f"{order_date.isoformat()}, "
            f"{len(_year(order_date))} entries each: {time.perf_counter() - t0:.1f} s"
        )
        asyncio.run(_run(url, ids))


if __name__ == "__main__":
    main()
