"""Use cases of the audit trail: record a change (inside the caller's transaction), read, verify."""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import repository
from ca_api.audit.models import AuditEntry
from ca_api.context import Actor

SYSTEM_STREAM = "system"


def jsonable(value: Any) -> Any:
    """A value as JSON the audit trail stores: dates ISO, UUIDs and enums as strings."""
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


async def record(
    session: AsyncSession,
    actor: Actor,
    *,
    entity_type: str,
    entity_id: uuid.UUID | str,
    action: str,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    client_id: uuid.UUID | None = None,
) -> int:
    """Append one audit row in the caller's transaction (R-AUD-1: who, what, when, why)."""
    return await repository.append(
        session,
        stream=f"client:{client_id}" if client_id else SYSTEM_STREAM,
        principal=actor.principal.subject,
        principal_roles=actor.principal.role_label,
        entity_type=entity_type,
        entity_id=str(entity_id),
        action=action,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        reason=reason,
        request_id=actor.request_id,
        client_id=client_id,
    )


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


async def record_many(session: AsyncSession, actor: Actor, changes: Sequence[Change]) -> None:
    """Append one audit row per change in one statement, in the caller's transaction (R-AUD-1).

    Rows are written in stream order, so two batches that touch the same clients take the
    chains' heads in the same order and never wait on each other in a cycle."""
    rows = [
        {
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
        for c in changes
    ]
    rows.sort(key=lambda r: str(r["stream"]))  # stable: one stream's rows keep their order
    await repository.append_many(session, rows)


async def list_entries(
    session: AsyncSession, flt: repository.AuditFilter, *, after_id: int | None, limit: int
) -> Sequence[AuditEntry]:
    return await repository.list_entries(session, flt, after_id=after_id, limit=limit)


@dataclass(frozen=True)
class ChainReport:
    entries_checked: int
    breaks: list[repository.ChainBreak]

    @property
    def intact(self) -> bool:
        return not self.breaks


async def verify_chain(session: AsyncSession) -> ChainReport:
    checked, breaks = await repository.verify(session)
    return ChainReport(entries_checked=checked, breaks=breaks)
