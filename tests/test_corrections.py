"""Chains of corrections (R-AUD-2: a correction is a new record that supersedes the one before),
as every versioned record reads them: ``common.corrections``, pure, no database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ca_api.common.corrections import chain, chains, chains_by, current_of


@dataclass(frozen=True)
class Row:
    supersedes_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True)
class Revision:
    revises_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def test_chains_follow_each_correction_from_its_first_record_whatever_the_rows_order() -> None:
    a1 = Row()
    b1 = Row()
    a2 = Row(a1.id)
    a3 = Row(a2.id)
    b2 = Row(b1.id)
    assert chains([a3, b2, a1, a2, b1]) == [[a1, a2, a3], [b1, b2]]


def test_one_chain_and_its_current_record_the_one_nobody_supersedes() -> None:
    first = Row()
    second = Row(first.id)
    assert chain([second, first]) == [first, second]
    assert current_of([second, first]) is second
    assert current_of([first]) is first


def test_no_rows_no_chain_and_no_current_record() -> None:
    assert chains([]) == []
    assert chain([]) == []
    assert current_of([]) is None


def test_a_record_whose_first_is_missing_starts_no_chain() -> None:
    orphan = Row(uuid.uuid4())  # supersedes a record not among the rows
    assert chains([orphan]) == []


def test_chains_by_another_link_column() -> None:
    r1 = Revision()
    r2 = Revision(r1.id)
    other = Revision()
    assert chains_by([r2, other, r1], lambda r: r.revises_id) == [[other], [r1, r2]]
