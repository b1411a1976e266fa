"""Benefit overpayments as they stand (R-DEATH-2): each with its status derived from its rows and
its repayment's payment, and the hold that still protects it. No payments or
deaths.spending import, so both the death's and the estate's doors can ask."""

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
    open_holds: dict[uuid.UUID, Pence]  # its holds neither posted nor voided, with amounts

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
    def hold_open(self) -> bool:
        return bool(self.open_holds)

    @property
    def current_hold_ids(self) -> tuple[uuid.UUID, ...]:
        """The holds that protect it now: the first one; after a request, the share asked for
        (until the repayment's approval takes it over) and any remainder."""
        return tuple(self.open_holds)

    @property
    def held_now(self) -> Pence:
        """The money held back for it today (0 once released, or repaid)."""
        return sum(self.open_holds.values())

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

    def holds(row: BenefitOverpayment) -> list[uuid.UUID]:
        mine = requested.get(row.id)
        if not mine:
            return [row.hold_transfer_id] if row.hold_transfer_id else []
        item = mine[-1].item
        return [h for h in (item.share_hold_transfer_id, item.remainder_hold_transfer_id) if h]

    open_ = await repository.open_holds(session, [h for r in rows for h in holds(r[0])])
    return [
        OverpaymentView(
            row=row,
            receipt_value_date=value_date,
            requests=requested.get(row.id, []),
            release=released.get(row.id),
            open_holds={h: open_[h] for h in holds(row) if h in open_},
        )
        for row, value_date in rows
    ]


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
