"""The weekly personal allowance run (issue 14 item 9, seed 002 B 22-23) for 500 clients through
the real API: one runWeeklyAllowances call pays every client's approved schedule for the week in
one transaction; a second call for the same week (another idempotency key) pays nothing and
writes nothing.

Set-up goes straight into PostgreSQL (clients in the community, each with their own card
account, an approved weekly allowance of 25.00 and an opening balance of 100.00); only the runs
go through the API. Prints the time of the first and of the second run, the rows each wrote and
the ledger check.

    .venv/bin/python bench/allowance_run.py [--clients 500]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_database, client, gql, server
from seed import new_key
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.db import async_url
from ca_api.ledger import opening_balances as ledger
from ca_api.ledger.rules import AccountKind

WEEKLY = 2_500  # 25.00 a week
BALANCE = 10_000  # 100.00 on each CMS account

CASELOAD = text(
    """
    WITH c AS (
      INSERT INTO client (id, reference, created_by)
      SELECT gen_random_uuid(), 'ALLOW' || lpad(g::text, 6, '0'), 'bench'
        FROM generate_series(1, :n) g
      RETURNING id, reference
    ), v AS (
      INSERT INTO client_version (client_id, version, given_name, family_name, date_of_birth,
                                  situation, status, recorded_by)
      SELECT id, 1, 'Bench', reference, DATE '1950-01-01', 'COMMUNITY', 'ACTIVE', 'bench' FROM c
      RETURNING client_id
    ), cp AS (
      INSERT INTO counterparty (id, kind, name, created_by)
      SELECT gen_random_uuid(), 'BANK', 'Card account ' || reference, 'bench' FROM c
      RETURNING id, name
    ), acc AS (
      INSERT INTO ledger_account (id, kind, counterparty_id, name)
      SELECT gen_random_uuid(), 'COUNTERPARTY', id, name FROM cp
      RETURNING id
    ), s AS (
      INSERT INTO allowance_schedule (id, client_id, kind, weekly_amount, payee_id, starts_on,
                                      recorded_by)
      SELECT gen_random_uuid(), c.id, 'PERSONAL_ALLOWANCE', :weekly, cp.id, :starts,
             'bench.assistant'
        FROM c JOIN cp ON cp.name = 'Card account ' || c.reference
      RETURNING id, client_id
    ), e AS (
      INSERT INTO allowance_schedule_event (schedule_id, event, recorded_by)
      SELECT id, 'APPROVED', 'bench.scao' FROM s
    )
    SELECT client_id FROM s
    """
)
COUNTS = text(
    "SELECT (SELECT count(*) FROM allowance_payment), (SELECT count(*) FROM allowance_run), "
    "(SELECT count(*) FROM transfer), (SELECT count(*) FROM audit_log)"
)
RUN = """
mutation($input: RunWeeklyAllowancesInput!) {
  runWeeklyAllowances(input: $input) {
    __typename
    ... on WeeklyAllowanceRunPayload { paid total paidBefore notPaid { code } }
    ... on Problem { code message }
  }
}"""
CHECK = "{ ledgerCheck { sound sumOfAllBalances accountsOutOfBalance } }"
SETUP = Actor(Principal("bench.setup", frozenset({Role.HEAD_OF_SERVICE})), "bench")


async def _seed(url: str, n: int, week: date) -> None:
    engine = create_async_engine(async_url(url))
    try:
        async with AsyncSession(engine) as session, session.begin():
            rows = await session.execute(CASELOAD, {"n": n, "weekly": WEEKLY, "starts": week})
            ids = [r[0] for r in rows]
            lines = [(c, AccountKind.CLIENT_CMS, BALANCE) for c in ids]
            await ledger.post_opening_balances(
                session, SETUP, "Bench set-up", lines, clock.today(), why="bench set-up"
            )
    finally:
        await engine.dispose()


async def _counts(url: str) -> tuple[int, ...]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            return tuple(int(v) for v in (await conn.execute(COUNTS)).one())
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=500)
    args = parser.parse_args()
    today = clock.today()
    week = today - timedelta(days=today.weekday())
    with bench_database() as url, server(url) as srv:
        asyncio.run(_seed(url, args.clients, week))
        officer = srv.token("senior_officer", "bench.scao2")
        auditor = srv.token("auditor", "bench.audit")

        async def run() -> list[tuple[float, dict[str, Any], tuple[int, ...]]]:
            out = []
            async with client(srv.url, 1) as c:
                for _ in range(2):
                    before = await _counts(url)
                    variables = {
                        "input": {"weekStarting": week.isoformat(), "idempotencyKey": new_key()}
                    }
                    start = time.perf_counter()
                    data = (await gql(c, officer, RUN, variables))["runWeeklyAllowances"]
                    took = time.perf_counter() - start
                    if data["__typename"] != "WeeklyAllowanceRunPayload":
                        raise RuntimeError(data)
                    after = await _counts(url)
                    written = tuple(a - b for a, b in zip(after, before, strict=True))
                    out.append((took, data, written))
                check = (await gql(c, auditor, CHECK, {}))["ledgerCheck"]
                print(f"ledger after both runs: {check}")
            return out

        results = asyncio.run(run())
    names = ("allowance payments", "runs", "transfers", "audit rows")
    for label, (took, data, written) in zip(("first", "second"), results, strict=True):
        rows = ", ".join(f"{n} {name}" for n, name in zip(written, names, strict=True))
        print(
            f"{label} run for week {week.isoformat()}, {args.clients} clients, one call: "
            f"{took:.2f} s (paid {data['paid']}, total {data['total']}, paid before "
            f"{data['paidBefore']}, not paid {len(data['notPaid'])}); wrote {rows}"
        )


if __name__ == "__main__":
    main()
