"""The stored file (migration 0028): append-only (R-AUD-2), one row per content (its SHA-256
is unique: the same bytes stored twice are one file)."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, uuid_pk
from ca_api.db import Base


class StoredFile(Recorded, Base):
    """A file's bytes, its type (told from its contents), size and SHA-256. The bytes are read
    only when asked for (``repository.content_of``)."""

    __tablename__ = "stored_file"

    id: Mapped[uuid_pk]
    sha256: Mapped[bytes] = mapped_column(unique=True)
    file_type: Mapped[str]
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(deferred=True)
