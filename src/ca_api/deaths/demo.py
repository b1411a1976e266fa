"""Demo of a client's death (issue 13 items 1-2): Flora Forest, an appointee client recorded as
deceased, has her death recorded by Ash (the death certificate's reference) and confirmed by
Olu (four eyes, R-ROLE-2). Her notification list is partly sent: the DWP's letter by Ash, the
Income Recovery team's outbox message by Olu; the rest are outstanding. Loaded through the
services, so the audit trail shows it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.clients import service as clients
from ca_api.clients.repository import ClientFilter
from ca_api.common.keyset import Seek
from ca_api.deaths import service
from ca_api.deaths.rules import NotificationRecipient
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import MessageState

ASH = Actor(Principal("ash.assistant", frozenset({Role.ASSISTANT}), "Ash"), "demo-load")
OLU = Actor(Principal("olu.scao", frozenset({Role.SENIOR_OFFICER}), "Olu"), "demo-load")


async def load(session: AsyncSession) -> None:
    """Flora Forest's death, confirmed, her notifications partly sent."""
    found = await clients.list_clients(
        session, OLU.principal, ClientFilter(search="Flora Forest"), seek=Seek(None, 1)
    )
    if not found:
        return
    client_id = found[0].id
    today = clock.today()
    await service.record_death(
        session,
        ASH,
        client_id,
        today - timedelta(days=21),
        "DC 0042 Uckfield",
        "Told by the care home manager; certificate seen",
        idempotency_key="demo-death-recorded",
    )
    await service.confirm_death(session, OLU, client_id, idempotency_key="demo-death-confirmed")
    items = await service.outstanding_notifications(session, client_id)
    dwp = next(n for n in items if n.recipient is NotificationRecipient.DWP)
    await service.record_notification_sent(
        session,
        ASH,
        client_id,
        NotificationRecipient.DWP,
        dwp.organisation_key,
        today - timedelta(days=19),
        idempotency_key="demo-death-dwp-told",
    )
    team = next(n for n in items if n.recipient is NotificationRecipient.INCOME_RECOVERY)
    assert team.outbox_message_id is not None
    await outbox.record_delivery(
        session,
        OLU,
        team.outbox_message_id,
        MessageState.SENT,
        "e-mailed the Income Recovery team",
        idempotency_key="demo-death-income-recovery-told",
    )
