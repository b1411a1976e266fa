"""A four-weekly benefits run of 12,000 receipts (the volume seed 000's neighbour bills every
four weeks), posted through the real API: 12 recordBenefitRun calls of 1,000 lines each, one
after another as one officer would, each all-or-nothing with its own idempotency key.

Prints the time for a first run (every client's CMS account opened on first use) and for a
second run four weeks later (accounts exist), and checks the ledger still adds up. Beside each
wall time, the CPU seconds the server process and the database's PostgreSQL backends spent on
it: on a machine busy with other work the wall time is inflated, the CPU time much less.

    .venv/bin/python bench/benefits_run.py [--receipts 12000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_database, client, gql, server
from seed import clients, new_key
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ca_api.db import async_url

BENEFITS = ["STATE_PENSION", "PENSION_CREDIT", "ATTENDANCE_ALLOWANCE"]

RUN = """
mutation($input: RecordBenefitRunInput!) {
  recordBenefitRun(input: $input) {
    __typename
    ... on BenefitRunPayload { count total }
    ... on Problem { code message }
  }
}"""
COUNTERPARTY = """
mutation($input: CreateCounterpartyInput!) {
  createCounterparty(input: $input) { ... on CounterpartyPayload { counterparty { id } } }
}"""
CHECK = "{ ledgerCheck { sound sumOfAllBalances accountsOutOfBalance } }"


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds these processes have used so far (Linux /proc)."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _server_pids() -> list[int]:
    """This process's children: the server the harness started."""
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[1] == me:
                        found.append(int(entry))
            except (FileNotFoundError, IndexError):
                continue
    return found


async def _backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends connected to the bench database (the server's pool)."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            mine = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            return [p for p in (await conn.execute(text(sql))).scalars() if p != mine]
    finally:
        await engine.dispose()


@dataclass
class Timed:
    wall: float
    server_cpu: float
    database_cpu: float

    def __str__(self) -> str:
        return (
            f"{self.wall:.1f} s (server CPU {self.server_cpu:.1f} s, "
            f"PostgreSQL CPU {self.database_cpu:.1f} s)"
        )


async def one_run(
    base: str, token: str, lines: list[dict[str, object]], value_date: date, batch: int
) -> float:
    start = time.perf_counter()
    async with client(base, 1) as c:
        for i in range(0, len(lines), batch):
            data = await gql(
                c,
                token,
                RUN,
                {
                    "input": {
                        "lines": lines[i : i + batch],
                        "valueDate": value_date.isoformat(),
                        "idempotencyKey": new_key(),
                    }
                },
            )
            result = data["recordBenefitRun"]
            if result["__typename"] != "BenefitRunPayload":
                raise RuntimeError(result)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--receipts", type=int, default=12_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    per_client = len(BENEFITS)
    n_clients = args.receipts // per_client
    load = os.getloadavg()
    with bench_database() as url, server(url) as srv:
        ids = clients(url, n_clients)
        officer = srv.token("support_assistant", "bench.officer")
        auditor = srv.token("auditor", "bench.audit")

        async def timed(lines: list[dict[str, object]], value_date: date, batch: int) -> Timed:
            server_pids, backends = _server_pids(), await _backend_pids(url)
            cpu = _cpu_seconds(server_pids), _cpu_seconds(backends)
            wall = await one_run(srv.url, officer, lines, value_date, batch)
            backends += [p for p in await _backend_pids(url) if p not in backends]
            return Timed(
                wall,
                _cpu_seconds(server_pids) - cpu[0],
                _cpu_seconds(backends) - cpu[1],
            )

        async def run() -> tuple[Timed, Timed, dict[str, object]]:
            async with client(srv.url, 1) as c:
                made = await gql(
                    c,
                    officer,
                    COUNTERPARTY,
                    {"input": {"kind": "DWP", "name": "Department for Work and Pensions"}},
                )
            dwp = made["createCounterparty"]["counterparty"]["id"]
            first_day = date(2026, 9, 7)
            times = []
            for run_no in range(2):
                start = first_day + timedelta(weeks=4 * run_no)
                end = start + timedelta(days=27)
                lines = [
                    {
                        "clientId": cid,
                        "payerId": dwp,
                        "benefit": b,
                        "amount": "187.60",
                        "periodStart": start.isoformat(),
                        "periodEnd": end.isoformat(),
                    }
                    for cid in ids
                    for b in BENEFITS
                ]
                times.append(await timed(lines, end, args.batch))
            async with client(srv.url, 1) as c:
                check = (await gql(c, auditor, CHECK, {}))["ledgerCheck"]
            return times[0], times[1], check

        first, second, check = asyncio.run(run())
    n = n_clients * per_client
    print(f"clients: {n_clients}, receipts per run: {n}, calls per run: {-(-n // args.batch)}")
    print(f"ledger after both runs: {check}")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)")
    rate = n / first.wall
    print(f"first run (accounts opened on first use): {first} ({rate:.0f} receipts/s)")
    rate = n / second.wall
    print(f"benefits run of {n} receipts through the API: {second} ({rate:.0f} receipts/s)")


if __name__ == "__main__":
    main()
