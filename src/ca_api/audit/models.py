from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import bigserial_pk
from ca_api.db import Base


class AuditEntry(Base):
    """One audited change. Written by services in the same transaction as the change; its
    ``stream_seq``, ``prev_hash`` and ``hash`` are set by the database's trigger."""

    __tablename__ = "audit_log"

    id: Mapped[bigserial_pk]
    stream: Mapped[str]
    stream_seq: Mapped[int]
    occurred_at: Mapped[datetime]
    principal: Mapped[str]
    principal_roles: Mapped[str]
    entity_type: Mapped[str]
    entity_id: Mapped[str]
    action: Mapped[str]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reason: Mapped[str | None]
    request_id: Mapped[str]
    client_id: Mapped[uuid.UUID | None]
    prev_hash: Mapped[bytes]
    hash: Mapped[bytes]
