"""Records kept as chains of corrections (R-AUD-2: nothing is edited in place; a correction is
a new record that supersedes the one before). A chain is its first record (superseding none),
then each record superseding the one before; its current record is its last. Pure functions
over any row with an ``id`` and a ``supersedes_id`` (a will, a debt, a property, a tax return
filing, an estate's claimant, a valuable)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar


class Identified(Protocol):
    @property
    def id(self) -> object: ...


class Corrected(Identified, Protocol):
    @property
    def supersedes_id(self) -> object: ...


C = TypeVar("C", bound=Corrected)
T = TypeVar("T", bound=Identified)


def chains(rows: Iterable[C]) -> list[list[C]]:
    """The rows' chains of corrections, each oldest first, in the order the chains began."""
    return chains_by(rows, _supersedes)


def chains_by(rows: Iterable[T], link: Callable[[T], object]) -> list[list[T]]:
    """``chains`` where the column naming the record a row corrects is not ``supersedes_id``
    (an existing investment's ``revises_id``): ``link`` reads it."""
    rows = list(rows)
    by_link = {link(r): r for r in rows if link(r) is not None}
    out: list[list[T]] = []
    for first in (r for r in rows if link(r) is None):
        chain, at = [first], by_link.get(first.id)
        while at is not None:
            chain.append(at)
            at = by_link.get(at.id)
        out.append(chain)
    return out


def _supersedes(row: Corrected) -> object:
    return row.supersedes_id


def chain(rows: Iterable[C]) -> list[C]:
    """The one chain of rows that hold one (a client's claimants, a year's tax return filings:
    the database keeps one first record and each record superseded once); [] for no rows."""
    found = chains(rows)
    return found[0] if found else []


def current_of(rows: Iterable[C]) -> C | None:
    """The current row of a chain of corrections: its last, the one nobody supersedes."""
    ordered = chain(rows)
    return ordered[-1] if ordered else None
