"""Demo of the hand-off on appointment (issue 12 item 3, R-REF-7, seed 002 B 4.1-4.5): the
accepted demo referral's client (Ray Ripe, ``referrals/demo.py``), whose BF56 was sent
(``appointee_applications/demo.py``, so both teams were told APPLICATION_MADE), has a council
care charge from SAP; the DWP then appoints the council, so both teams are told APPOINTED and
the charge is held. The Financial Assessment team's e-mail of the application is recorded sent
and acknowledged, the Income Recovery team's sent; the client is referred for a financial
assessment. Loaded through the services, so the audit trail shows each step."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.appointee_applications import service as applications
from ca_api.appointee_applications.rules import DwpOutcome
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal, Role
from ca_api.common.keyset import Seek
from ca_api.financial_assessments import service as assessments
from ca_api.financial_assessments.rules import AssessmentEntry, AssessmentStatus
from ca_api.invoices import recording as invoices
from ca_api.invoices.rules import InvoiceDraft, InvoiceKind
from ca_api.ledger.rules import Category
from ca_api.money import parse_money
from ca_api.orders import service as orders
from ca_api.orders.rules import AppointeeshipDetails
from ca_api.outbox import service
from ca_api.outbox.rules import MessageState, Recipient, Topic

SAP = Principal("sap", frozenset({Role.INTEGRATION_SAP}), "SAP")
ASH = Principal("ash.assistant", frozenset({Role.ASSISTANT}), "Ash")
OLU = Principal("olu.scao", frozenset({Role.SENIOR_OFFICER}), "Olu Okafor (SCAO)")


async def load(session: AsyncSession, council_id: uuid.UUID) -> None:
    """The first accepted referral whose BF56 was sent: appointed, its council charge held."""
    sent = [
        (d.accepted, d.accepted.application)
        for d in await applications.deadlines(session, state=None, seek=Seek(None, 100))
        if d.accepted.application is not None
    ]
    if not sent:
        return
    accepted, application = sent[0]
    client_id, referral_id = accepted.client_id, accepted.referral_id
    today = clock.today()
    await invoices.record_invoice(
        session,
        Actor(SAP, "demo-load"),
        invoices.NewInvoice(
            client_id=client_id,
            supplier_id=council_id,
            draft=InvoiceDraft(
                supplier_invoice_number="ESCC-CC-40917",
                invoice_date=today - timedelta(days=10),
                amount=parse_money("312.20"),
                kind=InvoiceKind.COUNCIL_CARE_CONTRIBUTION,
                category=Category.OUT_LOCAL_AUTHORITY_CARE_CHARGES,
                description="Care contribution, four weeks",
                period_start=today - timedelta(days=38),
                period_end=today - timedelta(days=11),
                items=(),
                official_invoice=True,
                direct_debit=False,
            ),
        ),
        idempotency_key="demo-invoice-escc-cc-40917",
    )
    ash = Actor(ASH, "demo-load")
    applied_on = application.sent_on
    appointeeship = await orders.record_appointeeship(
        session,
        ash,
        client_id,
        AppointeeshipDetails(start_date=today, dwp_reference="DWP-RIPE-1", applied_on=applied_on),
    )
    await applications.record_decision(
        session,
        ash,
        referral_id,
        applications.Decision(DwpOutcome.APPOINTED, today, "", appointeeship.id),
        idempotency_key="demo-dwp-decision-ripe",
    )
    await assessments.record(
        session,
        ash,
        client_id,
        AssessmentEntry(AssessmentStatus.REFERRED, referred_on=today, note="ASC Visiting Officer"),
        idempotency_key="demo-financial-assessment-ripe",
    )
    olu = Actor(OLU, "demo-load")
    flt = service.MessageFilter(client_id=client_id, topic=Topic.APPLICATION_MADE)
    for m in await service.messages(session, OLU, flt, seek=Seek(None, 10)):
        steps = [MessageState.SENT]
        if m.message.recipient == Recipient.FINANCIAL_ASSESSMENT.value:
            steps.append(MessageState.ACKNOWLEDGED)
        for state in steps:
            await service.record_delivery(
                session,
                olu,
                m.message.id,
                state,
                "team mailbox",
                idempotency_key=f"demo-outbox-{m.message.id}-{state.value}",
            )
