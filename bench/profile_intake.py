"""Where one 1,000-line ``recordControccInvoiceBatch`` spends its time, in-process (the real app
through httpx's ASGI transport): a first batch (every line CREATED) and the same lines again
(every line ALREADY_HAD), each under cProfile, with the SQL statements' count and time.

    .venv/bin/python bench/profile_intake.py [--lines 1000] [--top 30]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_database
from integration_intake import BATCH, _setup, lines_of
from seed import clients, new_key

from ca_api.app import create_app
from ca_api.auth.tokens import TokenVerifier, load_or_create_dev_key, mint_token
from ca_api.common.ids import decode_uuid
from ca_api.config import Settings
from ca_api.db import Database


class GcTimer:
    """Time spent in the garbage collector (cProfile charges it to whatever allocated)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.collections += 1


class SqlTimer:
    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.by_statement: dict[str, list[float]] = {}
        self._start: list[float] = []

    def attach(self, database: Database) -> None:
        engine = database.engine.sync_engine

        @event.listens_for(engine, "before_cursor_execute")
        def before(*_: Any) -> None:
            self._start.append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def after(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            took = time.perf_counter() - self._start.pop()
            self.count += 1
            self.seconds += took
            self.by_statement.setdefault(" ".join(statement.split())[:110], []).append(took)

    def reset(self) -> None:
        self.count, self.seconds, self.by_statement = 0, 0.0, {}

    def report(self) -> None:
        print(f"SQL: {self.count} statements, {self.seconds * 1000:.0f} ms")
        worst = sorted(self.by_statement.items(), key=lambda kv: -sum(kv[1]))[:12]
        for stmt, times in worst:
            print(f"  {sum(times) * 1000:7.1f} ms x{len(times):<4} {stmt}")


async def run(url: str, n: int, top: int) -> None:
    settings = Settings(environment="test", data_dir=Path(".ca_api"))
    key = load_or_create_dev_key(settings.dev_key_file)
    token = mint_token(key, settings=settings, subject="controcc", roles=["integration_controcc"])
    database = Database(url, pool_size=2)
    timer = SqlTimer()
    gc_timer = GcTimer()
    timer.attach(database)
    app = create_app(
        settings, url, verifier=TokenVerifier(key.public_keyset(), settings), database=database
    )
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as c:

        async def send(lines: list[dict[str, Any]], label: str, profile: bool) -> None:
            body = {
                "query": BATCH,
                "variables": {
                    "input": {
                        "batchReference": label,
                        "lines": lines,
                        "idempotencyKey": new_key(),
                    }
                },
            }
            timer.reset()
            gc_timer.seconds, gc_timer.collections = 0.0, 0
            prof = cProfile.Profile() if profile else None
            started = time.perf_counter()
            if prof:
                prof.enable()
            resp = await c.post("/graphql", json=body, headers=headers)
            if prof:
                prof.disable()
            took = time.perf_counter() - started
            out = resp.json()
            assert "errors" not in out, out
            b = out["data"]["recordControccInvoiceBatch"]["batch"]
            print(f"\n=== {label}: {took * 1000:.0f} ms {'(profiled)' if prof else ''} {b}")
            timer.report()
            print(f"GC: {gc_timer.collections} collections, {gc_timer.seconds * 1000:.0f} ms")
            if prof:
                prof.dump_stats(Path(tempfile.gettempdir()) / f"intake_{label}.prof")
                pstats.Stats(prof).sort_stats("cumulative").print_stats(top)
                pstats.Stats(prof).sort_stats("tottime").print_stats(top)

        await send(lines_of(n, 4000, 200, "WARM"), "warm-up", False)
        lines = lines_of(n, 4000, 200, "RUN")
        await send(lines, "first (unprofiled)", False)
        await send(lines, "resend (unprofiled)", False)
        lines2 = lines_of(n, 4000, 200, "RUN2")
        await send(lines2, "first", True)
        await send(lines2, "resend", True)
    await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    with bench_database() as url:
        ids = [decode_uuid("Client", c) for c in clients(url, 4000)]
        asyncio.run(_setup(url, ids, 200))
        asyncio.run(run(url, args.lines, args.top))


if __name__ == "__main__":
    main()
