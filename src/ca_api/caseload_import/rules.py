"""The caseload import's own rules across rows and files (issue 12 item 5): no row repeating an
earlier one, every row's client in the clients file or on the books, one order of a kind in force
at a time (R-ORD), and the CMS opening balances against the bank's (R-ACC-1, R-ACC-7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from ca_api.caseload_import.file_records import ClientRow, OfClient
from ca_api.caseload_import.files import ImportFile, RowProblem
from ca_api.clients import rules as client_rules
from ca_api.money import Pence, format_money

K = TypeVar("K")


def duplicates(
    file: ImportFile, column: str, rows: Iterable[tuple[int, K]], what: str
) -> list[RowProblem]:
    """A second row with the same key as an earlier one: a problem naming the first."""
    seen: dict[K, int] = {}
    out: list[RowProblem] = []
    for number, key in rows:
        if key in seen:
            out.append(RowProblem(file.value, number, column, f"{what} repeats row {seen[key]}"))
        else:
            seen[key] = number
    return out


def client_duplicates(clients: Sequence[ClientRow]) -> list[RowProblem]:
    """Within the file: one NI number, one person (name and date of birth) per row (issue 9
    item 7's likely duplicates). One reference per row is checked on every row read."""
    f = ImportFile.CLIENTS
    out = duplicates(
        f,
        "ni_number",
        ((c.row, c.details.ni_number) for c in clients if c.details.ni_number),
        "the NI number",
    )
    out += duplicates(
        f,
        "given_name",
        (
            (
                c.row,
                (
                    client_rules.name_key(c.details.given_name, c.details.family_name),
                    c.details.date_of_birth,
                ),
            )
            for c in clients
        ),
        "the same name and date of birth",
    )
    return out


def unknown_clients(
    file: ImportFile, rows: Iterable[OfClient], known: set[str]
) -> list[RowProblem]:
    """A row naming a client neither in the clients file nor on the books."""
    return [
        RowProblem(
            file.value,
            r.row,
            "client_reference",
            f"{r.client_reference!r} is neither in the clients file nor a client already on "
            "the books",
        )
        for r in rows
        if r.client_reference not in known
    ]


@dataclass(frozen=True)
class Period:
    """An order's days in force (both ends inclusive; no end: open)."""

    row: int  # 0: already on the books
    start: date
    end: date | None


def overlaps(a: Period, b: Period) -> bool:
    a_end, b_end = a.end or date.max, b.end or date.max
    return a.start <= b_end and b.start <= a_end


def overlapping_orders(
    file: ImportFile, kind: str, by_client: Mapping[str, Sequence[Period]]
) -> list[RowProblem]:
    """One order of a kind in force for a client at a time (issue 9 item 5, R-ORD): a row whose
    period shares a day with an earlier row's, or with an order on the books."""
    out: list[RowProblem] = []
    for periods in by_client.values():
        for i, p in enumerate(periods):
            if p.row == 0:
                continue
            clash = next((q for q in periods[:i] if overlaps(p, q)), None)
            if clash is None:
                clash = next((q for q in periods[i + 1 :] if q.row == 0 and overlaps(p, q)), None)
            if clash is not None:
                other = f"row {clash.row}" if clash.row else f"the {kind} already on the books"
                start = "start_date" if file is ImportFile.APPOINTEESHIPS else "order_date"
                out.append(
                    RowProblem(
                        file.value,
                        p.row,
                        start,
                        f"shares days with {other}: one {kind} in force at a time",
                    )
                )
    return out


def balance_problem(opening_cms: Pence, statement: Pence, source: str) -> str | None:
    """The pooled Client Monies Service account (R-ACC-1): every client's CMS opening balance
    together is the bank's balance at the cut-over (R-ACC-7), else the import is refused."""
    if opening_cms == statement:
        return None
    return (
        f"the CMS opening balances add up to {format_money(opening_cms)}; the bank's balance "
        f"at the cut-over is {format_money(statement)} ({source}): a difference of "
        f"{format_money(opening_cms - statement)}; nothing was imported"
    )
