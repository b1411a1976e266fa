"""Tables of a client's property (migration 0034). Append-only (R-AUD-2): a property's record as
it stands is the end of its chain of corrections (its id: the chain's first record); the rest
are facts recorded once each, pointing at the property."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ARRAY, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, decision_fk, uuid_pk
from ca_api.db import Base


class PropertyRecord(Recorded, Base):
    """A property of the client (B 8.1, R-CARE-4): address, ownership, insurance and its
    renewal, who holds the keys. A correction supersedes it, with the reason."""

    __tablename__ = "property_record"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    address: Mapped[str]
    ownership: Mapped[str]
    co_owners: Mapped[str | None]
    insured: Mapped[bool]
    insurer: Mapped[str | None]
    policy_number: Mapped[str | None]
    insurance_renews_on: Mapped[date | None]
    keys_held_by: Mapped[str | None]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("property_record.id"))
    reason: Mapped[str | None]


class PropertyVisit(Recorded, Base):
    """A protection-of-property visit (B 8.2): when, by whom, what was found."""

    __tablename__ = "property_visit"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    property_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_record.id"))
    visited_on: Mapped[date]
    visited_by: Mapped[str]
    notes: Mapped[str]


class PropertyInvoice(Recorded, Base):
    """The Protection of Property team's invoice for the property (B 8.3-8.4): an invoice of the
    invoices module (its due date: 21 working days from receipt, R-PAY-1)."""

    __tablename__ = "property_invoice"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    property_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_record.id"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoice.id"), unique=True)


class PropertyConsultation(Recorded, Base):
    """The sale discussed with a relevant party, e.g. family (B 9.1)."""

    __tablename__ = "property_consultation"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    property_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_record.id"))
    consulted: Mapped[str]
    consulted_on: Mapped[date]
    outcome: Mapped[str]


class PropertyValuation(Recorded, Base):
    """A valuation from an independent estate agent (B 9.2)."""

    __tablename__ = "property_valuation"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    property_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_record.id"))
    agent: Mapped[str]
    amount: Mapped[int]
    valued_on: Mapped[date]


class PropertyOffer(Recorded, Base):
    """An offer to buy the property (B 9.3: the deputy considers the merits of all offers)."""

    __tablename__ = "property_offer"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    property_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_record.id"))
    offeror: Mapped[str]
    amount: Mapped[int]
    made_on: Mapped[date]


class PropertyHomeDecision(Recorded, Base):
    """The best interest decision that the client is not likely to return home (B 9.1)."""

    __tablename__ = "property_home_decision"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    property_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_record.id"))
    decision_id: Mapped[decision_fk] = mapped_column(unique=True)


class PropertyPriceAgreement(Recorded, Base):
    """The deputy's agreement to an offer's price (B 9.3); ``recorded_by`` is the deputy."""

    __tablename__ = "property_price_agreement"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    property_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_record.id"))
    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_offer.id"), unique=True)
    amount: Mapped[int]


class PropertySale(Recorded, Base):
    """The sale agreed (B 9.1-9.3), once per property, at the offer's price."""

    __tablename__ = "property_sale"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    property_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_record.id"), unique=True)
    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_offer.id"))
    price: Mapped[int]
    agreed_on: Mapped[date]


class PropertyLetting(Recorded, Base):
    """The property let on the court's authority, after tenders (B 9.4)."""

    __tablename__ = "property_letting"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    property_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_record.id"))
    court_reference: Mapped[str]
    court_authorised_on: Mapped[date]
    tenders: Mapped[list[str]] = mapped_column(ARRAY(String))
    agent: Mapped[str]


class PropertySaleProceeds(Recorded, Base):
    """The sale's proceeds, received through the ledger (a receipt, B 9.5)."""

    __tablename__ = "property_sale_proceeds"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    sale_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("property_sale.id"), unique=True)
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receipt.transfer_id"), unique=True)
