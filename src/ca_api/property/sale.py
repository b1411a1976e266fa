"""A sale of the property (issue 14 item 3; R-CARE-4, seed 002 B 9): consultations, valuations,
offers, the best interest decision that the client is not likely to return home, the price
and the sale agreed only when every condition holds and never after the client's confirmed
death; its letting instead, on the court's authority (B 9.4); and the sale's proceeds (B 9.5)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common.rules import optional_text, text_problem
from ca_api.deaths.reads import confirmed_death_date
from ca_api.deaths.spending import ClientDeceased
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import DecisionDraft, DecisionKind, validate_decision
from ca_api.decisions.service import NewDecision
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.ledger.rules import Category
from ca_api.money import format_money
from ca_api.property import facts, reads, repository, rules
from ca_api.property.facts import ENTITY, PropertyOutcome
from ca_api.property.models import (
    PropertyConsultation,
    PropertyHomeDecision,
    PropertyLetting,
    PropertyOffer,
    PropertyPriceAgreement,
    PropertySale,
    PropertySaleProceeds,
    PropertyValuation,
)
from ca_api.property.reads import PropertyView
from ca_api.receipts import service as receipts
from ca_api.reviews import recording as reviews
from ca_api.reviews.rules import CircumstanceKind

# A sale's proceeds: a receipt of the sale of property (issue 15), or of assets as before it.
SALE_PROCEEDS = frozenset({Category.IN_SALE_OF_PROPERTY.value, Category.IN_SALE_OF_ASSETS.value})
TENDERS = "property_letting_tenders"


# --- a sale (B 9.1-9.3) ---------------------------------------------------------------------------


def _not_sold(view: PropertyView) -> None:
    if view.sale is not None:
        raise InvalidState(
            f"the sale of this property was agreed on {view.sale.agreed_on.isoformat()}",
            status="SOLD",
        )


async def record_consultation(
    session: AsyncSession,
    actor: Actor,
    property_id: uuid.UUID,
    *,
    consulted: str,
    consulted_on: date,
    outcome: str,
    idempotency_key: str,
) -> PropertyOutcome:
    """Record the sale discussed with a relevant party, e.g. family (B 9.1): who, when, what
    they said."""
    consulted, outcome = consulted.strip(), outcome.strip()
    problems = text_problem("consulted", consulted, required=True, maximum=rules.MAX_NAME)
    problems |= text_problem("outcome", outcome, required=True, maximum=rules.MAX_TEXT)
    facts.not_future(problems, "consulted_on", consulted_on)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        view = await facts.locked_property(session, property_id)
        _not_sold(view)
        values = {"consulted": consulted, "consulted_on": consulted_on, "outcome": outcome}
        return await facts.add(session, actor, view, PropertyConsultation, "consult", values)

    payload = audit.jsonable(
        {
            "property_id": property_id,
            "consulted": consulted,
            "consulted_on": consulted_on,
            "outcome": outcome,
        }
    )
    return await facts.run(
        session, actor, idempotency_key, "recordPropertyConsultation", payload, work
    )


async def record_valuation(
    session: AsyncSession,
    actor: Actor,
    property_id: uuid.UUID,
    *,
    agent: str,
    amount: int,
    valued_on: date,
    idempotency_key: str,
) -> PropertyOutcome:
    """Record a valuation from an independent estate agent (B 9.2)."""
    agent = agent.strip()
    problems = text_problem("agent", agent, required=True, maximum=rules.MAX_NAME)
    if amount <= 0:
        problems["amount"] = "must be more than 0.00"
    facts.not_future(problems, "valued_on", valued_on)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        view = await facts.locked_property(session, property_id)
        _not_sold(view)
        values = {"agent": agent, "amount": amount, "valued_on": valued_on}
        return await facts.add(session, actor, view, PropertyValuation, "value", values)

    payload = audit.jsonable(
        {"property_id": property_id, "agent": agent, "amount": amount, "valued_on": valued_on}
    )
    return await facts.run(
        session, actor, idempotency_key, "recordPropertyValuation", payload, work
    )


async def record_offer(
    session: AsyncSession,
    actor: Actor,
    property_id: uuid.UUID,
    *,
    offeror: str,
    amount: int,
    made_on: date,
    idempotency_key: str,
) -> PropertyOutcome:
    """Record an offer to buy the property (B 9.3: the deputy considers every offer)."""
    offeror = offeror.strip()
    problems = text_problem("offeror", offeror, required=True, maximum=rules.MAX_NAME)
    if amount <= 0:
        problems["amount"] = "must be more than 0.00"
    facts.not_future(problems, "made_on", made_on)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        view = await facts.locked_property(session, property_id)
        _not_sold(view)
        values = {"offeror": offeror, "amount": amount, "made_on": made_on}
        return await facts.add(session, actor, view, PropertyOffer, "offer", values)

    payload = audit.jsonable(
        {"property_id": property_id, "offeror": offeror, "amount": amount, "made_on": made_on}
    )
    return await facts.run(session, actor, idempotency_key, "recordPropertyOffer", payload, work)


@dataclass(frozen=True)
class HomeDecisionProposal:
    property_id: uuid.UUID
    best_interests_reason: str
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None
    notes: str | None = None


async def propose_not_returning_home(
    session: AsyncSession, actor: Actor, p: HomeDecisionProposal, *, idempotency_key: str
) -> PropertyOutcome:
    """Raise the best interest decision that the client is not likely to return home (B 9.1):
    a BEST_INTEREST decision (no money moves: amount 0.00) approved by another officer within
    the limits (approveDecision, R-DEC, R-ROLE-2), linked to the property. Refused after the
    client's confirmed death (the decisions module's own check)."""

    async def work() -> dict[str, Any]:
        view = await facts.locked_property(session, p.property_id)
        _not_sold(view)
        new = decisions.tidy(
            NewDecision(
                client_id=view.first.client_id,
                draft=DecisionDraft(
                    kind=DecisionKind.BEST_INTEREST,
                    amount=0,
                    what_was_decided=rules.what_was_decided(view.current.address),
                    best_interests_reason=p.best_interests_reason,
                    consulted=p.consulted,
                    client_involved=p.client_involved,
                    why_client_not_involved=p.why_client_not_involved,
                    notes=p.notes,
                ),
            )
        )
        problems = validate_decision(new.draft, clock.today())
        if problems:
            raise ValidationFailed(problems)
        decision_id = await decisions.raise_within(session, actor, new)
        values = {"decision_id": decision_id}
        return await facts.add(
            session,
            actor,
            view,
            PropertyHomeDecision,
            "propose_not_returning_home",
            values,
            reason=new.draft.best_interests_reason,
        )

    payload = audit.jsonable(p.__dict__)
    return await facts.run(
        session, actor, idempotency_key, "proposeNotReturningHome", payload, work
    )


async def _offer(session: AsyncSession, offer_id: uuid.UUID) -> tuple[PropertyOffer, PropertyView]:
    offer = await repository.one(session, PropertyOffer, offer_id)
    if offer is None:
        raise RecordNotFound.of("PropertyOffer", offer_id)
    return offer, await facts.locked_property(session, offer.property_id)


async def _refuse_after_death(session: AsyncSession, client_id: uuid.UUID) -> None:
    died_on = await confirmed_death_date(session, client_id)
    if died_on is not None:
        raise ClientDeceased(
            "the client's death is confirmed: the deputyship has ended and the property passes "
            "with the estate (seed 002 B 29.3); no sale is agreed",
            died_on,
        )


async def agree_price(
    session: AsyncSession, actor: Actor, offer_id: uuid.UUID, *, idempotency_key: str
) -> PropertyOutcome:
    """The deputy agrees an offer's price (B 9.3 "the Deputy will ... consider the merits of
    all offers and agree the final sale price"): once per offer; the caller is the deputy."""

    async def work() -> dict[str, Any]:
        offer, view = await _offer(session, offer_id)
        _not_sold(view)
        await _refuse_after_death(session, view.first.client_id)
        if view.agreement(offer_id) is not None:
            raise InvalidState("the deputy agreed this offer's price already: once")
        values = {"offer_id": offer_id, "amount": offer.amount}
        return await facts.add(session, actor, view, PropertyPriceAgreement, "agree_price", values)

    payload = {"offer_id": str(offer_id)}
    return await facts.run(session, actor, idempotency_key, "agreePropertyPrice", payload, work)


async def agree_sale(
    session: AsyncSession, actor: Actor, offer_id: uuid.UUID, *, idempotency_key: str
) -> PropertyOutcome:
    """Agree the sale at an offer (B 9.1-9.3, R-CARE-4): only when every condition holds
    (``rules.sale_conditions``); refused (INVALID_STATE) naming each one missing, nothing
    written. Once per property."""

    async def work() -> dict[str, Any]:
        offer, view = await _offer(session, offer_id)
        _not_sold(view)
        await _refuse_after_death(session, view.first.client_id)
        conditions = view.conditions(offer_id)
        problem = rules.sale_problem(conditions, view.valuations_needed)
        if problem is not None:
            missing = [c.value for c, met in conditions.items() if not met]
            raise InvalidState(problem, status="CONDITIONS_NOT_MET", missing=missing)
        values = {"offer_id": offer_id, "price": offer.amount, "agreed_on": clock.today()}
        done = await facts.add(session, actor, view, PropertySale, "agree_sale", values)
        # A sale is a change of circumstances the OPG (and the DWP) must hear of (R-ORD-4,
        # B 18.2): recorded with its tasks in this transaction (issue 14 item 1).
        await reviews.record_change_in_callers_transaction(
            session,
            actor,
            view.first.client_id,
            kind=CircumstanceKind.PROPERTY_SOLD,
            occurred_on=clock.today(),
            details=f"sale of {view.current.address} agreed at £{format_money(offer.amount)}",
        )
        return done

    payload = {"offer_id": str(offer_id)}
    return await facts.run(session, actor, idempotency_key, "agreePropertySale", payload, work)


# --- letting (B 9.4) ------------------------------------------------------------------------------


async def record_letting(
    session: AsyncSession,
    actor: Actor,
    property_id: uuid.UUID,
    *,
    court_reference: str | None,
    court_authorised_on: date | None,
    tenders: Sequence[str],
    agent: str,
    idempotency_key: str,
) -> PropertyOutcome:
    """Record the property let (B 9.4, R-CARE-4): only on the court's authority (its order's
    reference and date) and after tenders from responsible local agents (at least the policy
    figure ``property_letting_tenders``), the agent chosen one of them."""
    court_reference = optional_text(court_reference)
    tenders = [t.strip() for t in tenders if t.strip()]
    agent = agent.strip()

    async def work() -> dict[str, Any]:
        view = await facts.locked_property(session, property_id)
        _not_sold(view)
        problems = rules.letting_problems(
            court_authorised_on=court_authorised_on,
            court_reference=court_reference,
            tenders=tenders,
            tenders_needed=await reads.figure(session, TENDERS),
            agent=agent,
            today=clock.today(),
        )
        if problems:
            raise ValidationFailed(problems)
        values = {
            "court_reference": court_reference,
            "court_authorised_on": court_authorised_on,
            "tenders": tenders,
            "agent": agent,
        }
        return await facts.add(session, actor, view, PropertyLetting, "let", values)

    payload = audit.jsonable(
        {
            "property_id": property_id,
            "court_reference": court_reference,
            "court_authorised_on": court_authorised_on,
            "tenders": tenders,
            "agent": agent,
        }
    )
    return await facts.run(session, actor, idempotency_key, "recordPropertyLetting", payload, work)


# --- proceeds (B 9.5) --------------------------------------------------------------------------


async def record_proceeds(
    session: AsyncSession,
    actor: Actor,
    property_id: uuid.UUID,
    *,
    receipt_id: uuid.UUID,
    idempotency_key: str,
) -> PropertyOutcome:
    """Attach the receipt of the sale's proceeds (recordReceipt: money in through the ledger,
    B 9.5) to the sale: the client's own receipt of the sale of property (IN_SALE_OF_PROPERTY,
    issue 15; or IN_SALE_OF_ASSETS, as it was recorded before), not
    reversed, after the sale was agreed, once. What remains
    after the property's outstanding invoices is then shown for lodgement or a placement."""

    async def work() -> dict[str, Any]:
        view = await facts.locked_property(session, property_id)
        if view.sale is None:
            raise InvalidState("no sale of this property is agreed: no proceeds yet")
        if view.proceeds is not None:
            raise InvalidState("the sale's proceeds were recorded already: once")
        receipt = (await receipts.receipts_of(session, [receipt_id])).get(receipt_id)
        if receipt is None or receipt.receipt.client_id != view.first.client_id:
            raise RecordNotFound.of("Receipt", receipt_id)
        if receipt.reversed:
            raise InvalidState("this receipt was reversed (R-AUD-2): not the sale's proceeds")
        if receipt.transfer.category not in SALE_PROCEEDS:
            raise ValidationFailed(
                {
                    "receipt_id": "is not a receipt of the sale of property "
                    "(IN_SALE_OF_PROPERTY) or of assets (IN_SALE_OF_ASSETS)"
                }
            )
        row = await repository.insert(
            session,
            PropertySaleProceeds,
            {
                "id": uuid.uuid4(),
                "client_id": view.first.client_id,
                "sale_id": view.sale.id,
                "transfer_id": receipt_id,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {
            "property_id": str(view.first.id),
            "sale_id": str(view.sale.id),
            "receipt_id": str(receipt_id),
            "amount": receipt.transfer.amount,
            "outstanding_invoices": view.outstanding_invoices,
        }
        await audit.record(
            session,
            actor,
            ENTITY,
            row.id,
            "proceeds",
            after=after,
            client_id=view.first.client_id,
        )
        return {"property_id": str(view.first.id)}

    payload = {"property_id": str(property_id), "receipt_id": str(receipt_id)}
    return await facts.run(
        session, actor, idempotency_key, "recordPropertySaleProceeds", payload, work
    )
