"""Use cases of the audit trail: record a change (inside the caller's transaction), read, verify."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import repository
from ca_api.audit.checkpoints import (
    ChainHead,
    Checkpoint,
    CheckpointProblem,
    CheckpointStore,
    CheckpointTrail,
    breaks_against,
    make_checkpoint,
)
from ca_api.audit.keys import Signer, verify_keys
from ca_api.audit.models import AuditEntry
from ca_api.auth.actor import Actor
from ca_api.auth.tokens import ConfigurationError
from ca_api.common.keyset import Seek
from ca_api.config import Settings

SYSTEM_STREAM = "system"


_PLAIN = (str, int, float, bool, type(None))


def jsonable(value: Any) -> Any:
    """A value as JSON the audit trail stores: dates ISO, UUIDs and enums as strings."""
    if type(value) in _PLAIN:  # most values of a row: no further test (a str enum is not one)
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


@dataclass(frozen=True)
class Change:
    """One audited change of a batch (the arguments of ``record`` after the actor)."""

    entity_type: str
    entity_id: uuid.UUID | str
    action: str
    before: Any = None
    after: Any = None
    reason: str | None = None
    client_id: uuid.UUID | None = None


def _row(actor: Actor, c: Change) -> dict[str, Any]:
    """The audit row of a change by ``actor``: on the client's chain, or the system's."""
    return {
        "stream": f"client:{c.client_id}" if c.client_id else SYSTEM_STREAM,
        "principal": actor.principal.subject,
        "principal_roles": actor.principal.role_label,
        "entity_type": c.entity_type,
        "entity_id": str(c.entity_id),
        "action": c.action,
        "before": jsonable(c.before) if c.before is not None else None,
        "after": jsonable(c.after) if c.after is not None else None,
        "reason": c.reason,
        "request_id": actor.request_id,
        "client_id": c.client_id,
    }


async def record(
    session: AsyncSession,
    actor: Actor,
    entity_type: str,
    entity_id: uuid.UUID | str,
    action: str,
    *,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    client_id: uuid.UUID | None = None,
) -> int:
    """Append one audit row in the caller's transaction (R-AUD-1: who, what, when, why)."""
    change = Change(entity_type, entity_id, action, before, after, reason, client_id)
    return await repository.append(session, _row(actor, change))


# What a new record's audit row leaves out of its values: said elsewhere in the row (its id,
# the client's stream, who acted).
_SAID_ELSEWHERE = ("id", "client_id", "recorded_by")


def written(values: Mapping[str, Any]) -> dict[str, Any]:
    """A new record's values as its audit row's ``after``: all but its id, client and recorder."""
    return {k: jsonable(v) for k, v in values.items() if k not in _SAID_ELSEWHERE}


async def record_version(
    session: AsyncSession,
    actor: Actor,
    entity_type: str,
    entity_id: uuid.UUID | str,
    *,
    superseded: Mapping[str, Any] | None,
    after: Any,
    reason: str | None,
    client_id: uuid.UUID | None,
) -> int:
    """Append the audit row of a record kept as versions (R-AUD-2: a correction is a new record
    that points at the one it supersedes): "record" for a first one; "correct" for a new
    version, with what it superseded as ``before``."""
    return await record(
        session,
        actor,
        entity_type,
        entity_id,
        "record" if superseded is None else "correct",
        before=None if superseded is None else jsonable(superseded),
        after=after,
        reason=reason,
        client_id=client_id,
    )


async def record_many(session: AsyncSession, actor: Actor, changes: Sequence[Change]) -> None:
    """Append one audit row per change in one statement, in the caller's transaction (R-AUD-1).

    Rows are written in stream order, so two batches that touch the same clients take the
    chains' heads in the same order and never wait on each other in a cycle."""
    rows = [_row(actor, c) for c in changes]
    rows.sort(key=lambda r: str(r["stream"]))  # stable: one stream's rows keep their order
    await repository.append_many(session, rows)


async def list_entries(
    session: AsyncSession, flt: repository.AuditFilter, *, seek: Seek[int]
) -> Sequence[AuditEntry]:
    return await repository.list_entries(session, flt, seek=seek)


async def entries_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, AuditEntry]:
    """The entries with these ids, by id (every entry is readable by whoever reads the trail)."""
    return {r.id: r for r in await repository.entries_by_id(session, ids)}


@dataclass(frozen=True)
class ChainReport:
    entries_checked: int
    breaks: list[repository.ChainBreak]
    checkpoints_checked: int = 0
    latest_checkpoint: Checkpoint | None = None
    checkpoint_problems: list[CheckpointProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks and not self.checkpoint_problems

    @property
    def anchored(self) -> bool:
        """The chains were checked against a signed checkpoint kept outside the database."""
        return self.latest_checkpoint is not None


def checkpoint_dir(settings: Settings) -> Path | None:
    """Where checkpoints are kept: configured, or (development) under the data folder."""
    if settings.audit_checkpoint_dir is not None:
        return settings.audit_checkpoint_dir
    return None if settings.production else settings.dev_audit_checkpoint_dir


def read_checkpoints(settings: Settings, signer: Signer | None = None) -> CheckpointTrail:
    """Every checkpoint file checked (blocking file I/O: run it in a thread). What is not
    configured is a problem in production, where an unanchored trail proves nothing against a
    database superuser; development without checkpoints is simply not anchored."""
    directory = checkpoint_dir(settings)
    if directory is None:
        return CheckpointTrail(
            problems=[
                CheckpointProblem(
                    "CA_API_AUDIT_CHECKPOINT_DIR",
                    "not configured: production keeps signed checkpoints of the audit chains",
                )
            ]
        )
    if not directory.is_dir():
        if settings.audit_checkpoint_dir is None:
            return CheckpointTrail()  # development: no checkpoint taken yet
        return CheckpointTrail(problems=[CheckpointProblem(str(directory), "not a directory")])
    store = CheckpointStore(directory)
    try:
        keys = verify_keys(settings, signer)
    except ConfigurationError as exc:
        problem = CheckpointProblem("CA_API_AUDIT_VERIFY_KEY_FILE", str(exc))
        return CheckpointTrail(problems=[problem])
    if not keys.by_id and (settings.production or store.numbered_files()):
        return CheckpointTrail(
            problems=[
                CheckpointProblem(
                    "CA_API_AUDIT_VERIFY_KEY_FILE",
                    "no key to verify checkpoints with: set CA_API_AUDIT_VERIFY_KEY_FILE "
                    "(or CA_API_AUDIT_SIGNING_KEY_FILE)",
                )
            ]
        )
    return store.read_trail(keys)


async def verify_chain(
    session: AsyncSession, *, settings: Settings | None = None, signer: Signer | None = None
) -> ChainReport:
    """Recompute every chain (R-AUD-2); with ``settings``, also check the checkpoint files and
    the database against the latest checkpoint (issue 9 item 13)."""
    checked, breaks = await repository.verify(session)
    if settings is None:
        return ChainReport(entries_checked=checked, breaks=breaks)
    trail = await asyncio.to_thread(read_checkpoints, settings, signer)
    latest = trail.latest
    if latest is not None:
        now = await repository.chains_at(session, [(c.stream, c.seq) for c in latest.chains])
        breaks += breaks_against(latest, now)
    return ChainReport(
        entries_checked=checked,
        breaks=breaks,
        checkpoints_checked=trail.checked,
        latest_checkpoint=latest,
        checkpoint_problems=trail.problems,
    )


@dataclass(frozen=True)
class CheckpointResult:
    report: ChainReport
    checkpoint: Checkpoint | None = None
    path: Path | None = None


async def take_checkpoint(
    session: AsyncSession, settings: Settings, signer: Signer, *, now: datetime | None = None
) -> CheckpointResult:
    """Sign every chain's head and write it as the next checkpoint file (issue 9 item 13).

    The trail is verified first, in the same snapshot the heads are read from: a trail that
    fails (an entry changed, a chain rewound since the last checkpoint, a checkpoint file
    altered) is not checkpointed, so a checkpoint never blesses a rewrite; nothing is written
    and the report says why. ``session`` should be one REPEATABLE READ snapshot
    (``commands.snapshot_session``), so the heads agree with the chains just verified."""
    directory = checkpoint_dir(settings)
    if directory is None:
        raise ConfigurationError(
            "production needs CA_API_AUDIT_CHECKPOINT_DIR: an append-only directory the "
            "database's owners cannot write"
        )
    if settings.audit_checkpoint_dir is None:
        directory.mkdir(parents=True, exist_ok=True)  # development
    report = await verify_chain(session, settings=settings, signer=signer)
    if not report.intact:
        return CheckpointResult(report)
    heads = await repository.chain_heads(session)
    checkpoint = make_checkpoint(
        sequence=(report.latest_checkpoint.sequence if report.latest_checkpoint else 0) + 1,
        previous=report.latest_checkpoint,
        heads=[ChainHead(h.stream, h.seq, h.hash) for h in heads],
        taken_at=now or datetime.now(UTC),
        signer=signer,
    )
    path = await asyncio.to_thread(CheckpointStore(directory).write, checkpoint)
    return CheckpointResult(report, checkpoint, path)
