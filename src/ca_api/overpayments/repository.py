"""Every SQL statement of benefit overpayments (R-DEATH-2): the receipts that may be flagged,
the overpayments, their repayment requests and items, their releases, and the state of the
holds and payments their status is derived from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.db import insert_recorded, insert_returning, rows_where_in
from ca_api.ledger.models import LedgerAccount, Transfer
from ca_api.overpayments.models import (
    BenefitOverpayment,
    OverpaymentRelease,
    RepaymentItem,
    RepaymentRequest,
)
from ca_api.overpayments.rules import FLAGGED_CATEGORIES
from ca_api.payments.repository import payment_status_of
from ca_api.receipts.models import Receipt


def _flaggable() -> Any:
    """Receipts of a benefit or pension, not reversed (a correction), not flagged already."""
    reversal = aliased(Transfer)
    return (
        select(Receipt, Transfer)
        .join(Transfer, Transfer.id == Receipt.transfer_id)
        .where(
            Transfer.category.in_([c.value for c in FLAGGED_CATEGORIES]),
            ~exists().where(reversal.reverses_id == Transfer.id),
            ~exists().where(BenefitOverpayment.receipt_transfer_id == Receipt.transfer_id),
        )
        .order_by(Transfer.value_date, Transfer.seq)
    )


async def flaggable_of_client(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[Row[Receipt, Transfer]]:
    """The client's benefit and pension receipts not yet flagged: (Receipt, Transfer), oldest
    first."""
    return (await session.execute(_flaggable().where(Receipt.client_id == client_id))).all()


async def flaggable_by_id(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> Sequence[Row[Receipt, Transfer]]:
    """These receipts, those of a benefit or pension not yet flagged, oldest first."""
    stmt = _flaggable().where(Receipt.transfer_id.in_(set(transfer_ids)))
    return (await session.execute(stmt)).all()


async def insert_overpayment(session: AsyncSession, values: dict[str, Any]) -> BenefitOverpayment:
    return await insert_returning(session, BenefitOverpayment, values)


async def overpayments_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> Sequence[Row[BenefitOverpayment, date]]:
    """The clients' overpayments with their receipt's value date, oldest receipt first."""
    stmt = (
        select(BenefitOverpayment, Transfer.value_date)
        .join(Transfer, Transfer.id == BenefitOverpayment.receipt_transfer_id)
        .where(BenefitOverpayment.client_id.in_(set(client_ids)))
        .order_by(Transfer.value_date, BenefitOverpayment.id)
    )
    return (await session.execute(stmt)).all()


async def overpayments_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> Sequence[Row[BenefitOverpayment, date]]:
    stmt = (
        select(BenefitOverpayment, Transfer.value_date)
        .join(Transfer, Transfer.id == BenefitOverpayment.receipt_transfer_id)
        .where(BenefitOverpayment.id.in_(set(ids)))
        .order_by(Transfer.value_date, BenefitOverpayment.id)
    )
    return (await session.execute(stmt)).all()


async def items_of(
    session: AsyncSession, overpayment_ids: Sequence[uuid.UUID]
) -> Sequence[Row[RepaymentItem, RepaymentRequest, str]]:
    """Each request item of these overpayments with its request and its payment's status,
    oldest request first."""
    stmt = (
        select(
            RepaymentItem,
            RepaymentRequest,
            payment_status_of(RepaymentRequest.payment_id).label("payment_status"),
        )
        .join(RepaymentRequest, RepaymentRequest.id == RepaymentItem.request_id)
        .where(RepaymentItem.overpayment_id.in_(set(overpayment_ids)))
        .order_by(RepaymentRequest.recorded_at, RepaymentRequest.id)
    )
    return (await session.execute(stmt)).all()


async def releases_of(
    session: AsyncSession, overpayment_ids: Sequence[uuid.UUID]
) -> Sequence[OverpaymentRelease]:
    return await rows_where_in(
        session,
        OverpaymentRelease,
        OverpaymentRelease.overpayment_id,
        overpayment_ids,
        OverpaymentRelease.overpayment_id,
    )


async def open_holds(session: AsyncSession, hold_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Those of these holds neither posted nor voided, with their amounts."""
    if not hold_ids:
        return {}
    later = aliased(Transfer)
    resolved = exists().where(later.pending_id == Transfer.id)
    stmt = select(Transfer.id, Transfer.amount).where(Transfer.id.in_(set(hold_ids)), ~resolved)
    return {r.id: r.amount for r in await session.execute(stmt)}


async def share_holds_of_payment(session: AsyncSession, payment_id: uuid.UUID) -> list[uuid.UUID]:
    """The share holds of the repayment request this payment pays (each an overpayment's)."""
    stmt = (
        select(RepaymentItem.share_hold_transfer_id)
        .join(RepaymentRequest, RepaymentRequest.id == RepaymentItem.request_id)
        .where(
            RepaymentRequest.payment_id == payment_id,
            RepaymentItem.share_hold_transfer_id.is_not(None),
        )
    )
    return [h for h in (await session.execute(stmt)).scalars() if h is not None]


async def insert_request(session: AsyncSession, values: dict[str, Any]) -> RepaymentRequest:
    # an overpayment's latest request is the last recorded, even within one transaction
    return await insert_recorded(session, RepaymentRequest, values)


async def insert_items(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await session.execute(insert(RepaymentItem), list(rows))


async def insert_release(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(OverpaymentRelease).values(values))


async def available_and_payer(
    session: AsyncSession, cms_account_id: uuid.UUID, payer_account_id: uuid.UUID
) -> tuple[int, uuid.UUID]:
    """What the client's CMS account can still spend (its posted balance less its holds, read
    afresh and locked FOR UPDATE, as a transfer locks it), and the payer's counterparty id."""
    stmt = (
        select(LedgerAccount.posted - LedgerAccount.held)
        .where(LedgerAccount.id == cms_account_id)
        .with_for_update()
    )
    available = int((await session.execute(stmt)).scalar_one())
    payer = select(LedgerAccount.counterparty_id).where(LedgerAccount.id == payer_account_id)
    payer_id = (await session.execute(payer)).scalar_one()
    assert payer_id is not None
    return available, payer_id


async def get_request(session: AsyncSession, request_id: uuid.UUID) -> RepaymentRequest | None:
    stmt = select(RepaymentRequest).where(RepaymentRequest.id == request_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def overpayments_of_request(session: AsyncSession, request_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(RepaymentItem.overpayment_id).where(RepaymentItem.request_id == request_id)
    return list((await session.execute(stmt)).scalars())
