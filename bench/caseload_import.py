"""The caseload import (issue 12 item 5) of a caseload the size of seed 002's Appendix 1 at
30/04/2014: 436 clients, 320 deputy (70 in the community, 219 in residential care, 31 deceased
being wound up) and 116 appointee (16 / 82 / 18), their deputyships and appointeeships, and a
CMS opening balance each summing to the seed's £4.5m (deputy £3.9m, appointee £609k; 25 deputy
accounts over £25,000), checked against the bank statement's balance.

Through the real API (``importCaseload`` as the governance manager, one request) on a fresh
database: prints the seconds of the first import, of a second import of the same files (a no-op:
every row already present), and of the same files with one bad row (refused, nothing written);
then ``ca-api import`` on the same files from the command line (a no-op too), and checks the
ledger still sums to zero.

    .venv/bin/python bench/caseload_import.py [--seed 2014]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, bench_database, client, gql, server
from seed import new_key

from ca_api.caseload_import.files import COLUMNS, ImportFile
from ca_api.money import format_money

CUT_OVER = "2014-04-30"
COUNTERPARTY = "Legacy caseload system (cut-over 30/04/2014)"
# Appendix 1: (legal role, situation, clients).
CASELOAD = [
    ("DEPUTY", "COMMUNITY", 70),
    ("DEPUTY", "RESIDENTIAL_CARE", 219),
    ("DEPUTY", "DECEASED_WINDING_UP", 31),
    ("APPOINTEE", "COMMUNITY", 16),
    ("APPOINTEE", "RESIDENTIAL_CARE", 82),
    ("APPOINTEE", "DECEASED_WINDING_UP", 18),
]
HELD = {"DEPUTY": 390_000_000, "APPOINTEE": 60_900_000}  # pence: £3.9m and £609k
OVER_25K = 25  # deputy accounts over £25,000

IMPORT = """mutation($input: ImportCaseloadInput!) { importCaseload(input: $input) {
  __typename
  ... on ImportCaseloadPayload { openingTotal files { file created alreadyPresent } }
  ... on ImportRefusedProblem { rows { file row column reason } }
  ... on Problem { code message } } }"""
CHECK = "{ ledgerCheck { sound sumOfAllBalances accountsOutOfBalance } }"


def _csv(file: ImportFile, rows: list[list[str]]) -> str:
    """The file with its columns as docs/import.md lists them: required, then optional."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS[file].all)
    w.writerows(rows)
    return out.getvalue()


def _balances(rng: random.Random, n: int, total: int, big: int) -> list[int]:
    """``n`` balances in pence summing to ``total``, ``big`` of them over £25,000."""
    small = [rng.lognormvariate(0, 0.8) for _ in range(n - big)]
    large = [rng.uniform(30_000, 60_000) * 100 for _ in range(big)]
    rest = total - int(sum(large))
    scale = rest / sum(small)
    out = [int(large_one) for large_one in large] + [int(s * scale) for s in small]
    out[-1] += total - sum(out)  # to the penny
    rng.shuffle(out)
    return out


def caseload(seed: int) -> dict[str, str]:
    """The five files of the caseload (appointee clients have an appointeeship, deputy clients a
    deputyship) and the CMS balances' total."""
    rng = random.Random(seed)  # noqa: S311 (made-up figures, not secrets)
    clients, apps, deps, accounts = [], [], [], []
    deputy_balances = _balances(rng, 320, HELD["DEPUTY"], OVER_25K)
    appointee_balances = _balances(rng, 116, HELD["APPOINTEE"], 0)
    n = 0
    for role, situation, count in CASELOAD:
        for _ in range(count):
            n += 1
            ref = f"LC{n:05d}"
            born = f"{rng.randint(1925, 1965)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            ni = f"AB{n:06d}{'ABCD'[n % 4]}"
            clients.append(
                [ref, f"Given{n}", f"Family{n}", born, situation, "ACTIVE", ni, "", "", "", ""]
            )
            start = f"{rng.randint(2005, 2013)}-{rng.randint(1, 12):02d}-01"
            if role == "DEPUTY":
                gifts = rng.random() < 0.3
                deps.append(
                    [
                        ref,
                        f"{10_000_000 + n}",
                        start,
                        rng.choice(["1", "2A", "2", "2", "3"]),
                        "Y",
                        "Y",
                        "Y",
                        rng.choice("YN"),
                        "N",
                        "Y" if gifts else "N",
                        "250.00" if gifts else "",
                        "",
                    ]
                )
                balance = deputy_balances.pop()
            else:
                apps.append([ref, start, f"DWP{n:06d}", "", ""])
                balance = appointee_balances.pop()
            accounts.append([ref, "CMS", format_money(balance)])
    total = sum(int(a[2].replace(".", "")) for a in accounts)
    return {
        "clients": _csv(ImportFile.CLIENTS, clients),
        "appointeeships": _csv(ImportFile.APPOINTEESHIPS, apps),
        "deputyships": _csv(ImportFile.DEPUTYSHIPS, deps),
        "accounts": _csv(ImportFile.ACCOUNTS, accounts),
        "total": format_money(total),
    }


def _one_bad_row(text: str, row: int) -> str:
    """The clients file with row ``row`` (header = 1) born on 31 February."""
    lines = text.splitlines()
    cells = lines[row - 1].split(",")
    cells[3] = "1950-02-31"
    lines[row - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


async def _import(base: str, token: str, files: dict[str, str]) -> tuple[float, dict[str, Any]]:
    variables = {
        "input": {
            "cutOver": CUT_OVER,
            "counterparty": COUNTERPARTY,
            "clients": files["clients"],
            "appointeeships": files["appointeeships"],
            "deputyships": files["deputyships"],
            "accounts": files["accounts"],
            "statementBalance": files["total"],
            "idempotencyKey": new_key(),
        }
    }
    async with client(base, 1) as c:
        start = time.perf_counter()
        data = await gql(c, token, IMPORT, variables)
        return time.perf_counter() - start, data["importCaseload"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=2014)
    args = parser.parse_args()
    files = caseload(args.seed)
    size = sum(len(files[k]) for k in ("clients", "appointeeships", "deputyships", "accounts"))
    print(f"caseload: 436 clients, CMS balances {files['total']} at {CUT_OVER}, {size} bytes")
    bad = dict(files, clients=_one_bad_row(files["clients"], 201))
    with bench_database() as url, server(url) as srv:
        tgm = srv.token("governance_manager", "bench.tgm")
        auditor = srv.token("auditor", "bench.audit")

        async def run() -> list[tuple[str, float, Any]]:
            out = []
            seconds, result = await _import(srv.url, tgm, bad)
            out.append(("a file with a bad row, refused", seconds, result.get("rows")))
            seconds, result = await _import(srv.url, tgm, files)
            out.append(("first import", seconds, result))
            seconds, result = await _import(srv.url, tgm, files)
            out.append(("second import of the same files", seconds, result))
            async with client(srv.url, 1) as c:
                out.append(("ledger", 0.0, (await gql(c, auditor, CHECK, {}))["ledgerCheck"]))
            return out

        results = asyncio.run(run())
        with tempfile.TemporaryDirectory() as folder:
            for name in ("clients", "appointeeships", "deputyships", "accounts"):
                Path(folder, f"{name}.csv").write_text(files[name], encoding="utf-8")
            start = time.perf_counter()
            done = subprocess.run(  # noqa: S603 (our own command)
                [
                    sys.executable,
                    "-m",
                    "ca_api.cli",
                    "import",
                    "--cut-over",
                    CUT_OVER,
                    "--counterparty",
                    COUNTERPARTY,
                    "--statement-balance",
                    files["total"],
                    "--operator",
                    "bench.tgm",
                    folder,
                ],
                env={**os.environ, "DATABASE_URL": url, "CA_API_LOG_LEVEL": "WARNING"},
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            cli_seconds = time.perf_counter() - start
    for what, seconds, result in results:
        print(f"{what}: {seconds:.2f} s  {result}")
    print(
        f"ca-api import of the same files (exit {done.returncode}, process start included): "
        f"{cli_seconds:.2f} s\n{done.stdout}{done.stderr}"
    )


if __name__ == "__main__":
    main()
