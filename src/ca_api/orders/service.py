"""Use cases for appointeeships and deputyships: record one, amend it (a new version with a
reason, R-AUD-2), read them. Each change is one transaction with its audit row."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.context import Actor
from ca_api.db import unit_of_work
from ca_api.errors import RecordNotFound, ValidationFailed
from ca_api.orders import repository, rules
from ca_api.orders.rules import AppointeeshipDetails, DeputyshipDetails

D = TypeVar("D", AppointeeshipDetails, DeputyshipDetails)


@dataclass(frozen=True)
class OrderRecord(Generic[D]):
    id: uuid.UUID
    client_id: uuid.UUID
    version: int
    details: D
    recorded_at: datetime
    recorded_by: str
    reason: str | None


@dataclass(frozen=True)
class _Kind(Generic[D]):
    entity: str
    validate: Callable[[D, date], dict[str, str]]
    values: Callable[[D], dict[str, Any]]
    details: Callable[[Any], D]
    insert: Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[None]]
    append: Callable[[AsyncSession, uuid.UUID, dict[str, Any], int | None], Awaitable[int]]
    current: Callable[[AsyncSession, uuid.UUID], Awaitable[Row[Any] | None]]

    def record_of(self, row: Any) -> OrderRecord[D]:
        return OrderRecord(
            id=row.id,
            client_id=row.client_id,
            version=row.version,
            details=self.details(row),
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            reason=row.reason,
        )


DEPUTYSHIP: _Kind[DeputyshipDetails] = _Kind(
    entity="deputyship",
    validate=rules.validate_deputyship,
    values=repository.deputyship_values,
    details=repository.deputyship_details,
    insert=repository.insert_deputyship,
    append=repository.append_deputyship_version,
    current=repository.current_deputyship,
)
APPOINTEESHIP: _Kind[AppointeeshipDetails] = _Kind(
    entity="appointeeship",
    validate=rules.validate_appointeeship,
    values=repository.appointeeship_values,
    details=repository.appointeeship_details,
    insert=repository.insert_appointeeship,
    append=repository.append_appointeeship_version,
    current=repository.current_appointeeship,
)


def _check(kind: _Kind[D], details: D) -> None:
    problems = kind.validate(details, clock.today())
    if problems:
        raise ValidationFailed(problems)


async def _record(
    kind: _Kind[D], session: AsyncSession, actor: Actor, client_id: uuid.UUID, details: D
) -> OrderRecord[D]:
    _check(kind, details)
    record_id = uuid.uuid4()
    async with unit_of_work(session):
        if not await repository.lock_client(session, client_id):
            raise RecordNotFound("client", str(client_id))
        await kind.insert(session, record_id, client_id)
        values = kind.values(details)
        await kind.append(session, record_id, values | {"recorded_by": actor.principal.subject}, 0)
        await audit.record(
            session,
            actor,
            entity_type=kind.entity,
            entity_id=record_id,
            action="record",
            after=values,
            client_id=client_id,
        )
        row = await kind.current(session, record_id)
    assert row is not None
    return kind.record_of(row)


async def _amend(
    kind: _Kind[D],
    session: AsyncSession,
    actor: Actor,
    record_id: uuid.UUID,
    changes: dict[str, Any],
    *,
    reason: str,
    expected_version: int | None,
) -> OrderRecord[D]:
    if not reason.strip():
        raise ValidationFailed({"reason": "is required: say why the record changes"})
    async with unit_of_work(session):
        row = await kind.current(session, record_id)
        if row is None or not await repository.lock_client(session, row.client_id):
            raise RecordNotFound(kind.entity, str(record_id))
        before = kind.details(row)
        after = replace(before, **changes)
        _check(kind, after)
        old_values, new_values = kind.values(before), kind.values(after)
        changed = [k for k in new_values if new_values[k] != old_values[k]]
        if not changed:
            raise ValidationFailed({"amendment": "changes nothing"})
        await kind.append(
            session,
            record_id,
            new_values | {"recorded_by": actor.principal.subject, "reason": reason.strip()},
            expected_version if expected_version is not None else row.version,
        )
        await audit.record(
            session,
            actor,
            entity_type=kind.entity,
            entity_id=record_id,
            action="amend",
            before={k: old_values[k] for k in changed},
            after={k: new_values[k] for k in changed},
            reason=reason.strip(),
            client_id=row.client_id,
        )
        row = await kind.current(session, record_id)
    assert row is not None
    return kind.record_of(row)


async def record_deputyship(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, details: DeputyshipDetails
) -> OrderRecord[DeputyshipDetails]:
    """Record a Court of Protection order appointing the council deputy (R-ORD-1, R-ORD-3)."""
    return await _record(DEPUTYSHIP, session, actor, client_id, details)


async def amend_deputyship(
    session: AsyncSession,
    actor: Actor,
    deputyship_id: uuid.UUID,
    changes: dict[str, Any],
    *,
    reason: str,
    expected_version: int | None,
) -> OrderRecord[DeputyshipDetails]:
    return await _amend(
        DEPUTYSHIP,
        session,
        actor,
        deputyship_id,
        changes,
        reason=reason,
        expected_version=expected_version,
    )


async def record_appointeeship(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, details: AppointeeshipDetails
) -> OrderRecord[AppointeeshipDetails]:
    """Record the DWP's appointment of the council as the client's appointee."""
    return await _record(APPOINTEESHIP, session, actor, client_id, details)


async def amend_appointeeship(
    session: AsyncSession,
    actor: Actor,
    appointeeship_id: uuid.UUID,
    changes: dict[str, Any],
    *,
    reason: str,
    expected_version: int | None,
) -> OrderRecord[AppointeeshipDetails]:
    return await _amend(
        APPOINTEESHIP,
        session,
        actor,
        appointeeship_id,
        changes,
        reason=reason,
        expected_version=expected_version,
    )


async def deputyships_by_client(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderRecord[DeputyshipDetails]]]:
    out: dict[uuid.UUID, list[OrderRecord[DeputyshipDetails]]] = {c: [] for c in client_ids}
    for row in await repository.deputyships_of(session, client_ids):
        out[row.client_id].append(DEPUTYSHIP.record_of(row))
    return out


async def appointeeships_by_client(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderRecord[AppointeeshipDetails]]]:
    out: dict[uuid.UUID, list[OrderRecord[AppointeeshipDetails]]] = {c: [] for c in client_ids}
    for row in await repository.appointeeships_of(session, client_ids):
        out[row.client_id].append(APPOINTEESHIP.record_of(row))
    return out
