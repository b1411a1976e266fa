"""Use cases of a client's property (issue 14 item 3; R-CARE-4, seed 002 B 8-9): each one
transaction with its audit rows (R-AUD-1), once per idempotency key; refused, nothing written,
with the reason.

- **The property** (B 8.1, R-CARE-4): address, ownership, insurance and its renewal, who holds
  the keys; a correction is a new record superseding the current one, with the reason (R-AUD-2).
- **Protection of property** (B 8.2-8.4): visits logged; the Protection of Property team's
  invoice is recorded through the invoices module (recordInvoice: due 21 working days from
  receipt, R-PAY-1, the one working-day calendar) and attached to the property here, then paid
  as every invoice is (raisePayment, approvePayment, makePayment).
- **A sale** (B 9.1-9.3): consultations, valuations, offers recorded; the best interest decision
  that the client is not likely to return home is raised here (``decisions.raise_within``,
  approved within the Appendix 2 limits by another, R-DEC, R-ROLE-2); the deputy agrees an
  offer's price; the sale is agreed only when every condition holds (``rules.sale_conditions``)
  and is refused naming each one missing. Refused after the client's confirmed death (the
  deputyship has ended; the property passes with the estate, B 29.3).
- **Letting** (B 9.4): only on the court's authority and after tenders.
- **Proceeds** (B 9.5): arrive through the ledger as a receipt (recordReceipt) attached to the
  sale here; what remains after the property's outstanding invoices is for the existing
  lodgement or placement proposals (proposeLodgement, proposePlacement).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.clients.rules import LegalRole
from ca_api.common import idempotency
from ca_api.common.rules import text_problem
from ca_api.deaths import repository as deaths_repository
from ca_api.deaths.spending import ClientDeceased
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import DecisionDraft, DecisionKind, validate_decision
from ca_api.decisions.service import NewDecision
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.invoices.models import Invoice
from ca_api.invoices.rules import CLOSED, InvoiceStatus
from ca_api.ledger.rules import Category
from ca_api.money import format_money
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
from ca_api.receipts import repository as receipts_repository
from ca_api.reviews import service as reviews
from ca_api.reviews.rules import CircumstanceKind

ENTITY = "property"
# A sale's proceeds: a receipt of the sale of property (issue 15), or of assets as before it.
SALE_PROCEEDS = frozenset({Category.IN_SALE_OF_PROPERTY.value, Category.IN_SALE_OF_ASSETS.value})
VALUATIONS = "property_sale_valuations"
TENDERS = "property_letting_tenders"


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


@dataclass(frozen=True)
class PropertyOutcome:
    view: PropertyView
    replayed: bool = False


@dataclass
class _Rows:
    by_property: dict[uuid.UUID, list[Any]] = field(default_factory=dict)

    def add(self, property_id: uuid.UUID, row: Any) -> None:
        self.by_property.setdefault(property_id, []).append(row)

    def of(self, property_id: uuid.UUID) -> list[Any]:
        return self.by_property.get(property_id, [])


# --- reads ------------------------------------------------------------------------------------


async def _figure(session: AsyncSession, name: str) -> int:
    return int(await policy.figure(session, name, clock.today()))


async def properties_of(session: AsyncSession, client_id: uuid.UUID) -> list[PropertyView]:
    """A client's properties, the first recorded first."""
    today = clock.today()
    ids = [client_id]
    chains = _chains(await repository.records_of_clients(session, ids))
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
        got_receipts: Sequence[Any] = await receipts_repository.receipts_by_id(
            session, [p.transfer_id for p in proceeds.values()]
        )
        for got in got_receipts:
            received[got[0].transfer_id] = (got[1].amount, got[0].received_on)
    record = await clients.client_as_it_stands(session, client_id)
    is_deputy = record is not None and record.legal_role in (LegalRole.DEPUTY, LegalRole.BOTH)
    needed = await _figure(session, VALUATIONS)
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


def _chains(rows: Sequence[PropertyRecord]) -> list[list[PropertyRecord]]:
    by_supersedes = {r.supersedes_id: r for r in rows if r.supersedes_id is not None}
    out: list[list[PropertyRecord]] = []
    for first in (r for r in rows if r.supersedes_id is None):
        chain, at = [first], by_supersedes.get(first.id)
        while at is not None:
            chain.append(at)
            at = by_supersedes.get(at.id)
        out.append(chain)
    return out


# --- the machinery of every use case ---------------------------------------------------------


def _clean(v: str | None) -> str | None:
    return v.strip() if v is not None and v.strip() else None


async def _lock(session: AsyncSession, client_id: uuid.UUID) -> None:
    if await clients.lock_client(session, client_id) is None:
        raise RecordNotFound.of("Client", client_id)


async def _locked_property(session: AsyncSession, property_id: uuid.UUID) -> PropertyView:
    found = await repository.record(session, property_id)
    if found is None:
        raise RecordNotFound.of("Property", property_id)
    await _lock(session, found.client_id)
    return await property_of(session, property_id)


async def _run(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: dict[str, Any],
    work: Callable[[], Awaitable[dict[str, Any]]],
) -> PropertyOutcome:
    result = await idempotency.run_recorded(session, actor, key, operation, payload, work)
    view = await property_of(session, uuid.UUID(str(result["property_id"])))
    return PropertyOutcome(view, bool(result.get("replayed")))


async def _add(
    session: AsyncSession,
    actor: Actor,
    view: PropertyView,
    model: type[Any],
    action: str,
    values: dict[str, Any],
    *,
    reason: str | None = None,
) -> dict[str, Any]:
    """Insert one fact of the property and its audit row (R-AUD-1)."""
    row_values = {
        "id": uuid.uuid4(),
        "client_id": view.first.client_id,
        "property_id": view.first.id,
        **values,
        "recorded_by": actor.principal.subject,
    }
    row = await repository.insert(session, model, row_values)
    after = audit.jsonable({"property_id": view.first.id, **values, "table": model.__tablename__})
    await audit.record(
        session,
        actor,
        ENTITY,
        row.id,
        action,
        after=after,
        reason=reason,
        client_id=view.first.client_id,
    )
    return {"property_id": str(view.first.id), "row_id": str(row.id)}


def _not_future(problems: dict[str, str], name: str, on: date) -> None:
    if on > clock.today():
        problems[name] = "is in the future"


# --- the property (B 8.1, R-CARE-4) ------------------------------------------------------------


@dataclass(frozen=True)
class PropertyDetails:
    address: str
    ownership: Ownership
    co_owners: str | None
    insured: bool
    insurer: str | None
    policy_number: str | None
    insurance_renews_on: date | None
    keys_held_by: str | None


async def record_property(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    d: PropertyDetails,
    *,
    corrects_property_id: uuid.UUID | None,
    reason: str | None,
    idempotency_key: str,
) -> PropertyOutcome:
    """Record a property of the client (B 8.1), or with ``corrects_property_id`` a correction
    of its current record (a new insurance renewal, the keys passed on), with the reason
    (R-AUD-2)."""
    d = PropertyDetails(
        address=d.address.strip(),
        ownership=d.ownership,
        co_owners=_clean(d.co_owners),
        insured=d.insured,
        insurer=_clean(d.insurer),
        policy_number=_clean(d.policy_number),
        insurance_renews_on=d.insurance_renews_on,
        keys_held_by=_clean(d.keys_held_by),
    )
    reason = _clean(reason)
    problems = rules.property_problems(
        address=d.address,
        ownership=d.ownership,
        co_owners=d.co_owners,
        insured=d.insured,
        insurer=d.insurer,
        insurance_renews_on=d.insurance_renews_on,
    )
    for name, value in (
        ("insurer", d.insurer),
        ("policy_number", d.policy_number),
        ("keys_held_by", d.keys_held_by),
    ):
        problems |= text_problem(name, value, required=False, maximum=rules.MAX_NAME)
    problems |= text_problem(
        "reason", reason, required=corrects_property_id is not None, maximum=rules.MAX_TEXT
    )
    if corrects_property_id is None and reason is not None:
        problems["reason"] = "is for a correction (correctsPropertyId)"
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        await _lock(session, client_id)
        supersedes: PropertyRecord | None = None
        if corrects_property_id is not None:
            view = await property_of(session, corrects_property_id)
            if view.first.client_id != client_id:
                raise RecordNotFound.of("Property", corrects_property_id)
            supersedes = view.current
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "address": d.address,
            "ownership": d.ownership.value,
            "co_owners": d.co_owners,
            "insured": d.insured,
            "insurer": d.insurer,
            "policy_number": d.policy_number,
            "insurance_renews_on": d.insurance_renews_on,
            "keys_held_by": d.keys_held_by,
            "supersedes_id": supersedes.id if supersedes is not None else None,
            "reason": reason,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert(session, PropertyRecord, values)
        after = audit.jsonable(
            {k: v for k, v in values.items() if k not in ("id", "client_id", "recorded_by")}
        )
        before = (
            audit.jsonable(
                {
                    "property_record_id": supersedes.id,
                    "ownership": supersedes.ownership,
                    "insurer": supersedes.insurer,
                    "insurance_renews_on": supersedes.insurance_renews_on,
                    "keys_held_by": supersedes.keys_held_by,
                }
            )
            if supersedes is not None
            else None
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            row.id,
            "correct" if supersedes is not None else "record",
            before=before,
            after=after,
            reason=reason,
            client_id=client_id,
        )
        return {"property_id": str(row.id)}

    payload = audit.jsonable(
        {
            "client_id": client_id,
            **d.__dict__,
            "ownership": d.ownership.value,
            "corrects_property_id": corrects_property_id,
            "reason": reason,
        }
    )
    return await _run(session, actor, idempotency_key, "recordProperty", payload, work)


# --- protection of property (B 8.2-8.4) ---------------------------------------------------------


async def record_visit(
    session: AsyncSession,
    actor: Actor,
    property_id: uuid.UUID,
    *,
    visited_on: date,
    visited_by: str,
    notes: str,
    idempotency_key: str,
) -> PropertyOutcome:
    """Log a protection-of-property visit (B 8.2): when, by whom, what was found."""
    visited_by, notes = visited_by.strip(), notes.strip()
    problems = text_problem("visited_by", visited_by, required=True, maximum=rules.MAX_NAME)
    problems |= text_problem("notes", notes, required=True, maximum=rules.MAX_TEXT)
    _not_future(problems, "visited_on", visited_on)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        view = await _locked_property(session, property_id)
        values = {"visited_on": visited_on, "visited_by": visited_by, "notes": notes}
        return await _add(session, actor, view, PropertyVisit, "visit", values)

    payload = audit.jsonable(
        {
            "property_id": property_id,
            "visited_on": visited_on,
            "visited_by": visited_by,
            "notes": notes,
        }
    )
    return await _run(session, actor, idempotency_key, "recordPropertyVisit", payload, work)


async def attach_invoice(
    session: AsyncSession,
    actor: Actor,
    property_id: uuid.UUID,
    *,
    invoice_id: uuid.UUID,
    idempotency_key: str,
) -> PropertyOutcome:
    """Attach the Protection of Property team's invoice (B 8.3), recorded by recordInvoice (its
    due date 21 working days from receipt, R-PAY-1, B 8.4), to the property: the client's own
    invoice, once."""

    async def work() -> dict[str, Any]:
        view = await _locked_property(session, property_id)
        invoice = await repository.one(session, Invoice, invoice_id)
        if invoice is None or invoice.client_id != view.first.client_id:
            raise RecordNotFound.of("Invoice", invoice_id)
        if any(i.invoice.id == invoice_id for i in view.invoices):
            raise InvalidState("this invoice is attached to the property already: once")
        values = {"invoice_id": invoice_id}
        return await _add(session, actor, view, PropertyInvoice, "attach_invoice", values)

    payload = audit.jsonable({"property_id": property_id, "invoice_id": invoice_id})
    return await _run(session, actor, idempotency_key, "attachPropertyInvoice", payload, work)


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
    _not_future(problems, "consulted_on", consulted_on)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        view = await _locked_property(session, property_id)
        _not_sold(view)
        values = {"consulted": consulted, "consulted_on": consulted_on, "outcome": outcome}
        return await _add(session, actor, view, PropertyConsultation, "consult", values)

    payload = audit.jsonable(
        {
            "property_id": property_id,
            "consulted": consulted,
            "consulted_on": consulted_on,
            "outcome": outcome,
        }
    )
    return await _run(session, actor, idempotency_key, "recordPropertyConsultation", payload, work)


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
    _not_future(problems, "valued_on", valued_on)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        view = await _locked_property(session, property_id)
        _not_sold(view)
        values = {"agent": agent, "amount": amount, "valued_on": valued_on}
        return await _add(session, actor, view, PropertyValuation, "value", values)

    payload = audit.jsonable(
        {"property_id": property_id, "agent": agent, "amount": amount, "valued_on": valued_on}
    )
    return await _run(session, actor, idempotency_key, "recordPropertyValuation", payload, work)


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
    _not_future(problems, "made_on", made_on)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        view = await _locked_property(session, property_id)
        _not_sold(view)
        values = {"offeror": offeror, "amount": amount, "made_on": made_on}
        return await _add(session, actor, view, PropertyOffer, "offer", values)

    payload = audit.jsonable(
        {"property_id": property_id, "offeror": offeror, "amount": amount, "made_on": made_on}
    )
    return await _run(session, actor, idempotency_key, "recordPropertyOffer", payload, work)


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
        view = await _locked_property(session, p.property_id)
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
        return await _add(
            session,
            actor,
            view,
            PropertyHomeDecision,
            "propose_not_returning_home",
            values,
            reason=new.draft.best_interests_reason,
        )

    payload = audit.jsonable(p.__dict__)
    return await _run(session, actor, idempotency_key, "proposeNotReturningHome", payload, work)


async def _offer(session: AsyncSession, offer_id: uuid.UUID) -> tuple[PropertyOffer, PropertyView]:
    offer = await repository.one(session, PropertyOffer, offer_id)
    if offer is None:
        raise RecordNotFound.of("PropertyOffer", offer_id)
    return offer, await _locked_property(session, offer.property_id)


async def _refuse_after_death(session: AsyncSession, client_id: uuid.UUID) -> None:
    died_on = await deaths_repository.confirmed_death_date(session, client_id)
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
        return await _add(session, actor, view, PropertyPriceAgreement, "agree_price", values)

    payload = {"offer_id": str(offer_id)}
    return await _run(session, actor, idempotency_key, "agreePropertyPrice", payload, work)


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
        done = await _add(session, actor, view, PropertySale, "agree_sale", values)
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
    return await _run(session, actor, idempotency_key, "agreePropertySale", payload, work)


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
    court_reference = _clean(court_reference)
    tenders = [t.strip() for t in tenders if t.strip()]
    agent = agent.strip()

    async def work() -> dict[str, Any]:
        view = await _locked_property(session, property_id)
        _not_sold(view)
        problems = rules.letting_problems(
            court_authorised_on=court_authorised_on,
            court_reference=court_reference,
            tenders=tenders,
            tenders_needed=await _figure(session, TENDERS),
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
        return await _add(session, actor, view, PropertyLetting, "let", values)

    payload = audit.jsonable(
        {
            "property_id": property_id,
            "court_reference": court_reference,
            "court_authorised_on": court_authorised_on,
            "tenders": tenders,
            "agent": agent,
        }
    )
    return await _run(session, actor, idempotency_key, "recordPropertyLetting", payload, work)


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
        view = await _locked_property(session, property_id)
        if view.sale is None:
            raise InvalidState("no sale of this property is agreed: no proceeds yet")
        if view.proceeds is not None:
            raise InvalidState("the sale's proceeds were recorded already: once")
        found: Sequence[Any] = await receipts_repository.receipts_by_id(session, [receipt_id])
        if not found or found[0][0].client_id != view.first.client_id:
            raise RecordNotFound.of("Receipt", receipt_id)
        receipt = found[0]
        if receipt.reversed:
            raise InvalidState("this receipt was reversed (R-AUD-2): not the sale's proceeds")
        if receipt[1].category not in SALE_PROCEEDS:
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
            "amount": receipt[1].amount,
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
    return await _run(session, actor, idempotency_key, "recordPropertySaleProceeds", payload, work)
