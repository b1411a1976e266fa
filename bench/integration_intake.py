"""Controcc's four-weekly run of 12,000 care invoices (seed 000's neighbour's volume) through
the real API as Controcc sends it (issue 17 item 2): ``recordControccInvoiceBatch`` calls of
1,000 lines one after another, each with its own batch reference and idempotency key; then the
whole run sent again (every line ALREADY_HAD, nothing written).

Set-up (4,000 clients, 200 care providers, Controcc's person and provider ids) goes straight
into PostgreSQL; only the batches go through the API.

    .venv/bin/python bench/integration_intake.py [--invoices 12000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_database, client, gql, server
from seed import clients, new_key

from ca_api.common.ids import decode_uuid
from ca_api.db import async_url

BATCH = """
mutation($input: RecordControccInvoiceBatchInput!) {
  recordControccInvoiceBatch(input: $input) {
    __typename
    ... on RecordInvoiceBatchPayload { batch { createdCount alreadyHadCount refusedCount
      lines(refusedOnly: true) { line code reason } } }
    ... on Problem { code message }
  }
}"""

PROVIDERS_SQL = text(
    """
    INSERT INTO counterparty (id, kind, name, created_by)
    SELECT gen_random_uuid(), 'CARE_PROVIDER', 'Bench provider ' || g, 'bench'
      FROM generate_series(1, :n) g
    RETURNING id
    """
)
REFERENCES_SQL = text(
    """
    INSERT INTO external_reference (id, system, kind, value, subject_type, subject_id,
                                    recorded_by)
    SELECT gen_random_uuid(), 'CONTROCC', :kind, :prefix || ord, :subject_type, id, 'bench'
      FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS t(id, ord)
    """
)


async def _setup(url: str, client_ids: list[uuid.UUID], providers: int) -> int:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            provider_ids = [r[0] for r in await conn.execute(PROVIDERS_SQL, {"n": providers})]
            for kind, prefix, subject, ids in (
                ("CONTROCC_PERSON", "P", "Client", client_ids),
                ("CONTROCC_PROVIDER", "PR", "Counterparty", provider_ids),
            ):
                await conn.execute(
                    REFERENCES_SQL,
                    {"kind": kind, "prefix": prefix, "subject_type": subject, "ids": ids},
                )
        return len(provider_ids)
    finally:
        await engine.dispose()


def lines_of(n: int, n_clients: int, n_providers: int, run: str) -> list[dict[str, object]]:
    day = date.today().isoformat()
    return [
        {
            "externalReference": f"{run}-{i}",
            "clientReference": f"P{i % n_clients + 1}",
            "supplierReference": f"PR{i % n_providers + 1}",
            "supplierInvoiceNumber": f"{run}-{i}",
            "invoiceDate": day,
            "amount": f"{600 + i % 400}.{i % 100:02d}",
            "kind": "SUPPLIER",
            "category": "OUT_CARE_FEES",
            "description": "Residential care, four weeks",
        }
        for i in range(n)
    ]


async def send(
    base: str, token: str, lines: list[dict[str, object]], batch: int
) -> tuple[float, list[float], dict[str, int]]:
    counts = {"created": 0, "alreadyHad": 0, "refused": 0}
    each = []
    start = time.perf_counter()
    async with client(base, 1) as c:
        for i in range(0, len(lines), batch):
            t = time.perf_counter()
            data = await gql(
                c,
                token,
                BATCH,
                {
                    "input": {
                        "batchReference": f"BENCH-{i // batch}",
                        "lines": lines[i : i + batch],
                        "idempotencyKey": new_key(),
                    }
                },
            )
            each.append(time.perf_counter() - t)
            result = data["recordControccInvoiceBatch"]
            if result["__typename"] != "RecordInvoiceBatchPayload":
                raise RuntimeError(result)
            b = result["batch"]
            if b["refusedCount"]:
                raise RuntimeError(b["lines"][:5])
            counts["created"] += b["createdCount"]
            counts["alreadyHad"] += b["alreadyHadCount"]
    return time.perf_counter() - start, each, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=12_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--clients", type=int, default=4_000)
    parser.add_argument("--providers", type=int, default=200)
    args = parser.parse_args()
    with bench_database() as url, server(url) as srv:
        ids = [decode_uuid("Client", c) for c in clients(url, args.clients)]
        asyncio.run(_setup(url, ids, args.providers))
        token = srv.token("integration_controcc", "controcc")
        lines = lines_of(args.invoices, args.clients, args.providers, "RUN")
        first, each, made = asyncio.run(send(srv.url, token, lines, args.batch))
        again, _, had = asyncio.run(send(srv.url, token, lines, args.batch))
    each.sort()
    print(f"invoices: {args.invoices}, batches of {args.batch}: {len(each)}")
    print(
        f"first run: {made}; per batch median {each[len(each) // 2]:.2f} s, worst {each[-1]:.2f} s"
    )
    print(f"the run sent again: {had} in {again:.1f} s")
    print(f"four-weekly run of {args.invoices} invoices through the API: {first:.1f} s")


if __name__ == "__main__":
    main()
