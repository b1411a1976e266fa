"""Engine, sessions and the declarative base.

Services own transactions (``unit_of_work``); repositories own SQL; a request owns its session
and closes it when the response is sent.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    LargeBinary,
    MetaData,
    Numeric,
    Text,
    any_,
    bindparam,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The mapped tables (created by the migrations, not by the ORM). A column whose SQL type is
    the one its Python type maps to below is declared by its annotation alone
    (``amount: Mapped[int]``, ``| None`` where the column is nullable); any other type (an
    ``integer``, a ``jsonb``, a ``daterange``) is named in its ``mapped_column``. Repeated whole
    columns (keys, foreign keys, who recorded a row) are in ``common/columns.py``."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        int: BigInteger,  # money is pence in bigint, events are numbered by bigserial
        str: Text,
        bool: Boolean,
        date: Date,
        datetime: DateTime(timezone=True),
        uuid.UUID: UUID(as_uuid=True),
        Decimal: Numeric,
        bytes: LargeBinary,
    }


M = TypeVar("M", bound=Base)


async def rows_where_in(
    session: AsyncSession,
    model: type[M],
    column: Any,
    values: Iterable[Any],
    *order_by: ColumnElement[Any] | Any,
) -> Sequence[M]:
    """The rows of ``model`` whose ``column`` is one of ``values``, in ``order_by`` order: the
    one way a repository loads the children of a batch of parents (a loader's query)."""
    stmt = select(model).where(column.in_(set(values))).order_by(*order_by)
    return (await session.execute(stmt)).scalars().all()


def any_id(ids: Sequence[uuid.UUID]) -> ColumnElement[Any]:
    """``= ANY($1)`` with one array parameter: one statement text whatever the number of ids
    (``IN`` renders a parameter per id, a new statement to prepare for every batch size, and a
    driver takes at most 32,767 parameters)."""
    return any_(bindparam("ids", list(ids), type_=ARRAY(UUID(as_uuid=True)), unique=True))


def any_of(name: str) -> ColumnElement[Any]:
    """``= ANY(:name)``, the array of ids bound when the statement is run: ``any_id`` for a
    statement built once (a value per run, not per build)."""
    return any_(bindparam(name, type_=ARRAY(UUID(as_uuid=True))))


def fixed(value: str) -> ColumnElement[str]:
    """A constant written into the SQL, not bound: a partial index's predicate (``status =
    'RAISED'``) is proved only against constants, in every plan (a bound value would leave a
    generic plan without the index)."""
    return literal(value, literal_execute=True)


async def get_by_id(
    session: AsyncSession, model: type[M], id: Any, *, lock: bool = False
) -> M | None:
    """The row of ``model`` with this ``id`` (None if there is none), read afresh from the
    database (not the session's identity map), locked FOR UPDATE with ``lock``: the one way a
    repository reads one row by its key."""
    stmt = select(model).where(model.__table__.c.id == id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_returning(session: AsyncSession, model: type[M], values: dict[str, Any]) -> M:
    """One new row of ``model`` from ``values``, as the database stored it (its defaults
    filled in): the one way a repository inserts the row it hands back."""
    stmt = insert(model).values(values).returning(model)
    return (await session.execute(stmt)).scalar_one()


async def insert_recorded(session: AsyncSession, model: type[M], values: dict[str, Any]) -> M:
    """``insert_returning`` for a row of a table that lists its rows oldest first by
    ``recorded_at``: stamped with clock_timestamp(), the moment it was written, so the order holds
    for rows written in one transaction too (whose now() is the same)."""
    return await insert_returning(session, model, {"recorded_at": func.clock_timestamp(), **values})


def async_url(url: str) -> str:
    """Any PostgreSQL URL, with the asyncpg driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("ca_api runs on PostgreSQL only")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


class SerialSession(AsyncSession):
    """An AsyncSession that one request's resolvers can share.

    GraphQL resolves sibling fields concurrently, but a session (one connection) runs one
    statement at a time: each call waits its turn instead of failing with "concurrent operations
    are not permitted". Statements of one request still see one transaction's snapshot.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn = asyncio.Lock()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        async with self._turn:
            return await super().execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        async with self._turn:
            return await super().scalar(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        async with self._turn:
            return await super().get(*args, **kwargs)

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        async with self._turn:
            await super().flush(*args, **kwargs)

    async def commit(self) -> None:
        async with self._turn:
            await super().commit()

    async def rollback(self) -> None:
        async with self._turn:
            await super().rollback()


# A connection idle in the pool longer than this is replaced when next checked out (a
# firewall or PgBouncer that drops idle connections silently never reaches a request).
POOL_RECYCLE_SECONDS = 1800
# Statements asyncpg keeps prepared per connection (SQLAlchemy's default is 100; the API has
# more shapes than that, and a shape evicted is prepared again: a round trip).
PREPARED_STATEMENTS_PER_CONNECTION = 1000
# Compiled statement shapes SQLAlchemy keeps (its default is 500).
COMPILED_STATEMENTS = 2000
# What each connection sets on the server. PostgreSQL's JIT compiles a statement whose
# estimated cost passes jit_above_cost: on two million transfers every report and the ledger
# check pass it, and the compiling alone cost 100 to 250 ms a statement (ledgerCheck: 245 ms of
# 3.1 s, measured with EXPLAIN ANALYZE at issue 18's scale) to save less than it cost; the API's
# other statements are short. Off for the service's own connections, not the server's default.
SERVER_SETTINGS = {"jit": "off"}


def _refuse_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """On checkout, without a round trip: a connection whose server went away (a restart, a
    terminated backend: asyncpg sees the socket close and marks it closed) is refused, and the
    pool opens another in its place (SQLAlchemy retries a checkout refused this way). This
    replaces ``pool_pre_ping``, which cost every request BEGIN, a statement and ROLLBACK."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the connection was closed by the server")


class Database:
    """One engine per process; a session per request or per job.

    A PostgreSQL restart: the pooled connections are closed by the server, and asyncpg sees
    each socket close while it waits in the pool, so the next checkout replaces it
    (``_refuse_closed``). A statement that fails on a connection lost mid-request is a
    disconnect error to SQLAlchemy, which then discards every connection opened before it
    (the pool is invalidated), so at most the requests in flight at the restart fail.
    """

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = async_url(url)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_recycle=POOL_RECYCLE_SECONDS,
            query_cache_size=COMPILED_STATEMENTS,
            connect_args={
                "prepared_statement_cache_size": PREPARED_STATEMENTS_PER_CONNECTION,
                "server_settings": SERVER_SETTINGS,
            },
        )
        sa_event.listen(self.engine.sync_engine.pool, "checkout", _refuse_closed)
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, class_=SerialSession, expire_on_commit=False, autoflush=False
        )

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    async def dispose(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def unit_of_work(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """One business transaction: everything inside commits together or not at all.

    Reads made earlier in the same request (an implicit transaction that wrote nothing: the
    checks a mutation's extensions read before its resolver, say) are joined rather than ended
    first, which cost a COMMIT and a BEGIN, two round trips: under READ COMMITTED every
    statement sees what was committed when it ran either way. Each mutation of a
    multi-mutation request is still its own transaction (the one before committed on leaving
    its unit of work).
    """
    if not session.in_transaction():
        async with session.begin():
            yield session
        return
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    await session.commit()
