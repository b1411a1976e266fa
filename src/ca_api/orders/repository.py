"""Every SQL statement about appointeeships and deputyships."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    bindparam,
    cast,
    false,
    func,
    insert,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.permissions import CLIENT_DETAIL_READ
from ca_api.auth.principal import Principal
from ca_api.common.versioned import append_version
from ca_api.orders.models import (
    Appointeeship,
    AppointeeshipVersion,
    Deputyship,
    DeputyshipVersion,
    OrderInForce,
)
from ca_api.orders.rules import (
    AppointeeshipDetails,
    DeputyPowers,
    DeputyshipDetails,
    SupervisionType,
)


def deputyship_values(d: DeputyshipDetails) -> dict[str, Any]:
    p = d.powers
    return {
        "case_number": d.case_number,
        "order_date": d.order_date,
        "end_date": d.end_date,
        "power_receive_income": p.receive_income,
        "power_manage_accounts": p.manage_accounts,
        "power_manage_capital": p.manage_capital,
        "power_sell_property": p.sell_property,
        "power_let_property": p.let_property,
        "power_make_gifts": p.make_gifts,
        "gift_yearly_limit": p.gift_yearly_limit,
        "supervision_type": d.supervision_type.value,
        "health_and_welfare_order": d.health_and_welfare_order,
        "superseded_by": d.superseded_by,
    }


def deputyship_details(row: Any) -> DeputyshipDetails:
    return DeputyshipDetails(
        case_number=row.case_number,
        order_date=row.order_date,
        end_date=row.end_date,
        supervision_type=SupervisionType(row.supervision_type),
        powers=DeputyPowers(
            receive_income=row.power_receive_income,
            manage_accounts=row.power_manage_accounts,
            manage_capital=row.power_manage_capital,
            sell_property=row.power_sell_property,
            let_property=row.power_let_property,
            make_gifts=row.power_make_gifts,
            gift_yearly_limit=row.gift_yearly_limit,
        ),
        superseded_by=row.superseded_by,
        health_and_welfare_order=row.health_and_welfare_order,
    )


def appointeeship_values(a: AppointeeshipDetails) -> dict[str, Any]:
    return asdict(a)  # stored as they are, column for field


def appointeeship_details(row: Any) -> AppointeeshipDetails:
    return AppointeeshipDetails(
        **{f.name: getattr(row, f.name) for f in fields(AppointeeshipDetails)}
    )


# Each kind of order: its identity table and its version table.
_TABLES = {
    "deputyship": (Deputyship, DeputyshipVersion),
    "appointeeship": (Appointeeship, AppointeeshipVersion),
}


async def insert_order(
    session: AsyncSession, entity: str, order_id: uuid.UUID, client_id: uuid.UUID
) -> None:
    identity, _ = _TABLES[entity]
    await session.execute(insert(identity).values(id=order_id, client_id=client_id))


async def append_order_version(
    session: AsyncSession,
    entity: str,
    order_id: uuid.UUID,
    values: dict[str, Any],
    expected_version: int | None,
) -> int:
    """The next version of the ``entity`` (deputyship or appointeeship) ``order_id``."""
    _, version = _TABLES[entity]
    table: Table = version.__table__  # type: ignore[assignment]
    key = f"{entity}_id"
    return await append_version(
        session, table, key, order_id, values, what=entity, expected_version=expected_version
    )


async def current_order(session: AsyncSession, view: Table, order_id: uuid.UUID) -> Row[Any] | None:
    """The order's current version, from its kind's ``*_current`` view."""
    return (await session.execute(select(view).where(view.c.id == order_id))).one_or_none()


def readable(principal: Principal) -> ColumnElement[bool]:
    """Row scoping: orders are a client's personal details (a client's ``deputyships`` and
    ``appointeeships``), read by the officers and audit who read every client
    (CLIENT_DETAIL_READ); a social worker reads none, not even of their own referral."""
    return true() if principal.has_any(CLIENT_DETAIL_READ) else false()


async def orders_by_id(
    session: AsyncSession, view: Table, order_ids: Sequence[uuid.UUID], principal: Principal
) -> Sequence[Row[Any]]:
    """The current versions of these orders of the kind of ``view`` the principal may read,
    in one query."""
    stmt = select(view).where(view.c.id.in_(set(order_ids)), readable(principal))
    return (await session.execute(stmt)).all()


async def orders_of(
    session: AsyncSession, view: Table, start: str, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[Any]]:
    """The clients' orders of the kind of ``view``, as current, latest ``start`` first."""
    stmt = select(view).where(view.c.client_id.in_(client_ids))
    return (await session.execute(stmt.order_by(view.c[start].desc(), view.c.id))).all()


@functools.cache
def _orders_of_kinds_statement(kinds: tuple[tuple[str, Table, str], ...]) -> Select[Any]:
    """The statement of ``orders_of_kinds``, built once per set of kinds (the clients' ids are
    one expanding parameter): building the union of the views' columns costs more than
    running it."""
    names: dict[str, Any] = {}
    for _, view, _ in kinds:
        for c in view.c:
            names.setdefault(c.name, c.type)
    ids: Any = bindparam("client_ids", expanding=True)
    parts = [
        select(
            literal(entity).label("kind"),
            view.c[start].label("starts"),
            *(view.c[n] if n in view.c else cast(null(), t).label(n) for n, t in names.items()),
        ).where(view.c.client_id.in_(ids))
        for entity, view, start in kinds
    ]
    both = union_all(*parts).subquery()
    return select(both).order_by(both.c.kind, both.c.starts.desc(), both.c.id)


async def orders_of_kinds(
    session: AsyncSession, kinds: Sequence[tuple[str, Table, str]], client_ids: Sequence[uuid.UUID]
) -> dict[str, list[Row[Any]]]:
    """The clients' orders of several kinds (entity, current view, start column) in one
    statement (UNION ALL of the views, each row with every kind's columns, null where not its
    own): by kind, each as current, latest start first (as ``orders_of`` reads one kind)."""
    stmt = _orders_of_kinds_statement(tuple(kinds))
    out: dict[str, list[Row[Any]]] = {entity: [] for entity, _, _ in kinds}
    for row in await session.execute(stmt, {"client_ids": list(client_ids)}):
        out[row.kind].append(row)
    return out


async def overlapping_order(
    session: AsyncSession,
    kind: str,
    client_id: uuid.UUID,
    order_id: uuid.UUID,
    start: date,
    end: date | None,
) -> uuid.UUID | None:
    """Another order of ``kind`` for the client whose period shares a day with ``start`` to
    ``end`` (issue 9 item 5), judged as the database's exclusion constraint judges it: on the
    periods its trigger keeps, with its own ``order_period``."""
    o = OrderInForce
    stmt = (
        select(o.order_id)
        .where(
            o.kind == kind,
            o.client_id == client_id,
            o.order_id != order_id,
            o.during.op("&&")(func.order_period(start, end)),
        )
        .order_by(func.lower(o.during), o.order_id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def superseded_by_each(
    session: AsyncSession, view: Table, successor_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """For each order, the orders it superseded (whose current version names it)."""
    out: dict[uuid.UUID, list[uuid.UUID]] = {s: [] for s in successor_ids}
    if not successor_ids:
        return out
    stmt = (
        select(view.c.superseded_by, view.c.id)
        .where(view.c.superseded_by.in_(list(successor_ids)))
        .order_by(view.c.id)
    )
    for successor, order_id in await session.execute(stmt):
        out[successor].append(order_id)
    return out


async def has_other_order(session: AsyncSession, client_id: uuid.UUID, order_id: uuid.UUID) -> bool:
    """Whether the client has an order of either kind other than ``order_id`` (its first order
    of either kind is the council's appointment, R-REF-7)."""
    for identity in (Appointeeship, Deputyship):
        stmt = select(identity.id).where(identity.client_id == client_id, identity.id != order_id)
        if (await session.execute(stmt.limit(1))).first() is not None:
            return True
    return False


async def insert_orders(
    session: AsyncSession,
    entity: str,
    orders: Sequence[tuple[uuid.UUID, uuid.UUID, dict[str, Any]]],
    recorded_by: str,
) -> None:
    """Orders of one kind (id, client, version values), each its identity row and version 1,
    in two statements (a caseload import)."""
    if not orders:
        return
    identity, version = _TABLES[entity]
    await session.execute(insert(identity), [{"id": i, "client_id": c} for i, c, _ in orders])
    key = f"{entity}_id"
    await session.execute(
        insert(version),
        [v | {key: i, "version": 1, "recorded_by": recorded_by} for i, _, v in orders],
    )
