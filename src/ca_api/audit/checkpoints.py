"""Signed checkpoints of the audit chains' heads, kept outside the database (issue 9 item 13).

The hash chains (migration 0001) show a row changed or removed by someone who got past the
database's refusals, but not a superuser who deletes a chain's last rows and sets its head back,
or who edits a row and recomputes every hash after it: the chain is unkeyed and lives only in the
database. A checkpoint anchors it outside: every chain's id, entry count and head hash at a time,
signed with an Ed25519 key the database never holds, written as one file to an append-only
directory. Each names the previous checkpoint's digest, so the checkpoints form a chain of their
own. ``verify_trail`` checks that chain; ``service.verify_chain`` checks the database against the
latest checkpoint (each chain still has at least that many entries, and the entry at the
checkpointed sequence still has the checkpointed hash, which fixes every entry before it).

A file, ``checkpoint-0000000001.json``, is canonical JSON (sorted keys, no spaces):

    {"chains": [{"hash": "<hex>", "seq": 4, "stream": "client:<uuid>"}, ...],   # by stream
     "format": "ca-api/audit-checkpoint/1", "key_id": "<hex>", "previous": "<hex>" | null,
     "sequence": 1, "signature": "<base64>", "taken_at": "2026-05-01T02:00:00.000000+00:00"}

The signature is Ed25519 over ``SIGNING_CONTEXT`` and the canonical JSON of everything but the
signature; the digest (what the next checkpoint names as ``previous``) is the SHA-256 of that
same canonical JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ca_api.audit.keys import Signer, VerifyKeys, key_id
from ca_api.audit.repository import ChainAtCheckpoint, ChainBreak

FORMAT = "ca-api/audit-checkpoint/1"
SIGNING_CONTEXT = b"ca-api audit checkpoint v1\n"
_FILE_RE = re.compile(r"^checkpoint-(\d{10})\.json$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = frozenset({"chains", "format", "key_id", "previous", "sequence", "signature", "taken_at"})


def file_name(sequence: int) -> str:
    return f"checkpoint-{sequence:010d}.json"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


@dataclass(frozen=True)
class ChainHead:
    """One chain at a checkpoint: its id, its number of entries (= its last sequence, R-AUD-2
    chains have no gaps) and its last entry's hash."""

    stream: str
    seq: int
    hash: bytes


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    taken_at: datetime
    previous: str | None
    key_id: str
    chains: tuple[ChainHead, ...]
    signature: bytes
    digest: str

    @property
    def entries(self) -> int:
        return sum(c.seq for c in self.chains)

    def heads(self) -> dict[str, ChainHead]:
        return {c.stream: c for c in self.chains}

    def to_bytes(self) -> bytes:
        doc = _body(self.sequence, self.taken_at, self.previous, self.key_id, self.chains)
        doc["signature"] = base64.b64encode(self.signature).decode()
        return canonical(doc) + b"\n"


def _body(
    sequence: int,
    taken_at: datetime,
    previous: str | None,
    kid: str,
    chains: Sequence[ChainHead],
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "sequence": sequence,
        "taken_at": taken_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "previous": previous,
        "key_id": kid,
        "chains": [{"stream": c.stream, "seq": c.seq, "hash": c.hash.hex()} for c in chains],
    }


def make_checkpoint(
    *,
    sequence: int,
    previous: Checkpoint | None,
    heads: Iterable[ChainHead],
    taken_at: datetime,
    signer: Signer,
) -> Checkpoint:
    chains = tuple(sorted(heads, key=lambda c: c.stream))
    kid = key_id(signer.public_key)
    prev = previous.digest if previous is not None else None
    body = canonical(_body(sequence, taken_at, prev, kid, chains))
    return Checkpoint(
        sequence=sequence,
        taken_at=taken_at,
        previous=prev,
        key_id=kid,
        chains=chains,
        signature=signer.sign(SIGNING_CONTEXT + body),
        digest=hashlib.sha256(body).hexdigest(),
    )


class MalformedCheckpoint(ValueError):
    pass


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise MalformedCheckpoint(what)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse(data: bytes) -> tuple[Checkpoint, bytes]:
    """A checkpoint file's content and the exact bytes its signature covers."""
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedCheckpoint(f"not JSON ({exc})") from exc
    _need(isinstance(doc, dict), "not a JSON object")
    _need(doc.get("format") == FORMAT, f"format is not {FORMAT}")
    _need(set(doc) == _FIELDS, f"fields are not {', '.join(sorted(_FIELDS))}")
    sig = doc.pop("signature")
    _need(isinstance(sig, str), "signature is not a string")
    try:
        signature = base64.b64decode(sig, validate=True)
    except binascii.Error as exc:
        raise MalformedCheckpoint("signature is not base64") from exc
    _need(_is_int(doc["sequence"]) and doc["sequence"] >= 1, "bad sequence")
    _need(isinstance(doc["taken_at"], str), "bad taken_at")
    try:
        taken_at = datetime.fromisoformat(doc["taken_at"])
    except ValueError as exc:
        raise MalformedCheckpoint("bad taken_at") from exc
    _need(taken_at.tzinfo is not None, "taken_at has no time zone")
    prev = doc["previous"]
    _need(prev is None or (isinstance(prev, str) and bool(_HEX64.match(prev))), "bad previous")
    _need(isinstance(doc["key_id"], str), "bad key_id")
    _need(isinstance(doc["chains"], list), "chains is not a list")
    chains: list[ChainHead] = []
    for c in doc["chains"]:
        _need(isinstance(c, dict) and set(c) == {"stream", "seq", "hash"}, "bad chain")
        _need(isinstance(c["stream"], str) and _is_int(c["seq"]) and c["seq"] >= 1, "bad chain")
        _need(isinstance(c["hash"], str) and bool(_HEX64.match(c["hash"])), "bad chain hash")
        chains.append(ChainHead(c["stream"], c["seq"], bytes.fromhex(c["hash"])))
    _need(len({c.stream for c in chains}) == len(chains), "a chain is listed twice")
    body = canonical(doc)
    checkpoint = Checkpoint(
        sequence=doc["sequence"],
        taken_at=taken_at,
        previous=prev,
        key_id=doc["key_id"],
        chains=tuple(chains),
        signature=signature,
        digest=hashlib.sha256(body).hexdigest(),
    )
    return checkpoint, body


@dataclass(frozen=True)
class CheckpointProblem:
    file: str
    problem: str


@dataclass
class CheckpointTrail:
    """What reading the checkpoint files found: how many, the latest whose signature verifies
    (the one the database is checked against), the highest number used, and what is wrong."""

    checked: int = 0
    latest: Checkpoint | None = None
    last_number: int = 0
    problems: list[CheckpointProblem] = field(default_factory=list)


def _went_back(before: Checkpoint, after: Checkpoint) -> Iterator[str]:
    """A checkpoint may only add to the one before: no chain removed, shortened or changed."""
    now = after.heads()
    for was in before.chains:
        head = now.get(was.stream)
        if head is None:
            yield f"chain {was.stream} of checkpoint {before.sequence} is missing"
        elif head.seq < was.seq:
            yield (
                f"chain {was.stream} went back from {was.seq} entries (checkpoint "
                f"{before.sequence}) to {head.seq}"
            )
        elif head.seq == was.seq and head.hash != was.hash:
            yield f"chain {was.stream} changed since checkpoint {before.sequence}"


def verify_trail(files: Iterable[tuple[str, int, bytes]], keys: VerifyKeys) -> CheckpointTrail:
    """Check checkpoint files in number order: numbered 1, 2, ... without gaps; each signed by
    one of ``keys``; each naming the digest of the one before; none going back on the last."""
    trail = CheckpointTrail()
    for name, number, data in files:
        trail.checked += 1

        def problem(text: str, name: str = name) -> None:
            trail.problems.append(CheckpointProblem(name, text))

        if number != trail.last_number + 1:
            missing = f"{trail.last_number + 1}" + (
                f" to {number - 1}" if number - 1 > trail.last_number + 1 else ""
            )
            problem(f"checkpoint {missing} missing before it")
        # The link is checked where the file before is at hand and sound (else it is reported).
        latest = trail.latest
        before = latest if latest is not None and latest.sequence == number - 1 else None
        trail.last_number = number
        try:
            checkpoint, body = parse(data)
        except MalformedCheckpoint as exc:
            problem(f"unreadable: {exc}")
            continue
        verified = keys.verify(checkpoint.key_id, checkpoint.signature, SIGNING_CONTEXT + body)
        if verified is None:
            problem(f"signed by key {checkpoint.key_id}, which is not a configured verify key")
            continue
        if not verified:
            problem("signature does not verify: the file was changed after it was signed")
            continue
        if checkpoint.sequence != number:
            problem(f"signed as checkpoint {checkpoint.sequence}: the file was renamed")
            continue
        if number == 1 and checkpoint.previous is not None:
            problem("names a previous checkpoint, but is the first")
        elif before is not None and checkpoint.previous != before.digest:
            problem(f"does not name checkpoint {before.sequence}'s digest as its previous")
        if trail.latest is not None:
            for text in _went_back(trail.latest, checkpoint):
                problem(text)
        trail.latest = checkpoint
    return trail


class CheckpointStore:
    """An append-only directory of checkpoint files: files are created, never rewritten."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def numbered_files(self) -> list[tuple[str, int]]:
        found = []
        with os.scandir(self.path) as entries:
            for entry in entries:
                m = _FILE_RE.match(entry.name)
                if m and entry.is_file():
                    found.append((entry.name, int(m.group(1))))
        return sorted(found, key=lambda f: f[1])

    def read_trail(self, keys: VerifyKeys) -> CheckpointTrail:
        """Every checkpoint file checked, one file in memory at a time."""

        def files() -> Iterator[tuple[str, int, bytes]]:
            for name, number in self.numbered_files():
                yield name, number, (self.path / name).read_bytes()

        return verify_trail(files(), keys)

    def write(self, checkpoint: Checkpoint) -> Path:
        """Create the checkpoint's file; never replaces one (``FileExistsError`` if another
        process wrote that number first). Written and synced in place, without a rename, so a
        directory where files can be created but not renamed or removed (``chattr +a``) works."""
        path = self.path / file_name(checkpoint.sequence)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            data = memoryview(checkpoint.to_bytes())
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        dir_fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return path


def breaks_against(checkpoint: Checkpoint, now: Iterable[ChainAtCheckpoint]) -> list[ChainBreak]:
    """The database against a checkpoint: every chain it names still has at least as many
    entries, and its entry at the checkpointed sequence still has the checkpointed hash. A
    chain's hash covers every entry before it, so a rewound head, a removed chain, or any entry
    edited and the chain recomputed after it, shows here (R-AUD-2)."""
    heads = checkpoint.heads()
    k = checkpoint.sequence
    found: list[ChainBreak] = []
    for chain in now:
        head = heads[chain.stream]
        if chain.last_seq is None:
            problem = f"chain removed: checkpoint {k} has {head.seq} entries"
        elif chain.last_seq < head.seq:
            problem = f"chain rewound: {chain.last_seq} entries, checkpoint {k} has {head.seq}"
        elif chain.hash_at_seq != head.hash:
            problem = f"chain rewritten: entry differs from checkpoint {k}"
        else:
            continue
        found.append(ChainBreak(chain.stream, head.seq, None, problem))
    return found
