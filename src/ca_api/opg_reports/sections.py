"""STUB (H2's branch): the report's non-money sections. H3 writes the real module; the lead
takes H3's file at merge. Same signature as the design's contract."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def gather(
    session: AsyncSession,
    *,
    client_id: uuid.UUID,
    period_start: date,
    period_end: date,
    money: Mapping[str, Any],
) -> dict[str, Any]:
    """The sections decisions .. actions of the report document (H3)."""
    return {}
