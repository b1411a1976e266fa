"""Every SQL statement of a deceased client's estate: its claimants, the referral, and its
payments with their status (the payment's, from its events)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.db import insert_returning, rows_where_in
from ca_api.estates.models import EstateClaimant, EstatePayment, EstateReferral
from ca_api.ledger.models import Transfer
from ca_api.payments.models import PaymentEvent
from ca_api.payments.repository import payment_status_of
from ca_api.payments.rules import PaymentEventKind


async def claimants_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[EstateClaimant]:
    return await rows_where_in(
        session,
        EstateClaimant,
        EstateClaimant.client_id,
        client_ids,
        EstateClaimant.recorded_at,
        EstateClaimant.id,
    )


async def insert_claimant(session: AsyncSession, values: dict[str, Any]) -> EstateClaimant:
    return await insert_returning(session, EstateClaimant, values)


async def referrals_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[EstateReferral]:
    return await rows_where_in(
        session, EstateReferral, EstateReferral.client_id, client_ids, EstateReferral.id
    )


async def insert_referral(session: AsyncSession, values: dict[str, Any]) -> EstateReferral:
    return await insert_returning(session, EstateReferral, values)


async def insert_payment(session: AsyncSession, values: dict[str, Any]) -> EstatePayment:
    return await insert_returning(session, EstatePayment, values)


async def payments_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[EstatePayment, str, bool]]:
    """The clients' estate payments with their payment's status and whether the money it paid
    was brought back by a reversal (R-AUD-2), oldest first."""
    if not client_ids:
        return []
    made = aliased(PaymentEvent)
    reversed_ = exists().where(
        made.payment_id == EstatePayment.payment_id,
        made.event == PaymentEventKind.MADE.value,
        Transfer.reverses_id == made.transfer_id,
    )
    stmt = (
        select(
            EstatePayment,
            payment_status_of(EstatePayment.payment_id).label("status"),
            reversed_.label("reversed"),
        )
        .where(EstatePayment.client_id.in_(set(client_ids)))
        .order_by(EstatePayment.recorded_at, EstatePayment.id)
    )
    return (await session.execute(stmt)).all()
