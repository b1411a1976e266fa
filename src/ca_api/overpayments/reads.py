"""Benefit overpayments as they stand (R-DEATH-2): each with its status derived from its rows and
its repayment's payment, and the hold that still protects it. No payments.service or
deaths.service import, so both the death's and the estate's doors can ask."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.money import Pence
from ca_api.overpayments import repository, rules
from ca_api.overpayments.models import (
    BenefitOverpayment,
    OverpaymentRelease,
    RepaymentItem,
    RepaymentRequest,
)
from ca_api.overpayments.rules import OverpaymentStatus


@dataclass(frozen=True)
class Requested:
    """A repayment request covering the overpayment: its share of the agency's figure, any
    remainder held again, and the status of the request's payment."""

    item: RepaymentItem
    request: RepaymentRequest
    payment_status: str


@dataclass(frozen=True)
class OverpaymentView:
    row: BenefitOverpayment
    receipt_value_date: date
    requests: Sequence[Requested]  # oldest first
    release: OverpaymentRelease | None
    hold_open: bool  # its current hold is neither posted nor voided

    @property
    def latest(self) -> Requested | None:
        return self.requests[-1] if self.requests else None

    @property
    def status(self) -> OverpaymentStatus:
        latest = self.latest
        return rules.overpayment_status(
            self.release is not None, latest.payment_status if latest is not None else None
        )

    @property
    def current_hold_id(self) -> uuid.UUID | None:
        """The hold that protects it now: the first one, or the remainder a request re-held."""
        latest = self.latest
        if latest is None:
            return self.row.hold_transfer_id
        return latest.item.remainder_hold_transfer_id

    @property
    def held_now(self) -> Pence:
        """The money held back for it today (0 once released, or voided for a repayment)."""
        if not self.hold_open:
            return 0
        latest = self.latest
        return self.row.amount_held if latest is None else latest.item.remainder_held

    @property
    def shortfall(self) -> Pence:
        """What of the flagged share could not be held (spent before the death was confirmed)."""
        return self.row.amount_flagged - self.row.amount_held

    @property
    def outstanding(self) -> bool:
        """Neither repaid nor released, or money still held for it."""
        return self.status in rules.OUTSTANDING or self.held_now > 0

    def sort_key(self) -> tuple[str, str]:
        return self.receipt_value_date.isoformat(), str(self.row.id)


async def _views(
    session: AsyncSession, rows: Sequence[tuple[BenefitOverpayment, date]]
) -> list[OverpaymentView]:
    ids = [r[0].id for r in rows]
    if not ids:
        return []
    requested: dict[uuid.UUID, list[Requested]] = {}
    for item, request, status in await repository.items_of(session, ids):
        requested.setdefault(item.overpayment_id, []).append(Requested(item, request, status))
    released = {r.overpayment_id: r for r in await repository.releases_of(session, ids)}

    def hold(row: BenefitOverpayment) -> uuid.UUID | None:
        mine = requested.get(row.id)
        return mine[-1].item.remainder_hold_transfer_id if mine else row.hold_transfer_id

    holds = [h for h in (hold(r[0]) for r in rows) if h is not None]
    resolved = await repository.resolved_holds(session, holds)
    out = []
    for row, value_date in rows:
        h = hold(row)
        out.append(
            OverpaymentView(
                row=row,
                receipt_value_date=value_date,
                requests=requested.get(row.id, []),
                release=released.get(row.id),
                hold_open=h is not None and h not in resolved,
            )
        )
    return out


async def of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OverpaymentView]]:
    """Every overpayment of these clients, by client, oldest receipt first."""
    rows = await repository.overpayments_of_clients(session, client_ids)
    out: dict[uuid.UUID, list[OverpaymentView]] = {}
    for v in await _views(session, [(r[0], r[1]) for r in rows]):
        out.setdefault(v.row.client_id, []).append(v)
    return out


async def by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, OverpaymentView]:
    rows = await repository.overpayments_by_id(session, ids)
    return {v.row.id: v for v in await _views(session, [(r[0], r[1]) for r in rows])}


async def outstanding_of_clients(
    session: AsyncSession, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OverpaymentView]]:
    """Each client's overpayments neither repaid nor released (or with money still held), for
    the queries of clients being wound up and the estate's and case closure's doors (issue 13
    items 5-6): a client with none is absent."""
    every = await of_clients(session, client_ids)
    out = {c: [v for v in vs if v.outstanding] for c, vs in every.items()}
    return {c: vs for c, vs in out.items() if vs}


async def outstanding(session: AsyncSession, client_id: uuid.UUID) -> list[OverpaymentView]:
    """The client's overpayments neither repaid nor released (or with money still held)."""
    return (await outstanding_of_clients(session, [client_id])).get(client_id, [])
