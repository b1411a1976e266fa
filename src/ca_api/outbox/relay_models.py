"""The table of the outbox relay (migration 0046), apart from ``outbox/models.py`` so the relay
is one unit: append-only (R-AUD-2), a row per batch JetStream acknowledged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped

from ca_api.common.columns import Recorded, bigserial_pk
from ca_api.db import Base


class OutboxRelayOffset(Recorded, Base):
    """The stream holds every outbox message up to ``through_sequence``: acknowledged by
    JetStream, ``message_count`` of them in this batch, ``duplicate_count`` of which it had
    already (a repeat after a restart). The stream's offset is its greatest row."""

    __tablename__ = "outbox_relay_offset"

    id: Mapped[bigserial_pk]
    stream: Mapped[str]
    through_sequence: Mapped[int]
    message_count: Mapped[int]
    duplicate_count: Mapped[int]
    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]
