"""Payments through the API at a realistic concurrency, against the same SQL run by pgbench.

One payment is what an officer and an approver do: raisePayment (assistant), approvePayment
(senior officer: a hold on the client's funds), makePayment (the hold posted) -- three HTTP
requests, three transactions. The API side runs ``--payments`` of them, ``--concurrency`` at a
time, against one uvicorn worker, spread over ``--clients`` funded clients. The pgbench side runs
``bench/payment_flow.sql`` (the same three transactions' statements) with ``pgbench -M
prepared`` at the same concurrency for ``--seconds``. Both share the machine's 2 cores with
PostgreSQL and the load generator.

    .venv/bin/python bench/payments.py [--payments 600] [--concurrency 8] [--clients 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_database, client, closed_loop, gql, pgbench, server
from seed import clients, new_key

from ca_api.common.ids import decode_uuid, encode_id
from ca_api.db import async_url

HERE = Path(__file__).resolve().parent

RAISE = """
mutation($input: RaisePaymentInput!) {
  raisePayment(input: $input) {
    __typename ... on PaymentPayload { payment { id } } ... on Problem { code message }
  }
}"""
APPROVE = """
mutation($input: ApprovePaymentInput!) {
  approvePayment(input: $input) {
    __typename ... on Problem { code message }
  }
}"""
MAKE = """
mutation($input: MakePaymentInput!) {
  makePayment(input: $input) {
    __typename ... on Problem { code message }
  }
}"""
CHECK = "{ ledgerCheck { sound sumOfAllBalances accountsOutOfBalance } }"

FUND_SQL = """
WITH dwp AS (
  INSERT INTO counterparty (id, kind, name, created_by)
  VALUES (gen_random_uuid(), 'DWP', 'Bench DWP', 'bench') RETURNING id
), dwp_account AS (
  INSERT INTO ledger_account (id, kind, counterparty_id, name)
  SELECT gen_random_uuid(), 'COUNTERPARTY', id, 'Bench DWP' FROM dwp RETURNING id
), cms AS (
  INSERT INTO ledger_account (id, kind, client_id, name)
  SELECT gen_random_uuid(), 'CLIENT_CMS', c.id, 'Client Monies Service account'
    FROM client c WHERE c.reference LIKE 'BENCH%' RETURNING id, client_id
)
INSERT INTO transfer (id, kind, from_account_id, to_account_id, amount, value_date, category,
                      description, client_id, recorded_by)
SELECT gen_random_uuid(), 'POSTED', (SELECT id FROM dwp_account), cms.id, 100000000,
       current_date, 'IN_OTHER', 'bench funding', cms.client_id, 'bench'
  FROM cms
"""
SUPPLIER_SQL = """
WITH s AS (
  INSERT INTO counterparty (id, kind, name, created_by)
  VALUES (gen_random_uuid(), 'SUPPLIER', 'Bench Supplies Ltd', 'bench') RETURNING id
)
INSERT INTO ledger_account (id, kind, counterparty_id, name)
SELECT gen_random_uuid(), 'COUNTERPARTY', id, 'Bench Supplies Ltd' FROM s
RETURNING counterparty_id, id
"""
BENCH_CLIENTS_SQL = """
CREATE TABLE bench_client AS
SELECT row_number() OVER (ORDER BY reference)::int AS n, id FROM client
 WHERE reference LIKE 'BENCH%';
CREATE UNIQUE INDEX ON bench_client (n)
"""


async def _prepare(url: str) -> tuple[str, str]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            await conn.execute(text(FUND_SQL))
            supplier = (await conn.execute(text(SUPPLIER_SQL))).one()
            for statement in BENCH_CLIENTS_SQL.split(";"):
                await conn.execute(text(statement))
        return str(supplier[0]), str(supplier[1])
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payments", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()

    with bench_database() as url, server(url) as srv:
        ids = clients(url, args.clients)
        payee_id, payee_account = asyncio.run(_prepare(url))
        raiser = srv.token("assistant", "bench.raiser")
        approver = srv.token("senior_officer", "bench.approver")
        auditor = srv.token("auditor", "bench.audit")
        payee = encode_id("Counterparty", payee_id)

        async def api() -> tuple[float, float, float, dict[str, object]]:
            async with client(srv.url, args.concurrency) as c:

                async def one(i: int) -> None:
                    cid = ids[(i * 7919) % len(ids)]
                    raised = await gql(
                        c,
                        raiser,
                        RAISE,
                        {
                            "input": {
                                "clientId": cid,
                                "payeeId": payee,
                                "amount": "10.00",
                                "category": "OUT_OTHER",
                                "description": f"bench {i}",
                                "standing": True,
                                "idempotencyKey": new_key(),
                            },
                        },
                    )
                    result = raised["raisePayment"]
                    if result["__typename"] != "PaymentPayload":
                        raise RuntimeError(result)
                    pid = result["payment"]["id"]
                    approved = await gql(
                        c, approver, APPROVE, {"input": {"id": pid, "idempotencyKey": new_key()}}
                    )
                    if approved["approvePayment"]["__typename"] == "Problem":
                        raise RuntimeError(approved)
                    made = await gql(
                        c, raiser, MAKE, {"input": {"id": pid, "idempotencyKey": new_key()}}
                    )
                    if "code" in made["makePayment"]:
                        raise RuntimeError(made)

                jobs = [lambda i=i: one(i) for i in range(args.payments)]
                # warm-up: a few payments before the clock starts
                for i in range(10):
                    await one(args.payments + i)
                result = await closed_loop(jobs, args.concurrency)
                check = (await gql(c, auditor, CHECK, {}))["ledgerCheck"]
            return result.per_second, result.median, result.percentile(99), check

        api_rate, median, p99, check = asyncio.run(api())
        sql_rate = pgbench(
            url,
            HERE / "payment_flow.sql",
            clients=args.concurrency,
            seconds=args.seconds,
            defines={
                "clients": str(args.clients),
                "payee_id": str(decode_uuid("Counterparty", payee)),
                "payee_account": payee_account,
            },
        )
    print(
        f"concurrency {args.concurrency}, {args.payments} payments through the API "
        "(raise + approve + make, 3 requests each)"
    )
    print(f"ledger after the API run: {check}")
    print(
        f"API: {api_rate:.1f} payments/s, median {median * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms per payment (3 requests)"
    )
    print(f"pgbench, same SQL: {sql_rate:.1f} payments/s")
    print(
        f"payments/s API {api_rate:.1f} vs pgbench {sql_rate:.1f}: ratio {api_rate / sql_rate:.2f}"
    )


if __name__ == "__main__":
    main()
