"""Every SQL statement of the ledger's accounts, counterparties and transfers (the statements',
the interest runs' and the reclassifications' are in ``statements_repository``,
``interest_runs_repository`` and ``reclassifications_repository``)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, bindparam, func, insert, select, text, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clients.models import client_current
from ca_api.clients.rules import ClientStatus
from ca_api.common.keyset import Seek, keyset
from ca_api.db import any_id, get_by_id, rows_where_in
from ca_api.ledger.models import Counterparty, LedgerAccount, Transfer
from ca_api.ledger.rules import AccountKind, TransferKind


async def lock_accounts(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, LedgerAccount]:
    """Client accounts locked FOR UPDATE in id order (as the transfer trigger locks them, so two
    transfers never wait on each other in a cycle); counterparty accounts read, not locked.
    One statement (it was two: every account read, then the client ones locked)."""
    params = {"ids": sorted(set(account_ids))}
    return {a.id: a for a in (await session.execute(_lock_accounts(), params)).scalars()}


@functools.cache
def _lock_accounts() -> Any:
    """Built once (every transfer locks its accounts), the account ids a parameter."""
    ids: Any = bindparam("ids", expanding=True)
    counterparty = AccountKind.COUNTERPARTY.value
    locked = (
        select(LedgerAccount)
        .where(LedgerAccount.id.in_(ids), LedgerAccount.kind != counterparty)
        .order_by(LedgerAccount.id)
        .with_for_update()
        .cte("locked")
    )
    read = select(LedgerAccount).where(
        LedgerAccount.id.in_(ids), LedgerAccount.kind == counterparty
    )
    return (
        select(LedgerAccount)
        .from_statement(union_all(select(locked), read))
        .execution_options(populate_existing=True)
    )


async def lock_cms_accounts(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, LedgerAccount]:
    """The CMS account of each of these clients that has one, locked FOR UPDATE in id order
    (as ``apply_transfer`` locks them), in one statement. By client."""
    if not client_ids:
        return {}
    stmt = (
        select(LedgerAccount)
        .where(
            LedgerAccount.client_id == any_id(sorted(set(client_ids))),
            LedgerAccount.kind == AccountKind.CLIENT_CMS.value,
        )
        .order_by(LedgerAccount.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {a.client_id: a for a in (await session.execute(stmt)).scalars() if a.client_id}


async def open_cms_accounts(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], name: str
) -> dict[uuid.UUID, LedgerAccount]:
    """A CMS account made for each of these clients in one statement, but for a client who has
    one already (made meanwhile by another request: left out). By client."""
    if not client_ids:
        return {}
    made = await session.execute(
        pg_insert(LedgerAccount).on_conflict_do_nothing().returning(LedgerAccount),
        [
            {"id": uuid.uuid4(), "kind": AccountKind.CLIENT_CMS.value, "client_id": c, "name": name}
            for c in client_ids
        ],
        execution_options={"populate_existing": True},
    )
    return {a.client_id: a for a in made.scalars() if a.client_id is not None}


# Built once (every transfer goes through it), its values sent as parameters.
_INSERT_TRANSFER = insert(Transfer).returning(Transfer)


async def insert_transfer(session: AsyncSession, values: dict[str, Any]) -> Transfer:
    result = await session.execute(
        _INSERT_TRANSFER, values, execution_options={"populate_existing": True}
    )
    return result.scalar_one()


_TRANSFER_COLUMNS = (
    "id",
    "kind",
    "from_account_id",
    "to_account_id",
    "amount",
    "pending_id",
    "reverses_id",
    "value_date",
    "category",
    "description",
    "reference",
    "client_id",
    "recorded_by",
    "reason",
)
_INSERT_TRANSFERS = text(
    """
    INSERT INTO transfer (id, kind, from_account_id, to_account_id, amount, pending_id,
                          reverses_id, value_date, category, description, reference, client_id,
                          recorded_by, reason)
    SELECT * FROM unnest(CAST(:id AS uuid[]), CAST(:kind AS text[]),
                         CAST(:from_account_id AS uuid[]), CAST(:to_account_id AS uuid[]),
                         CAST(:amount AS bigint[]), CAST(:pending_id AS uuid[]),
                         CAST(:reverses_id AS uuid[]), CAST(:value_date AS date[]),
                         CAST(:category AS text[]), CAST(:description AS text[]),
                         CAST(:reference AS text[]), CAST(:client_id AS uuid[]),
                         CAST(:recorded_by AS text[]), CAST(:reason AS text[]))
    RETURNING *
    """
)


async def insert_transfers(
    session: AsyncSession, values: Sequence[dict[str, Any]]
) -> dict[uuid.UUID, Transfer]:
    """Transfers in one INSERT (a batch: a benefits run, an interest run, a fee run); the
    trigger ``apply_transfer`` applies each to its balances, in the order given. By id, in
    the order given. Each row gives every column of ``_TRANSFER_COLUMNS``.

    The caller keeps the ledger's locking discipline: the client accounts locked FOR UPDATE in
    id order before any transfer is inserted, as ``apply_transfer`` locks them."""
    if not values:
        return {}
    # The columns sent as arrays and unnested (in order: unnest yields its rows in array
    # order): one statement text, prepared once whatever the batch's size. A VALUES list is a
    # parameter a cell (14,000 for a benefits run's 1,000 lines) to bind, parse and plan.
    params = {c: [v[c] for v in values] for c in _TRANSFER_COLUMNS}
    result = await session.execute(
        select(Transfer).from_statement(_INSERT_TRANSFERS),
        params,
        execution_options={"populate_existing": True},
    )
    by_id = {t.id: t for t in result.scalars()}
    return {v["id"]: by_id[v["id"]] for v in values}


async def get_transfer(session: AsyncSession, transfer_id: uuid.UUID) -> Transfer | None:
    return await get_by_id(session, Transfer, transfer_id)


async def resolution_of(session: AsyncSession, pending_id: uuid.UUID) -> Transfer | None:
    stmt = select(Transfer).where(Transfer.pending_id == pending_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def reversal_of(session: AsyncSession, transfer_id: uuid.UUID) -> Transfer | None:
    stmt = select(Transfer).where(Transfer.reverses_id == transfer_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def client_account(
    session: AsyncSession, client_id: uuid.UUID, kind: AccountKind
) -> LedgerAccount | None:
    stmt = select(LedgerAccount).where(
        LedgerAccount.client_id == client_id, LedgerAccount.kind == kind.value
    )
    return (await session.execute(stmt)).scalars().first()


M = TypeVar("M", LedgerAccount, Counterparty)


async def _insert_new(session: AsyncSession, model: type[M], **values: Any) -> M | None:
    """A new row of ``model`` (its id made here), or None when a unique key of the table has
    one like it already (made meanwhile by a concurrent request, or before)."""
    stmt = (
        pg_insert(model).values(id=uuid.uuid4(), **values).on_conflict_do_nothing().returning(model)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def create_client_account(
    session: AsyncSession, client_id: uuid.UUID, kind: AccountKind, name: str
) -> LedgerAccount:
    """Make the account unless a concurrent request just did; either way return it."""
    made = await _insert_new(
        session, LedgerAccount, kind=kind.value, client_id=client_id, name=name
    )
    if made is not None:
        return made
    existing = await client_account(session, client_id, kind)
    assert existing is not None
    return existing


async def accounts_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[LedgerAccount]:
    return await rows_where_in(
        session,
        LedgerAccount,
        LedgerAccount.client_id,
        client_ids,
        LedgerAccount.kind,
        LedgerAccount.created_at,
    )


def posted_total_of(client_id: ColumnElement[uuid.UUID]) -> ColumnElement[int]:
    """The posted balances of all the client's ledger accounts added up, 0 without any: a
    scalar subquery correlated to ``client_id`` (by the accounts' client index), for a list
    that filters on a client's assets in SQL."""
    a = LedgerAccount
    total = func.coalesce(func.sum(a.posted), 0)
    return select(total).where(a.client_id == client_id).scalar_subquery()


async def get_account(session: AsyncSession, account_id: uuid.UUID) -> LedgerAccount | None:
    return await get_by_id(session, LedgerAccount, account_id)


async def closed_clients_of(session: AsyncSession, account_ids: Sequence[uuid.UUID]) -> list[str]:
    """The references of the clients whose case is CLOSED among the owners of these accounts."""
    stmt = (
        select(client_current.c.reference)
        .join(LedgerAccount, LedgerAccount.client_id == client_current.c.id)
        .where(
            LedgerAccount.id.in_(set(account_ids)),
            client_current.c.status == ClientStatus.CLOSED.value,
        )
    )
    return list((await session.execute(stmt)).scalars().all())


async def account_of_counterparty(
    session: AsyncSession, counterparty_id: uuid.UUID
) -> LedgerAccount | None:
    stmt = select(LedgerAccount).where(LedgerAccount.counterparty_id == counterparty_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def counterparty_account(session: AsyncSession, counterparty: Counterparty) -> LedgerAccount:
    made = await _insert_new(
        session,
        LedgerAccount,
        kind=AccountKind.COUNTERPARTY.value,
        counterparty_id=counterparty.id,
        name=counterparty.name,
    )
    if made is not None:
        return made
    existing = await account_of_counterparty(session, counterparty.id)
    assert existing is not None
    return existing


async def insert_counterparty(
    session: AsyncSession,
    *,
    kind: str,
    name: str,
    created_by: str,
    reference: str | None = None,
    is_council_employee: bool = False,
) -> Counterparty | None:
    """None when one of that kind and name exists already."""
    return await _insert_new(
        session,
        Counterparty,
        kind=kind,
        name=name,
        reference=reference,
        is_council_employee=is_council_employee,
        created_by=created_by,
    )


async def get_counterparty(
    session: AsyncSession, counterparty_id: uuid.UUID
) -> Counterparty | None:
    """A counterparty (never changed once recorded, so the session's copy will do)."""
    return await session.get(Counterparty, counterparty_id)


async def find_counterparty(session: AsyncSession, kind: str, name: str) -> Counterparty | None:
    stmt = select(Counterparty).where(Counterparty.kind == kind, Counterparty.name == name)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_counterparties(
    session: AsyncSession,
    *,
    kind: str | None,
    search: str | None,
    seek: Seek[tuple[str, uuid.UUID]],
) -> Sequence[Counterparty]:
    """A page of counterparties by name (then id: two of different kinds may share a name)."""
    stmt = select(Counterparty)
    if kind is not None:
        stmt = stmt.where(Counterparty.kind == kind)
    if search:
        stmt = stmt.where(Counterparty.name.ilike(f"%{search.strip()}%"))
    stmt = keyset(stmt, seek, Counterparty.name, Counterparty.id)
    return (await session.execute(stmt)).scalars().all()


# The ledger check from the transfers themselves, in one statement: each account's money moved
# (in less out, posted and holds made good) from one grouped pass over both legs of every
# transfer, and its holds still pending (no resolution: an anti-join on the unique index of
# ``pending_id``). A client account is wrong where its kept balances differ from these; the sum
# over every account takes client accounts by their kept balance and counterparties by their
# transfers. Issue 18: three grouped passes for the accounts and two more joined passes for the
# counterparties' sums (1.8 s at two million transfers) became the two passes here; summing per
# account in correlated subqueries, with ``id NOT IN (every resolved hold)``, gave no answer
# within a minute.
_SOUNDNESS = text("""
WITH moved AS (
  SELECT l.account_id, sum(l.amount) AS net
  FROM (
    SELECT t.to_account_id AS account_id, t.amount FROM transfer t
    WHERE t.kind IN (:posted, :post_pending)
    UNION ALL
    SELECT t.from_account_id, -t.amount FROM transfer t
    WHERE t.kind IN (:posted, :post_pending)
  ) l
  GROUP BY l.account_id
),
holds AS (
  SELECT t.from_account_id AS account_id, sum(t.amount) AS amount
  FROM transfer t
  WHERE t.kind = :pending
    AND NOT EXISTS (SELECT 1 FROM transfer r WHERE r.pending_id = t.id)
  GROUP BY t.from_account_id
),
accounts AS (
  SELECT a.kind = :counterparty AS counterparty, a.posted, a.held,
         coalesce(m.net, 0) AS net, coalesce(h.amount, 0) AS holds
  FROM ledger_account a
  LEFT JOIN moved m ON m.account_id = a.id
  LEFT JOIN holds h ON h.account_id = a.id
)
SELECT coalesce(sum(CASE WHEN counterparty THEN net ELSE posted END), 0) AS total,
       count(*) FILTER (WHERE NOT counterparty AND (posted <> net OR held <> holds)) AS wrong
FROM accounts
""")


async def soundness(session: AsyncSession) -> tuple[int, int]:
    """(sum over every account, client accounts by their kept balance and counterparties by
    their transfers; number of client accounts whose kept balances differ from what their
    transfers add up to): (0, 0) in a sound ledger."""
    row = (
        await session.execute(
            _SOUNDNESS,
            {
                "posted": TransferKind.POSTED.value,
                "post_pending": TransferKind.POST_PENDING.value,
                "pending": TransferKind.PENDING.value,
                "counterparty": AccountKind.COUNTERPARTY.value,
            },
        )
    ).one()
    return int(row.total), int(row.wrong)


# --- Batches by id (node(id:) and the references between objects) ---------------------------


async def accounts_by_id(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> Sequence[LedgerAccount]:
    return await rows_where_in(session, LedgerAccount, LedgerAccount.id, account_ids)


async def transfers_by_id(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> Sequence[Transfer]:
    return await rows_where_in(session, Transfer, Transfer.id, transfer_ids)


async def counterparties_by_id(
    session: AsyncSession, counterparty_ids: Sequence[uuid.UUID]
) -> Sequence[Counterparty]:
    return await rows_where_in(session, Counterparty, Counterparty.id, counterparty_ids)


async def counterparties_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[uuid.UUID, Counterparty]]:
    """(client id, counterparty) for each counterparty money of each of these clients came
    from or went to (its transfers, held or posted), once each, by client then name then id
    (R-ORD-2: whom a deputy order is registered with; R-DEATH-1: whom a death is told to)."""
    t = Transfer
    mine = t.client_id.in_(set(client_ids))
    own = (
        select(t.client_id, t.from_account_id.label("account_id"))
        .where(mine)
        .union(select(t.client_id, t.to_account_id).where(mine))
        .subquery()
    )
    stmt = (
        select(own.c.client_id, Counterparty)
        .join(LedgerAccount, LedgerAccount.id == own.c.account_id)
        .join(Counterparty, Counterparty.id == LedgerAccount.counterparty_id)
        .order_by(own.c.client_id, Counterparty.name, Counterparty.id)
    )
    return (await session.execute(stmt)).all()


# --- A caseload import's opening balances (issue 12 item 5) -----------------------------------


async def lock_client_accounts(
    session: AsyncSession, wanted: Sequence[tuple[uuid.UUID, AccountKind]], names: dict[str, str]
) -> dict[tuple[uuid.UUID, str], LedgerAccount]:
    """The client accounts (client, kind), the missing ones made in one statement (``names``:
    an account's name by kind), all locked FOR UPDATE in id order; by (client, kind)."""
    keys = sorted({(c, k.value) for c, k in wanted})
    if not keys:
        return {}
    clients = sorted({c for c, _ in keys})
    existing = await accounts_of_clients(session, clients)
    have = {(a.client_id, a.kind) for a in existing}
    missing = [(c, k) for c, k in keys if (c, k) not in have]
    if missing:
        await session.execute(
            pg_insert(LedgerAccount).on_conflict_do_nothing(),
            [{"id": uuid.uuid4(), "kind": k, "client_id": c, "name": names[k]} for c, k in missing],
        )
    stmt = (
        select(LedgerAccount)
        .where(LedgerAccount.client_id.in_(clients))
        .order_by(LedgerAccount.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = {(a.client_id, a.kind): a for a in (await session.execute(stmt)).scalars()}
    return {key: found[key] for key in keys}


async def transfers_into_clients_with_reference(
    session: AsyncSession, client_ids: Sequence[uuid.UUID], reference: str
) -> Sequence[Any]:
    """Posted transfers into these clients' accounts with this reference: (client, account
    kind, amount, value date)."""
    if not client_ids:
        return []
    t, a = Transfer, LedgerAccount
    stmt = (
        select(a.client_id, a.kind, t.amount, t.value_date)
        .join(a, a.id == t.to_account_id)
        .where(
            a.client_id.in_(set(client_ids)),
            t.reference == reference,
            t.kind == TransferKind.POSTED.value,
            t.reverses_id.is_(None),
        )
    )
    return (await session.execute(stmt)).all()
