"""What every benchmark shares: a fresh database migrated to head, a real server process
(uvicorn, one worker) on a free loopback port, tokens signed by a bench key, and a bounded
closed-loop load generator.

Benchmarks talk only to 127.0.0.1. They stop by themselves (bounded request counts).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ca_api.auth.tokens import SigningKey, load_or_create_dev_key, mint_token
from ca_api.config import Settings
from ca_api.db import async_url
from ca_api.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
# Where a transaction began and ended among statements captured from the service (a floor
# replays them).
BEGIN, COMMIT, ROLLBACK = "BEGIN", "COMMIT", "ROLLBACK"
ADMIN_URL = os.environ.get(
    "CA_API_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


async def _admin(sql: str) -> None:
    engine = create_async_engine(async_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def holds_clients(url: str, reference_prefix: str) -> bool:
    """Whether the database at ``url`` already holds a bench's clients (references starting
    ``reference_prefix``): a kept database loaded by an earlier run."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            sql = "SELECT count(*) FROM client WHERE reference LIKE :p"
            found = (await conn.execute(text(sql), {"p": f"{reference_prefix}%"})).scalar_one()
            return bool(found)
    finally:
        await engine.dispose()


def wait_ready(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait (up to 60 s) until ``url``/readyz answers 200; raise with the process's stderr
    tail if it stops first or never answers."""
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        if proc.poll() is not None or time.monotonic() > deadline:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"{what} did not start: {err[-2000:]}")
        time.sleep(0.2)


@contextlib.contextmanager
def bench_database() -> Iterator[str]:
    """A database of its own, migrated; dropped afterwards."""
    name = f"ca_api_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    settings: Settings
    key: SigningKey
    pid: int | None = None  # the server's process

    def token(self, role: str, sub: str) -> str:
        return mint_token(
            self.key, settings=self.settings, subject=sub, roles=[role], expires_in=3600
        )


@contextlib.contextmanager
def server(database_url: str) -> Iterator[Server]:
    """``ca-api serve --no-demo`` in a subprocess against ``database_url``."""
    data_dir = Path(tempfile.mkdtemp(prefix="ca_api_bench_"))
    settings = Settings(environment="development", data_dir=data_dir, log_level="WARNING")
    key = load_or_create_dev_key(settings.dev_key_file)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CA_API_DATA_DIR": str(data_dir),
        "CA_API_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "ca_api.cli", "serve", "--no-demo", "--port"]
    with _serving(command, "server", env=env, cwd=ROOT) as (url, pid):
        yield Server(url=url, settings=settings, key=key, pid=pid)


@contextlib.contextmanager
def script_server(script: str, args: list[str], what: str) -> Iterator[tuple[str, int]]:
    """A server of a benchmark's own (a floor: a bare app, one uvicorn worker) in a process of
    its own: ``python script *args PORT``, PORT a free loopback port; yields its URL and pid
    once its /readyz answers, and stops it afterwards."""
    with _serving([sys.executable, script, *args], what) as served:
        yield served


@contextlib.contextmanager
def _serving(
    command: list[str], what: str, *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[tuple[str, int]]:
    """``command PORT`` in a process of its own, PORT a free loopback port: its URL and pid once
    its /readyz answers (``wait_ready``); stopped afterwards. The one way every bench starts a
    server (the API's, a floor's)."""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 (our own command)
        [*command, str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc, what)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def replay(pool: Any, sent: Sequence[Any], value: Callable[[Any], Any] = lambda v: v) -> None:
    """Statements captured from the service (``(sql, params)``, and the ``BEGIN``, ``COMMIT``
    and ``ROLLBACK`` where its transactions began and ended) run again on one connection of a
    raw asyncpg pool, each parameter through ``value``: a floor's whole work."""
    conn: Any
    async with pool.acquire() as conn:
        tx = None
        for item in sent:
            if item == BEGIN:
                tx = conn.transaction()
                await tx.start()
            elif item in (COMMIT, ROLLBACK):
                assert tx is not None
                await (tx.commit() if item == COMMIT else tx.rollback())
                tx = None
            else:
                sql, params = item
                await conn.fetch(sql, *(value(v) for v in params))


def serve(app: Any, port: int) -> None:
    """Serve ``app`` as ``ca-api serve`` serves the API: uvicorn, one worker, no access log."""
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


@contextlib.asynccontextmanager
async def client(base_url: str, connections: int) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as c:
        yield c


async def gql(
    c: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    resp = await c.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    resp.raise_for_status()
    body: dict[str, Any] = resp.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]  # type: ignore[no-any-return]


@dataclass
class LoadResult:
    done: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0


async def closed_loop(jobs: list[Callable[[], Awaitable[None]]], concurrency: int) -> LoadResult:
    """Run every job once, ``concurrency`` at a time; each worker takes the next job."""
    queue: asyncio.Queue[Callable[[], Awaitable[None]]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []

    async def worker() -> None:
        while True:
            try:
                job = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            t0 = time.perf_counter()
            await job()
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(done=len(jobs), seconds=time.perf_counter() - start, latencies=latencies)


def pgbench(
    database_url: str, script: Path, *, clients: int, seconds: int, defines: dict[str, str]
) -> float:
    """Transactions per second of ``pgbench -M prepared -f script`` at ``clients``."""
    u = make_url(database_url)
    args = [
        "pgbench",
        "-n",
        "-M",
        "prepared",
        "-f",
        str(script),
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(seconds),
        "-h",
        u.host or "127.0.0.1",
        "-p",
        str(u.port or 5432),
        "-U",
        u.username or "postgres",
    ]
    for k, v in defines.items():
        args += ["-D", f"{k}={v}"]
    args.append(u.database or "postgres")
    out = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed: {out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    for line in out.stdout.splitlines():
        if line.startswith("tps = "):
            return float(line.split()[2])
    raise RuntimeError(f"pgbench printed no tps: {out.stdout}\n{out.stderr}")
