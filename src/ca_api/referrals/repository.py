"""Every SQL statement of referrals: the referral, its submissions and triages, and its status
derived from the triage of its latest submission (``rules.ReferralStatus``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, literal, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.auth.permissions import REFERRAL_READ_ALL
from ca_api.auth.principal import Principal, Role
from ca_api.common.keyset import Seek, keyset
from ca_api.db import get_by_id, insert_returning
from ca_api.referrals.models import Referral, ReferralSubmission, ReferralTriage
from ca_api.referrals.rules import ReferralStatus


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    latest: ReferralSubmission
    triage: ReferralTriage | None  # of the latest submission; None: not yet triaged
    status: ReferralStatus


def visible(principal: Principal) -> ColumnElement[bool]:
    """Row scoping: officers and audit read every referral; a social worker only their own;
    anyone else none."""
    if principal.has_any(REFERRAL_READ_ALL):
        return true()
    if Role.SOCIAL_WORKER in principal.roles:
        return Referral.referred_by == principal.subject
    return false()


def _select() -> Any:
    newest = (
        select(ReferralSubmission.referral_id, func.max(ReferralSubmission.version).label("v"))
        .group_by(ReferralSubmission.referral_id)
        .subquery()
    )
    latest = aliased(ReferralSubmission, name="latest")
    status = func.coalesce(ReferralTriage.outcome, literal(ReferralStatus.SUBMITTED.value))
    return (
        select(Referral, latest, ReferralTriage, status.label("status"))
        .join(newest, newest.c.referral_id == Referral.id)
        .join(latest, (latest.referral_id == Referral.id) & (latest.version == newest.c.v))
        .outerjoin(ReferralTriage, ReferralTriage.submission_id == latest.id)
    ), status


def _row(r: Any) -> ReferralRow:
    return ReferralRow(referral=r[0], latest=r[1], triage=r[2], status=ReferralStatus(r.status))


async def get(
    session: AsyncSession, referral_id: uuid.UUID, principal: Principal | None
) -> ReferralRow | None:
    """The referral, if the principal may read it (None: unscoped, for the use cases that
    checked the caller already)."""
    stmt, _ = _select()
    stmt = stmt.where(Referral.id == referral_id)
    if principal is not None:
        stmt = stmt.where(visible(principal))
    row = (await session.execute(stmt)).one_or_none()
    return _row(row) if row is not None else None


async def by_id(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> list[ReferralRow]:
    stmt, _ = _select()
    stmt = stmt.where(Referral.id.in_(set(ids)), visible(principal))
    return [_row(r) for r in (await session.execute(stmt)).all()]


async def lock(session: AsyncSession, referral_id: uuid.UUID) -> Referral | None:
    """The referral locked FOR UPDATE: one submission or triage of it at a time."""
    return await get_by_id(session, Referral, referral_id, lock=True)


async def insert_referral(session: AsyncSession, values: dict[str, Any]) -> uuid.UUID | None:
    """None when the client has a referral already."""
    stmt = (
        pg_insert(Referral)
        .values(values)
        .on_conflict_do_nothing(index_elements=[Referral.client_id])
        .returning(Referral.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_submission(session: AsyncSession, values: dict[str, Any]) -> ReferralSubmission:
    return await insert_returning(session, ReferralSubmission, values)


async def insert_triage(session: AsyncSession, values: dict[str, Any]) -> ReferralTriage:
    return await insert_returning(session, ReferralTriage, values)


async def submissions(
    session: AsyncSession, referral_id: uuid.UUID
) -> Sequence[ReferralSubmission]:
    stmt = (
        select(ReferralSubmission)
        .where(ReferralSubmission.referral_id == referral_id)
        .order_by(ReferralSubmission.version)
    )
    return (await session.execute(stmt)).scalars().all()


async def triages(session: AsyncSession, referral_id: uuid.UUID) -> Sequence[ReferralTriage]:
    """Its triages in the order of the submissions they triaged (one per submission)."""
    stmt = (
        select(ReferralTriage)
        .join(ReferralSubmission, ReferralSubmission.id == ReferralTriage.submission_id)
        .where(ReferralTriage.referral_id == referral_id)
        .order_by(ReferralSubmission.version)
    )
    return (await session.execute(stmt)).scalars().all()


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    status: ReferralStatus | None,
    seek: Seek[tuple[datetime, uuid.UUID]],
) -> list[ReferralRow]:
    """A page of the referrals the principal may read, newest referral first."""
    stmt, status_col = _select()
    stmt = stmt.where(visible(principal))
    if status is not None:
        stmt = stmt.where(status_col == status.value)
    stmt = keyset(stmt, seek, Referral.referred_at.desc(), Referral.id.desc())
    return [_row(r) for r in (await session.execute(stmt)).all()]
