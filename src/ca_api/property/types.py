"""GraphQL types and enums of a client's property, without the queries (``property/schema.py``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from ca_api.common.ids import node_id
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.decisions.types import DecisionStatus
from ca_api.invoices.inputs import InvoiceStatus
from ca_api.property import models, rules
from ca_api.property.reads import InvoiceView, PropertyView

PropertyOwnership = rules.Ownership
graphql_enum(
    PropertyOwnership,
    "Who owns the property (seed 002 B 9.1: a sale needs the client to be sole owner).",
    {
        PropertyOwnership.SOLE: "The client alone.",
        PropertyOwnership.JOINT: "The client with others (coOwners names them).",
        PropertyOwnership.OTHER: "A life interest, a trust, a tenancy: coOwners says what.",
    },
    name="PropertyOwnership",
)
PropertySaleCondition = rules.SaleCondition
graphql_enum(
    PropertySaleCondition,
    "A condition of a property's sale (seed 002 B 9.1-9.3, R-CARE-4).",
    {
        PropertySaleCondition.DEPUTY: "The council is the client's deputy (B 9.1).",
        PropertySaleCondition.SOLE_OWNER: "The client is the sole owner (B 9.1).",
        PropertySaleCondition.NOT_RETURNING_HOME: "An APPROVED best interest decision that the "
        "client is not likely to return home (B 9.1).",
        PropertySaleCondition.PARTIES_CONSULTED: "The sale discussed with relevant parties, "
        "e.g. family (B 9.1).",
        PropertySaleCondition.THREE_VALUATIONS: "Valuations from three independent estate "
        "agents (B 9.2; the number is the policy figure property_sale_valuations).",
        PropertySaleCondition.DEPUTY_AGREED_PRICE: "The deputy agreed the price of the offer "
        "accepted (B 9.3).",
    },
    name="PropertySaleCondition",
)


@strawberry.type(
    description="A record of a property (B 8.1, R-CARE-4). Never changed: a correction is a new "
    "record that supersedes it (R-AUD-2)."
)
class PropertyRecordEntry:
    address: str = strawberry.field(description="The property's address.")
    ownership: PropertyOwnership = strawberry.field(description="Who owns it.")
    co_owners: str | None = strawberry.field(description="Who else owns it; null: sole owner.")
    insured: bool = strawberry.field(description="Whether it is insured (R-CARE-4).")
    insurer: str | None = strawberry.field(description="The insurer.")
    policy_number: str | None = strawberry.field(description="The insurance policy number.")
    insurance_renews_on: date | None = strawberry.field(description="When the insurance renews.")
    keys_held_by: str | None = strawberry.field(description="Who holds the keys.")
    reason: str | None = strawberry.field(description="Why it corrects the one before; null.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, r: models.PropertyRecord) -> PropertyRecordEntry:
        return cls(
            address=r.address,
            ownership=PropertyOwnership(r.ownership),
            co_owners=r.co_owners,
            insured=r.insured,
            insurer=r.insurer,
            policy_number=r.policy_number,
            insurance_renews_on=r.insurance_renews_on,
            keys_held_by=r.keys_held_by,
            reason=r.reason,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
        )


@strawberry.type(description="A protection-of-property visit (B 8.2).")
class PropertyVisit:
    visited_on: date = strawberry.field(description="When.")
    visited_by: str = strawberry.field(description="Who visited (the Protection of Property team).")
    notes: str = strawberry.field(description="What was found and done.")
    recorded_by: str = strawberry.field(description="Who recorded it.")

    @classmethod
    def of(cls, r: models.PropertyVisit) -> PropertyVisit:
        return cls(
            visited_on=r.visited_on,
            visited_by=r.visited_by,
            notes=r.notes,
            recorded_by=r.recorded_by,
        )


@strawberry.type(
    description="The Protection of Property team's invoice (B 8.3-8.4): an invoice of the "
    "invoices module, due 21 working days from receipt (R-PAY-1) and paid as every invoice."
)
class PropertyInvoice:
    invoice_id: strawberry.ID = strawberry.field(description="The invoice.")
    amount: Money = strawberry.field(description="Its amount.")
    received_on: date = strawberry.field(description="When it was received.")
    due_on: date = strawberry.field(description="When it is due (21 working days, B 8.4).")
    status: InvoiceStatus = strawberry.field(description="Where it stands.")

    @classmethod
    def of(cls, v: InvoiceView) -> PropertyInvoice:
        return cls(
            invoice_id=node_id("Invoice", v.invoice.id),
            amount=Money(v.invoice.amount),
            received_on=v.invoice.received_on,
            due_on=v.invoice.due_on,
            status=v.status,
        )


@strawberry.type(description="The sale discussed with a relevant party (B 9.1).")
class PropertyConsultation:
    consulted: str = strawberry.field(description="Who (e.g. the client's daughter).")
    consulted_on: date = strawberry.field(description="When.")
    outcome: str = strawberry.field(description="What they said.")
    recorded_by: str = strawberry.field(description="Who recorded it.")

    @classmethod
    def of(cls, r: models.PropertyConsultation) -> PropertyConsultation:
        return cls(
            consulted=r.consulted,
            consulted_on=r.consulted_on,
            outcome=r.outcome,
            recorded_by=r.recorded_by,
        )


@strawberry.type(description="A valuation from an independent estate agent (B 9.2).")
class PropertyValuation:
    agent: str = strawberry.field(description="The estate agent.")
    amount: Money = strawberry.field(description="Their valuation.")
    valued_on: date = strawberry.field(description="When.")
    recorded_by: str = strawberry.field(description="Who recorded it.")

    @classmethod
    def of(cls, r: models.PropertyValuation) -> PropertyValuation:
        return cls(
            agent=r.agent,
            amount=Money(r.amount),
            valued_on=r.valued_on,
            recorded_by=r.recorded_by,
        )


@strawberry.type(description="An offer to buy the property (B 9.3), and the deputy's agreement.")
class PropertyOffer:
    offer_id: strawberry.ID = strawberry.field(
        description="The offer's id: give it to agreePropertyPrice and agreePropertySale."
    )
    offeror: str = strawberry.field(description="Who made it.")
    amount: Money = strawberry.field(description="The price offered.")
    made_on: date = strawberry.field(description="When.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    price_agreed_by: str | None = strawberry.field(
        description="The deputy who agreed its price (B 9.3); null: not agreed."
    )
    price_agreed_at: datetime | None = strawberry.field(description="When the price was agreed.")


@strawberry.type(
    description="The best interest decision that the client is not likely to return home "
    "(B 9.1): approved with approveDecision."
)
class PropertyHomeDecision:
    decision_id: strawberry.ID = strawberry.field(description="The BEST_INTEREST decision.")
    status: DecisionStatus = strawberry.field(description="Where it stands.")


@strawberry.type(description="A condition of the sale and whether it holds now (B 9.1-9.3).")
class PropertySaleConditionState:
    condition: PropertySaleCondition = strawberry.field(description="The condition.")
    met: bool = strawberry.field(description="Whether it holds.")
    description: str = strawberry.field(description="What it asks.")


@strawberry.type(description="The sale agreed (B 9.1-9.3): once per property.")
class PropertySale:
    offer_id: strawberry.ID = strawberry.field(description="The offer accepted.")
    price: Money = strawberry.field(description="The sale price.")
    agreed_on: date = strawberry.field(description="When agreed.")
    agreed_by: str = strawberry.field(description="Who agreed it.")


@strawberry.type(description="The property let on the court's authority after tenders (B 9.4).")
class PropertyLetting:
    court_reference: str = strawberry.field(description="The court order's reference.")
    court_authorised_on: date = strawberry.field(description="The order's date.")
    tenders: list[str] = strawberry.field(description="The agents who tendered.")
    agent: str = strawberry.field(description="The agent chosen.")
    recorded_by: str = strawberry.field(description="Who recorded it.")

    @classmethod
    def of(cls, r: models.PropertyLetting) -> PropertyLetting:
        return cls(
            court_reference=r.court_reference,
            court_authorised_on=r.court_authorised_on,
            tenders=list(r.tenders),
            agent=r.agent,
            recorded_by=r.recorded_by,
        )


@strawberry.type(description="The sale's proceeds, received through the ledger (B 9.5).")
class PropertySaleProceeds:
    receipt_id: strawberry.ID = strawberry.field(description="The receipt (recordReceipt).")
    amount: Money = strawberry.field(description="What was received.")
    received_on: date = strawberry.field(description="When.")


@strawberry.type(
    description="A client's property (issue 14 item 3; R-CARE-4, seed 002 B 8-9): its record, "
    "protection, sale and letting."
)
class Property:
    property_id: strawberry.ID = strawberry.field(
        description="The property's id (its first record): give it to the property mutations."
    )
    client_id: strawberry.ID = strawberry.field(description="The client.")
    current: PropertyRecordEntry = strawberry.field(description="The record as it stands.")
    history: list[PropertyRecordEntry] = strawberry.field(
        description="Every record of it, oldest first (corrections included)."
    )
    insurance_lapsed: bool = strawberry.field(
        description="Not insured, or the renewal date has passed with no new record (R-CARE-4)."
    )
    visits: list[PropertyVisit] = strawberry.field(description="Protection visits, oldest first.")
    invoices: list[PropertyInvoice] = strawberry.field(
        description="The Protection of Property team's invoices (B 8.3-8.4)."
    )
    consultations: list[PropertyConsultation] = strawberry.field(
        description="Relevant parties consulted about a sale (B 9.1)."
    )
    valuations: list[PropertyValuation] = strawberry.field(description="Valuations (B 9.2).")
    offers: list[PropertyOffer] = strawberry.field(description="Offers, oldest first (B 9.3).")
    not_returning_home_decisions: list[PropertyHomeDecision] = strawberry.field(
        description="The best interest decisions that the client is not likely to return home."
    )
    sale_conditions: list[PropertySaleConditionState] = strawberry.field(
        description="Each condition of a sale and whether it holds now (the price: of any offer)."
    )
    sale: PropertySale | None = strawberry.field(description="The sale agreed; null: none.")
    lettings: list[PropertyLetting] = strawberry.field(description="Lettings (B 9.4).")
    proceeds: PropertySaleProceeds | None = strawberry.field(
        description="The sale's proceeds received; null: not yet."
    )
    outstanding_invoices: Money = strawberry.field(
        description="The property's invoices not yet paid or cancelled."
    )
    available_to_invest: Money | None = strawberry.field(
        description="B 9.5: the proceeds after the outstanding invoices, for proposeLodgement "
        "or proposePlacement; null: no proceeds yet."
    )

    @classmethod
    def of(cls, v: PropertyView) -> Property:
        agreements = {a.offer_id: a for a in v.agreements}
        available = v.available_to_invest
        return cls(
            property_id=node_id("Property", v.first.id),
            client_id=node_id("Client", v.first.client_id),
            current=PropertyRecordEntry.of(v.current),
            history=[PropertyRecordEntry.of(r) for r in v.records],
            insurance_lapsed=v.insurance_lapsed,
            visits=[PropertyVisit.of(x) for x in v.visits],
            invoices=[PropertyInvoice.of(x) for x in v.invoices],
            consultations=[PropertyConsultation.of(x) for x in v.consultations],
            valuations=[PropertyValuation.of(x) for x in v.valuations],
            offers=[
                PropertyOffer(
                    offer_id=node_id("PropertyOffer", o.id),
                    offeror=o.offeror,
                    amount=Money(o.amount),
                    made_on=o.made_on,
                    recorded_by=o.recorded_by,
                    price_agreed_by=agreements[o.id].recorded_by if o.id in agreements else None,
                    price_agreed_at=agreements[o.id].recorded_at if o.id in agreements else None,
                )
                for o in v.offers
            ],
            not_returning_home_decisions=[
                PropertyHomeDecision(
                    decision_id=node_id("Decision", d.link.decision_id),
                    status=DecisionStatus(d.status),
                )
                for d in v.decisions
            ],
            sale_conditions=[
                PropertySaleConditionState(
                    condition=c, met=met, description=rules.condition_text(c, v.valuations_needed)
                )
                for c, met in v.conditions(None).items()
            ],
            sale=PropertySale(
                offer_id=node_id("PropertyOffer", v.sale.offer_id),
                price=Money(v.sale.price),
                agreed_on=v.sale.agreed_on,
                agreed_by=v.sale.recorded_by,
            )
            if v.sale is not None
            else None,
            lettings=[PropertyLetting.of(x) for x in v.lettings],
            proceeds=PropertySaleProceeds(
                receipt_id=node_id("Receipt", v.proceeds.row.transfer_id),
                amount=Money(v.proceeds.amount),
                received_on=v.proceeds.received_on,
            )
            if v.proceeds is not None
            else None,
            outstanding_invoices=Money(v.outstanding_invoices),
            available_to_invest=Money(available) if available is not None else None,
        )
