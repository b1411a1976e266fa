"""A four-weekly benefits run of 12,000 receipts (the volume seed 000's neighbour bills every
four weeks), posted through the real API: 12 recordBenefitRun calls of 1,000 lines each, one
after another as one officer would, each all-or-nothing with its own idempotency key.

Prints the time for a first run (every client's CMS account opened on first use) and for a
second run four weeks later (accounts exist), and checks the ledger still adds up.

    .venv/bin/python bench/benefits_run.py [--receipts 12000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_database, client, gql, server
from seed import clients, new_key

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
    with bench_database() as url, server(url) as srv:
        ids = clients(url, n_clients)
        officer = srv.token("support_assistant", "bench.officer")
        auditor = srv.token("auditor", "bench.audit")

        async def run() -> tuple[float, float, dict[str, object]]:
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
                times.append(await one_run(srv.url, officer, lines, end, args.batch))
            async with client(srv.url, 1) as c:
                check = (await gql(c, auditor, CHECK, {}))["ledgerCheck"]
            return times[0], times[1], check

        first, second, check = asyncio.run(run())
    n = n_clients * per_client
    print(f"clients: {n_clients}, receipts per run: {n}, calls per run: {-(-n // args.batch)}")
    print(f"ledger after both runs: {check}")
    print(f"first run (accounts opened on first use): {first:.1f} s ({n / first:.0f} receipts/s)")
    rate = n / second
    print(f"benefits run of {n} receipts through the API: {second:.1f} s ({rate:.0f} receipts/s)")


if __name__ == "__main__":
    main()
