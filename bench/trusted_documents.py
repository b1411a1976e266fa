"""What a trusted document saves per request (issue 11 item 5): the SPA's invoice list, a
document of about 70 fields, sent as a document (parsed and validated on every request) and by
its registered id (parsed once per process, validated once at registration).

    .venv/bin/python bench/trusted_documents.py [--requests 400]

Prints the cost of parsing and validating the document alone, and the median and p90 of a whole
request in-process (the real app through httpx's ASGI transport, on a fresh database with no
invoices, so the query's own work is small and the difference shows).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx
from graphql import parse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_database

from ca_api.app import create_app
from ca_api.auth.tokens import TokenVerifier, load_or_create_dev_key, mint_token
from ca_api.config import Settings
from ca_api.db import Database
from ca_api.documents import DocumentLimits, _validate, registration_errors
from ca_api.graphql import build_schema
from ca_api.trusted_documents import service

PAYMENT = """id status amount approvedBy approvedAt madeBy madeAt cancelledBy cancelReason
  payee { id name kind reference }"""
DOCUMENT = f"""
query InvoiceList($first: Int, $after: String, $filter: InvoiceFilter) {{
  invoices(first: $first, after: $after, filter: $filter) {{
    edges {{
      cursor
      node {{
        id clientId clientReference supplierInvoiceNumber invoiceDate amount kind category
        description periodStart periodEnd receivedOn dueOn daysOverdue officialInvoice
        directDebit source recordedBy recordedAt status missingChecks
        supplier {{ id name kind reference isCouncilEmployee }}
        items {{ line description amount evidenceSeen }}
        checks {{ check passed note checkedBy checkedAt }}
        events {{ event note recordedBy recordedAt }}
        payments {{ {PAYMENT} }}
      }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


def parse_and_validate(settings: Settings, rounds: int) -> float:
    schema = build_schema(settings)
    from graphql import specified_rules

    limits = DocumentLimits.of(settings)
    started = time.perf_counter()
    for _ in range(rounds):
        errors = _validate(schema._schema, parse(DOCUMENT), tuple(specified_rules), limits)
        assert not errors, errors
    return (time.perf_counter() - started) / rounds


async def requests(url: str, settings: Settings, count: int) -> dict[str, list[float]]:
    key = load_or_create_dev_key(settings.dev_key_file)
    token = mint_token(key, settings=settings, subject="olu.scao", roles=["senior_officer"])
    database = Database(url, pool_size=2)
    schema = build_schema(settings)
    await service.register(
        database.session(),
        "spa",
        [(None, DOCUMENT, "InvoiceList")],
        validate=lambda doc: registration_errors(schema, settings, doc),
        registered_by="bench",
    )
    app = create_app(
        settings, url, verifier=TokenVerifier(key.public_keyset(), settings), database=database
    )
    bodies = {
        "document": {"query": DOCUMENT, "variables": {"first": 25}},
        "trusted id": {"documentId": service.document_id(DOCUMENT), "variables": {"first": 25}},
    }
    times: dict[str, list[float]] = {name: [] for name in bodies}
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for round_ in range(count + 20):
            for name, body in bodies.items():
                started = time.perf_counter()
                resp = await client.post("/graphql", json=body, headers=headers)
                elapsed = time.perf_counter() - started
                assert resp.status_code == 200 and "errors" not in resp.json(), resp.text
                if round_ >= 20:  # warm-up rounds are not counted
                    times[name].append(elapsed)
    await database.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    with bench_database() as url:
        settings = Settings(environment="test", data_dir=Path(".ca_api"))
        per = parse_and_validate(settings, 300)
        print(f"parse + validate the InvoiceList document: {per * 1000:.2f} ms")
        times = asyncio.run(requests(url, settings, args.requests))
    for name, samples in times.items():
        samples.sort()
        p90 = samples[int(len(samples) * 0.9)]
        print(
            f"{name:>10}: median {statistics.median(samples) * 1000:.2f} ms, "
            f"p90 {p90 * 1000:.2f} ms per request ({len(samples)} requests)"
        )


if __name__ == "__main__":
    main()
