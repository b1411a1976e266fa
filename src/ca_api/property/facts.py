"""The machinery every use case of a property runs through: under the client's lock, once per
idempotency key, each fact of the property one row with its audit row (R-AUD-1)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.errors import RecordNotFound
from ca_api.property import repository
from ca_api.property.reads import PropertyView, property_of

ENTITY = "property"


@dataclass(frozen=True)
class PropertyOutcome:
    view: PropertyView
    replayed: bool = False


async def lock(session: AsyncSession, client_id: uuid.UUID) -> None:
    if await clients.lock_client(session, client_id) is None:
        raise RecordNotFound.of("Client", client_id)


async def locked_property(session: AsyncSession, property_id: uuid.UUID) -> PropertyView:
    found = await repository.record(session, property_id)
    if found is None:
        raise RecordNotFound.of("Property", property_id)
    await lock(session, found.client_id)
    return await property_of(session, property_id)


async def run(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: dict[str, Any],
    work: Callable[[], Awaitable[dict[str, Any]]],
) -> PropertyOutcome:
    result = await idempotency.run_recorded(session, actor, key, operation, payload, work)
    view = await property_of(session, uuid.UUID(str(result["property_id"])))
    return PropertyOutcome(view, bool(result.get("replayed")))


async def add(
    session: AsyncSession,
    actor: Actor,
    view: PropertyView,
    model: type[Any],
    action: str,
    values: dict[str, Any],
    *,
    reason: str | None = None,
) -> dict[str, Any]:
    """Insert one fact of the property and its audit row (R-AUD-1)."""
    row_values = {
        "id": uuid.uuid4(),
        "client_id": view.first.client_id,
        "property_id": view.first.id,
        **values,
        "recorded_by": actor.principal.subject,
    }
    row = await repository.insert(session, model, row_values)
    after = audit.jsonable({"property_id": view.first.id, **values, "table": model.__tablename__})
    await audit.record(
        session,
        actor,
        ENTITY,
        row.id,
        action,
        after=after,
        reason=reason,
        client_id=view.first.client_id,
    )
    return {"property_id": str(view.first.id), "row_id": str(row.id)}


def not_future(problems: dict[str, str], name: str, on: date) -> None:
    if on > clock.today():
        problems[name] = "is in the future"
