"""Payments through the API at a realistic concurrency, against the same SQL run by pgbench.

One payment is what an officer and an approver do: raisePayment (assistant), approvePayment
(senior officer: a hold on the client's funds), makePayment (the hold posted) -- three HTTP
requests, three transactions. The API side runs ``--payments`` of them, ``--concurrency`` at a
time, against one uvicorn worker, spread over ``--clients`` funded clients. The pgbench side runs
``bench/payment_flow.sql`` (the same three transactions' statements) with ``pgbench -M
prepared`` at the same concurrency for ``--seconds``. Both share the machine's 2 cores with
PostgreSQL and the load generator.

The floor (issue 18): a bare strawberry app (Starlette via uvicorn, one worker, a raw asyncpg
pool; no SQLAlchemy, no authentication) whose raisePayment, approvePayment and makePayment
send the very statements the real service sends for one payment, transaction by transaction,
driven by the same load generator with the same documents at the same concurrency. The
statements are captured at the start of each run, from one payment through the real app
in-process (the SQL, its parameters, where each transaction begins and ends), so the floor
follows whatever the service sends today; the floor replays them with this payment's client,
account and fresh ids in place of the captured ones. The gap between the API and the floor is
what our Python costs per payment beyond a bare strawberry mutation doing the same SQL.

    .venv/bin/python bench/payments.py [--payments 600] [--concurrency 8] [--clients 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pickle
import re
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import strawberry
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    BEGIN,
    COMMIT,
    ROLLBACK,
    Server,
    bench_database,
    client,
    closed_loop,
    cpu_seconds,
    gql,
    pgbench,
    replay,
    script_server,
    serve,
    server,
)
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


# --- the floor: the same SQL behind a bare strawberry app --------------------------------------

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STEPS = ("raise", "approve", "make")


@dataclass
class Captured:
    """One payment's statements as the real service sent them, step by step: each step a list
    of BEGIN / COMMIT / ROLLBACK markers and (sql, parameters) pairs; and the ids they name
    that the floor replaces (the payment, its client and the client's account, the description)
    or keeps (the payee and its account)."""

    steps: dict[str, list[Any]]
    payment_id: uuid.UUID
    client_id: uuid.UUID
    account_id: uuid.UUID
    description: str
    keep: frozenset[uuid.UUID]


async def _client_accounts(url: str) -> dict[uuid.UUID, uuid.UUID]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT a.client_id, a.id FROM ledger_account a JOIN bench_client c"
                    " ON c.id = a.client_id WHERE a.kind = 'CLIENT_CMS'"
                )
            )
            return {r[0]: r[1] for r in rows}
    finally:
        await engine.dispose()


async def _capture(srv: Server, url: str, cid: str, payee: str, payee_account: str) -> Captured:
    """Three payments through the real app in-process (the same code the server runs); the
    third's statements kept (the first two warm whatever is read once per process)."""
    from ca_api.app import create_app
    from ca_api.auth.tokens import TokenVerifier
    from ca_api.db import Database

    db = Database(url, pool_size=2)
    verifier = TokenVerifier(srv.key.public_keyset(), srv.settings)
    app = create_app(srv.settings, url, verifier=verifier, database=db)
    sent: list[Any] = []
    sync_engine = db.engine.sync_engine

    def statement(conn: Any, cursor: Any, sql: str, params: Any, *args: Any) -> None:
        sent.append((sql, tuple(params or ())))

    event.listen(sync_engine, "before_cursor_execute", statement)
    event.listen(sync_engine, "begin", lambda conn: sent.append(BEGIN))
    event.listen(sync_engine, "commit", lambda conn: sent.append(COMMIT))
    event.listen(sync_engine, "rollback", lambda conn: sent.append(ROLLBACK))
    raiser = srv.token("assistant", "bench.raiser")
    approver = srv.token("senior_officer", "bench.approver")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://capture") as c:
            for n in range(3):
                sent.clear()
                description = f"bench capture {n}"
                steps: dict[str, list[Any]] = {}
                pid = await _pay(c, raiser, approver, cid, payee, description, sent, steps)
    finally:
        await db.dispose()
    client_id = decode_uuid("Client", cid)
    accounts = await _client_accounts(url)
    return Captured(
        steps=steps,
        payment_id=decode_uuid("Payment", pid),
        client_id=client_id,
        account_id=accounts[client_id],
        description=description,
        keep=frozenset({decode_uuid("Counterparty", payee), uuid.UUID(payee_account)}),
    )


async def _pay(
    c: httpx.AsyncClient,
    raiser: str,
    approver: str,
    cid: str,
    payee: str,
    description: str,
    sent: list[Any] | None = None,
    steps: dict[str, list[Any]] | None = None,
) -> str:
    """One payment (raise, approve, make); with ``sent``, each step's statements into ``steps``."""

    def step(name: str) -> None:
        if sent is not None and steps is not None:
            steps[name] = list(sent)
            sent.clear()

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
                "description": description,
                "standing": True,
                "idempotencyKey": new_key(),
            },
        },
    )
    result = raised["raisePayment"]
    if result["__typename"] != "PaymentPayload":
        raise RuntimeError(result)
    pid: str = result["payment"]["id"]
    step("raise")
    approved = await gql(c, approver, APPROVE, {"input": {"id": pid, "idempotencyKey": new_key()}})
    if approved["approvePayment"]["__typename"] != "PaymentPayload":
        raise RuntimeError(approved)
    step("approve")
    made = await gql(c, raiser, MAKE, {"input": {"id": pid, "idempotencyKey": new_key()}})
    if made["makePayment"]["__typename"] != "PaymentPayload":
        raise RuntimeError(made)
    step("make")
    return pid


class _Replace:
    """The captured payment's values, as this payment's: its client and account, its id; every
    other id (idempotency keys, transfers, request ids) a fresh one derived from the payment's
    id (the same in each step, so the hold approved is the hold made); the payee kept."""

    def __init__(self, cap: Captured, payment_id: uuid.UUID, client_id: uuid.UUID, account: Any):
        self.cap = cap
        self.payment_id = payment_id
        self.ids: dict[uuid.UUID, uuid.UUID] = {
            cap.payment_id: payment_id,
            cap.client_id: client_id,
            cap.account_id: account,
        }

    def id(self, old: uuid.UUID) -> uuid.UUID:
        if old in self.cap.keep:
            return old
        new = self.ids.get(old)
        if new is None:
            new = self.ids[old] = uuid.uuid5(self.payment_id, str(old))
        return new

    def text(self, value: str) -> str:
        if value == self.cap.description:
            return f"floor {self.payment_id}"
        return UUID_TEXT.sub(lambda m: str(self.id(uuid.UUID(m.group(0)))), value)

    def value(self, value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return self.id(value)
        if isinstance(value, str):
            return self.text(value)
        return value


# The floor's state in its process: the captured statements, the asyncpg pool, each bench
# client's account, and each payment's client (its raise told it).
_FLOOR: dict[str, Any] = {}


async def _send(step: str, replace: _Replace) -> None:
    cap: Captured = _FLOOR["captured"]
    await replay(_FLOOR["pool"], cap.steps[step], replace.value)


@strawberry.interface
class Problem:
    code: str
    message: str


@strawberry.type
class InvalidStateProblem(Problem):
    pass


@strawberry.type(name="Payment")
class FloorPayment:
    id: strawberry.ID


@strawberry.type
class PaymentPayload:
    payment: FloorPayment


FloorResult = Annotated[PaymentPayload | InvalidStateProblem, strawberry.union("PaymentResult")]


@strawberry.input
class RaisePaymentInput:
    client_id: strawberry.ID
    payee_id: strawberry.ID
    amount: str
    category: str
    description: str
    standing: bool
    idempotency_key: str


@strawberry.input
class ApprovePaymentInput:
    id: strawberry.ID
    idempotency_key: str


@strawberry.input
class MakePaymentInput:
    id: strawberry.ID
    idempotency_key: str


def _replacing(payment_id: uuid.UUID, client_id: uuid.UUID) -> _Replace:
    return _Replace(_FLOOR["captured"], payment_id, client_id, _FLOOR["accounts"][client_id])


def _payload(payment_id: uuid.UUID) -> PaymentPayload:
    return PaymentPayload(payment=FloorPayment(id=strawberry.ID(encode_id("Payment", payment_id))))


async def _step(step: str, payment: strawberry.ID) -> PaymentPayload:
    payment_id = decode_uuid("Payment", payment)
    await _send(step, _replacing(payment_id, _FLOOR["clients"][payment_id]))
    return _payload(payment_id)


@strawberry.type
class FloorMutation:
    @strawberry.mutation
    async def raise_payment(self, input: RaisePaymentInput) -> FloorResult:
        payment_id, client_id = uuid.uuid4(), decode_uuid("Client", input.client_id)
        _FLOOR["clients"][payment_id] = client_id
        await _send("raise", _replacing(payment_id, client_id))
        return _payload(payment_id)

    @strawberry.mutation
    async def approve_payment(self, input: ApprovePaymentInput) -> FloorResult:
        return await _step("approve", input.id)

    @strawberry.mutation
    async def make_payment(self, input: MakePaymentInput) -> FloorResult:
        return await _step("make", input.id)


@strawberry.type
class FloorQuery:
    ok: bool = True


def floor_app(database_url: str, captured_file: str) -> Starlette:
    """The bare strawberry app: the same mutations, documents and results the load generator
    uses, each sending its step's captured statements on a raw asyncpg connection."""
    import asyncpg

    _FLOOR["captured"] = pickle.loads(Path(captured_file).read_bytes())  # noqa: S301 (ours)
    schema = strawberry.Schema(
        query=FloorQuery, mutation=FloorMutation, types=[InvalidStateProblem]
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        _FLOOR["pool"] = await asyncpg.create_pool(
            database_url, min_size=2, max_size=10, statement_cache_size=1000
        )
        async with _FLOOR["pool"].acquire() as conn:
            rows = await conn.fetch(
                "SELECT client_id, id FROM ledger_account WHERE kind = 'CLIENT_CMS'"
            )
        _FLOOR["accounts"] = {r[0]: r[1] for r in rows}
        _FLOOR["clients"] = {}
        yield
        await _FLOOR["pool"].close()

    async def ready(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/graphql", GraphQL(schema)), Route("/readyz", ready)],
        lifespan=lifespan,
    )


@contextlib.contextmanager
def floor_server(database_url: str, captured: Captured) -> Iterator[tuple[str, int]]:
    """The floor in a process of its own (one uvicorn worker, as the API's)."""
    fd, captured_file = tempfile.mkstemp(prefix="ca_api_floor_", suffix=".pickle")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(captured, f)
    raw_url = database_url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        with script_server(__file__, ["--serve-floor", raw_url, captured_file], "the floor") as s:
            yield s
    finally:
        os.unlink(captured_file)


def _statement_counts(captured: Captured) -> str:
    def count(step: str) -> str:
        items = captured.steps[step]
        sql = sum(1 for i in items if isinstance(i, tuple))
        tx = sum(1 for i in items if i == BEGIN)
        return f"{step} {sql} in {tx} transaction{'s' if tx != 1 else ''}"

    return ", ".join(count(step) for step in STEPS)


def _drive(
    base_url: str,
    concurrency: int,
    payments: int,
    ids: list[str],
    payee: str,
    tokens: tuple[str, str],
    pid: int,
) -> tuple[float, float, float, float, float]:
    """``payments`` payments against ``base_url``, ``concurrency`` at a time, after ten to warm
    up: payments/s, the median and p99 seconds per payment, and the CPU seconds per payment
    of the server (process ``pid``) and of this load generator while the clock ran."""
    raiser, approver = tokens

    async def run() -> tuple[float, float, float, float, float]:
        async with client(base_url, concurrency) as c:

            async def one(i: int) -> None:
                cid = ids[(i * 7919) % len(ids)]
                await _pay(c, raiser, approver, cid, payee, f"bench {i}")

            jobs = [lambda i=i: one(i) for i in range(payments)]
            for i in range(10):  # warm-up: a few payments before the clock starts
                await one(payments + i)
            server_cpu, own_cpu = cpu_seconds(pid), time.process_time()
            result = await closed_loop(jobs, concurrency)
            server_cpu = (cpu_seconds(pid) - server_cpu) / payments
            own_cpu = (time.process_time() - own_cpu) / payments
        return result.per_second, result.median, result.percentile(99), server_cpu, own_cpu

    return asyncio.run(run())


def _ledger(srv: Server) -> dict[str, object]:
    async def check() -> dict[str, object]:
        async with client(srv.url, 1) as c:
            auditor = srv.token("auditor", "bench.audit")
            return (await gql(c, auditor, CHECK, {}))["ledgerCheck"]  # type: ignore[no-any-return]

    return asyncio.run(check())


async def _made(url: str) -> int:
    """Payments made so far (the floor's too: its statements append the same events)."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            made = await conn.execute(
                text("SELECT count(*) FROM payment_event WHERE event = 'MADE'")
            )
            return int(made.scalar_one())
    finally:
        await engine.dispose()


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve-floor":
        serve(floor_app(sys.argv[2], sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payments", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()

    with bench_database() as url, server(url) as srv:
        ids = clients(url, args.clients)
        payee_id, payee_account = asyncio.run(_prepare(url))
        tokens = (
            srv.token("assistant", "bench.raiser"),
            srv.token("senior_officer", "bench.approver"),
        )
        payee = encode_id("Counterparty", payee_id)
        captured = asyncio.run(_capture(srv, url, ids[0], payee, payee_account))
        assert srv.pid is not None
        api_rate, median, p99, api_cpu, api_gen = _drive(
            srv.url, args.concurrency, args.payments, ids, payee, tokens, srv.pid
        )
        check = _ledger(srv)
        made_by_api = asyncio.run(_made(url))
        with floor_server(url, captured) as (floor_url, floor_pid):
            floor_rate, floor_median, floor_p99, floor_cpu, floor_gen = _drive(
                floor_url, args.concurrency, args.payments, ids, payee, tokens, floor_pid
            )
        floor_check = _ledger(srv)
        made_by_floor = asyncio.run(_made(url)) - made_by_api
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
    print(
        f"statements per step (captured from the service, replayed by the floor): "
        f"{_statement_counts(captured)}"
    )
    print(f"ledger after the API run ({made_by_api} payments made): {check}")
    print(f"ledger after the floor's run ({made_by_floor} payments made): {floor_check}")
    print(
        f"API: {api_rate:.1f} payments/s, median {median * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms per payment (3 requests)"
    )
    print(
        f"floor (bare strawberry + asyncpg, the same SQL): {floor_rate:.1f} payments/s, "
        f"median {floor_median * 1000:.0f} ms, p99 {floor_p99 * 1000:.0f} ms per payment"
    )
    print(
        f"server CPU per payment: API {api_cpu * 1000:.1f} ms, floor {floor_cpu * 1000:.1f} ms "
        f"(the load generator's: {api_gen * 1000:.1f} ms and {floor_gen * 1000:.1f} ms)"
    )
    print(f"pgbench, same SQL: {sql_rate:.1f} payments/s")
    print(
        f"payments/s API {api_rate:.1f} vs floor {floor_rate:.1f}: "
        f"ratio {api_rate / floor_rate:.2f}"
    )
    print(
        f"payments/s API {api_rate:.1f} vs pgbench {sql_rate:.1f}: ratio {api_rate / sql_rate:.2f}"
    )


if __name__ == "__main__":
    main()
