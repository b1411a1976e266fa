"""Every SQL statement of the audit trail."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit.models import AuditEntry
from ca_api.common.keyset import Seek, keyset

# stream_seq, prev_hash and hash are placeholders: the audit_chain trigger sets them.
_CHAINED = {"stream_seq": 0, "prev_hash": b"", "hash": b""}


# Built once: every audited change appends through it, its values sent as parameters (a
# statement built per call cost more Python than the round trip it makes).
_APPEND = insert(AuditEntry).returning(AuditEntry.id)


async def append(session: AsyncSession, row: dict[str, Any]) -> int:
    """One audit row: ``row`` has the columns the caller gives (stream, principal,
    principal_roles, entity_type, entity_id, action, before, after, reason, request_id,
    client_id); its id."""
    return int((await session.execute(_APPEND, row | _CHAINED)).scalar_one())


async def append_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Many audit rows in one batch (a benefits run): one statement, the rows sent together.
    Each dict is a row as ``append`` takes it; the audit_chain trigger chains them in the order
    given (rows of one stream later in the list see the head moved by the earlier ones)."""
    if not rows:
        return
    await session.execute(insert(AuditEntry), [r | _CHAINED for r in rows])


@dataclass(frozen=True)
class AuditFilter:
    client_id: uuid.UUID | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    principal: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


async def list_entries(
    session: AsyncSession, flt: AuditFilter, *, seek: Seek[int]
) -> Sequence[AuditEntry]:
    """A page of the entries the filter keeps, in id order."""
    a = AuditEntry
    stmt = select(a)
    given = (
        (a.client_id, operator.eq, flt.client_id),
        (a.entity_type, operator.eq, flt.entity_type),
        (a.entity_id, operator.eq, flt.entity_id),
        (a.principal, operator.eq, flt.principal),
        (a.occurred_at, operator.ge, flt.occurred_from),
        (a.occurred_at, operator.lt, flt.occurred_to),  # exclusive
    )
    for column, compare, value in given:
        if value is not None:
            stmt = stmt.where(compare(column, value))
    return (await session.execute(keyset(stmt, seek, a.id))).scalars().all()


async def entries_by_id(session: AsyncSession, ids: Sequence[int]) -> Sequence[AuditEntry]:
    """The entries with these ids (node(id:) refetching them); any not there are left out."""
    stmt = select(AuditEntry).where(AuditEntry.id.in_(list(ids)))
    return (await session.execute(stmt)).scalars().all()


@dataclass(frozen=True)
class ChainBreak:
    stream: str
    stream_seq: int | None
    entry_id: int | None
    problem: str


_VERIFY_ROWS = text(
    """
    SELECT id, stream, stream_seq,
           hash = audit_row_hash(prev_hash, a) AS content_ok,
           prev_hash = coalesce(lag(hash) OVER w, decode(repeat('00', 32), 'hex')) AS link_ok,
           stream_seq = row_number() OVER w AS seq_ok
      FROM audit_log a
    WINDOW w AS (PARTITION BY stream ORDER BY stream_seq)
     ORDER BY stream, stream_seq
    """
)

_VERIFY_HEADS = text(
    """
    SELECT h.stream, h.seq, last.stream_seq AS last_seq,
           h.hash = last.hash AS hash_ok
      FROM audit_stream_head h
      LEFT JOIN LATERAL (
        SELECT stream_seq, hash FROM audit_log a
         WHERE a.stream = h.stream ORDER BY stream_seq DESC LIMIT 1
      ) last ON true
     ORDER BY h.stream
    """
)

# A chain whose head row is gone could lose its tail unseen: every chain must have a head.
_VERIFY_HEADLESS = text(
    """
    SELECT DISTINCT stream FROM audit_log a
     WHERE NOT EXISTS (SELECT 1 FROM audit_stream_head h WHERE h.stream = a.stream)
     ORDER BY stream
    """
)


async def verify(session: AsyncSession) -> tuple[int, list[ChainBreak]]:
    """Recompute every row's hash and link; compare each chain's end with its head."""
    breaks: list[ChainBreak] = []
    checked = 0
    rows = await session.execute(_VERIFY_ROWS)
    for row in rows:
        checked += 1
        if not row.content_ok:
            breaks.append(ChainBreak(row.stream, row.stream_seq, row.id, "content changed"))
        if not row.link_ok:
            breaks.append(ChainBreak(row.stream, row.stream_seq, row.id, "link to previous broken"))
        if not row.seq_ok:
            breaks.append(ChainBreak(row.stream, row.stream_seq, row.id, "entries missing before"))
    heads = await session.execute(_VERIFY_HEADS)
    for head in heads:
        if head.last_seq != head.seq or not head.hash_ok:
            breaks.append(
                ChainBreak(head.stream, head.seq, None, "chain end does not match its head")
            )
    for headless in await session.execute(_VERIFY_HEADLESS):
        breaks.append(ChainBreak(headless.stream, None, None, "chain has no head"))
    return checked, breaks


@dataclass(frozen=True)
class StoredHead:
    stream: str
    seq: int
    hash: bytes


async def chain_heads(session: AsyncSession) -> list[StoredHead]:
    """Every chain's head (its last sequence and hash), as a checkpoint records them."""
    rows = await session.execute(
        text("SELECT stream, seq, hash FROM audit_stream_head WHERE seq > 0 ORDER BY stream")
    )
    return [StoredHead(r.stream, r.seq, bytes(r.hash)) for r in rows]


@dataclass(frozen=True)
class ChainAtCheckpoint:
    """A checkpointed chain as the database has it now: its last sequence (None: no entries)
    and the hash of its entry at the checkpointed sequence (None: no such entry)."""

    stream: str
    checkpointed_seq: int
    last_seq: int | None
    hash_at_seq: bytes | None


_CHAINS_AT = text(
    """
    SELECT c.stream, c.seq,
           (SELECT max(stream_seq) FROM audit_log l WHERE l.stream = c.stream) AS last_seq,
           a.hash AS hash_at_seq
      FROM unnest(CAST(:streams AS text[]), CAST(:seqs AS bigint[])) AS c(stream, seq)
      LEFT JOIN audit_log a ON a.stream = c.stream AND a.stream_seq = c.seq
     ORDER BY c.stream
    """
)


async def chains_at(
    session: AsyncSession, chains: Sequence[tuple[str, int]]
) -> list[ChainAtCheckpoint]:
    """For each (stream, sequence) of a checkpoint, what the audit log holds there now."""
    if not chains:
        return []
    rows = await session.execute(
        _CHAINS_AT, {"streams": [c[0] for c in chains], "seqs": [c[1] for c in chains]}
    )
    return [
        ChainAtCheckpoint(
            r.stream,
            r.seq,
            r.last_seq,
            bytes(r.hash_at_seq) if r.hash_at_seq is not None else None,
        )
        for r in rows
    ]
