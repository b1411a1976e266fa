"""The client page's floor (issue 18): the least a strawberry server spends on the SPA's client
page, measured in the same run as the API's page (``bench/client_page.py``), driven by the same
load generator with the same document (``CLIENT_PAGE``) and variables at the same connections.

Floor A, the stack alone: a bare strawberry schema with just the types and fields the page asks
for (the same names and nesting; scalars and enums as plain strings), served as the API is
(Starlette, strawberry's ASGI GraphQL view, uvicorn, one worker, in a process of its own) but
with no authentication, no gate and no schema extensions beyond strawberry's own parser and
validation caches (the API too parses and validates a document once). Its resolvers answer
from the page's data held in memory: the API's own answer for the busy client, captured
in-process at the start of the run, as dicts (the schema's default resolver is ``getitem``),
so its answer is the API's (checked before the load).

Floor B, the stack and the SQL: floor A whose request, before its resolvers answer, sends the
page's statements as the API sent them (captured in-process with their parameters, where the
transaction began and ended) on a connection of a raw asyncpg pool (no SQLAlchemy), reading
every row: BEGIN, the queries, and the API's end of the transaction.

For each of the API, floor A and floor B: pages/s, median, p95 and the server process's CPU a
page at load; and the ratio of the API's CPU a page to each floor's.

    .venv/bin/python bench/scale.py --keep NAME --skip-load --client-page --floor
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import gc
import os
import pickle
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from operator import getitem
from pathlib import Path
from typing import TYPE_CHECKING, Any

import strawberry
from harness import client, gql, replay, script_server, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig

if TYPE_CHECKING:
    from client_page import Captured, Load

# --- the bare schema: the page's types and fields, each answered from a dict ------------------
# Field names are the document's (camelCase, no conversion) so that ``getitem`` finds them in
# the API's answer.

Row = dict[str, Any]
_PAGE: dict[str, Any] = {}  # the floor's state in its process: the page's data, the SQL, the pool


@strawberry.type
class Address:
    line1: str | None
    town: str | None
    postcode: str | None


@strawberry.type
class Deputyship:
    id: strawberry.ID
    caseNumber: str | None
    orderDate: str | None
    inForce: bool


@strawberry.type
class Appointeeship:
    id: strawberry.ID
    dwpReference: str | None
    startDate: str | None
    inForce: bool


@strawberry.type
class Transfer:
    id: strawberry.ID
    valueDate: str | None
    postedAt: str | None
    category: str | None
    description: str | None
    reference: str | None


@strawberry.type
class StatementLine:
    amount: str
    balanceAfter: str
    transfer: Transfer


@strawberry.type
class StatementEdge:
    node: StatementLine


@strawberry.type
class PageInfo:
    hasPreviousPage: bool
    startCursor: str | None


@strawberry.type
class StatementConnection:
    edges: list[StatementEdge]
    pageInfo: PageInfo


@strawberry.type
class Account:
    id: strawberry.ID
    kind: str
    name: str
    balance: str
    held: str
    available: str

    @strawberry.field
    def statement(self, last: int | None = None) -> StatementConnection:
        row: Row = self  # type: ignore[assignment]  # the account's dict, as every root here
        return row["statement"]  # type: ignore[no-any-return]


@strawberry.type
class Client:
    id: strawberry.ID
    reference: str
    givenName: str | None
    familyName: str | None
    situation: str | None
    status: str | None
    legalRole: str | None
    version: int
    dateOfBirth: str | None
    address: Address | None
    deputyships: list[Deputyship]
    appointeeships: list[Appointeeship]
    accounts: list[Account]


@strawberry.type
class Named:
    name: str


@strawberry.type
class Invoice:
    id: strawberry.ID
    supplierInvoiceNumber: str | None
    supplier: Named
    amount: str
    dueOn: str | None
    status: str


@strawberry.type
class Payment:
    id: strawberry.ID
    amount: str
    description: str | None
    payee: Named
    status: str
    raisedBy: str | None
    waitingSince: str | None


@strawberry.type
class Decision:
    id: strawberry.ID
    kind: str
    amount: str | None
    status: str
    raisedBy: str | None
    raisedAt: str | None


@strawberry.type
class BudgetPlan:
    id: strawberry.ID
    planYearStart: str | None
    approvalStatus: str | None
    annualIncome: str | None
    annualExpenditure: str | None
    surplus: str | None


@strawberry.type
class InvoiceEdge:
    node: Invoice


@strawberry.type
class InvoiceConnection:
    edges: list[InvoiceEdge]


@strawberry.type
class PaymentEdge:
    node: Payment


@strawberry.type
class PaymentConnection:
    edges: list[PaymentEdge]


@strawberry.type
class DecisionEdge:
    node: Decision


@strawberry.type
class DecisionConnection:
    edges: list[DecisionEdge]


@strawberry.type
class BudgetPlanEdge:
    node: BudgetPlan


@strawberry.type
class BudgetPlanConnection:
    edges: list[BudgetPlanEdge]


@strawberry.input
class InvoiceFilter:
    clientId: strawberry.ID | None = None


@strawberry.enum
class Status(enum.Enum):
    RAISED = "RAISED"


@strawberry.type
class Query:
    """The page's root fields, async as the API's, each answering from the captured page."""

    @strawberry.field
    async def client(self, id: strawberry.ID) -> Client:
        return _PAGE["data"]["client"]  # type: ignore[no-any-return]

    @strawberry.field
    async def invoices(
        self, filter: InvoiceFilter | None = None, first: int | None = None
    ) -> InvoiceConnection:
        return _PAGE["data"]["invoices"]  # type: ignore[no-any-return]

    @strawberry.field
    async def payments(
        self,
        clientId: strawberry.ID | None = None,
        status: Status | None = None,
        first: int | None = None,
    ) -> PaymentConnection:
        return _PAGE["data"]["payments"]  # type: ignore[no-any-return]

    @strawberry.field
    async def decisions(
        self,
        clientId: strawberry.ID | None = None,
        status: Status | None = None,
        first: int | None = None,
    ) -> DecisionConnection:
        return _PAGE["data"]["decisions"]  # type: ignore[no-any-return]

    @strawberry.field
    async def budgetPlans(
        self, clientId: strawberry.ID, first: int | None = None
    ) -> BudgetPlanConnection:
        return _PAGE["data"]["budgetPlans"]  # type: ignore[no-any-return]


class FloorGraphQL(GraphQL[None, None]):
    async def get_context(self, request: Any, response: Any = None) -> None:
        """Floor B: the page's SQL, once a request, before the resolvers answer."""
        if "pool" in _PAGE:
            await replay(_PAGE["pool"], _PAGE["sent"])


def floor_app(page_file: str, database_url: str | None) -> Starlette:
    """The bare app: /graphql (the bare schema) and /readyz; with ``database_url``, floor B."""
    import asyncpg

    _PAGE.update(pickle.loads(Path(page_file).read_bytes()))  # noqa: S301 (ours)
    schema = strawberry.Schema(
        query=Query,
        # Parsed and validated once, as the API does (its own caches, by the document's text):
        # validating this document takes longer than executing it (about 18 ms against 6).
        extensions=[ParserCache, ValidationCache],
        config=StrawberryConfig(auto_camel_case=False, default_resolver=getitem),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if database_url:
            _PAGE["pool"] = await asyncpg.create_pool(database_url, min_size=2, max_size=10)
        gc.freeze()  # as the API does once it is built
        yield
        if database_url:
            await _PAGE["pool"].close()

    async def ready(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    graphql = FloorGraphQL(schema, graphql_ide=None, allow_queries_via_get=False)
    return Starlette(
        routes=[Route("/graphql", graphql), Route("/readyz", ready)], lifespan=lifespan
    )


@contextlib.contextmanager
def floor_server(page: Captured, database_url: str | None) -> Iterator[tuple[str, int]]:
    """Floor A (no ``database_url``) or B in a process of its own: (its URL, its pid)."""
    fd, page_file = tempfile.mkstemp(prefix="ca_api_client_page_floor_", suffix=".pickle")
    with os.fdopen(fd, "wb") as f:
        pickle.dump({"data": page.data, "sent": page.sent}, f)
    raw_url = (database_url or "-").replace("postgresql+asyncpg://", "postgresql://")
    try:
        with script_server(__file__, ["--serve", page_file, raw_url], "the floor") as s:
            yield s
    finally:
        os.unlink(page_file)


# --- the measure ---------------------------------------------------------------------------


async def floors(
    url: str, token: str, client_id: str, page: Captured, api: Load, args: argparse.Namespace
) -> None:
    """Floors A and B at the API's connections and seconds, and how the API compares."""
    from client_page import P95_TARGET, load

    measured = [("API", api)]
    for name, database_url in (("floor A (stack, no SQL)", None), ("floor B (+ the SQL)", url)):
        with floor_server(page, database_url) as (floor_url, pid):
            answer = await _answer(floor_url, token, client_id)
            if answer != page.data:
                raise RuntimeError(f"{name} answers otherwise than the API")
            figures = await load(floor_url, token, client_id, args.connections, args.seconds, pid)
        measured.append((name, figures))
    print(
        "the client page against its floor (bare strawberry, one uvicorn worker), "
        "each measured alone; CPU a page: the server's (the load generator's)"
    )
    for name, figures in measured:
        r, cpu, p95 = figures.result, figures.server_cpu or 0.0, figures.result.percentile(95)
        print(
            f"  {name:24} {r.per_second:6.1f} pages/s, median {r.median * 1000:4.0f} ms, "
            f"p95 {p95 * 1000:4.0f} ms{'  OVER TARGET' if p95 > P95_TARGET else ''}, "
            f"CPU a page {cpu * 1000:5.1f} ms ({figures.own_cpu * 1000:.1f} ms)"
        )
    api_cpu = api.server_cpu
    for name, figures in measured[1:]:
        if api_cpu and figures.server_cpu:
            print(f"  CPU a page, API / {name}: {api_cpu / figures.server_cpu:.1f}")


async def _answer(base_url: str, token: str, client_id: str) -> dict[str, Any]:
    from client_page import PAGE

    async with client(base_url, 1) as c:
        return await gql(c, token, PAGE, {"id": client_id})


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(floor_app(sys.argv[2], None if sys.argv[3] == "-" else sys.argv[3]), int(sys.argv[4]))
