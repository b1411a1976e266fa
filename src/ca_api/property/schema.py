"""GraphQL of a client's property (issue 14 item 3; R-CARE-4, seed 002 B 8-9): thin. Casework
records the property, its protection, the sale's evidence, the proceeds and a letting; a senior
officer raises the not-returning-home decision, agrees the price as the deputy and agrees the
sale; officers and audit read."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    PROPERTY_DECIDE,
    PROPERTY_PRICE_AGREE,
    PROPERTY_READ,
    PROPERTY_RECORD,
    allow,
)
from ca_api.clients.schema import readable_client_id
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.property import facts, keeping, reads, sale
from ca_api.property.types import Property, PropertyOwnership


@strawberry.type(description="The property as the mutation left it.")
class PropertyPayload:
    property: Property = strawberry.field(description="As it now stands.")
    replayed: bool = replayed_field()


def _payload(done: facts.PropertyOutcome) -> PropertyPayload:
    return PropertyPayload(property=Property.of(done.view), replayed=done.replayed)


def _pid(given: strawberry.ID) -> uuid.UUID:
    return decode_uuid("Property", given)


_Problems = ValidationProblem | InvalidStateProblem | NotFoundProblem | IdempotencyKeyReusedProblem
PropertyResult = Annotated[
    PropertyPayload | _Problems,
    strawberry.union(
        "PropertyResult",
        description="The property as it now stands, or why not (each field's reason; "
        "INVALID_STATE: sold already, recorded once already, the client's death confirmed "
        "(code CLIENT_DECEASED)).",
    ),
]
AgreePropertySaleResult = Annotated[
    PropertyPayload | _Problems,
    strawberry.union(
        "AgreePropertySaleResult",
        description="The sale agreed, or why not: INVALID_STATE naming every condition of "
        "B 9.1-9.3 not met (DEPUTY, SOLE_OWNER, NOT_RETURNING_HOME, PARTIES_CONSULTED, "
        "THREE_VALUATIONS, DEPUTY_AGREED_PRICE), sold already, the client's death confirmed "
        "(code CLIENT_DECEASED).",
    ),
]


@strawberry.input(description="A property of the client (B 8.1, R-CARE-4), and the key.")
class RecordPropertyInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    address: str = strawberry.field(description="The property's address.")
    ownership: PropertyOwnership = strawberry.field(description="Who owns it.")
    insured: bool = strawberry.field(description="Whether it is insured.")
    co_owners: str | None = strawberry.field(
        default=None, description="Who else owns it (required unless SOLE)."
    )
    insurer: str | None = strawberry.field(default=None, description="Required when insured.")
    policy_number: str | None = strawberry.field(default=None, description="The policy number.")
    insurance_renews_on: date | None = strawberry.field(
        default=None, description="When the insurance renews (required when insured)."
    )
    keys_held_by: str | None = strawberry.field(default=None, description="Who holds the keys.")
    corrects_property_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A correction of this property (its propertyId): a new record supersedes "
        "its current one (R-AUD-2); null: a property newly recorded.",
    )
    reason: str | None = strawberry.field(
        default=None, description="Why it corrects the record (required with correctsPropertyId)."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A protection-of-property visit (B 8.2), and the key.")
class RecordPropertyVisitInput:
    property_id: strawberry.ID = strawberry.field(description="The property.")
    visited_on: date = strawberry.field(description="When: not in the future.")
    visited_by: str = strawberry.field(description="Who visited.")
    notes: str = strawberry.field(description="What was found and done.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The Protection of Property team's invoice (B 8.3), and the key.")
class AttachPropertyInvoiceInput:
    property_id: strawberry.ID = strawberry.field(description="The property.")
    invoice_id: strawberry.ID = strawberry.field(
        description="The invoice, recorded with recordInvoice (the client's own)."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The sale discussed with a relevant party (B 9.1), and the key.")
class RecordPropertyConsultationInput:
    property_id: strawberry.ID = strawberry.field(description="The property.")
    consulted: str = strawberry.field(description="Who was consulted.")
    consulted_on: date = strawberry.field(description="When: not in the future.")
    outcome: str = strawberry.field(description="What they said.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A valuation from an independent estate agent (B 9.2), the key.")
class RecordPropertyValuationInput:
    property_id: strawberry.ID = strawberry.field(description="The property.")
    agent: str = strawberry.field(description="The estate agent.")
    amount: Money = strawberry.field(description="Their valuation.")
    valued_on: date = strawberry.field(description="When: not in the future.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="An offer to buy the property (B 9.3), and the key.")
class RecordPropertyOfferInput:
    property_id: strawberry.ID = strawberry.field(description="The property.")
    offeror: str = strawberry.field(description="Who made it.")
    amount: Money = strawberry.field(description="The price offered.")
    made_on: date = strawberry.field(description="When: not in the future.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="The best interest decision that the client is not likely to return home "
    "(B 9.1): its particulars (R-DEC-1), and the key."
)
class ProposeNotReturningHomeInput:
    property_id: strawberry.ID = strawberry.field(description="The property.")
    best_interests_reason: str = strawberry.field(description="Why, in the client's interests.")
    consulted: str = strawberry.field(description="Who was consulted.")
    client_involved: bool = strawberry.field(description="Whether the client was involved.")
    why_client_not_involved: str | None = strawberry.field(
        default=None, description="Why not, when the client was not involved."
    )
    notes: str | None = strawberry.field(default=None, description="Anything else.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The offer whose price the deputy agrees (B 9.3), and the key.")
class AgreePropertyPriceInput:
    offer_id: strawberry.ID = strawberry.field(description="The offer.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The offer at which the sale is agreed (B 9.1-9.3), and the key.")
class AgreePropertySaleInput:
    offer_id: strawberry.ID = strawberry.field(description="The offer.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="The property let on the court's authority after tenders (B 9.4), the key."
)
class RecordPropertyLettingInput:
    property_id: strawberry.ID = strawberry.field(description="The property.")
    tenders: list[str] = strawberry.field(
        description="The local agents who tendered (at least the policy figure "
        "property_letting_tenders, each a different agent)."
    )
    agent: str = strawberry.field(description="The agent chosen: one who tendered.")
    court_reference: str | None = strawberry.field(
        default=None, description="The court order authorising the letting: required."
    )
    court_authorised_on: date | None = strawberry.field(
        default=None, description="The order's date: required, not in the future."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="The receipt of the sale's proceeds (B 9.5), and the key.")
class RecordPropertySaleProceedsInput:
    property_id: strawberry.ID = strawberry.field(description="The property sold.")
    receipt_id: strawberry.ID = strawberry.field(
        description="The receipt (recordReceipt) of the proceeds into the client's account."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.type
class PropertyQuery:
    @strawberry.field(
        extensions=allow(PROPERTY_READ),
        description="A client's properties (issue 14 item 3; R-CARE-4, seed 002 B 8-9): each "
        "record, its protection, the sale's conditions and evidence, the sale, lettings and "
        "proceeds; the first recorded first. NOT_FOUND for a client the caller may not read.",
    )
    async def properties(
        self,
        info: Info[Context, None],
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
    ) -> list[Property]:
        cid = await readable_client_id(info.context, client_id)
        return [Property.of(v) for v in await reads.properties_of(info.context.session, cid)]


@strawberry.type
class PropertyMutation:
    @strawberry.mutation(
        extensions=allow(PROPERTY_RECORD),
        description="Record a property of the client (seed 002 B 8.1, R-CARE-4: secure and "
        "insured): address, ownership, insurance and its renewal, who holds the keys. With "
        "correctsPropertyId: a correction, a new record with the reason (R-AUD-2).",
    )
    async def record_property(
        self,
        info: Info[Context, None],
        input: Annotated[RecordPropertyInput, strawberry.argument(description="It, the key.")],
    ) -> PropertyResult:
        done = await as_caller(
            info,
            keeping.record_property,
            decode_uuid("Client", input.client_id),
            keeping.PropertyDetails(
                address=input.address,
                ownership=input.ownership,
                co_owners=input.co_owners,
                insured=input.insured,
                insurer=input.insurer,
                policy_number=input.policy_number,
                insurance_renews_on=input.insurance_renews_on,
                keys_held_by=input.keys_held_by,
            ),
            corrects_property_id=_pid(input.corrects_property_id)
            if input.corrects_property_id is not None
            else None,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(PROPERTY_RECORD),
        description="Log a protection-of-property visit (seed 002 B 8.2).",
    )
    async def record_property_visit(
        self,
        info: Info[Context, None],
        input: Annotated[RecordPropertyVisitInput, strawberry.argument(description="It.")],
    ) -> PropertyResult:
        done = await as_caller(
            info,
            keeping.record_visit,
            _pid(input.property_id),
            visited_on=input.visited_on,
            visited_by=input.visited_by,
            notes=input.notes,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(PROPERTY_RECORD),
        description="Attach the Protection of Property team's invoice (seed 002 B 8.3), "
        "recorded with recordInvoice (due 21 working days from receipt, B 8.4, R-PAY-1; paid "
        "through raisePayment, approvePayment, makePayment), to the property; once.",
    )
    async def attach_property_invoice(
        self,
        info: Info[Context, None],
        input: Annotated[AttachPropertyInvoiceInput, strawberry.argument(description="It.")],
    ) -> PropertyResult:
        done = await as_caller(
            info,
            keeping.attach_invoice,
            _pid(input.property_id),
            invoice_id=decode_uuid("Invoice", input.invoice_id),
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(PROPERTY_RECORD),
        description="Record the sale discussed with a relevant party, e.g. family (seed 002 "
        "B 9.1).",
    )
    async def record_property_consultation(
        self,
        info: Info[Context, None],
        input: Annotated[RecordPropertyConsultationInput, strawberry.argument(description="It.")],
    ) -> PropertyResult:
        done = await as_caller(
            info,
            sale.record_consultation,
            _pid(input.property_id),
            consulted=input.consulted,
            consulted_on=input.consulted_on,
            outcome=input.outcome,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(PROPERTY_RECORD),
        description="Record a valuation from an independent estate agent (seed 002 B 9.2).",
    )
    async def record_property_valuation(
        self,
        info: Info[Context, None],
        input: Annotated[RecordPropertyValuationInput, strawberry.argument(description="It.")],
    ) -> PropertyResult:
        done = await as_caller(
            info,
            sale.record_valuation,
            _pid(input.property_id),
            agent=input.agent,
            amount=int(input.amount),
            valued_on=input.valued_on,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(PROPERTY_RECORD),
        description="Record an offer to buy the property (seed 002 B 9.3).",
    )
    async def record_property_offer(
        self,
        info: Info[Context, None],
        input: Annotated[RecordPropertyOfferInput, strawberry.argument(description="It.")],
    ) -> PropertyResult:
        done = await as_caller(
            info,
            sale.record_offer,
            _pid(input.property_id),
            offeror=input.offeror,
            amount=int(input.amount),
            made_on=input.made_on,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(PROPERTY_DECIDE),
        description="Raise the best interest decision that the client is not likely to return "
        "home (seed 002 B 9.1, R-DEC): a BEST_INTEREST decision, approved (approveDecision) by "
        "someone other than its raiser (R-ROLE-2); a sale needs it APPROVED.",
    )
    async def propose_not_returning_home(
        self,
        info: Info[Context, None],
        input: Annotated[ProposeNotReturningHomeInput, strawberry.argument(description="It.")],
    ) -> PropertyResult:
        done = await as_caller(
            info,
            sale.propose_not_returning_home,
            sale.HomeDecisionProposal(
                property_id=_pid(input.property_id),
                best_interests_reason=input.best_interests_reason,
                consulted=input.consulted,
                client_involved=input.client_involved,
                why_client_not_involved=input.why_client_not_involved,
                notes=input.notes,
            ),
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(PROPERTY_PRICE_AGREE),
        description="The deputy agrees an offer's price (seed 002 B 9.3); once per offer.",
    )
    async def agree_property_price(
        self,
        info: Info[Context, None],
        input: Annotated[AgreePropertyPriceInput, strawberry.argument(description="It.")],
    ) -> PropertyResult:
        done = await as_caller(
            info,
            sale.agree_price,
            decode_uuid("PropertyOffer", input.offer_id),
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(PROPERTY_DECIDE),
        description="Agree the sale of the property at an offer (seed 002 B 9.1-9.3, "
        "R-CARE-4): only when every condition holds (the council deputy, the client sole "
        "owner, an approved decision that the client is not likely to return home, relevant "
        "parties consulted, three independent valuations, the deputy's agreement to this "
        "offer's price); refused naming each one missing. Once.",
    )
    async def agree_property_sale(
        self,
        info: Info[Context, None],
        input: Annotated[AgreePropertySaleInput, strawberry.argument(description="It.")],
    ) -> AgreePropertySaleResult:
        done = await as_caller(
            info,
            sale.agree_sale,
            decode_uuid("PropertyOffer", input.offer_id),
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(PROPERTY_RECORD),
        description="Record the property let (seed 002 B 9.4, R-CARE-4): only on the court's "
        "authority and after tenders from local agents, the agent chosen one of them.",
    )
    async def record_property_letting(
        self,
        info: Info[Context, None],
        input: Annotated[RecordPropertyLettingInput, strawberry.argument(description="It.")],
    ) -> PropertyResult:
        done = await as_caller(
            info,
            sale.record_letting,
            _pid(input.property_id),
            court_reference=input.court_reference,
            court_authorised_on=input.court_authorised_on,
            tenders=input.tenders,
            agent=input.agent,
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)

    @strawberry.mutation(
        extensions=allow(PROPERTY_RECORD),
        description="Attach the receipt of the sale's proceeds (recordReceipt, seed 002 B 9.5) "
        "to the sale; once. What remains after the property's outstanding invoices "
        "(availableToInvest) is for proposeLodgement or proposePlacement.",
    )
    async def record_property_sale_proceeds(
        self,
        info: Info[Context, None],
        input: Annotated[RecordPropertySaleProceedsInput, strawberry.argument(description="It.")],
    ) -> PropertyResult:
        done = await as_caller(
            info,
            sale.record_proceeds,
            _pid(input.property_id),
            receipt_id=decode_uuid("Receipt", input.receipt_id),
            idempotency_key=input.idempotency_key,
        )
        return _payload(done)
