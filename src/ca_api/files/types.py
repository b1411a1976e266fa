"""GraphQL of a stored file: the input that carries one (base64) and the type that reads one
back. Whoever may read the record that refers to a file reads the file."""

from __future__ import annotations

import base64
import uuid

import strawberry
from strawberry.types import Info

from ca_api.common.types import graphql_enum
from ca_api.context import Context
from ca_api.files import rules, service
from ca_api.files.models import StoredFile as FileRow

FileType = rules.FileType
graphql_enum(
    FileType,
    "The type of a stored file, told from its first bytes (its signature), never from a name.",
    {
        FileType.JPEG: "A JPEG image (image/jpeg).",
        FileType.PNG: "A PNG image (image/png).",
        FileType.PDF: "A PDF document (application/pdf).",
    },
    name="StoredFileType",
)


@strawberry.input(
    description="A file sent in the request as base64 text. Its type is told from its contents; "
    "the size limit of each use is said where it is used, and fits the request body limit."
)
class FileInput:
    content_base64: str = strawberry.field(
        description="The file's bytes as standard base64 (RFC 4648, padded, no line breaks)."
    )


@strawberry.type(
    description="A stored file: never changed (R-AUD-2); its SHA-256 identifies its contents."
)
class StoredFile:
    file_id: strawberry.Private[uuid.UUID]
    file_type: FileType = strawberry.field(description="Its type, from its contents.")
    media_type: str = strawberry.field(description="Its media type (image/jpeg, image/png, ...).")
    size: int = strawberry.field(description="Its size in bytes.")
    sha256: str = strawberry.field(description="The SHA-256 of its bytes, in hex.")

    async def _content_base64(self, info: Info[Context, None]) -> str:
        data = await service.content_of(info.context.session, self.file_id)
        return base64.b64encode(data or b"").decode("ascii")

    content_base64: str = strawberry.field(
        resolver=_content_base64,
        description="The file's bytes as standard base64 (read only when asked for).",
    )

    @classmethod
    def of(cls, row: FileRow) -> StoredFile:
        kind = FileType(row.file_type)
        return cls(
            file_id=row.id,
            file_type=kind,
            media_type=rules.MEDIA_TYPES[kind],
            size=row.size,
            sha256=row.sha256.hex(),
        )
