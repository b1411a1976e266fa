"""Every SQL statement of the DWP appointeeship application: the accepted referrals with their
application and the DWP's decision, and the rows recorded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.appointee_applications.models import AppointeeApplication, DwpDecision
from ca_api.clock import LONDON
from ca_api.db import insert_returning
from ca_api.orders.models import Appointeeship
from ca_api.referrals.models import Referral, ReferralTriage
from ca_api.referrals.rules import TriageOutcome


@dataclass(frozen=True)
class AcceptedReferral:
    """An accepted referral, the council's date it became valid, and what was recorded since."""

    referral_id: uuid.UUID
    client_id: uuid.UUID
    accepted_at: datetime
    application: AppointeeApplication | None
    decision: DwpDecision | None

    @property
    def valid_on(self) -> date:
        return self.accepted_at.astimezone(LONDON).date()

    @property
    def sent_on(self) -> date | None:
        """The day the application was sent; None until it is recorded."""
        return self.application.sent_on if self.application is not None else None


def _select() -> Any:
    return (
        select(
            Referral.id,
            Referral.client_id,
            ReferralTriage.triaged_at,
            AppointeeApplication,
            DwpDecision,
        )
        .join(ReferralTriage, ReferralTriage.referral_id == Referral.id)
        .outerjoin(AppointeeApplication, AppointeeApplication.referral_id == Referral.id)
        .outerjoin(DwpDecision, DwpDecision.application_id == AppointeeApplication.id)
        .where(ReferralTriage.outcome == TriageOutcome.ACCEPTED.value)
    )


def _row(r: Any) -> AcceptedReferral:
    return AcceptedReferral(r[0], r[1], r[2], r[3], r[4])


async def accepted(session: AsyncSession, referral_id: uuid.UUID) -> AcceptedReferral | None:
    """The referral, if ACCEPTED (a referral is accepted at most once: triage is final)."""
    row = (await session.execute(_select().where(Referral.id == referral_id))).one_or_none()
    return _row(row) if row is not None else None


async def every_accepted(session: AsyncSession) -> list[AcceptedReferral]:
    """Every accepted referral, oldest acceptance first."""
    stmt = _select().order_by(ReferralTriage.triaged_at, Referral.id)
    return [_row(r) for r in (await session.execute(stmt)).all()]


async def insert_application(session: AsyncSession, values: dict[str, Any]) -> None:
    await insert_returning(session, AppointeeApplication, values)


async def insert_decision(session: AsyncSession, values: dict[str, Any]) -> None:
    await insert_returning(session, DwpDecision, values)


async def appointeeship_of(
    session: AsyncSession, appointeeship_id: uuid.UUID, client_id: uuid.UUID
) -> bool:
    """Whether the appointeeship exists and is the client's."""
    stmt = select(Appointeeship.id).where(
        Appointeeship.id == appointeeship_id, Appointeeship.client_id == client_id
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None
