"""A client's properties as they stand (R-CARE-4, seed 002 B 8-9): each property's records and
all that was recorded of it, and the sale's conditions as of now."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.clients import service as clients
from ca_api.clients.rules import LegalRole
from ca_api.common import corrections
from ca_api.decisions import service as decisions
from ca_api.errors import RecordNotFound
from ca_api.invoices.models import Invoice
from ca_api.invoices.rules import CLOSED, InvoiceStatus
from ca_api.policy import service as policy
from ca_api.property import repository, rules
from ca_api.property.models import (
    PropertyConsultation,
    PropertyHomeDecision,
    PropertyInvoice,
    PropertyLetting,
    PropertyOffer,
    PropertyPriceAgreement,
    PropertyRecord,
    PropertySale,
    PropertySaleProceeds,
    PropertyValuation,
    PropertyVisit,
)
from ca_api.property.rules import Ownership, SaleCondition
from ca_api.receipts import service as receipts

VALUATIONS = "property_sale_valuations"


@dataclass(frozen=True)
class InvoiceView:
    link: PropertyInvoice
    invoice: Invoice
    status: InvoiceStatus

    @property
    def outstanding(self) -> bool:
        return self.status not in CLOSED


@dataclass(frozen=True)
class DecisionLink:
    link: PropertyHomeDecision
    status: str


@dataclass(frozen=True)
class ProceedsView:
    row: PropertySaleProceeds
    amount: int
    received_on: date


@dataclass(frozen=True)
class PropertyView:
    """A property as it stands: its records oldest first (the last is current), and all that
    was recorded of it; the sale's conditions as of now."""

    records: Sequence[PropertyRecord]
    visits: Sequence[PropertyVisit]
    invoices: Sequence[InvoiceView]
    consultations: Sequence[PropertyConsultation]
    valuations: Sequence[PropertyValuation]
    offers: Sequence[PropertyOffer]
    decisions: Sequence[DecisionLink]
    agreements: Sequence[PropertyPriceAgreement]
    sale: PropertySale | None
    lettings: Sequence[PropertyLetting]
    proceeds: ProceedsView | None
    is_deputy: bool
    valuations_needed: int
    today: date

    @property
    def first(self) -> PropertyRecord:
        return self.records[0]

    @property
    def current(self) -> PropertyRecord:
        return self.records[-1]

    @property
    def insurance_lapsed(self) -> bool:
        c = self.current
        return rules.insurance_lapsed(c.insured, c.insurance_renews_on, self.today)

    def agreement(self, offer_id: uuid.UUID) -> PropertyPriceAgreement | None:
        return next((a for a in self.agreements if a.offer_id == offer_id), None)

    def conditions(self, offer_id: uuid.UUID | None) -> dict[SaleCondition, bool]:
        """The sale's conditions (B 9.1-9.3); the price condition is of this offer (None: any
        offer whose price the deputy agreed)."""
        agreed = bool(self.agreements) if offer_id is None else self.agreement(offer_id) is not None
        return rules.sale_conditions(
            rules.SaleFacts(
                is_deputy=self.is_deputy,
                ownership=Ownership(self.current.ownership),
                decision_statuses=[d.status for d in self.decisions],
                consultations=len(self.consultations),
                valuation_agents=[v.agent for v in self.valuations],
                valuations_needed=self.valuations_needed,
                price_agreed=agreed,
            )
        )

    @property
    def outstanding_invoices(self) -> int:
        return sum(i.invoice.amount for i in self.invoices if i.outstanding)

    @property
    def available_to_invest(self) -> int | None:
        """B 9.5: the proceeds after the property's outstanding invoices; None: none received."""
        if self.proceeds is None:
            return None
        outstanding = [i.invoice.amount for i in self.invoices if i.outstanding]
        return rules.proceeds_after_invoices(self.proceeds.amount, outstanding)


@dataclass
class _Rows:
    by_property: dict[uuid.UUID, list[Any]] = field(default_factory=dict)

    def add(self, property_id: uuid.UUID, row: Any) -> None:
        self.by_property.setdefault(property_id, []).append(row)

    def of(self, property_id: uuid.UUID) -> list[Any]:
        return self.by_property.get(property_id, [])


async def figure(session: AsyncSession, name: str) -> int:
    return int(await policy.figure(session, name, clock.today()))


async def properties_of(session: AsyncSession, client_id: uuid.UUID) -> list[PropertyView]:
    """A client's properties, the first recorded first."""
    today = clock.today()
    ids = [client_id]
    chains = corrections.chains(await repository.records_of_clients(session, ids))
    rows: dict[type[Any], _Rows] = {}
    for model in (
        PropertyVisit,
        PropertyConsultation,
        PropertyValuation,
        PropertyOffer,
        PropertyHomeDecision,
        PropertyPriceAgreement,
        PropertySale,
        PropertyLetting,
    ):
        rows[model] = _Rows()
        found_rows: Sequence[Any] = await repository.of_clients(session, model, ids)
        for row in found_rows:
            rows[model].add(row.property_id, row)
    invoices = _Rows()
    for found in await repository.invoices_of_clients(session, ids):
        link, invoice, status = found[0], found[1], found[2]
        invoices.add(link.property_id, InvoiceView(link, invoice, InvoiceStatus(status)))
    home = rows[PropertyHomeDecision]
    decided = await decisions.decisions_by_id(
        session, [d.decision_id for ds in home.by_property.values() for d in ds]
    )
    got_proceeds = await repository.of_clients(session, PropertySaleProceeds, ids)
    proceeds = {p.sale_id: p for p in got_proceeds}
    received: dict[uuid.UUID, tuple[int, date]] = {}
    if proceeds:
        got = await receipts.receipts_of(session, [p.transfer_id for p in proceeds.values()])
        for transfer_id, r in got.items():
            received[transfer_id] = (r.transfer.amount, r.receipt.received_on)
    record = await clients.client_as_it_stands(session, client_id)
    is_deputy = record is not None and record.legal_role in (LegalRole.DEPUTY, LegalRole.BOTH)
    needed = await figure(session, VALUATIONS)
    out = []
    for chain in chains:
        pid = chain[0].id
        sales = rows[PropertySale].of(pid)
        sale = sales[0] if sales else None
        paid_in = proceeds.get(sale.id) if sale is not None else None
        out.append(
            PropertyView(
                records=chain,
                visits=rows[PropertyVisit].of(pid),
                invoices=invoices.of(pid),
                consultations=rows[PropertyConsultation].of(pid),
                valuations=rows[PropertyValuation].of(pid),
                offers=rows[PropertyOffer].of(pid),
                decisions=[
                    DecisionLink(
                        d,
                        decided[d.decision_id].status.value
                        if d.decision_id in decided
                        else "RAISED",
                    )
                    for d in home.of(pid)
                ],
                agreements=rows[PropertyPriceAgreement].of(pid),
                sale=sale,
                lettings=rows[PropertyLetting].of(pid),
                proceeds=ProceedsView(paid_in, *received[paid_in.transfer_id])
                if paid_in is not None
                else None,
                is_deputy=is_deputy,
                valuations_needed=needed,
                today=today,
            )
        )
    return out


async def property_of(session: AsyncSession, property_id: uuid.UUID) -> PropertyView:
    """The property with this id (any record of its chain), NOT_FOUND if none."""
    found = await repository.record(session, property_id)
    if found is None:
        raise RecordNotFound.of("Property", property_id)
    for v in await properties_of(session, found.client_id):
        if any(r.id == property_id for r in v.records):
            return v
    raise RecordNotFound.of("Property", property_id)
