"""Demo of the DWP application clock (issue 12 item 2): the accepted demo referral (Rita's of
Ray Ripe, ``referrals/demo.py``) has its BF56 recorded as sent the day it was accepted, so the
deadline shows MET. Loaded through the service, so the audit trail shows it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.appointee_applications import repository, service
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role

ASH = Principal("ash.assistant", frozenset({Role.ASSISTANT}), "Ash")


async def load(session: AsyncSession) -> None:
    """Each accepted referral's application sent on the day it became valid."""
    for i, accepted in enumerate(await repository.every_accepted(session), start=1):
        if accepted.application is None:
            await service.record_sent(
                session,
                Actor(ASH, "demo-load"),
                accepted.referral_id,
                accepted.valid_on,
                idempotency_key=f"demo-appointee-application-{i}",
            )
