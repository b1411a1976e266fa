"""Every SQL statement of the Court of Protection deputyship application: what makes one due
(an accepted referral that recorded private income, property or bank accounts, R-REF-6; a need
recorded from a threshold flag, R-INV-1), the application made and its stages, and the notices
of a deputy order (R-ORD-2)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clock import LONDON
from ca_api.db import get_by_id, insert_returning, rows_where_in
from ca_api.deputyship_applications.models import (
    CopApplication,
    CopApplicationStage,
    DeputyshipApplicationNeed,
    DeputyshipNoticeOrganisation,
    DeputyshipNoticeSent,
)
from ca_api.deputyship_applications.rules import Cause
from ca_api.referrals.models import Referral, ReferralSubmission, ReferralTriage
from ca_api.referrals.rules import TriageOutcome


@dataclass(frozen=True)
class Due:
    """Why a deputyship application is due for a client, the day its clock started, and the
    application made for it (if it is)."""

    cause: Cause
    source_id: uuid.UUID  # the referral (R-REF-6) or the need recorded (R-INV-1)
    client_id: uuid.UUID
    starts_on: date
    known: tuple[str, ...]  # what the referral recorded, or the flag's reasons
    application: CopApplication | None

    @property
    def made_on(self) -> date | None:
        """The day the application was made; None until it is recorded."""
        return self.application.made_on if self.application is not None else None


def _referral_select() -> Any:
    return (
        select(
            Referral.id,
            Referral.client_id,
            ReferralTriage.triaged_at,
            ReferralSubmission.private_income_known,
            ReferralSubmission.property_known,
            ReferralSubmission.bank_accounts_known,
            CopApplication,
        )
        .join(ReferralTriage, ReferralTriage.referral_id == Referral.id)
        .join(ReferralSubmission, ReferralSubmission.id == ReferralTriage.submission_id)
        .outerjoin(CopApplication, CopApplication.referral_id == Referral.id)
        .where(
            ReferralTriage.outcome == TriageOutcome.ACCEPTED.value,
            or_(
                ReferralSubmission.private_income_known,
                ReferralSubmission.property_known,
                ReferralSubmission.bank_accounts_known,
            ),
        )
    )


def _referral_due(r: Any) -> Due:
    triaged_at: datetime = r[2]
    known = tuple(
        name
        for name, flag in (
            ("PRIVATE_INCOME", r[3]),
            ("PROPERTY", r[4]),
            ("BANK_ACCOUNTS", r[5]),
        )
        if flag
    )
    return Due(
        Cause.REFERRAL_ASSETS_KNOWN, r[0], r[1], triaged_at.astimezone(LONDON).date(), known, r[6]
    )


def _need_select() -> Any:
    return select(DeputyshipApplicationNeed, CopApplication).outerjoin(
        CopApplication, CopApplication.need_id == DeputyshipApplicationNeed.id
    )


def _need_due(r: Any) -> Due:
    need: DeputyshipApplicationNeed = r[0]
    return Due(
        Cause.ASSETS_THRESHOLD_FLAG,
        need.id,
        need.client_id,
        need.raised_on,
        tuple(need.flag_reasons),
        r[1],
    )


async def due(session: AsyncSession, source_id: uuid.UUID) -> Due | None:
    """The accepted referral needing a deputyship (R-REF-6), or the need recorded (R-INV-1),
    with this id."""
    row = (await session.execute(_referral_select().where(Referral.id == source_id))).one_or_none()
    if row is not None:
        return _referral_due(row)
    need = (
        await session.execute(_need_select().where(DeputyshipApplicationNeed.id == source_id))
    ).one_or_none()
    return _need_due(need) if need is not None else None


async def every_due(session: AsyncSession, client_id: uuid.UUID | None = None) -> list[Due]:
    """Every deputyship application due (of one client, if given), oldest clock first."""
    referrals = _referral_select()
    needs = _need_select()
    if client_id is not None:
        referrals = referrals.where(Referral.client_id == client_id)
        needs = needs.where(DeputyshipApplicationNeed.client_id == client_id)
    out = [_referral_due(r) for r in (await session.execute(referrals)).all()]
    out += [_need_due(r) for r in (await session.execute(needs)).all()]
    out.sort(key=lambda d: (d.starts_on, d.source_id))
    return out


async def stages_of(
    session: AsyncSession, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CopApplicationStage]]:
    """Each application's stages, in the order they were recorded."""
    out: dict[uuid.UUID, list[CopApplicationStage]] = {a: [] for a in application_ids}
    rows = await rows_where_in(
        session,
        CopApplicationStage,
        CopApplicationStage.application_id,
        application_ids,
        CopApplicationStage.application_id,
        CopApplicationStage.seq,
    )
    for s in rows:
        out[s.application_id].append(s)
    return out


async def application(session: AsyncSession, application_id: uuid.UUID) -> CopApplication | None:
    return await get_by_id(session, CopApplication, application_id)


async def application_of_deputyship(
    session: AsyncSession, deputyship_id: uuid.UUID
) -> uuid.UUID | None:
    """The application whose order is this deputyship, if any."""
    stmt = select(CopApplicationStage.application_id).where(
        CopApplicationStage.deputyship_id == deputyship_id
    )
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def next_seq(session: AsyncSession, application_id: uuid.UUID) -> int:
    stmt = select(func.coalesce(func.max(CopApplicationStage.seq), 0)).where(
        CopApplicationStage.application_id == application_id
    )
    return int((await session.execute(stmt)).scalar_one()) + 1


async def insert_need(session: AsyncSession, values: dict[str, Any]) -> None:
    await insert_returning(session, DeputyshipApplicationNeed, values)


async def insert_application(session: AsyncSession, values: dict[str, Any]) -> None:
    await insert_returning(session, CopApplication, values)


async def insert_stage(session: AsyncSession, values: dict[str, Any]) -> None:
    await insert_returning(session, CopApplicationStage, values)


# --- the notices of a deputy order (R-ORD-2) --------------------------------------------------


async def organisations_of(
    session: AsyncSession, deputyship_id: uuid.UUID
) -> Sequence[DeputyshipNoticeOrganisation]:
    return await rows_where_in(
        session,
        DeputyshipNoticeOrganisation,
        DeputyshipNoticeOrganisation.deputyship_id,
        [deputyship_id],
        DeputyshipNoticeOrganisation.name,
        DeputyshipNoticeOrganisation.id,
    )


async def organisation(
    session: AsyncSession, organisation_id: uuid.UUID
) -> DeputyshipNoticeOrganisation | None:
    return await get_by_id(session, DeputyshipNoticeOrganisation, organisation_id)


async def organisation_named(
    session: AsyncSession, deputyship_id: uuid.UUID, name: str
) -> DeputyshipNoticeOrganisation | None:
    stmt = select(DeputyshipNoticeOrganisation).where(
        DeputyshipNoticeOrganisation.deputyship_id == deputyship_id,
        func.lower(DeputyshipNoticeOrganisation.name) == name.lower(),
    )
    return (await session.execute(stmt)).scalars().first()


async def sent_of(
    session: AsyncSession, deputyship_id: uuid.UUID
) -> Sequence[DeputyshipNoticeSent]:
    return await rows_where_in(
        session,
        DeputyshipNoticeSent,
        DeputyshipNoticeSent.deputyship_id,
        [deputyship_id],
        DeputyshipNoticeSent.sent_on,
        DeputyshipNoticeSent.id,
    )


async def sent(session: AsyncSession, sent_id: uuid.UUID) -> DeputyshipNoticeSent | None:
    return await get_by_id(session, DeputyshipNoticeSent, sent_id)


async def insert_organisation(session: AsyncSession, values: dict[str, Any]) -> None:
    await insert_returning(session, DeputyshipNoticeOrganisation, values)


async def insert_sent(session: AsyncSession, values: dict[str, Any]) -> None:
    await insert_returning(session, DeputyshipNoticeSent, values)
