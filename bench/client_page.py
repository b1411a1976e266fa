"""Issue 18's client page: what the SPA asks for when an officer opens a BUSY client - the
client with its orders, its accounts, the last 20 lines of its statement, its open invoices,
its payments awaiting approval, its pending decisions and its current budget plan - at
``--connections`` (8) concurrent connections on one server worker for ``--seconds`` (10):
median, p95, pages/s, and the SQL statements one page sends.

Since issue 18 the page is one document, ``CLIENT_PAGE`` of ``tests/client_page_document.py``
(the one ``tests/test_client_page.py`` pins at ten statements): ``Client.accounts`` and each
account's ``statement(last: 20)`` reached from the client. Before, it was two requests (the
accounts' ids first, then the CMS account's lines): ``BEFORE_FIRST`` and ``BEFORE_STATEMENT``
there.

Statements are counted in-process (the same app, ``ca_api.app.create_app``, on the same
database, one page at a time) with SQLAlchemy's ``before_cursor_execute`` on the engine, as
``tests/support.statements`` counts a test's, and the transactions begun beside them
(SQLAlchemy's ``begin`` event: a BEGIN and its end each) and the connections checked out of
the pool (``pg_stat_statements`` is not loaded on this server).

With ``--floor``, the page's floor beside it (``bench/client_page_floor.py``): the same page
against a bare strawberry app, with and without the page's SQL, in the same run.

    .venv/bin/python bench/scale.py --keep NAME --skip-load --client-page [--floor]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from graphql import OperationDefinitionNode, SelectionSetNode, parse, print_ast
from harness import BEGIN, COMMIT, ROLLBACK, LoadResult, client, cpu_seconds, gql
from sqlalchemy import event

from ca_api.app import create_app
from ca_api.config import Settings
from ca_api.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.client_page_document import CLIENT_PAGE

P95_TARGET = 0.050  # s (issue 18)
STATEMENTS_TARGET = 10
CPU_TARGET = 0.020  # s of the server's CPU a page (issue 18 item 2)

PAGE = CLIENT_PAGE  # variables: $id (the client's id)


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


async def breakdown(c: httpx.AsyncClient, token: str, client_id: str) -> None:
    """Each root field of the page alone, once (warm): where a slow page spends its time."""
    for name, alone in each_field(PAGE):
        t0 = time.perf_counter()
        await gql(c, token, alone, {"id": client_id})
        print(f"    {name} alone: {(time.perf_counter() - t0) * 1000:.0f} ms", flush=True)


async def one_page(c: httpx.AsyncClient, token: str, client_id: str) -> None:
    await gql(c, token, PAGE, {"id": client_id})


@dataclass
class Captured:
    """One page through the real app in-process (warm): what it sent, in order - each
    statement as (sql, parameters), and BEGIN / COMMIT / ROLLBACK where a transaction began
    and ended - the connections checked out of the pool, and the page's data."""

    sent: list[Any]
    checkouts: int
    data: dict[str, Any]

    @property
    def statements(self) -> int:
        return sum(1 for item in self.sent if isinstance(item, tuple))

    @property
    def transactions(self) -> int:
        return self.sent.count(BEGIN)


async def capture(settings: Settings, url: str, token: str, client_id: str) -> Captured:
    """One page, in-process, warm: what it sent to the database and what it answered."""
    database = Database(url)
    app = create_app(settings, url, database=database)
    sent: list[Any] = []
    checkouts: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        sent.append((statement, tuple(params or ())))

    listeners: list[tuple[Any, str, Any]] = [
        (sync := database.engine.sync_engine, "before_cursor_execute", record),
        (sync, "begin", lambda conn: sent.append(BEGIN)),
        (sync, "commit", lambda conn: sent.append(COMMIT)),
        (sync, "rollback", lambda conn: sent.append(ROLLBACK)),
        (sync.pool, "checkout", lambda *args: checkouts.append("checkout")),
    ]
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
            await one_page(c, token, client_id)  # warm: pool, caches
            for target, name, fn in listeners:
                event.listen(target, name, fn)
            try:
                data = await gql(c, token, PAGE, {"id": client_id})
            finally:
                for target, name, fn in listeners:
                    event.remove(target, name, fn)
    finally:
        await database.dispose()
    return Captured(sent=sent, checkouts=len(checkouts), data=data)


@dataclass
class Load:
    """A page at load: pages/s, latencies, and the server's CPU a page (user + system)."""

    result: LoadResult
    server_cpu: float | None  # s; None without the server's pid
    own_cpu: float  # s: the load generator's (this process's) CPU a page

    def describe(self, connections: int) -> str:
        r, p95 = self.result, self.result.percentile(95)
        return (
            f"at {connections} connections for {r.seconds:.1f} s: {r.done} pages, "
            f"{r.per_second:.1f} pages/s, median {r.median * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms{'  OVER TARGET' if p95 > P95_TARGET else ''}"
        )


async def load(
    base_url: str, token: str, client_id: str, connections: int, seconds: float, pid: int | None
) -> Load:
    """The load generator: ``connections`` closed loops of the page against ``base_url`` for
    ``seconds`` (after three pages to warm it), and the CPU the server (process ``pid``) spent
    a page meanwhile."""
    async with client(base_url, connections) as c:
        for _ in range(3):
            await one_page(c, token, client_id)
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                await one_page(c, token, client_id)
                latencies.append(time.perf_counter() - t)

        cpu_before, own_before = cpu_seconds(pid) if pid else 0.0, time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        result = LoadResult(
            done=len(latencies), seconds=time.perf_counter() - start, latencies=latencies
        )
        server_cpu = (cpu_seconds(pid) - cpu_before) / max(result.done, 1) if pid else None
        own_cpu = (time.process_time() - own_before) / max(result.done, 1)
    return Load(result=result, server_cpu=server_cpu, own_cpu=own_cpu)


async def run(base_url: str, token: str, url: str, args: argparse.Namespace) -> None:
    settings = args.settings
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections
    )
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as c:
        q = 'query { clients(first: 1, filter: {search: "SC000001"}) { edges { node { id } } } }'
        client_id = (await gql(c, token, q, {}))["clients"]["edges"][0]["node"]["id"]
        page = await capture(settings, url, token, client_id)
        for _ in range(3):  # warm the server
            await one_page(c, token, client_id)
        t0 = time.perf_counter()
        await one_page(c, token, client_id)
        alone = time.perf_counter() - t0
        print(f"client page of a busy client: one page alone {alone * 1000:.0f} ms")
        await breakdown(c, token, client_id)
    pid = getattr(args, "server_pid", None)
    api = await load(base_url, token, client_id, args.connections, args.seconds, pid)
    print("client page of a busy client (1 request a page):")
    print(f"  {api.describe(args.connections)}")
    if api.server_cpu is not None:
        over = "  OVER TARGET" if api.server_cpu > CPU_TARGET else ""
        print(
            f"  the server's CPU a page (user + system, at load): "
            f"{api.server_cpu * 1000:.1f} ms{over}"
        )
    total = page.statements + 2 * page.transactions  # each transaction's BEGIN and its end
    print(
        f"  SQL statements a page: {total}"
        f"{'  OVER TARGET' if total > STATEMENTS_TARGET else ''} "
        f"({page.statements} queries, {page.transactions} transaction(s) begun and ended; "
        f"connections checked out: {page.checkouts})"
    )
    if getattr(args, "floor", False):
        from client_page_floor import floors

        await floors(url, token, client_id, page, api, args)
