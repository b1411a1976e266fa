"""Every SQL statement about clients, and who may read which rows."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Date,
    Row,
    Uuid,
    and_,
    bindparam,
    column,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    union,
)
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.auth.permissions import CLIENT_READ_ALL
from ca_api.auth.principal import Principal, Role
from ca_api.clients.models import Client, ClientVersion, client_current
from ca_api.clients.rules import ClientDetails, ClientStatus, LegalRole, Situation
from ca_api.common.keyset import Seek, keyset
from ca_api.common.versioned import append_version
from ca_api.db import Base, any_id, any_of
from ca_api.orders.models import OrderInForce

cc = client_current


def readable(principal: Principal) -> ColumnElement[bool]:
    """Row scoping: officers and audit read every client; a social worker only the clients they
    referred; anyone else none (``reader_of`` names which)."""
    reader = reader_of(principal)
    if reader == "referred":
        return cc.c.referred_by == principal.subject
    return true() if reader == "all" else false()


# ``readable`` for a statement built once (issue 18 item 3): who may read which rows is the
# statement's shape (``reader_of``), the social worker's own name bound when it runs
# (``reader_values``).


def reader_of(principal: Principal | None) -> str:
    """Which rows ``readable(principal)`` lets through: ``all`` (officers, audit, or no
    principal: a use case that checked its own permission), ``referred`` (a social worker:
    their own referrals) or ``none``."""
    if principal is None or principal.has_any(CLIENT_READ_ALL):
        return "all"
    return "referred" if Role.SOCIAL_WORKER in principal.roles else "none"


def readable_by(reader: str) -> ColumnElement[bool]:
    """``readable`` of a principal ``reader_of`` names, ``:reader`` the social worker's name."""
    if reader == "referred":
        return cc.c.referred_by == bindparam("reader")
    return true() if reader == "all" else false()


def reader_values(principal: Principal | None) -> dict[str, Any]:
    """The values a ``readable_by`` statement runs with for ``principal``."""
    if principal is not None and reader_of(principal) == "referred":
        return {"reader": principal.subject}
    return {}


M = TypeVar("M", bound=Base)


async def readable_by_id(
    session: AsyncSession, principal: Principal, model: type[M], ids: Sequence[uuid.UUID]
) -> Sequence[M]:
    """The rows of ``model`` (a client's records: it has a ``client_id``) with these ids whose
    client the principal may read (row scoping, ``readable``), in one query."""
    table = model.__table__.c
    stmt = (
        select(model)
        .join(cc, cc.c.id == table.client_id)
        .where(table.id.in_(set(ids)), readable(principal))
    )
    return (await session.execute(stmt)).scalars().all()


def _in_force_on(order: Any, client_id: Any, kind: str, on: date) -> ColumnElement[bool]:
    """The client's order of ``kind`` in force on ``on`` (``order`` an alias of
    ``OrderInForce``)."""
    return and_(order.client_id == client_id, order.kind == kind, order.during.contains(on))


def _roles_on(on: date | ColumnElement[date]) -> Any:
    """Whether the client has an appointeeship and whether a deputyship in force on ``on``
    (both ends inclusive): each order's current period, kept in step with its versions by the
    database (``order_in_force``, migration 0010), read by the client's index. A lateral join,
    so a page reads it for the page's clients only (an EXISTS in the select list was planned
    as a hash of every order, 80 ms a page at 50,000 clients)."""
    o = OrderInForce
    return (
        select(
            func.coalesce(func.bool_or(o.kind == "appointeeship"), false()).label("is_appointee"),
            func.coalesce(func.bool_or(o.kind == "deputyship"), false()).label("is_deputy"),
        )
        .where(o.client_id == cc.c.id, o.during.contains(on))
        .lateral("roles")
    )


async def next_reference(session: AsyncSession) -> str:
    n = (await session.execute(text("SELECT nextval('client_reference_seq')"))).scalar_one()
    return f"CA{int(n):06d}"


async def insert_client(
    session: AsyncSession, client_id: uuid.UUID, reference: str, created_by: str
) -> None:
    await session.execute(
        insert(Client).values(id=client_id, reference=reference, created_by=created_by)
    )


def details_values(details: ClientDetails) -> dict[str, Any]:
    """The details as a version row stores them (enums by value)."""
    return asdict(details) | {"situation": details.situation.value, "status": details.status.value}


def details_of(row: Any) -> ClientDetails:
    """The details a version row (or a current row) holds: ``details_values`` undone."""
    stored = {f.name: getattr(row, f.name) for f in fields(ClientDetails)}
    return ClientDetails(
        **stored | {"situation": Situation(row.situation), "status": ClientStatus(row.status)}
    )


async def append_client_version(
    session: AsyncSession,
    client_id: uuid.UUID,
    details: ClientDetails,
    *,
    recorded_by: str,
    referred_by: str | None,
    reason: str | None,
    expected_version: int | None,
) -> int:
    values = details_values(details) | {
        "recorded_by": recorded_by,
        "referred_by": referred_by,
        "reason": reason,
    }
    return await append_version(
        session,
        ClientVersion.__table__,  # type: ignore[arg-type]
        "client_id",
        client_id,
        values,
        what="client",
        expected_version=expected_version,
    )


def _select_current(on: date | ColumnElement[date]) -> Any:
    roles = _roles_on(on)
    return select(cc, roles.c.is_appointee, roles.c.is_deputy).join_from(cc, roles, true())


# The reads of clients by id are built once per shape (issue 18 item 3): building the
# statement and its cache key cost more than running it, once for every client-keyed field of
# a request. The day and the ids are bound when run.


@functools.cache
def _current_statement(reader: str, many: bool) -> Any:
    """``_select_current`` of the clients with id ``:id`` (``= ANY(:ids)`` when ``many``) that
    ``reader`` may read (``readable_by``)."""
    ids = any_of("ids") if many else bindparam("id", type_=Uuid)
    return _select_current(bindparam("on", type_=Date)).where(cc.c.id == ids, readable_by(reader))


async def _read_current(
    session: AsyncSession, principal: Principal | None, on: date, **ids: Any
) -> Result[Any]:
    """Run ``_current_statement`` for ``id=`` one client or ``ids=`` several."""
    stmt = _current_statement(reader_of(principal), "ids" in ids)
    result: Result[Any] = await session.execute(stmt, {"on": on, **ids, **reader_values(principal)})
    return result


async def get_current(
    session: AsyncSession, client_id: uuid.UUID, principal: Principal, on: date
) -> Row[Any] | None:
    return (await _read_current(session, principal, on, id=client_id)).one_or_none()


async def get_current_unscoped(
    session: AsyncSession, client_id: uuid.UUID, on: date
) -> Row[Any] | None:
    """The current version whoever asks: for a use case that checked its own permission."""
    return (await _read_current(session, None, on, id=client_id)).one_or_none()


async def current_unscoped_by_id(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], on: date
) -> Sequence[Row[Any]]:
    """The current versions of these clients whoever asks, in one query: for a batch use case
    that checked its own permission."""
    return (await _read_current(session, None, on, ids=list(set(client_ids)))).all()


async def current_by_id(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], principal: Principal, on: date
) -> Sequence[Row[Any]]:
    """The current versions of these clients the principal may read (``readable``), in one
    query: the batch behind node(id:) and every reference to a client."""
    return (await _read_current(session, principal, on, ids=list(set(client_ids)))).all()


async def get_current_for_update(session: AsyncSession, client_id: uuid.UUID) -> Row[Any] | None:
    """The current version, locking the client's identity row against concurrent amendments."""
    locked = await session.execute(
        select(Client.id).where(Client.id == client_id).with_for_update()
    )
    if locked.scalar_one_or_none() is None:
        return None
    return (await session.execute(select(cc).where(cc.c.id == client_id))).one_or_none()


async def client_exists(session: AsyncSession, client_id: uuid.UUID) -> bool:
    stmt = select(Client.id).where(Client.id == client_id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def lock_client(session: AsyncSession, client_id: uuid.UUID) -> str | None:
    """Hold the client's identity row for the transaction; its reference, or None."""
    stmt = select(Client.reference).where(Client.id == client_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_identities(session: AsyncSession, keys: Sequence[str]) -> None:
    """Transaction-scoped advisory locks on ``keys``, taken in order: two requests creating
    clients who could be duplicates of each other run one after the other (issue 9 item 7)."""
    for key in sorted(set(keys)):
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


async def possible_duplicates(
    session: AsyncSession, ni_number: str | None, date_of_birth: date
) -> Sequence[ClientVersion]:
    """Current versions of the clients with this NI number or born on this date (the rules
    compare the names); by the indexes of migration 0010."""
    v, w = ClientVersion, aliased(ClientVersion)
    latest = select(func.max(w.version)).where(w.client_id == v.client_id).scalar_subquery()
    same = v.date_of_birth == date_of_birth
    if ni_number is not None:
        same = or_(same, v.ni_number == ni_number)
    stmt = select(v).where(same, v.version == latest).order_by(v.client_id)
    return (await session.execute(stmt)).scalars().all()


async def history(session: AsyncSession, client_id: uuid.UUID) -> Sequence[ClientVersion]:
    stmt = (
        select(ClientVersion)
        .where(ClientVersion.client_id == client_id)
        .order_by(ClientVersion.version)
    )
    return (await session.execute(stmt)).scalars().all()


# A condition on a current client row's columns (``Select.selected_columns``).
RowPredicate = Callable[[Any], ColumnElement[bool]]


@dataclass(frozen=True)
class ClientFilter:
    search: str | None = None  # name or reference, case-insensitive
    situation: Situation | None = None
    status: str | None = None
    legal_role: LegalRole | None = None


def _role_clause(role: LegalRole, stmt: Any) -> ColumnElement[bool]:
    """``role`` in the terms of ``stmt``, a ``_select_current`` (its ``roles``)."""
    app, dep = stmt.selected_columns.is_appointee, stmt.selected_columns.is_deputy
    match role:
        case LegalRole.BOTH:
            return and_(app, dep)
        case LegalRole.DEPUTY:
            return and_(dep, ~app)
        case LegalRole.APPOINTEE:
            return and_(app, ~dep)
        case LegalRole.NONE:
            return and_(~app, ~dep)


def _trigrams_held(indexed: ColumnElement[str], searched: str) -> ColumnElement[bool]:
    """Whether ``indexed`` holds every three-character piece of ``searched``, ignoring case
    (``search_trigrams``, migration 0051): true of every text containing ``searched``."""
    return func.search_trigrams(indexed).op("@>", is_comparison=True)(
        func.search_trigrams(searched)
    )


def _holding_trigrams_of(searched: str) -> Any:
    """The clients a version's name or whose reference holds every three-character piece of
    ``searched``, found by migration 0051's indexes: a superset of those the search matches
    (the ILIKE beside it decides), so the search reads a few index entries, not every client."""
    v = ClientVersion.__table__.c
    # Spelt as the index is (``' '`` a literal, not a parameter) for the planner to use it.
    name = v.given_name + literal_column("' '") + v.family_name
    return union(
        select(v.client_id).where(_trigrams_held(name, searched)),
        select(Client.id).where(_trigrams_held(Client.__table__.c.reference, searched)),
    )


async def list_current(
    session: AsyncSession,
    principal: Principal,
    flt: ClientFilter,
    *,
    on: date,
    seek: Seek[str],
    where: RowPredicate | None = None,
) -> Sequence[Row[Any]]:
    """A page of the current clients in reference order (``seek``: from where, which way);
    ``where``, if given, a further condition on the row's columns (its ``id``, ``situation``,
    ``is_appointee``, ``is_deputy``...)."""
    stmt = _select_current(on).where(readable(principal))
    if where is not None:
        stmt = stmt.where(where(stmt.selected_columns))
    if flt.search:
        searched = flt.search.strip()
        # The search is literal text: % and _ are not wildcards.
        literal = re.sub(r"([\\%_])", r"\\\1", searched)
        pattern = f"%{literal}%"
        stmt = stmt.where(
            or_(
                (cc.c.given_name + " " + cc.c.family_name).ilike(pattern, escape="\\"),
                cc.c.reference.ilike(pattern, escape="\\"),
            )
        )
        if len(searched) >= 3:
            stmt = stmt.where(cc.c.id.in_(_holding_trigrams_of(searched)))
    if flt.situation is not None:
        stmt = stmt.where(cc.c.situation == flt.situation.value)
    if flt.status is not None:
        stmt = stmt.where(cc.c.status == flt.status)
    if flt.legal_role is not None:
        stmt = stmt.where(_role_clause(flt.legal_role, stmt))
    return (await session.execute(keyset(stmt, seek, cc.c.reference))).all()


# Each client's newest version number (migration 0049), kept by the client version trigger.
_current_version = table("client_current_version", column("client_id"), column("version"))


async def caseload_counts(session: AsyncSession, on: date) -> Sequence[Row[bool, bool, str, int]]:
    """Active clients (not referrals, not closed) by legal role and situation (R-REP-1).
    No personal data."""
    # Every client at once, by hash joins on keys: each client's current version by its newest
    # version number (the counts need no column of ``client``, so not ``client_current``), and
    # the appointeeship and the deputyship in force on the day each by a join of its own: a
    # client has at most one of each kind in force on a day (order_in_force's exclusion
    # constraints), so neither join repeats a client, and no grouping of the orders by client
    # is needed (at 50,000 clients: a third less than grouping them, 130 to 90 ms of
    # PostgreSQL CPU on the loaded machine). A lateral read per client, as a page uses, is
    # 50,000 index reads here.
    p, v = _current_version, ClientVersion
    app, dep = aliased(OrderInForce), aliased(OrderInForce)
    is_appointee = app.client_id.is_not(None).label("is_appointee")
    is_deputy = dep.client_id.is_not(None).label("is_deputy")
    stmt = (
        select(is_appointee, is_deputy, v.situation, func.count().label("clients"))
        .select_from(
            p.join(v, and_(v.client_id == p.c.client_id, v.version == p.c.version))
            .outerjoin(app, _in_force_on(app, p.c.client_id, "appointeeship", on))
            .outerjoin(dep, _in_force_on(dep, p.c.client_id, "deputyship", on))
        )
        .where(v.status == "ACTIVE")
        .group_by(is_appointee, is_deputy, v.situation)
    )
    return (await session.execute(stmt)).all()


# --- A caseload import (issue 12 item 5): many clients in a few statements ----------------------


async def current_by_reference(session: AsyncSession, references: Sequence[str]) -> Sequence[Any]:
    """The current versions of the clients with these references (every caller's: the import
    is the governance manager's), in one query."""
    if not references:
        return []
    stmt = select(cc).where(cc.c.reference.in_(set(references)))
    return (await session.execute(stmt)).all()


async def current_with_ni_or_birth(
    session: AsyncSession, ni_numbers: Sequence[str], births: Sequence[date]
) -> Sequence[Any]:
    """Current versions of the clients with one of these NI numbers or born on one of these
    days (the rules compare the names): the likely duplicates of a batch, in one query."""
    if not ni_numbers and not births:
        return []
    same = or_(cc.c.ni_number.in_(set(ni_numbers)), cc.c.date_of_birth.in_(set(births)))
    return (await session.execute(select(cc).where(same))).all()


async def insert_clients(
    session: AsyncSession, clients: Sequence[tuple[uuid.UUID, str, ClientDetails]], created_by: str
) -> None:
    """Clients with the references given (each its identity row and version 1), two
    statements in all."""
    if not clients:
        return
    await session.execute(
        insert(Client),
        [{"id": i, "reference": ref, "created_by": created_by} for i, ref, _ in clients],
    )
    await session.execute(
        insert(ClientVersion),
        [
            details_values(d)
            | {"client_id": i, "version": 1, "recorded_by": created_by, "referred_by": None}
            for i, _, d in clients
        ],
    )


async def reference_sequence_past(session: AsyncSession, references: Sequence[str]) -> None:
    """Keep the reference sequence past every reference of its own form (CA000123) taken by
    hand, so a client created later never gets one of them."""
    numbers = [int(r[2:]) for r in references if re.fullmatch(r"CA\d{6}", r)]
    if numbers:
        await session.execute(
            text(
                "SELECT setval('client_reference_seq', GREATEST(:n, "
                "(SELECT last_value FROM client_reference_seq)))"
            ),
            {"n": max(numbers)},
        )


async def lock_clients(session: AsyncSession, client_ids: Sequence[uuid.UUID]) -> None:
    """Hold these clients' identity rows for the transaction, in id order, in one statement."""
    if client_ids:
        stmt = (
            select(Client.id).where(Client.id.in_(set(client_ids))).order_by(Client.id)
        ).with_for_update()
        await session.execute(stmt)


async def statuses_held(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The current status of each client that exists, after taking a KEY SHARE lock on it.

    The lock waits for an amendment in flight (which holds the client FOR UPDATE) and keeps one
    from starting until we commit: a client cannot be closed while money is recorded for them.
    Concurrent receipts for the same client do not wait on each other."""
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    await session.execute(
        select(Client.id)
        .where(Client.id == any_id(ids))
        .order_by(Client.id)
        .with_for_update(key_share=True)
    )
    cc = client_current
    rows = await session.execute(select(cc.c.id, cc.c.status).where(cc.c.id == any_id(ids)))
    return {r.id: r.status for r in rows}
