"""Queue events: sent with ``NOTIFY`` inside the business transaction, so PostgreSQL delivers
them only if it commits (a rolled-back change sends nothing), to every server process that
listens. The payload names the item only; listeners re-read it with the subscriber's
permissions."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "ca_api_approval_queue"


async def notify(session: AsyncSession, kind: str, item_id: uuid.UUID) -> None:
    """Say that an item of ``kind`` entered, changed or left the queues (listeners re-read)."""
    payload = json.dumps({"kind": kind, "id": str(item_id)})
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {
            "channel": CHANNEL,
            "payload": payload,
        },
    )
