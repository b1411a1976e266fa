"""Demo of temporary financial assistance (issue 12 item 4, seed 002 B 4.6-4.7): Ray Ripe, whose
referral was accepted and whose DWP appointeeship is applied for (``referrals/demo.py``,
``appointee_applications/demo.py``), has no money with the council yet. Ash requested £150.00 of
food and toiletries from the local supermarket, Olu (the SCAO, within the £5,000.00 band)
approved it and recorded the council's payment; nothing is repaid yet, so it shows in
``outstandingTemporaryAssistance``. Loaded through the services, so the audit trail shows it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.clients import service as clients
from ca_api.clients.repository import ClientFilter
from ca_api.common.keyset import Seek
from ca_api.ledger import counterparties as ledger
from ca_api.ledger.rules import Category, CounterpartyKind
from ca_api.money import parse_money
from ca_api.temporary_assistance import service

ASH = Actor(Principal("ash.assistant", frozenset({Role.ASSISTANT}), "Ash"), "demo-load")
OLU = Actor(Principal("olu.scao", frozenset({Role.SENIOR_OFFICER}), "Olu"), "demo-load")


async def load(session: AsyncSession) -> None:
    """Ray Ripe's temporary assistance, requested, approved and paid, not yet repaid."""
    found = await clients.list_clients(
        session, OLU.principal, ClientFilter(search="Ray Ripe"), seek=Seek(None, 1)
    )
    if not found:
        return  # the demo referrals are not loaded
    shop = await ledger.create_counterparty(
        session, ASH, kind=CounterpartyKind.SUPPLIER, name="Uckfield Co-op", reference=None
    )
    requested = await service.request_assistance(
        session,
        ASH,
        service.AssistanceRequest(
            client_id=found[0].id,
            amount=parse_money("150.00"),
            purpose="Food and toiletries for two weeks",
            payee_id=shop.id,
            category=Category.OUT_OTHER,
            why_funds_unavailable="the DWP appointeeship is applied for: no benefits are paid "
            "to the council yet, and Ray has no other money at hand",
        ),
        idempotency_key="demo-temporary-assistance",
    )
    assistance_id = requested.view.assistance.id
    await service.approve_assistance(
        session, OLU, assistance_id, idempotency_key="demo-temporary-assistance-approved"
    )
    await service.record_paid(
        session,
        OLU,
        assistance_id,
        clock.today() - timedelta(days=1),
        "ESCC-TFA-0001",
        idempotency_key="demo-temporary-assistance-paid",
    )
