"""Use cases for appointeeships and deputyships: record one, amend it (a new version with a
reason, R-AUD-2), read them. Each change is one transaction with its audit row.

One order of each kind is in force for a client at a time (issue 9 item 5, R-ORD): a new order
whose period shares a day with another is refused (``OverlappingOrder``) unless it names the one
it supersedes, which then gets a version ending it the day before. The database enforces the
same with an exclusion constraint (migration 0010); this check, under the client's lock, is what
turns it into a typed answer."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Row, Table
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.db import unit_of_work
from ca_api.errors import BusinessProblem, ErrorCode, RecordNotFound, ValidationFailed
from ca_api.invoices import holds as invoices
from ca_api.orders import repository, rules
from ca_api.orders.models import appointeeship_current, deputyship_current
from ca_api.orders.rules import AppointeeshipDetails, DeputyshipDetails
from ca_api.outbox import events
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import INTEGRATIONS, Topic

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
class OrderKind(Generic[D]):
    """A kind of order (deputyship or appointeeship): its rules, how its details are stored,
    its current view. Its use cases (``record``, ``amend``, ``by_client``) are written once."""

    entity: str
    start_column: str  # the details' first day in force, and the view's column of it
    validate: Callable[[D, date], dict[str, str]]
    values: Callable[[D], dict[str, Any]]
    details: Callable[[Any], D]
    view: Table

    def start(self, details: D) -> date:
        start: date = getattr(details, self.start_column)
        return start

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

    async def current(self, session: AsyncSession, record_id: uuid.UUID) -> Row[Any] | None:
        return await repository.current_order(session, self.view, record_id)

    async def read(self, session: AsyncSession, record_id: uuid.UUID) -> OrderRecord[D]:
        row = await self.current(session, record_id)
        assert row is not None
        found = await repository.superseded_by_each(session, self.view, [record_id])
        return self.record_of(row, found[record_id])

    async def append(
        self,
        session: AsyncSession,
        record_id: uuid.UUID,
        values: dict[str, Any],
        expected_version: int | None,
    ) -> int:
        return await repository.append_order_version(
            session, self.entity, record_id, values, expected_version
        )

    def _check(self, details: D) -> None:
        problems = self.validate(details, clock.today())
        if problems:
            raise ValidationFailed(problems)

    async def _refuse_overlap(
        self, session: AsyncSession, client_id: uuid.UUID, record_id: uuid.UUID, details: D
    ) -> None:
        """One order of a kind in force at a time (issue 9 item 5, R-ORD); the client is
        locked."""
        clash = await repository.overlapping_order(
            session, self.entity, client_id, record_id, self.start(details), details.end_date
        )
        if clash is not None:
            row = await self.current(session, clash)
            assert row is not None
            existing = self.record_of(row)
            raise OverlappingOrder(
                self.entity, existing, self.start(existing.details), existing.details.end_date
            )

    async def _supersede(
        self,
        session: AsyncSession,
        actor: Actor,
        client_id: uuid.UUID,
        old_id: uuid.UUID,
        successor_id: uuid.UUID,
        successor: D,
    ) -> None:
        """End the order ``old_id`` because ``successor`` replaces it: a new version ending it
        the day before the successor's start and naming it (issue 9 item 5, R-AUD-2)."""
        row = await self.current(session, old_id)
        if row is None or row.client_id != client_id:
            raise ValidationFailed({"supersedes": f"is not a {self.entity} of this client"})
        before = self.details(row)
        if before.superseded_by is not None:
            raise ValidationFailed({"supersedes": "was superseded already by another order"})
        start = self.start(successor)
        end = rules.end_when_superseded(self.start(before), before.end_date, start)
        if end is None:
            start_name = self.start_column.replace("_", " ")
            raise ValidationFailed(
                {
                    "supersedes": f"is dated after this one ({start_name} "
                    f"{self.start(before).isoformat()}): an order supersedes only an earlier or "
                    "same-day one"
                }
            )
        after = replace(before, end_date=end, superseded_by=successor_id)
        reason = f"superseded by the {self.entity} recorded now, in force from {start.isoformat()}"
        await self._append_change(session, actor, row, after, reason, "supersede")

    async def _append_change(
        self,
        session: AsyncSession,
        actor: Actor,
        row: Any,
        after: D,
        reason: str,
        action: str,
        expected_version: int | None = None,
    ) -> None:
        """A new version of the order ``row`` is the current version of, with ``after`` as its
        details and the reason, and its audit row naming what changed (R-AUD-2)."""
        before = self.details(row)
        old_values, new_values = self.values(before), self.values(after)
        version = expected_version if expected_version is not None else row.version
        stamp = {"recorded_by": actor.principal.subject, "reason": reason}
        await self.append(session, row.id, new_values | stamp, version)
        changed = [k for k in new_values if new_values[k] != old_values[k]]
        await audit.record(
            session,
            actor,
            self.entity,
            row.id,
            action,
            before={k: old_values[k] for k in changed},
            after={k: new_values[k] for k in changed},
            reason=reason,
            client_id=row.client_id,
        )

    async def record(
        self,
        session: AsyncSession,
        actor: Actor,
        client_id: uuid.UUID,
        details: D,
        *,
        supersedes: uuid.UUID | None = None,
    ) -> OrderRecord[D]:
        """Record an order for the client; with ``supersedes``, the order of the same kind it
        replaces (issue 9 item 5)."""
        details = replace(details, superseded_by=None)  # only a supersession sets it
        self._check(details)
        record_id = uuid.uuid4()
        async with unit_of_work(session):
            if await clients.lock_client(session, client_id) is None:
                raise RecordNotFound("client", str(client_id))
            await repository.insert_order(session, self.entity, record_id, client_id)
            if supersedes is not None:
                await self._supersede(session, actor, client_id, supersedes, record_id, details)
            await self._refuse_overlap(session, client_id, record_id, details)
            values = self.values(details)
            await self.append(
                session, record_id, values | {"recorded_by": actor.principal.subject}, 0
            )
            after = {k: v for k, v in values.items() if k != "superseded_by"}
            if supersedes is not None:
                after["supersedes"] = supersedes
            if not await repository.has_other_order(session, client_id, record_id):
                after["on_appointment"] = await self._on_appointment(
                    session, actor, client_id, record_id, details
                )
            await audit.record(
                session, actor, self.entity, record_id, "record", after=after, client_id=client_id
            )
            return await self.read(session, record_id)

    async def _on_appointment(
        self,
        session: AsyncSession,
        actor: Actor,
        client_id: uuid.UUID,
        record_id: uuid.UUID,
        details: D,
    ) -> dict[str, list[str]]:
        """The client's first order of either kind is the council's appointment (R-REF-7, seed
        002 B 4.5: "Appointeeship and/or Deputyship are granted"), in this transaction: the
        Financial Assessment and Income Recovery teams are told (the outbox), and the client's
        outstanding council invoices are held until an officer releases them. A later order, an
        amendment or a superseding one, is no new appointment. What was done, for the order's
        audit row: the messages emitted and the invoices held."""
        start = self.start(details)
        held = await invoices.hold_on_appointment(
            session,
            actor,
            client_id,
            f"the council was appointed {self.entity.replace('ship', '')} from "
            f"{start.isoformat()} (R-REF-7)",
        )
        facts = {
            "order": self.entity.upper(),
            "order_id": str(record_id),
            "in_force_from": start.isoformat(),
            "invoices_held": len(held),
        }
        payload = await outbox.handoff_payload(session, actor, client_id, facts)
        messages = await outbox.emit_handoff(
            session,
            actor,
            Topic.APPOINTED,
            client_id=client_id,
            subject_type=self.entity.capitalize(),
            subject_id=record_id,
            payload=payload,
        )
        # SAP (the client's contributions) and Controcc (their care and assessment) hear it in
        # their feeds' shape, with no name (issue 17 item 3).
        told = await events.tell(
            session,
            actor,
            [
                events.Event(
                    Topic.APPOINTED,
                    client_id,
                    self.entity.capitalize(),
                    record_id,
                    dict(facts),
                )
            ],
            INTEGRATIONS,
        )
        return {
            "outbox_messages": [str(m) for m in messages] + [str(m) for m in told],
            "invoices_held": [str(i) for i in held],
        }

    async def amend(
        self,
        session: AsyncSession,
        actor: Actor,
        record_id: uuid.UUID,
        changes: dict[str, Any],
        *,
        reason: str,
        expected_version: int | None,
    ) -> OrderRecord[D]:
        """A new version of the order, with the reason (R-AUD-2)."""
        if not reason.strip():
            raise ValidationFailed({"reason": "is required: say why the record changes"})
        async with unit_of_work(session):
            row = await self.current(session, record_id)
            if row is None or await clients.lock_client(session, row.client_id) is None:
                raise RecordNotFound(self.entity, str(record_id))
            before = self.details(row)
            after = replace(before, **changes)
            self._check(after)
            if self.values(before) == self.values(after):
                raise ValidationFailed({"amendment": "changes nothing"})
            await self._refuse_overlap(session, row.client_id, record_id, after)
            await self._append_change(
                session, actor, row, after, reason.strip(), "amend", expected_version
            )
            return await self.read(session, record_id)

    async def end_in_callers_transaction(
        self, session: AsyncSession, actor: Actor, record_id: uuid.UUID, end: date, *, reason: str
    ) -> bool:
        """In the caller's transaction (the client locked): a new version of the order ending it
        on ``end`` (its last day in force), with the reason and its audit row (R-AUD-2), as an
        amendment of its end date would be: the court's order that the client can manage their
        affairs ends the deputyship (R-ORD-5, seed 002 B 27). Whether anything was written
        (nothing when it ends that day already)."""
        row = await self.current(session, record_id)
        if row is None:
            raise RecordNotFound(self.entity, str(record_id))
        before = self.details(row)
        after = replace(before, end_date=end)
        if self.values(before) == self.values(after):
            return False
        self._check(after)
        await self._append_change(session, actor, row, after, reason, "end")
        return True

    async def rows_of(
        self, session: AsyncSession, client_ids: Sequence[uuid.UUID]
    ) -> Sequence[Row[Any]]:
        """The clients' orders of this kind as current, latest start first."""
        return await repository.orders_of(session, self.view, self.start_column, client_ids)

    async def by_id(
        self, session: AsyncSession, principal: Principal, record_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, OrderRecord[D]]:
        """The orders of this kind with these ids the principal may read, by id (two queries
        in all): for node(id:)."""
        if not record_ids:
            return {}
        rows = await repository.orders_by_id(session, self.view, record_ids, principal)
        found = [r.id for r in rows]
        replaced = await repository.superseded_by_each(session, self.view, found)
        return {r.id: self.record_of(r, replaced[r.id]) for r in rows}

    async def by_client(
        self, session: AsyncSession, client_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[OrderRecord[D]]]:
        """Each client's orders; a client's orders are read together, so what each superseded
        is found among them."""
        return self.records_by_client(await self.rows_of(session, client_ids), client_ids)

    def records_by_client(
        self, rows: Sequence[Row[Any]], client_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[OrderRecord[D]]]:
        """The rows (the clients' orders of this kind, all of them) as each client's records."""
        replaced: dict[uuid.UUID, list[uuid.UUID]] = {}
        for row in rows:
            if row.superseded_by is not None:
                replaced.setdefault(row.superseded_by, []).append(row.id)
        out: dict[uuid.UUID, list[OrderRecord[D]]] = {c: [] for c in client_ids}
        for row in rows:
            out[row.client_id].append(self.record_of(row, sorted(replaced.get(row.id, []))))
        return out


# A Court of Protection order appointing the council deputy (R-ORD-1, R-ORD-3).
DEPUTYSHIP: OrderKind[DeputyshipDetails] = OrderKind(
    entity="deputyship",
    start_column="order_date",
    validate=rules.validate_deputyship,
    values=repository.deputyship_values,
    details=repository.deputyship_details,
    view=deputyship_current,
)
# The DWP's appointment of the council as the client's appointee.
APPOINTEESHIP: OrderKind[AppointeeshipDetails] = OrderKind(
    entity="appointeeship",
    start_column="start_date",
    validate=rules.validate_appointeeship,
    values=repository.appointeeship_values,
    details=repository.appointeeship_details,
    view=appointeeship_current,
)


async def both_by_client(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> tuple[
    dict[uuid.UUID, list[OrderRecord[DeputyshipDetails]]],
    dict[uuid.UUID, list[OrderRecord[AppointeeshipDetails]]],
]:
    """Each client's deputyships and appointeeships, in one statement (the client page asks
    for both: issue 18 item 2); each kind as its ``by_client`` gives it."""
    kinds = [(k.entity, k.view, k.start_column) for k in (DEPUTYSHIP, APPOINTEESHIP)]
    rows = await repository.orders_of_kinds(session, kinds, client_ids)
    return (
        DEPUTYSHIP.records_by_client(rows[DEPUTYSHIP.entity], client_ids),
        APPOINTEESHIP.records_by_client(rows[APPOINTEESHIP.entity], client_ids),
    )


record_deputyship = DEPUTYSHIP.record
record_appointeeship = APPOINTEESHIP.record
# The clients' deputyships as current, newest order first (a gift's order is found among
# them, R-ORD-1).
deputyship_rows = DEPUTYSHIP.rows_of


async def import_orders(
    session: AsyncSession,
    actor: Actor,
    kind: OrderKind[D],
    orders: Sequence[tuple[uuid.UUID, D]],
    *,
    why: str,
) -> list[uuid.UUID]:
    """Orders of a caseload import (client, details), in the caller's transaction: the import
    judged each with ``kind.validate`` and against the client's other orders (one in force at a
    time; the database's exclusion constraint is the backstop). A few statements for the lot,
    an audit row each (R-AUD-1). Their ids, in the order given."""
    made = [(uuid.uuid4(), client_id, kind.values(d)) for client_id, d in orders]
    await repository.insert_orders(session, kind.entity, made, actor.principal.subject)
    await audit.record_many(
        session,
        actor,
        [
            audit.Change(
                entity_type=kind.entity,
                entity_id=i,
                action="import",
                after={k: v for k, v in values.items() if k != "superseded_by"},
                reason=why,
                client_id=client_id,
            )
            for i, client_id, values in made
        ],
    )
    return [i for i, _, _ in made]
