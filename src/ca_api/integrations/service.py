"""A stub in the change feed's branch (issue 17 item 3): H-intake's module provides the real
``references_for``; the integrator keeps that one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def references_for(
    session: AsyncSession, system: Any, subject_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[Any, str]]:
    """Each record's external references in ``system``, by record id and kind (stub: none)."""
    return {}
