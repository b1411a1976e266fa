"""Tables of the outbox (migration 0016). Append-only (R-AUD-2): a message is written once;
what became of it is a delivery row per step (SENT, ACKNOWLEDGED)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Identity
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, bigserial_pk, client_fk, uuid_pk
from ca_api.db import Base


class OutboxMessage(Base):
    """One outbound message: a topic, to one recipient, about one record (its subject) of one
    client. ``sequence`` numbers messages in commit order: a feed's cursor."""

    __tablename__ = "outbox_message"

    id: Mapped[uuid_pk]
    sequence: Mapped[int] = mapped_column(Identity(always=True), unique=True)
    topic: Mapped[str]
    recipient: Mapped[str]
    client_id: Mapped[client_fk]
    subject_type: Mapped[str]
    subject_id: Mapped[uuid.UUID]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[str]
    created_at: Mapped[datetime]


class OutboxDelivery(Recorded, Base):
    """A step of a message's delivery: SENT, then ACKNOWLEDGED; each at most once."""

    __tablename__ = "outbox_delivery"

    id: Mapped[bigserial_pk]
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox_message.id"))
    state: Mapped[str]
    note: Mapped[str | None]


class OutboxAcknowledgement(Recorded, Base):
    """A system acknowledged its feed up to a sequence number (migration 0045, issue 17 item 3):
    every message of its own at or before it is ACKNOWLEDGED in the same transaction."""

    __tablename__ = "outbox_acknowledgement"

    id: Mapped[uuid_pk]
    recipient: Mapped[str]
    up_to: Mapped[int]
    messages: Mapped[int]
