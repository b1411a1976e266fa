"""The client's details at the end of their case, each a new version (the old one kept,
R-AUD-2) with its audit row, in the caller's transaction: recorded DECEASED_WINDING_UP when a
death is confirmed (issue 13), CLOSED when a case is closed (a wound-up case, issue 13 item 5, or
a living client's once nothing is held for them, ``recovery``)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import repository
from ca_api.clients.rules import ClientDetails, ClientStatus, Situation
from ca_api.clients.service import ENTITY
from ca_api.errors import InvalidState, RecordNotFound


async def _set_in_callers_transaction(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    field: str,
    value: enum.Enum,
    action: str,
    reason: str,
) -> tuple[ClientDetails, bool]:
    """A new version of the client's details with ``field`` set to ``value``, the old one kept
    (R-AUD-2), with its audit row, in the caller's transaction: the details before, and whether
    anything was written (nothing when the field holds the value already)."""
    row = await repository.get_current_for_update(session, client_id)
    if row is None:
        raise RecordNotFound("client", str(client_id))
    before = repository.details_of(row)
    if getattr(before, field) is value:
        return before, False
    changes: dict[str, Any] = {field: value}
    after = replace(before, **changes)
    await repository.append_client_version(
        session,
        client_id,
        after,
        recorded_by=actor.principal.subject,
        referred_by=row.referred_by,
        reason=reason,
        expected_version=row.version,
    )
    await audit.record(
        session,
        actor,
        ENTITY,
        client_id,
        action,
        before={field: getattr(before, field).value},
        after={field: value.value},
        reason=reason,
        client_id=client_id,
    )
    return before, True


async def record_deceased(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, reason: str
) -> None:
    """In the caller's transaction (a death confirmed, issue 13): a new version of the client's
    details with the situation DECEASED_WINDING_UP (seed 002 Appendix 1), the old one kept
    (R-AUD-2), with its audit row. Nothing when the client is recorded so already."""
    await _set_in_callers_transaction(
        session,
        actor,
        client_id,
        field="situation",
        value=Situation.DECEASED_WINDING_UP,
        action="amend",
        reason=reason,
    )


async def record_closed(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, reason: str
) -> ClientDetails:
    """In the caller's transaction (a wound-up case closed, issue 13 item 5; the caller checked
    that nothing is outstanding): a new version of the client's details with the status CLOSED,
    the old one kept (R-AUD-2), with its audit row. The details before; InvalidState when the
    client is closed already (nothing written)."""
    before, written = await _set_in_callers_transaction(
        session,
        actor,
        client_id,
        field="status",
        value=ClientStatus.CLOSED,
        action="close",
        reason=reason,
    )
    if not written:
        raise InvalidState("the client's case is closed already")
    return before
