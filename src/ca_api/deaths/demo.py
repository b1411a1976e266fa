"""Demo of a client's death (issue 13 items 1-2): Flora Forest, an appointee client recorded as
deceased, has her death recorded by Ash (the death certificate's reference) and confirmed by
Olu (four eyes, R-ROLE-2). Her notification list is partly sent: the DWP's letter by Ash, the
Income Recovery team's outbox message by Olu; the rest are outstanding. Her money: a balance
brought forward, and four weeks' State Pension paid today, most of it for days after her death,
so flagged and held back for the DWP to ask for (B 29.2); the wind-up fee taken (B 29.4). What
is left is a small estate, for an officer to try raiseEstatePayment on. Loaded through the
services, so the audit trail shows it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.clients import service as clients
from ca_api.clients.repository import ClientFilter
from ca_api.common.keyset import Seek
from ca_api.deaths import notifications, recording, wind_up_fee
from ca_api.deaths.rules import NotificationRecipient
from ca_api.ledger import counterparties as ledger
from ca_api.ledger.rules import Benefit, Category, CounterpartyKind
from ca_api.money import parse_money
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import MessageState
from ca_api.receipts import service as receipts
from ca_api.receipts.rules import ReceiptDraft, ReceiptMethod

ASH = Actor(Principal("ash.assistant", frozenset({Role.ASSISTANT}), "Ash"), "demo-load")
DWP = "Department for Work and Pensions"  # as the demo's money loader names it
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
    await recording.record_death(
        session,
        ASH,
        client_id,
        today - timedelta(days=21),
        "DC 0042 Uckfield",
        "Told by the care home manager; certificate seen",
        idempotency_key="demo-death-recorded",
    )
    await recording.confirm_death(session, OLU, client_id, idempotency_key="demo-death-confirmed")
    items = await notifications.outstanding_notifications(session, client_id)
    dwp = next(n for n in items if n.recipient is NotificationRecipient.DWP)
    await notifications.record_notification_sent(
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
    await _money_after_death(session, client_id)


async def _money_after_death(session: AsyncSession, client_id: uuid.UUID) -> None:
    """Flora's balance brought forward and a pension paid after her death (held back as a
    likely overpayment, B 29.2), then the wind-up fee (R-FEE-5)."""
    dwp = (await ledger.find_counterparties(session, [(CounterpartyKind.DWP, DWP)])).get(
        (CounterpartyKind.DWP, DWP)
    )
    if dwp is None:
        return
    today = clock.today()
    for key, draft in (
        (
            "demo-flora-brought-forward",
            ReceiptDraft(
                client_id=client_id,
                payer_id=dwp.id,
                amount=parse_money("600.00"),
                value_date=today,
                method=ReceiptMethod.BANK_TRANSFER,
                category=Category.IN_OTHER,
                description="Balance brought forward",
            ),
        ),
        (
            "demo-flora-pension-after-death",
            ReceiptDraft(
                client_id=client_id,
                payer_id=dwp.id,
                amount=parse_money("735.20"),
                value_date=today,
                method=ReceiptMethod.BANK_TRANSFER,
                benefit=Benefit.STATE_PENSION,
                period_start=today - timedelta(days=27),
                period_end=today,
            ),
        ),
    ):
        await receipts.record_receipt(session, ASH, draft, idempotency_key=key)
    await wind_up_fee.charge_wind_up_fee(session, OLU, client_id, idempotency_key="demo-flora-fee")
