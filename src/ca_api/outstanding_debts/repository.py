"""Every SQL statement of a client's outstanding debts found on appointment: the debt records,
the repayment plans and their lines, the letters to creditors and their sending, the repayments
(with their payment's status, from its events)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.db import get_by_id, insert_recorded, rows_where_in
from ca_api.outstanding_debts.models import (
    DebtLetter,
    DebtLetterSent,
    DebtPlanLine,
    DebtRepayment,
    DebtRepaymentPlan,
    OutstandingDebt,
)
from ca_api.payments.repository import payment_status_of


async def debts_of(session: AsyncSession, client_id: uuid.UUID) -> Sequence[OutstandingDebt]:
    return await rows_where_in(
        session,
        OutstandingDebt,
        OutstandingDebt.client_id,
        [client_id],
        OutstandingDebt.recorded_at,
        OutstandingDebt.id,
    )


async def debt(session: AsyncSession, debt_id: uuid.UUID) -> OutstandingDebt | None:
    return await get_by_id(session, OutstandingDebt, debt_id)


async def insert_debt(session: AsyncSession, values: dict[str, Any]) -> OutstandingDebt:
    return await insert_recorded(session, OutstandingDebt, values)


async def plans_of(session: AsyncSession, client_id: uuid.UUID) -> Sequence[DebtRepaymentPlan]:
    return await rows_where_in(
        session,
        DebtRepaymentPlan,
        DebtRepaymentPlan.client_id,
        [client_id],
        DebtRepaymentPlan.recorded_at,
        DebtRepaymentPlan.id,
    )


async def plan(
    session: AsyncSession, plan_id: uuid.UUID, *, lock: bool = False
) -> DebtRepaymentPlan | None:
    return await get_by_id(session, DebtRepaymentPlan, plan_id, lock=lock)


async def insert_plan(session: AsyncSession, values: dict[str, Any]) -> DebtRepaymentPlan:
    return await insert_recorded(session, DebtRepaymentPlan, values)


async def lines_of(session: AsyncSession, client_id: uuid.UUID) -> Sequence[DebtPlanLine]:
    return await rows_where_in(
        session, DebtPlanLine, DebtPlanLine.client_id, [client_id], DebtPlanLine.position
    )


async def insert_line(session: AsyncSession, values: dict[str, Any]) -> DebtPlanLine:
    return await insert_recorded(session, DebtPlanLine, values)


async def letters_of(session: AsyncSession, client_id: uuid.UUID) -> Sequence[DebtLetter]:
    return await rows_where_in(
        session, DebtLetter, DebtLetter.client_id, [client_id], DebtLetter.recorded_at
    )


async def letter(session: AsyncSession, letter_id: uuid.UUID) -> DebtLetter | None:
    return await get_by_id(session, DebtLetter, letter_id)


async def insert_letter(session: AsyncSession, values: dict[str, Any]) -> DebtLetter:
    return await insert_recorded(session, DebtLetter, values)


async def sendings_of(session: AsyncSession, client_id: uuid.UUID) -> Sequence[DebtLetterSent]:
    return await rows_where_in(session, DebtLetterSent, DebtLetterSent.client_id, [client_id])


async def insert_sending(session: AsyncSession, values: dict[str, Any]) -> DebtLetterSent:
    return await insert_recorded(session, DebtLetterSent, values)


async def repayments_of(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[Row[DebtRepayment, str]]:
    """The client's repayments with their payment's status, oldest first."""
    stmt = (
        select(DebtRepayment, payment_status_of(DebtRepayment.payment_id).label("status"))
        .where(DebtRepayment.client_id == client_id)
        .order_by(DebtRepayment.recorded_at, DebtRepayment.id)
    )
    return (await session.execute(stmt)).all()


async def insert_repayment(session: AsyncSession, values: dict[str, Any]) -> DebtRepayment:
    return await insert_recorded(session, DebtRepayment, values)


async def repayment_of(session: AsyncSession, payment_id: uuid.UUID) -> DebtRepayment | None:
    stmt = select(DebtRepayment).where(DebtRepayment.payment_id == payment_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def owes_payee(session: AsyncSession, client_id: uuid.UUID, payee_id: uuid.UUID) -> bool:
    """Whether any version of any of the client's found debts names this payee: one indexed
    EXISTS, asked before the whole debts view is worked out (most payments pay no creditor)."""
    stmt = select(
        exists().where(OutstandingDebt.client_id == client_id, OutstandingDebt.payee_id == payee_id)
    )
    return bool((await session.execute(stmt)).scalar_one())
