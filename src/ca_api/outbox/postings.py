"""SAP's postings of a day as CSV (issue 17 item 3): ``GET /integrations/sap/postings.csv?date=
YYYY-MM-DD`` (``reports.csv_endpoint`` serves it, with its token and role checks). One row per
event of SAP's feed that moved money to the council on that day (its facts' value date), in
feed order: payments made to the council, fees charged for it, wind-up fees, small estates kept.
The same events as the feed, so the two never disagree. The layout is ``HEADER``, documented in
docs/integration_events.md (the doc test keeps them equal)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.common.ids import encode_id
from ca_api.money import format_money
from ca_api.outbox import repository
from ca_api.outbox.models import OutboxMessage
from ca_api.outbox.rules import Recipient, Topic

POSTING_TOPICS = (
    Topic.PAYMENT_MADE_TO_COUNCIL,
    Topic.FEE_CHARGED,
    Topic.WIND_UP_FEE_TAKEN,
    Topic.ESTATE_KEPT,
    Topic.TEMPORARY_ASSISTANCE_REPAID,
)
HEADER = [
    "posting_date",
    "sequence",
    "topic",
    "client_reference",
    "sap_customer",
    "amount",
    "payee_id",
    "sap_vendor",
    "supplier_invoice_number",
    "sap_document",
    "subject_id",
    "transfer_id",
]


def _row(m: OutboxMessage) -> list[str]:
    body: dict[str, Any] = m.payload
    facts: dict[str, Any] = body["facts"]
    refs: dict[str, str] = body.get("external_references", {})
    return [
        str(facts["value_date"]),
        str(m.sequence),
        m.topic,
        str(body["client_reference"]),
        refs.get("SAP_CUSTOMER", ""),
        format_money(int(facts["amount"])),
        str(facts.get("payee_id") or ""),
        refs.get("SAP_VENDOR", ""),
        str(facts.get("supplier_invoice_number") or ""),
        refs.get("SAP_DOCUMENT", ""),
        encode_id(m.subject_type, m.subject_id),  # the feed's subjectId
        str(facts.get("transfer_id") or ""),
    ]


async def postings_of_day(session: AsyncSession, day: date) -> list[list[str]]:
    """SAP's postings value-dated ``day``, in feed order. A posting's event is written the day
    its money moves (London time), so only messages written within a day of it are read."""
    start = datetime.combine(day - timedelta(days=1), time(), clock.LONDON)
    end = datetime.combine(day + timedelta(days=2), time(), clock.LONDON)
    rows: Sequence[OutboxMessage] = await repository.messages_created_between(
        session, Recipient.SAP, POSTING_TOPICS, start, end
    )
    return [_row(m) for m in rows if m.payload["facts"].get("value_date") == day.isoformat()]
