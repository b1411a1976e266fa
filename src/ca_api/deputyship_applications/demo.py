"""Demo of the Court of Protection deputyship application (issue 12 item 2): the accepted demo
referral (Rita's of Ray Ripe, ``referrals/demo.py``) recorded bank accounts, so its deputyship
application is due with the DWP one (R-REF-6); it is recorded as made the day the referral
became valid and ISSUED by the court: in progress. A deputy client whose ledger shows the DWP
and British Gas has the notices of the order partly sent (R-ORD-2): one sent, one outstanding,
and an organisation an officer added, outstanding. Loaded through the service, so the audit
trail shows it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.common.keyset import Seek
from ca_api.deputyship_applications import court_application, order_notices, repository
from ca_api.deputyship_applications.rules import Cause, Stage
from ca_api.ledger.rules import CounterpartyKind
from ca_api.orders import service as orders

ASH = Principal("ash.assistant", frozenset({Role.ASSISTANT}), "Ash")
EVERY = Seek[tuple[str, uuid.UUID]](None, 1000)


async def load(session: AsyncSession, client_ids: Sequence[uuid.UUID]) -> None:
    """Each accepted referral's deputyship application made and issued the day it became
    valid; the first deputy client with two organisations in its ledger told of one of them."""
    actor = Actor(ASH, "demo-load")
    for i, due in enumerate(await repository.every_due(session), start=1):
        if due.cause is not Cause.REFERRAL_ASSETS_KNOWN or due.application is not None:
            continue
        done = await court_application.record_made(
            session,
            actor,
            due.source_id,
            "Referral",
            court_application.Made(due.starts_on, ["COP1", "COP1A", "COP3", "COP4"], note="demo"),
            idempotency_key=f"demo-deputyship-application-{i}",
        )
        application = done.deadline.application
        assert application is not None
        await court_application.record_stage(
            session,
            actor,
            application.id,
            court_application.StageRecord(
                Stage.ISSUED, due.starts_on, "court case number to follow"
            ),
            idempotency_key=f"demo-deputyship-application-{i}-issued",
        )
    for client_id, records in (await orders.DEPUTYSHIP.by_client(session, client_ids)).items():
        for record in records:
            order = await order_notices.readable_order(session, ASH, record.id)
            assert order is not None
            notices = await order_notices.notices(session, order, outstanding=True, seek=EVERY)
            if len(notices) < 2:
                continue
            first = notices[0]
            await order_notices.record_notice_sent(
                session,
                actor,
                order.id,
                first.organisation_type,
                first.organisation_id,
                clock.today(),
                "letter with a sealed copy of the order",
                idempotency_key=f"demo-deputyship-notice-{client_id}",
            )
            await order_notices.add_organisation(
                session,
                actor,
                order.id,
                "Lloyds Bank",
                CounterpartyKind.BANK,
                idempotency_key=f"demo-deputyship-notice-organisation-{client_id}",
            )
            return
