"""Stored files (issue 14 item 4; reusable for letters as PDF): a file is checked (its type from
its bytes, its size) and stored once per content in the caller's transaction, with an audit row
when it is new (R-AUD-1). The module that stores it says which types and size it takes, and
refers to the file by id; nothing here decides who may read it (the record that refers to it
does)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.errors import ValidationFailed
from ca_api.files import repository, rules
from ca_api.files.models import StoredFile
from ca_api.files.rules import FileType

ENTITY = "stored_file"


@dataclass(frozen=True)
class CheckedFile:
    """A file given as base64 and found acceptable: its bytes, type and SHA-256."""

    data: bytes
    file_type: FileType
    sha256: bytes


def check(
    field: str, content_base64: str, *, allowed: frozenset[FileType], maximum: int
) -> CheckedFile:
    """The file given as base64 text in input ``field``, or ValidationFailed on that field."""
    data = rules.decode_base64(content_base64)
    kind, problem = rules.file_problem(data, allowed=allowed, maximum=maximum)
    if problem is not None or kind is None or data is None:
        raise ValidationFailed({field: problem or "is not acceptable"})
    return CheckedFile(data, kind, rules.sha256(data))


async def store(
    session: AsyncSession,
    actor: Actor,
    checked: CheckedFile,
    *,
    why: str,
    client_id: uuid.UUID | None = None,
) -> StoredFile:
    """Store the file in the caller's transaction (once per content): the row, audited when new."""
    row, new = await repository.insert_once(
        session,
        {
            "id": uuid.uuid4(),
            "sha256": checked.sha256,
            "file_type": checked.file_type.value,
            "size": len(checked.data),
            "content": checked.data,
            "recorded_by": actor.principal.subject,
        },
    )
    if new:
        await audit.record(
            session,
            actor,
            ENTITY,
            row.id,
            "store",
            after={
                "sha256": checked.sha256.hex(),
                "file_type": checked.file_type.value,
                "size": len(checked.data),
            },
            reason=why,
            client_id=client_id,
        )
    return row


async def files_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, StoredFile]:
    """The files (without their bytes), by id."""
    return {f.id: f for f in await repository.files_by_id(session, ids)}


async def content_of(session: AsyncSession, file_id: uuid.UUID) -> bytes | None:
    """The file's bytes (None: no such file)."""
    return await repository.content_of(session, file_id)
