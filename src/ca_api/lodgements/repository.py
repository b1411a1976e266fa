"""Every SQL statement of lodgements and withdrawals (the Court Funds interest runs' are
``ledger.interest_runs_repository``'s)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.keyset import Seek, keyset
from ca_api.db import get_by_id, insert_returning
from ca_api.decisions import repository as decisions_repository
from ca_api.decisions.rules import DecisionStatus
from ca_api.ledger.models import Transfer
from ca_api.lodgements import rules
from ca_api.lodgements.models import (
    CourtFundsWithdrawal,
    Lodgement,
    LodgementLodged,
)
from ca_api.lodgements.rules import LodgementStatus
from ca_api.money import Pence

# --- Lodgements -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LodgementRow:
    lodgement: Lodgement
    status: LodgementStatus
    lodged: LodgementLodged | None


# A lodgement not yet lodged has its decision's status, named as ``rules.lodgement_status``
# names it (read off the rule itself, so the SQL below cannot drift from it).
ON_DECISION = {d: rules.lodgement_status(d, lodged=False) for d in DecisionStatus}


@functools.cache
def _status() -> ColumnElement[str]:
    """The status in SQL (as ``rules.lodgement_status``), so a list can filter on it: lodged
    wins, else its decision's current status (``decisions.repository.status_of``, kept by the
    database from the decision's events) as named by ``ON_DECISION``. Built once."""
    lodged = LodgementLodged.lodgement_id.is_not(None)
    on_decision = case(
        {d.value: ON_DECISION[d].value for d in DecisionStatus},
        value=decisions_repository.status_of(Lodgement.decision_id),
    )
    return case((lodged, literal(LodgementStatus.LODGED.value)), else_=on_decision)


@functools.cache
def _select() -> Any:
    return select(Lodgement, LodgementLodged, _status().label("status")).outerjoin(
        LodgementLodged, LodgementLodged.lodgement_id == Lodgement.id
    )


def _row(r: Any) -> LodgementRow:
    return LodgementRow(lodgement=r[0], lodged=r[1], status=LodgementStatus(r.status))


async def insert_lodgement(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """None when the decision has a lodgement already (a retry racing the first request)."""
    stmt = (
        pg_insert(Lodgement)
        .values(values)
        .on_conflict_do_nothing(index_elements=[Lodgement.decision_id])
        .returning(Lodgement.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def lodgement_of_decision(session: AsyncSession, decision_id: uuid.UUID) -> uuid.UUID | None:
    stmt = select(Lodgement.id).where(Lodgement.decision_id == decision_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_lodgement(session: AsyncSession, lodgement_id: uuid.UUID) -> LodgementRow | None:
    row = (await session.execute(_select().where(Lodgement.id == lodgement_id))).one_or_none()
    return _row(row) if row is not None else None


async def lock_lodgement(session: AsyncSession, lodgement_id: uuid.UUID) -> Lodgement | None:
    """The lodgement locked FOR UPDATE: one lodge of it at a time (the table refuses UPDATE,
    not a row lock)."""
    return await get_by_id(session, Lodgement, lodgement_id, lock=True)


async def lodged(session: AsyncSession, lodgement_id: uuid.UUID) -> LodgementLodged | None:
    stmt = select(LodgementLodged).where(LodgementLodged.lodgement_id == lodgement_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_lodged(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(LodgementLodged).values(values))


async def list_lodgements(
    session: AsyncSession,
    *,
    client_id: uuid.UUID | None,
    status: LodgementStatus | None,
    seek: Seek[tuple[datetime, uuid.UUID]],
) -> list[LodgementRow]:
    """A page of lodgements, newest proposal first."""
    stmt = _select()
    if client_id is not None:
        stmt = stmt.where(Lodgement.client_id == client_id)
    if status is not None:
        stmt = stmt.where(_status() == status.value)
    stmt = keyset(stmt, seek, Lodgement.proposed_at.desc(), Lodgement.id.desc())
    return [_row(r) for r in (await session.execute(stmt)).all()]


async def committed(
    session: AsyncSession, client_id: uuid.UUID, since: date, excluding: uuid.UUID | None
) -> Pence:
    """What the client's lodgements take from a plan's surplus (R-INV-2): every one still
    PROPOSED or APPROVED (the money is still in the CMS account), and every one LODGED with a
    value date on or after ``since``, the plan's year start (earlier ones had left the account
    before the plan's opening balance). ``excluding``: the decision of the lodgement being
    judged, which is not counted against itself."""
    status = _status()
    stmt = (
        select(func.coalesce(func.sum(Lodgement.amount), 0))
        .select_from(Lodgement)
        .outerjoin(LodgementLodged, LodgementLodged.lodgement_id == Lodgement.id)
        .outerjoin(Transfer, Transfer.id == LodgementLodged.transfer_id)
        .where(
            Lodgement.client_id == client_id,
            or_(
                status.in_([LodgementStatus.PROPOSED.value, LodgementStatus.APPROVED.value]),
                and_(status == LodgementStatus.LODGED.value, Transfer.value_date >= since),
            ),
        )
    )
    if excluding is not None:
        stmt = stmt.where(Lodgement.decision_id != excluding)
    return int((await session.execute(stmt)).scalar_one())


# --- Withdrawals (R-INV-6) --------------------------------------------------------------------


async def insert_withdrawal(session: AsyncSession, values: dict[str, Any]) -> CourtFundsWithdrawal:
    return await insert_returning(session, CourtFundsWithdrawal, values)


async def get_withdrawal(
    session: AsyncSession, transfer_id: uuid.UUID
) -> CourtFundsWithdrawal | None:
    stmt = select(CourtFundsWithdrawal).where(CourtFundsWithdrawal.transfer_id == transfer_id)
    return (await session.execute(stmt)).scalar_one_or_none()


# --- batches by id (node(id:)) -----------------------------------------------------------------


async def lodgements_by_id(
    session: AsyncSession, lodgement_ids: Sequence[uuid.UUID]
) -> list[LodgementRow]:
    stmt = _select().where(Lodgement.id.in_(set(lodgement_ids)))
    return [_row(r) for r in (await session.execute(stmt)).all()]


async def withdrawals_by_id(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> Sequence[CourtFundsWithdrawal]:
    stmt = select(CourtFundsWithdrawal).where(
        CourtFundsWithdrawal.transfer_id.in_(set(transfer_ids))
    )
    return (await session.execute(stmt)).scalars().all()
