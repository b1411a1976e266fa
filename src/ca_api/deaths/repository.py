"""Every SQL statement of a client's death: the death and its events, the confirmed date of
death the money doors ask for, and the list of clients being wound up."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, and_, bindparam, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clients.models import client_current
from ca_api.clients.rules import ClientStatus
from ca_api.common.keyset import Seek, keyset
from ca_api.db import fixed, insert_returning, rows_where_in
from ca_api.deaths.models import (
    Death,
    DeathEvent,
    DeathNotificationAdded,
    DeathNotificationSent,
    WindUpFee,
)
from ca_api.deaths.rules import DeathEventKind
from ca_api.invoices.models import Invoice
from ca_api.invoices.repository import invoice_status_of
from ca_api.invoices.rules import CLOSED as INVOICE_CLOSED
from ca_api.ledger.models import Transfer
from ca_api.payments.models import Payment
from ca_api.payments.repository import payment_status_of
from ca_api.payments.rules import PaymentStatus
from ca_api.temporary_assistance.models import TemporaryAssistance
from ca_api.temporary_assistance.repository import repaid_of as assistance_repaid_of
from ca_api.temporary_assistance.repository import status_of as assistance_status_of
from ca_api.temporary_assistance.rules import AssistanceStatus


def _withdrawn() -> Any:
    return exists().where(
        and_(DeathEvent.death_id == Death.id, DeathEvent.event == DeathEventKind.WITHDRAWN.value)
    )


def confirmed_death() -> Any:
    return exists().where(
        and_(
            DeathEvent.death_id == Death.id,
            DeathEvent.event == fixed(DeathEventKind.CONFIRMED.value),
        )
    )


def has_confirmed_death(client_id: Any) -> Any:
    """SQL: the client (a column or value) has a confirmed death (the event CONFIRMED; a
    withdrawn death never is, R-DTH transitions): for lists that leave the dead out in SQL
    rather than reading every client's death (issue 18)."""
    return exists().where(and_(Death.client_id == client_id, confirmed_death()))


async def insert_death(session: AsyncSession, values: dict[str, Any]) -> Death:
    return await insert_returning(session, Death, values)


async def death_of_client(
    session: AsyncSession, client_id: uuid.UUID, *, lock: bool = False
) -> Death | None:
    stmt = select(Death).where(Death.client_id == client_id, ~_withdrawn())
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock(session: AsyncSession, death_id: uuid.UUID) -> Death | None:
    stmt = (
        select(Death)
        .where(Death.id == death_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def events_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[DeathEvent]:
    return await rows_where_in(session, DeathEvent, DeathEvent.death_id, ids, DeathEvent.id)


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> int:
    stmt = insert(DeathEvent).values(values).returning(DeathEvent.id)
    return int((await session.execute(stmt)).scalar_one())


async def deaths_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Death]:
    """The clients' deaths that stand (not withdrawn): at most one each."""
    stmt = (
        select(Death).where(Death.client_id.in_(set(client_ids)), ~_withdrawn()).order_by(Death.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def confirmed_death_date(session: AsyncSession, client_id: uuid.UUID) -> date | None:
    """The date of the client's CONFIRMED death, or None (alive, or a death not yet confirmed)."""
    stmt = select(Death.died_on).where(Death.client_id == client_id, confirmed_death())
    return (await session.execute(stmt)).scalar_one_or_none()


async def confirmed_death_dates(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, date]:
    stmt = select(Death.client_id, Death.died_on).where(
        Death.client_id.in_(set(client_ids)), confirmed_death()
    )
    return {r.client_id: r.died_on for r in await session.execute(stmt)}


async def winding_up(session: AsyncSession, seek: Seek[Any]) -> Sequence[Row[Death, str]]:
    """Clients whose death is confirmed and whose case is not closed: (Death, client
    reference), the longest dead first. The reference is the current view's (the client's
    own): a join of ``client`` beside the view doubled the planning (17 -> 8 ms at 50,000
    clients, the statement itself under 1 ms). Its constants and limit are written into the SQL
    (``fixed``): the first page binds nothing, so PostgreSQL plans it once per connection and
    keeps the plan (3 to 4 ms of planning a page, 0.5 ms to run it; issue 18 item 1)."""
    stmt = (
        select(Death, client_current.c.reference.label("client_reference"))
        .join(client_current, client_current.c.id == Death.client_id)
        .where(confirmed_death(), client_current.c.status != fixed(ClientStatus.CLOSED.value))
    )
    page = keyset(stmt, seek, Death.died_on, Death.id, fixed_limit=True)
    return (await session.execute(page)).all()


async def added_of(
    session: AsyncSession, death_ids: Sequence[uuid.UUID]
) -> Sequence[DeathNotificationAdded]:
    """The items officers added to these deaths' lists, each death's in the order added."""
    a = DeathNotificationAdded
    return await rows_where_in(session, a, a.death_id, death_ids, a.death_id, a.recorded_at, a.id)


async def insert_added(session: AsyncSession, values: dict[str, Any]) -> DeathNotificationAdded:
    return await insert_returning(session, DeathNotificationAdded, values)


async def sent_of(
    session: AsyncSession, death_ids: Sequence[uuid.UUID]
) -> Sequence[DeathNotificationSent]:
    """The letters recorded sent for these deaths."""
    sent = DeathNotificationSent
    return await rows_where_in(session, sent, sent.death_id, death_ids, sent.death_id, sent.id)


async def insert_sent(session: AsyncSession, values: dict[str, Any]) -> DeathNotificationSent:
    return await insert_returning(session, DeathNotificationSent, values)


# --- the wind-up fee (item 4, R-FEE-5) -------------------------------------------------------


async def wind_up_fees_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[WindUpFee]:
    """The clients' wind-up fees in force: those whose transfer is not reversed (a fee taken in
    error and reversed is owed again, R-AUD-2, migration 0026)."""
    reversed_ = exists().where(Transfer.reverses_id == WindUpFee.transfer_id)
    stmt = (
        select(WindUpFee)
        .where(WindUpFee.client_id.in_(set(client_ids)), ~reversed_)
        .order_by(WindUpFee.recorded_at, WindUpFee.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def assistance_owed(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[Row[str, int, int]]:
    """Temporary assistance the council paid for the client and not repaid in full (seed 002
    B 4.6): (purpose, amount, repaid), oldest first: a debt of the client's to the council."""
    status = assistance_status_of(TemporaryAssistance.id)
    repaid = assistance_repaid_of(TemporaryAssistance.id)
    stmt = (
        select(TemporaryAssistance.purpose, TemporaryAssistance.amount, repaid.label("repaid"))
        .where(
            TemporaryAssistance.client_id == client_id,
            status == AssistanceStatus.PAID.value,
        )
        .order_by(TemporaryAssistance.raised_at, TemporaryAssistance.id)
    )
    return (await session.execute(stmt)).all()


async def insert_wind_up_fee(session: AsyncSession, values: dict[str, Any]) -> WindUpFee:
    return await insert_returning(session, WindUpFee, values)


async def invoices_due_by(
    session: AsyncSession, client_id: uuid.UUID, up_to: date
) -> Sequence[Row[uuid.UUID, str, date, int, str]]:
    """The client's invoices dated up to and including ``up_to`` neither paid nor cancelled:
    (id, supplier's number, date, amount, status), oldest first."""
    status = invoice_status_of(Invoice.id)
    stmt = (
        select(
            Invoice.id,
            Invoice.supplier_invoice_number,
            Invoice.invoice_date,
            Invoice.amount,
            status.label("status"),
        )
        .where(
            Invoice.client_id == client_id,
            Invoice.invoice_date <= up_to,
            status.not_in([s.value for s in INVOICE_CLOSED]),
        )
        .order_by(Invoice.invoice_date, Invoice.id)
    )
    return (await session.execute(stmt)).all()


async def payments_open(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[Row[uuid.UUID, str, int, str, str | None]]:
    """The client's payments raised or approved, not yet made nor cancelled: (id, description,
    amount, status, winding-up basis), oldest first."""
    status = payment_status_of(Payment.id)
    open_ = [PaymentStatus.RAISED.value, PaymentStatus.APPROVED.value]
    stmt = (
        select(
            Payment.id,
            Payment.description,
            Payment.amount,
            status.label("status"),
            Payment.winding_up_basis,
        )
        .where(Payment.client_id == client_id, status.in_(open_))
        .order_by(Payment.raised_at, Payment.id)
    )
    return (await session.execute(stmt)).all()


async def death_and_situation(
    session: AsyncSession, client_id: uuid.UUID
) -> tuple[date | None, str | None]:
    """``confirmed_death_date`` and the client's situation as it stands (None: no such client),
    in one statement: what every door where money leaves asks (``refuse_spending_after_death``),
    one round trip rather than two."""
    row = (await session.execute(_death_and_situation(), {"client_id": client_id})).one()
    return row[0], row[1]


@functools.cache
def _death_and_situation() -> Any:
    """Built once (every step of a payment asks it), the client's id a parameter."""
    client_id = bindparam("client_id", type_=Death.client_id.type)
    died_on = (
        select(Death.died_on)
        .where(Death.client_id == client_id, confirmed_death())
        .scalar_subquery()
    )
    situation = (
        select(client_current.c.situation).where(client_current.c.id == client_id).scalar_subquery()
    )
    return select(died_on, situation)
