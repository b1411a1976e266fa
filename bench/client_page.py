"""Issue 18's client page: what the SPA asks for when an officer opens a BUSY client - the
client with its orders, its accounts, the last 20 lines of its statement, its open invoices,
its payments awaiting approval, its pending decisions and its current budget plan - at
``--connections`` (8) concurrent connections on one server worker for ``--seconds`` (10):
median, p95, pages/s, and the SQL statements one page sends.

Today the schema reaches a client's accounts only through ``clientAccounts`` and an account's
lines only through ``accountStatement(accountId:)``, so a first visit is two requests: PAGE
(needs only the client's id) then LINES (needs the account id PAGE answered). When ``Client``
has its accounts and their last lines, PAGE alone becomes the whole page: change the one
constant, ``PAGE``, and leave ``LINES`` empty.

Statements are counted in-process (the same app, ``ca_api.app.create_app``, on the same
database, one page at a time) with SQLAlchemy's ``before_cursor_execute`` on the engine, as
``tests/support.statements`` counts a test's, and the transactions begun beside them
(SQLAlchemy's ``begin`` event) and the connections checked out of the pool (each pre-pinged:
a round trip the statement count does not see; ``pg_stat_statements`` is not loaded on this
server).

    .venv/bin/python bench/scale.py --keep NAME --skip-load --client-page
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx
from graphql import OperationDefinitionNode, SelectionSetNode, parse, print_ast
from harness import LoadResult, gql
from sqlalchemy import event

from ca_api.app import create_app
from ca_api.config import Settings
from ca_api.db import Database

P95_TARGET = 0.050  # s (issue 18)
STATEMENTS_TARGET = 10

# Everything the page shows that today's schema reaches from the client's id. Variables:
# $client (the client's id).
PAGE = """query ClientPage($client: ID!) {
  client(id: $client) {
    id reference givenName familyName situation status legalRole
    deputyships { id caseNumber orderDate inForce supervisionType }
    appointeeships { id startDate inForce }
  }
  clientAccounts(clientId: $client) { id kind name balance held available }
  invoices(first: 20, filter: {clientId: $client, overdue: true}) {
    edges { node { id supplierInvoiceNumber amount dueOn status daysOverdue } }
  }
  payments(clientId: $client, status: RAISED, first: 20) {
    edges { node { id amount status raisedBy } }
  }
  decisions(clientId: $client, status: RAISED, first: 20) {
    edges { node { id kind status } }
  }
  budgetPlans(clientId: $client, first: 1) {
    edges { node { id planYearStart surplus } }
  }
}"""

# The last 20 lines of the client's CMS account. Variables: $account. Empty once PAGE has them.
LINES = """query ClientPageLines($account: ID!) {
  accountStatement(accountId: $account, last: 20) {
    edges { node { __typename } }
  }
}"""


def each_field(document: str) -> list[tuple[str, str]]:
    """(root field, a document asking for it alone) for each root field of ``document``."""
    op = parse(document).definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    out = []
    for sel in op.selection_set.selections:
        alone = OperationDefinitionNode(
            operation=op.operation,
            name=None,
            variable_definitions=op.variable_definitions,
            directives=(),
            selection_set=SelectionSetNode(selections=(sel,)),
        )
        out.append((sel.name.value, print_ast(alone)))
    return out


async def breakdown(c: httpx.AsyncClient, token: str, client_id: str, account: str) -> None:
    """Each root field of the page alone, once (warm): where a slow page spends its time."""
    for document, variables in ((PAGE, {"client": client_id}), (LINES, {"account": account})):
        if not document:
            continue
        for name, alone in each_field(document):
            t0 = time.perf_counter()
            await gql(c, token, alone, variables)
            print(f"    {name} alone: {(time.perf_counter() - t0) * 1000:.0f} ms", flush=True)


def cms_account(page: dict[str, Any]) -> str:
    return next(a["id"] for a in page["clientAccounts"] if a["kind"] == "CLIENT_CMS")


async def one_page(c: httpx.AsyncClient, token: str, client_id: str) -> None:
    page = await gql(c, token, PAGE, {"client": client_id})
    if LINES:
        await gql(c, token, LINES, {"account": cms_account(page)})


async def count_statements(
    settings: Settings, url: str, token: str, client_id: str
) -> tuple[int, int, int, int]:
    """(SQL statements, transactions begun, connections checked out of the pool - each
    pre-pinged -, requests) of one page, in-process, warm."""
    database = Database(url)
    app = create_app(settings, url, database=database)
    sent: list[str] = []
    begun: list[str] = []
    checkouts: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    def began(conn: Any) -> None:
        begun.append("BEGIN")

    def checked_out(*args: Any) -> None:
        checkouts.append("checkout")

    sync = database.engine.sync_engine
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
            await one_page(c, token, client_id)  # warm: pool, caches
            event.listen(sync, "before_cursor_execute", record)
            event.listen(sync, "begin", began)
            event.listen(sync.pool, "checkout", checked_out)
            try:
                await one_page(c, token, client_id)
            finally:
                event.remove(sync, "before_cursor_execute", record)
                event.remove(sync, "begin", began)
                event.remove(sync.pool, "checkout", checked_out)
    finally:
        await database.dispose()
    return len(sent), len(begun), len(checkouts), 2 if LINES else 1


async def run(base_url: str, token: str, url: str, args: argparse.Namespace) -> None:
    settings = args.settings
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections
    )
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as c:
        q = 'query { clients(first: 1, filter: {search: "SC000001"}) { edges { node { id } } } }'
        client_id = (await gql(c, token, q, {}))["clients"]["edges"][0]["node"]["id"]
        statements, transactions, checkouts, requests = await count_statements(
            settings, url, token, client_id
        )
        for _ in range(3):  # warm the server
            await one_page(c, token, client_id)
        t0 = time.perf_counter()
        await one_page(c, token, client_id)
        alone = time.perf_counter() - t0
        print(f"client page of a busy client: one page alone {alone * 1000:.0f} ms")
        page = await gql(c, token, PAGE, {"client": client_id})
        await breakdown(c, token, client_id, cms_account(page))

        latencies: list[float] = []
        deadline = time.perf_counter() + args.seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                await one_page(c, token, client_id)
                latencies.append(time.perf_counter() - t)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.connections)))
        result = LoadResult(
            done=len(latencies), seconds=time.perf_counter() - start, latencies=latencies
        )
    p95 = result.percentile(95)
    print(f"client page of a busy client ({requests} request(s) a page):")
    print(
        f"  at {args.connections} connections for {result.seconds:.1f} s: {result.done} pages, "
        f"{result.per_second:.1f} pages/s, median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms{'  OVER TARGET' if p95 > P95_TARGET else ''}"
    )
    print(
        f"  SQL statements a page: {statements}"
        f"{'  OVER TARGET' if statements > STATEMENTS_TARGET else ''} "
        f"(transactions begun: {transactions}; connections checked out, each pre-pinged: "
        f"{checkouts})"
    )
