"""Use cases for appointeeships and deputyships: record one, amend it (a new version with a
reason, R-AUD-2), read them. Each change is one transaction with its audit row.

One order of each kind is in force for a client at a time (issue 9 item 5, R-ORD): a new order
whose period shares a day with another is refused (``OverlappingOrder``) unless it names the one
it supersedes, which then gets a version ending it the day before. The database enforces the
same with an exclusion constraint (migration 0010); this check, under the client's lock, is what
turns it into a typed answer."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Row, Table
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.db import unit_of_work
from ca_api.errors import BusinessProblem, ErrorCode, RecordNotFound, ValidationFailed
from ca_api.orders import repository, rules
from ca_api.orders.models import appointeeship_current, deputyship_current
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
    supersedes: tuple[uuid.UUID, ...] = ()  # the orders this one replaced


class OverlappingOrder(BusinessProblem):
    """Another order of the same kind is in force for the client on a day of this one's period
    (issue 9 item 5, R-ORD)."""

    code = ErrorCode.ORDER_OVERLAP

    def __init__(self, entity: str, existing: OrderRecord[Any], start: date, end: date | None):
        until = f"to {end.isoformat()}" if end is not None else "with no end"
        super().__init__(
            f"the client has a {entity} in force from {start.isoformat()} {until}, on days of "
            f"this one: one {entity} in force at a time. Name it in supersedes to replace it, "
            "or end it first"
        )
        self.entity = entity
        self.existing_id = existing.id
        self.existing_from = start
        self.existing_to = end


@dataclass(frozen=True)
class _Kind(Generic[D]):
    entity: str
    start_name: str
    validate: Callable[[D, date], dict[str, str]]
    values: Callable[[D], dict[str, Any]]
    details: Callable[[Any], D]
    start: Callable[[D], date]
    insert: Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[None]]
    append: Callable[[AsyncSession, uuid.UUID, dict[str, Any], int | None], Awaitable[int]]
    current: Callable[[AsyncSession, uuid.UUID], Awaitable[Row[Any] | None]]
    view: Table

    def record_of(self, row: Any, supersedes: Sequence[uuid.UUID] = ()) -> OrderRecord[D]:
        return OrderRecord(
            id=row.id,
            client_id=row.client_id,
            version=row.version,
            details=self.details(row),
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            reason=row.reason,
            supersedes=tuple(supersedes),
        )

    async def read(self, session: AsyncSession, record_id: uuid.UUID) -> OrderRecord[D]:
        row = await self.current(session, record_id)
        assert row is not None
        found = await repository.superseded_by_each(session, self.view, [record_id])
        return self.record_of(row, found[record_id])


DEPUTYSHIP: _Kind[DeputyshipDetails] = _Kind(
    entity="deputyship",
    start_name="order date",
    validate=rules.validate_deputyship,
    values=repository.deputyship_values,
    details=repository.deputyship_details,
    start=lambda d: d.order_date,
    insert=repository.insert_deputyship,
    append=repository.append_deputyship_version,
    current=repository.current_deputyship,
    view=deputyship_current,
)
APPOINTEESHIP: _Kind[AppointeeshipDetails] = _Kind(
    entity="appointeeship",
    start_name="start date",
    validate=rules.validate_appointeeship,
    values=repository.appointeeship_values,
    details=repository.appointeeship_details,
    start=lambda a: a.start_date,
    insert=repository.insert_appointeeship,
    append=repository.append_appointeeship_version,
    current=repository.current_appointeeship,
    view=appointeeship_current,
)


def _check(kind: _Kind[D], details: D) -> None:
    problems = kind.validate(details, clock.today())
    if problems:
        raise ValidationFailed(problems)


async def _refuse_overlap(
    kind: _Kind[D], session: AsyncSession, client_id: uuid.UUID, record_id: uuid.UUID, details: D
) -> None:
    """One order of a kind in force at a time (issue 9 item 5, R-ORD); the client is locked."""
    clash = await repository.overlapping_order(
        session, kind.entity, client_id, record_id, kind.start(details), details.end_date
    )
    if clash is not None:
        row = await kind.current(session, clash)
        assert row is not None
        existing = kind.record_of(row)
        raise OverlappingOrder(
            kind.entity, existing, kind.start(existing.details), existing.details.end_date
        )


async def _supersede(
    kind: _Kind[D],
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    old_id: uuid.UUID,
    successor_id: uuid.UUID,
    successor: D,
) -> None:
    """End the order ``old_id`` because ``successor`` replaces it: a new version ending it the
    day before the successor's start and naming it (issue 9 item 5, R-AUD-2)."""
    row = await kind.current(session, old_id)
    if row is None or row.client_id != client_id:
        raise ValidationFailed({"supersedes": f"is not a {kind.entity} of this client"})
    before = kind.details(row)
    if before.superseded_by is not None:
        raise ValidationFailed({"supersedes": "was superseded already by another order"})
    start = kind.start(successor)
    end = rules.end_when_superseded(kind.start(before), before.end_date, start)
    if end is None:
        raise ValidationFailed(
            {
                "supersedes": f"is dated after this one ({kind.start_name} "
                f"{kind.start(before).isoformat()}): an order supersedes only an earlier or "
                "same-day one"
            }
        )
    after = replace(before, end_date=end, superseded_by=successor_id)
    reason = f"superseded by the {kind.entity} recorded now, in force from {start.isoformat()}"
    old_values, new_values = kind.values(before), kind.values(after)
    await kind.append(
        session,
        old_id,
        new_values | {"recorded_by": actor.principal.subject, "reason": reason},
        row.version,
    )
    changed = [k for k in new_values if new_values[k] != old_values[k]]
    await audit.record(
        session,
        actor,
        entity_type=kind.entity,
        entity_id=old_id,
        action="supersede",
        before={k: old_values[k] for k in changed},
        after={k: new_values[k] for k in changed},
        reason=reason,
        client_id=client_id,
    )


async def _record(
    kind: _Kind[D],
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    details: D,
    supersedes: uuid.UUID | None,
) -> OrderRecord[D]:
    details = replace(details, superseded_by=None)  # only a supersession sets it
    _check(kind, details)
    record_id = uuid.uuid4()
    async with unit_of_work(session):
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound("client", str(client_id))
        await kind.insert(session, record_id, client_id)
        if supersedes is not None:
            await _supersede(kind, session, actor, client_id, supersedes, record_id, details)
        await _refuse_overlap(kind, session, client_id, record_id, details)
        values = kind.values(details)
        await kind.append(session, record_id, values | {"recorded_by": actor.principal.subject}, 0)
        await audit.record(
            session,
            actor,
            entity_type=kind.entity,
            entity_id=record_id,
            action="record",
            after={k: v for k, v in values.items() if k != "superseded_by"}
            | ({"supersedes": supersedes} if supersedes is not None else {}),
            client_id=client_id,
        )
        return await kind.read(session, record_id)


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
        if row is None or await clients.lock_client(session, row.client_id) is None:
            raise RecordNotFound(kind.entity, str(record_id))
        before = kind.details(row)
        after = replace(before, **changes)
        _check(kind, after)
        old_values, new_values = kind.values(before), kind.values(after)
        changed = [k for k in new_values if new_values[k] != old_values[k]]
        if not changed:
            raise ValidationFailed({"amendment": "changes nothing"})
        await _refuse_overlap(kind, session, row.client_id, record_id, after)
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
        return await kind.read(session, record_id)


async def record_deputyship(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    details: DeputyshipDetails,
    *,
    supersedes: uuid.UUID | None = None,
) -> OrderRecord[DeputyshipDetails]:
    """Record a Court of Protection order appointing the council deputy (R-ORD-1, R-ORD-3);
    with ``supersedes``, the order it replaces (issue 9 item 5)."""
    return await _record(DEPUTYSHIP, session, actor, client_id, details, supersedes)


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
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    details: AppointeeshipDetails,
    *,
    supersedes: uuid.UUID | None = None,
) -> OrderRecord[AppointeeshipDetails]:
    """Record the DWP's appointment of the council as the client's appointee; with
    ``supersedes``, the appointeeship it replaces (issue 9 item 5)."""
    return await _record(APPOINTEESHIP, session, actor, client_id, details, supersedes)


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


def _by_client(
    kind: _Kind[D], client_ids: Sequence[uuid.UUID], rows: Sequence[Row[Any]]
) -> dict[uuid.UUID, list[OrderRecord[D]]]:
    """Each client's orders; a client's orders are read together, so what each superseded is
    found among them."""
    replaced: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in rows:
        if row.superseded_by is not None:
            replaced.setdefault(row.superseded_by, []).append(row.id)
    out: dict[uuid.UUID, list[OrderRecord[D]]] = {c: [] for c in client_ids}
    for row in rows:
        out[row.client_id].append(kind.record_of(row, sorted(replaced.get(row.id, []))))
    return out


async def deputyship_rows(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[Any]]:
    """The clients' deputyships as current, newest order first (a gift's order is found among
    them, R-ORD-1)."""
    return await repository.deputyships_of(session, client_ids)


async def deputyships_by_client(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderRecord[DeputyshipDetails]]]:
    return _by_client(DEPUTYSHIP, client_ids, await repository.deputyships_of(session, client_ids))


async def appointeeships_by_client(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderRecord[AppointeeshipDetails]]]:
    rows = await repository.appointeeships_of(session, client_ids)
    return _by_client(APPOINTEESHIP, client_ids, rows)
