"""Use cases: the register of approved institutions (R-INV-4), placements (R-INV-4, R-INV-6),
existing investments (R-INV-5) and investment statements (R-INV-3). Each change is one
transaction with its audit row; money moves through the ledger; proposals are INVESTMENT_PLAN
decisions raised through ``ca_api.decisions.service`` in the same transaction, approved by the
governance manager through ``approveDecision`` (R-DEC, four eyes R-ROLE-2). Placements are for
surplus funds: proposing, approving and making one apply the surplus rule it shares with
lodgements (``lodgements.surplus``, R-INV-2, seed 002 B 7.9-7.10).

Dates. A placement's start date may be in the past (recording one made on that day) or the
future (proposed ahead); its money moves, with the start date as value date, only once its
decision is approved and not before the start date. It comes back on a date from its start to
today. Deposit protection (R-INV-4) is judged with the figure in force on the start date.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals.problems import InvalidState
from ca_api.audit import service as audit
from ca_api.clients import service as clients
from ca_api.context import Actor
from ca_api.db import unit_of_work
from ca_api.decisions import rules as decision_rules
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import DecisionDraft, DecisionEventKind, DecisionKind, DecisionStatus
from ca_api.errors import ValidationFailed
from ca_api.ledger import repository as ledger_repository
from ca_api.ledger import service as ledger
from ca_api.ledger.models import Counterparty
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind
from ca_api.lodgements import surplus
from ca_api.lodgements.rules import deputy_problem
from ca_api.money import Pence, format_money
from ca_api.placements import repository, rules
from ca_api.placements.models import (
    ApprovedInstitution,
    ExistingInvestment,
    InstitutionProduct,
    InstitutionReview,
    InvestmentStatement,
    Placement,
    PlacementEvent,
)
from ca_api.placements.rules import (
    InvestmentKind,
    PlacementEventKind,
    PlacementStatus,
    StatementStatus,
)
from ca_api.policy import repository as policy_repository
from ca_api.policy.service import PolicyMissing

Missing = decisions.Missing


# --- the register of approved institutions (R-INV-4) -------------------------------------


@dataclass(frozen=True)
class InstitutionView:
    institution: ApprovedInstitution
    products: list[InstitutionProduct]
    reviews: list[InstitutionReview]

    def approved_on(self, on: date) -> bool:
        return rules.approved_on(
            self.institution.approved_on,
            [(r.reviewed_on, r.id, r.still_approved) for r in self.reviews],
            on,
        )

    @property
    def latest_review(self) -> InstitutionReview | None:
        return self.reviews[-1] if self.reviews else None


async def institution_views(
    session: AsyncSession, rows: Sequence[ApprovedInstitution]
) -> list[InstitutionView]:
    ids = [r.id for r in rows]
    products: dict[uuid.UUID, list[InstitutionProduct]] = defaultdict(list)
    reviews: dict[uuid.UUID, list[InstitutionReview]] = defaultdict(list)
    if ids:
        for p in await repository.products_of(session, ids):
            products[p.institution_id].append(p)
        for r in await repository.reviews_of(session, ids):
            reviews[r.institution_id].append(r)
    return [InstitutionView(r, products[r.id], reviews[r.id]) for r in rows]


async def _institution(session: AsyncSession, institution_id: uuid.UUID) -> InstitutionView:
    row = await repository.get_institution(session, institution_id)
    if row is None:
        raise Missing("ApprovedInstitution", institution_id)
    return (await institution_views(session, [row]))[0]


async def list_institutions(session: AsyncSession) -> list[InstitutionView]:
    return await institution_views(session, await repository.institutions(session))


async def _institution_counterparty(session: AsyncSession, name: str, actor: Actor) -> Counterparty:
    made = await ledger_repository.insert_counterparty(
        session,
        kind=CounterpartyKind.INSTITUTION.value,
        name=name,
        reference=None,
        is_council_employee=False,
        created_by=actor.principal.subject,
    )
    if made is None:  # recorded as a counterparty before it was approved: the same body
        stmt = select(Counterparty).where(
            Counterparty.kind == CounterpartyKind.INSTITUTION.value, Counterparty.name == name
        )
        made = (await session.execute(stmt)).scalar_one()
    await ledger_repository.counterparty_account(session, made)
    return made


async def add_institution(
    session: AsyncSession, actor: Actor, *, name: str, approved_on: date, note: str | None
) -> InstitutionView:
    name = name.strip()
    note = (note or "").strip() or None
    problems = rules.text_problem("name", name, required=True, maximum=rules.MAX_NAME)
    problems |= rules.text_problem("note", note, required=False, maximum=rules.MAX_TEXT)
    if approved_on > clock.today():
        problems["approved_on"] = "is in the future"
    if problems:
        raise ValidationFailed(problems)
    async with unit_of_work(session):
        if await repository.institution_named(session, name) is not None:
            raise ValidationFailed({"name": f"{name!r} is on the register already"})
        counterparty = await _institution_counterparty(session, name, actor)
        row = await repository.insert_institution(
            session,
            {
                "id": uuid.uuid4(),
                "name": name,
                "counterparty_id": counterparty.id,
                "approved_on": approved_on,
                "note": note,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            entity_type="approved_institution",
            entity_id=row.id,
            action="approve",
            after={"name": name, "approved_on": approved_on, "counterparty_id": counterparty.id},
            reason=note,
        )
        return (await institution_views(session, [row]))[0]


@dataclass(frozen=True)
class NewProduct:
    institution_id: uuid.UUID
    name: str
    rate: str
    notice: str
    minimum: Pence | None
    maximum: Pence | None
    effective_from: date


async def add_product(session: AsyncSession, actor: Actor, new: NewProduct) -> InstitutionProduct:
    name, notice = new.name.strip(), new.notice.strip()
    problems = rules.text_problem("name", name, required=True, maximum=rules.MAX_NAME)
    problems |= rules.text_problem("notice", notice, required=True, maximum=rules.MAX_NAME)
    rate = rules.parse_rate(new.rate)
    if rate is None:
        problems["rate"] = 'is a percentage as a decimal string from 0 to under 100, e.g. "1.49"'
    if new.minimum is not None and new.minimum < 0:
        problems["minimum"] = "cannot be negative"
    if new.maximum is not None and new.maximum <= 0:
        problems["maximum"] = "must be more than 0.00"
    if new.minimum is not None and new.maximum is not None and new.minimum > new.maximum:
        problems["maximum"] = "is below the minimum"
    if problems:
        raise ValidationFailed(problems)
    assert rate is not None
    async with unit_of_work(session):
        institution = await repository.get_institution(session, new.institution_id)
        if institution is None:
            raise Missing("ApprovedInstitution", new.institution_id)
        row = await repository.insert_product(
            session,
            {
                "id": uuid.uuid4(),
                "institution_id": institution.id,
                "name": name,
                "rate_percent": rate,
                "notice": notice,
                "minimum": new.minimum,
                "maximum": new.maximum,
                "effective_from": new.effective_from,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            entity_type="institution_product",
            entity_id=row.id,
            action="add",
            after={
                "institution_id": institution.id,
                "name": name,
                "rate_percent": str(rate),
                "notice": notice,
                "minimum": new.minimum,
                "maximum": new.maximum,
                "effective_from": new.effective_from,
            },
        )
        return row


async def review_institution(
    session: AsyncSession,
    actor: Actor,
    institution_id: uuid.UUID,
    *,
    reviewed_on: date,
    still_approved: bool,
    note: str,
) -> InstitutionView:
    """A review of an institution's standing (seed 002 7.11); one no longer approved takes no
    new placements from the review date (R-INV-4). Reviews are never changed: a later review
    may approve it again."""
    note = note.strip()
    problems = rules.text_problem("note", note, required=True, maximum=rules.MAX_TEXT)
    if reviewed_on > clock.today():
        problems["reviewed_on"] = "is in the future"
    if problems:
        raise ValidationFailed(problems)
    async with unit_of_work(session):
        institution = await repository.get_institution(session, institution_id, lock=True)
        if institution is None:
            raise Missing("ApprovedInstitution", institution_id)
        if reviewed_on < institution.approved_on:
            raise ValidationFailed({"reviewed_on": "is before the institution was approved"})
        review = await repository.insert_review(
            session,
            {
                "institution_id": institution_id,
                "reviewed_on": reviewed_on,
                "still_approved": still_approved,
                "note": note,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            entity_type="approved_institution",
            entity_id=institution_id,
            action="review",
            after={
                "review_id": review.id,
                "reviewed_on": reviewed_on,
                "still_approved": still_approved,
            },
            reason=note,
        )
        return (await institution_views(session, [institution]))[0]


# --- placements (R-INV-4, R-INV-6) --------------------------------------------------------


@dataclass(frozen=True)
class PlacementView:
    placement: Placement
    status: PlacementStatus
    decision_status: DecisionStatus
    events: list[PlacementEvent]
    replayed: bool = False  # a repeat of an idempotency key: nothing new was done

    def event(self, *kinds: PlacementEventKind) -> PlacementEvent | None:
        wanted = {k.value for k in kinds}
        return next((e for e in self.events if e.event in wanted), None)


def _status(decision: DecisionStatus, events: Sequence[PlacementEvent]) -> PlacementStatus:
    return rules.placement_status(decision, (e.event for e in events))


async def _decision_statuses(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[DecisionStatus, date | None]]:
    """Each decision's status and the date it was approved (if it was)."""
    events = await decisions.events_by_decision(session, ids)
    out: dict[uuid.UUID, tuple[DecisionStatus, date | None]] = {}
    for i in ids:
        evs = events.get(i, [])
        status = decision_rules.decision_status(DecisionEventKind(e.event) for e in evs)
        approved = next((e.on_date for e in evs if e.event == DecisionEventKind.APPROVED), None)
        out[i] = (status, approved)
    return out


async def placement_views(session: AsyncSession, rows: Sequence[Placement]) -> list[PlacementView]:
    if not rows:
        return []
    events: dict[uuid.UUID, list[PlacementEvent]] = defaultdict(list)
    for e in await repository.events_of(session, [r.id for r in rows]):
        events[e.placement_id].append(e)
    statuses = await _decision_statuses(session, [r.decision_id for r in rows])
    views = []
    for r in rows:
        decision = statuses[r.decision_id][0]
        views.append(PlacementView(r, _status(decision, events[r.id]), decision, events[r.id]))
    return views


async def get_placement(session: AsyncSession, placement_id: uuid.UUID) -> PlacementView | None:
    row = await repository.get_placement(session, placement_id)
    return (await placement_views(session, [row]))[0] if row is not None else None


async def _read_placement(session: AsyncSession, placement_id: uuid.UUID) -> PlacementView:
    view = await get_placement(session, placement_id)
    if view is None:
        raise Missing("Placement", placement_id)
    return view


async def placements_of_client(
    session: AsyncSession, client_id: uuid.UUID, status: PlacementStatus | None
) -> list[PlacementView]:
    """A client's placements, latest start first (a client has a handful: filtered here)."""
    views = await placement_views(
        session, await repository.placements_of_client(session, client_id)
    )
    return [v for v in views if status is None or v.status is status]


async def _replayed(session: AsyncSession, placement_id: uuid.UUID) -> PlacementView:
    return replace(await _read_placement(session, placement_id), replayed=True)


PLACEMENT_ONCE = approvals.Once(
    remember_as="placement_id", ident=lambda v: v.placement.id, replay=_replayed
)


@dataclass(frozen=True)
class NewPlacement:
    client_id: uuid.UUID
    product_id: uuid.UUID
    amount: Pence
    start_date: date
    term_months: int | None
    maturity_date: date | None
    best_interests_reason: str
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None
    notes: str | None = None

    def payload(self) -> dict[str, Any]:
        return {k: str(v) if v is not None else None for k, v in self.__dict__.items()}


async def _figure(session: AsyncSession, name: str, on: date) -> tuple[Decimal, date]:
    row = await policy_repository.figure_on(session, name, on)
    if row is None or row.value is None:
        raise PolicyMissing(name, on)
    return Decimal(row.value), row.effective_from


async def _with_institution(
    session: AsyncSession, client_id: uuid.UUID, institution_id: uuid.UUID, *, placed_only: bool
) -> Pence:
    """The client's money with the institution in open placements: placed and not yet back,
    and (unless ``placed_only``) proposed or approved but not yet placed (R-INV-4)."""
    rows = await repository.placements_of_client(session, client_id, institution_id)
    counted = {PlacementStatus.PLACED} if placed_only else rules.OPEN
    return sum(
        v.placement.amount for v in await placement_views(session, rows) if v.status in counted
    )


def _approval_problems(
    view: InstitutionView, product: InstitutionProduct, start: date, today: date
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if product.effective_from > start:
        problems["product_id"] = (
            f"the product is offered from {product.effective_from.isoformat()}, not on the start "
            "date (R-INV-4)"
        )
    if not view.approved_on(start):
        problems["product_id"] = (
            f"{view.institution.name} is not an approved institution on "
            f"{start.isoformat()} (R-INV-4)"
        )
    elif not view.approved_on(max(start, today)):
        problems["product_id"] = (
            f"{view.institution.name} is no longer an approved institution: it takes no new "
            "placements (R-INV-4)"
        )
    return problems


async def place_funds(
    session: AsyncSession, actor: Actor, new: NewPlacement, *, idempotency_key: str
) -> PlacementView:
    """Propose a placement (R-INV-4): checked now, including the surplus rule it shares with
    lodgements (R-INV-2, ``lodgements.surplus``), recorded with an INVESTMENT_PLAN decision for
    the governance manager to approve (R-DEC); no money moves until ``make_placement``."""

    async def work() -> PlacementView:
        today = clock.today()
        problems: dict[str, str] = {}
        if new.amount <= 0:
            problems["amount"] = "must be more than 0.00"
        reference = await repository.lock_client(session, new.client_id)
        client = await clients.get_client(session, actor.principal, new.client_id)
        if reference is None or client is None:
            raise Missing("Client", new.client_id)
        # Only a deputy invests a client's money; an appointee deals in benefits only (R-INV-2).
        deputy = deputy_problem(client.legal_role, "place a client's money with an institution")
        if deputy is not None:
            problems["client_id"] = deputy
        product = await repository.get_product(session, new.product_id)
        if product is None:
            raise Missing("InstitutionProduct", new.product_id)
        institution = await _institution(session, product.institution_id)
        max_months, _ = await _figure(session, rules.MAX_TERM, new.start_date)
        maturity, term = rules.term_problems(
            new.start_date, new.term_months, new.maturity_date, int(max_months)
        )
        problems |= term
        problems |= _approval_problems(institution, product, new.start_date, today)
        if "amount" not in problems:
            limits = rules.limits_problem(new.amount, product.minimum, product.maximum)
            if limits:
                problems["amount"] = limits
        limit, limit_from = await _figure(session, rules.FSCS_LIMIT, new.start_date)
        if "amount" not in problems:
            already = await _with_institution(
                session, new.client_id, institution.institution.id, placed_only=False
            )
            over = rules.protection_problem(new.amount, already, int(limit), new.start_date)
            if over:
                problems["amount"] = over
        if problems:
            raise ValidationFailed(problems)
        # Placements are for surplus funds, drawing on the same surplus as lodgements (R-INV-2,
        # seed 002 B 7.9-7.10): judged today against the plan in force (R-CARE-2).
        judged = await surplus.check(session, new.client_id, new.amount, today, excluding=None)
        assert maturity is not None
        inst = institution.institution
        rate = rules.rate_text(product.rate_percent)
        what = (
            f"Place {format_money(new.amount)} with {inst.name} ({product.name}, {rate}%, "
            f"notice: {product.notice}) from {new.start_date.isoformat()} to "
            f"{maturity.isoformat()} (R-INV-4)"
        )
        draft = DecisionDraft(
            kind=DecisionKind.INVESTMENT_PLAN,
            amount=new.amount,
            what_was_decided=what,
            best_interests_reason=new.best_interests_reason,
            consulted=new.consulted,
            client_involved=new.client_involved,
            why_client_not_involved=new.why_client_not_involved,
            notes=new.notes,
        )
        # Raised in this transaction: the proposal and its decision are one (R-DEC-1).
        decision_id = await decisions.raise_within(
            session, actor, decisions.tidy(decisions.NewDecision(new.client_id, draft))
        )
        row = await repository.insert_placement(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": new.client_id,
                "institution_id": inst.id,
                "product_id": product.id,
                "amount": new.amount,
                "start_date": new.start_date,
                "maturity_date": maturity,
                "rate_percent": product.rate_percent,
                "decision_id": decision_id,
                "protection_limit": int(limit),
                "protection_limit_from": limit_from,
                "proposed_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            entity_type="placement",
            entity_id=row.id,
            action="propose",
            after={
                "institution": inst.name,
                "product_id": product.id,
                "amount": new.amount,
                "start_date": new.start_date,
                "maturity_date": maturity,
                "rate_percent": rate,
                "decision_id": decision_id,
                "protection_limit": int(limit),
                "protection_limit_from": limit_from,
            }
            | judged.audit(),
            client_id=new.client_id,
        )
        return await _read_placement(session, row.id)

    return await approvals.run_once(
        PLACEMENT_ONCE, session, actor, idempotency_key, "placeFunds", new.payload(), work
    )


# A placement's events (its status also stands on its decision's: ``rules.placement_status``).
PLACEMENT_EVENTS = approvals.EventLog(
    owner_column="placement_id",
    events_of=repository.events_of,
    insert_event=repository.insert_event,
    once_index="uq_placement_event",  # uq_placement_event_placed, uq_placement_event_closed
    already=lambda event: (
        "the placement was placed already"
        if event == PlacementEventKind.PLACED
        else "the placement came back already"
    ),
)


async def _locked_placement(session: AsyncSession, placement_id: uuid.UUID) -> PlacementView:
    row = await repository.get_placement(session, placement_id, lock=True)
    if row is None:
        raise Missing("Placement", placement_id)
    await repository.lock_client(session, row.client_id)
    return (await placement_views(session, [row]))[0]


async def make_placement(
    session: AsyncSession, actor: Actor, placement_id: uuid.UUID, *, idempotency_key: str
) -> PlacementView:
    """Carry out an approved placement: open its own CLIENT_PLACEMENT account and move the
    amount there from the client's CMS account, value-dated the start date. The institution,
    the protection limit (R-INV-4) and the surplus rule (R-INV-2) are checked again; short of
    funds, nothing moves."""

    async def work() -> PlacementView:
        view = await _locked_placement(session, placement_id)
        p = view.placement
        if view.status is not PlacementStatus.APPROVED:
            why = {
                PlacementStatus.PROPOSED: "its INVESTMENT_PLAN decision awaits the governance "
                "manager's approval (R-INV-3, R-DEC)",
                PlacementStatus.REFUSED: "its INVESTMENT_PLAN decision was refused or superseded",
            }.get(view.status, "it was placed already")
            raise InvalidState(f"the placement cannot be made: {why}", status=view.status.value)
        today = clock.today()
        if p.start_date > today:
            raise InvalidState(
                f"the placement starts on {p.start_date.isoformat()}: make it on or after then"
            )
        institution = await _institution(session, p.institution_id)
        product = await repository.get_product(session, p.product_id)
        assert product is not None
        problems = _approval_problems(institution, product, p.start_date, today)
        already = await _with_institution(session, p.client_id, p.institution_id, placed_only=True)
        over = rules.protection_problem(p.amount, already, p.protection_limit, p.start_date)
        if over:
            problems["amount"] = over
        if problems:
            raise ValidationFailed(problems)
        # The surplus rule again, today: the plan may have been revised or gone stale, or other
        # lodgements and placements approved, since the decision was (R-INV-2, R-CARE-2).
        judged = await surplus.check(session, p.client_id, p.amount, today, excluding=p.decision_id)
        name = f"Placement: {institution.institution.name} {product.name} from {p.start_date}"
        account = await ledger_repository.create_client_account(
            session, p.client_id, AccountKind.CLIENT_PLACEMENT, name[:200]
        )
        cms = await ledger.client_account(session, p.client_id)
        transfer = await ledger.post(
            session,
            actor,
            ledger.Movement(
                from_account_id=cms.id,
                to_account_id=account.id,
                amount=p.amount,
                value_date=p.start_date,
                category=Category.TRANSFER_BETWEEN_OWN_ACCOUNTS,
                description=f"Placed with {institution.institution.name} ({product.name})",
                reference=f"placement:{p.id}",
            ),
        )
        event = await approvals.append_event(
            session,
            PLACEMENT_EVENTS,
            p.id,
            PlacementEventKind.PLACED,
            actor,
            on_date=p.start_date,
            account_id=account.id,
            principal_transfer_id=transfer.id,
        )
        await audit.record(
            session,
            actor,
            entity_type="placement",
            entity_id=p.id,
            action="place",
            before={"status": view.status.value},
            after={
                "status": PlacementStatus.PLACED.value,
                "account_id": account.id,
                "transfer_id": transfer.id,
                "event_id": event.id,
            }
            | judged.audit(),
            client_id=p.client_id,
        )
        return await _read_placement(session, p.id)

    return await approvals.run_once(
        PLACEMENT_ONCE,
        session,
        actor,
        idempotency_key,
        "makePlacement",
        {"placement_id": str(placement_id)},
        work,
    )


async def mature_or_withdraw(
    session: AsyncSession,
    actor: Actor,
    placement_id: uuid.UUID,
    on_date: date,
    *,
    idempotency_key: str,
) -> PlacementView:
    """Bring a placement's money back to CMS (R-INV-6): the principal from its account, and
    simple interest at its rate for the days held (days/365, half-up to the penny) from the
    institution (IN_INTEREST). On or after the maturity date it MATURED, before it WITHDRAWN.
    Once only."""

    async def work() -> PlacementView:
        view = await _locked_placement(session, placement_id)
        p = view.placement
        if view.status is not PlacementStatus.PLACED:
            raise InvalidState(
                f"the placement is {view.status.value}: only a PLACED placement comes back, once",
                status=view.status.value,
            )
        if on_date < p.start_date:
            raise ValidationFailed({"on_date": "is before the placement started"})
        if on_date > clock.today():
            raise ValidationFailed({"on_date": "is in the future"})
        placed = view.event(PlacementEventKind.PLACED)
        assert placed is not None
        institution = await _institution(session, p.institution_id)
        cms = await ledger.client_account(session, p.client_id)
        name = institution.institution.name
        principal = await ledger.post(
            session,
            actor,
            ledger.Movement(
                from_account_id=placed.account_id,
                to_account_id=cms.id,
                amount=p.amount,
                value_date=on_date,
                category=Category.TRANSFER_BETWEEN_OWN_ACCOUNTS,
                description=f"Placement with {name} returned",
                reference=f"placement:{p.id}",
            ),
        )
        days = (on_date - p.start_date).days
        interest = rules.interest(p.amount, p.rate_percent, days)
        interest_id: uuid.UUID | None = None
        if interest > 0:
            source = await ledger.counterparty_account(
                session, institution.institution.counterparty_id
            )
            credit = await ledger.post(
                session,
                actor,
                ledger.Movement(
                    from_account_id=source.id,
                    to_account_id=cms.id,
                    amount=interest,
                    value_date=on_date,
                    category=Category.IN_INTEREST,
                    description=f"Interest from {name}: {days} days at "
                    f"{rules.rate_text(p.rate_percent)}%",
                    reference=f"placement:{p.id}",
                ),
            )
            interest_id = credit.id
        kind = (
            PlacementEventKind.MATURED
            if on_date >= p.maturity_date
            else PlacementEventKind.WITHDRAWN
        )
        event = await approvals.append_event(
            session,
            PLACEMENT_EVENTS,
            p.id,
            kind,
            actor,
            on_date=on_date,
            account_id=placed.account_id,
            principal_transfer_id=principal.id,
            interest_transfer_id=interest_id,
            interest=interest,
            days_held=days,
        )
        await audit.record(
            session,
            actor,
            entity_type="placement",
            entity_id=p.id,
            action=kind.value.lower(),
            before={"status": view.status.value},
            after={
                "status": kind.value,
                "on": on_date,
                "principal_transfer_id": principal.id,
                "interest": interest,
                "interest_transfer_id": interest_id,
                "days_held": days,
                "event_id": event.id,
            },
            client_id=p.client_id,
        )
        return await _read_placement(session, p.id)

    return await approvals.run_once(
        PLACEMENT_ONCE,
        session,
        actor,
        idempotency_key,
        "matureOrWithdrawPlacement",
        {"placement_id": str(placement_id), "on_date": on_date.isoformat()},
        work,
    )


# --- existing investments (R-INV-5) -------------------------------------------------------


@dataclass(frozen=True)
class NewInvestment:
    client_id: uuid.UUID
    kind: InvestmentKind
    holder: str
    units: str | None
    valuation: Pence | None
    valued_on: date | None
    documents_held_at: str
    note: str | None
    revises_id: uuid.UUID | None = None


async def record_investment(
    session: AsyncSession, actor: Actor, new: NewInvestment
) -> ExistingInvestment:
    """An investment the client already holds, kept where prudent, with where its documents are
    held in safe keeping (R-INV-5). A revaluation is a new row naming the one it follows."""
    holder = new.holder.strip()
    documents = new.documents_held_at.strip()
    note = (new.note or "").strip() or None
    problems = rules.text_problem("holder", holder, required=True, maximum=rules.MAX_NAME)
    problems |= rules.text_problem(
        "documents_held_at", documents, required=True, maximum=rules.MAX_LOCATION
    )
    if "documents_held_at" in problems and not documents:
        problems["documents_held_at"] = "is required: where the documents are kept (R-INV-5)"
    problems |= rules.text_problem("note", note, required=False, maximum=rules.MAX_TEXT)
    units: Decimal | None = None
    if new.units is not None:
        units = _units(new.units)
        if units is None:
            problems["units"] = 'is a decimal number of units, e.g. "1500" or "12.5"'
    if new.valuation is not None and new.valuation < 0:
        problems["valuation"] = "cannot be negative"
    if (new.valuation is None) != (new.valued_on is None):
        problems["valued_on"] = "a valuation has the date it was valued, and a date a valuation"
    if new.valued_on is not None and new.valued_on > clock.today():
        problems["valued_on"] = "is in the future"
    if problems:
        raise ValidationFailed(problems)
    async with unit_of_work(session):
        if await repository.lock_client(session, new.client_id) is None:
            raise Missing("Client", new.client_id)
        if new.revises_id is not None:
            old = await repository.get_investment(session, new.revises_id)
            if old is None or old.client_id != new.client_id:
                raise Missing("ExistingInvestment", new.revises_id)
            current = {
                r.revises_id for r in await repository.investments_of(session, new.client_id)
            }
            if old.id in current:
                raise InvalidState("that record was revised already: revise the latest one")
        row = await repository.insert_investment(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": new.client_id,
                "kind": new.kind.value,
                "holder": holder,
                "units": units,
                "valuation": new.valuation,
                "valued_on": new.valued_on,
                "documents_held_at": documents,
                "note": note,
                "revises_id": new.revises_id,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            entity_type="existing_investment",
            entity_id=row.id,
            action="revalue" if new.revises_id else "record",
            after={
                "kind": new.kind.value,
                "holder": holder,
                "units": str(units) if units is not None else None,
                "valuation": new.valuation,
                "valued_on": new.valued_on,
                "documents_held_at": documents,
                "revises_id": new.revises_id,
            },
            reason=note,
            client_id=new.client_id,
        )
        return row


def _units(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        return None
    return value if value.is_finite() and value >= 0 else None


async def investments_of(
    session: AsyncSession, client_id: uuid.UUID, *, include_revised: bool
) -> list[ExistingInvestment]:
    rows = list(await repository.investments_of(session, client_id))
    if include_revised:
        return rows
    revised = {r.revises_id for r in rows if r.revises_id is not None}
    return [r for r in rows if r.id not in revised]


# --- investment statements (R-INV-3) ------------------------------------------------------


@dataclass(frozen=True)
class NewStatement:
    client_id: uuid.UUID
    deputyship_id: uuid.UUID
    summary: str
    investments_summary: str
    surplus: Pence
    consulted: str
    client_involved: bool
    why_client_not_involved: str | None = None

    def payload(self) -> dict[str, Any]:
        return {k: str(v) if v is not None else None for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class StatementView:
    statement: InvestmentStatement
    decision_status: DecisionStatus
    approved_on: date | None
    replayed: bool = False  # a repeat of an idempotency key: nothing new was done


async def statement_views(
    session: AsyncSession, rows: Sequence[InvestmentStatement]
) -> list[StatementView]:
    statuses = await _decision_statuses(session, [r.decision_id for r in rows])
    return [StatementView(r, *statuses[r.decision_id]) for r in rows]


async def _replayed_statement(session: AsyncSession, statement_id: uuid.UUID) -> StatementView:
    row = await repository.get_statement(session, statement_id)
    assert row is not None
    return replace((await statement_views(session, [row]))[0], replayed=True)


STATEMENT_ONCE = approvals.Once(
    remember_as="statement_id", ident=lambda v: v.statement.id, replay=_replayed_statement
)


async def record_statement(
    session: AsyncSession, actor: Actor, new: NewStatement, *, idempotency_key: str
) -> StatementView:
    """The investment statement on a new deputy order (R-INV-3, seed 002 7.1-7.5): the client's
    investments and the surplus, raised as an INVESTMENT_PLAN decision for the governance
    manager to agree. One awaiting approval or approved per order; after a refusal, another."""
    summary, investments = new.summary.strip(), new.investments_summary.strip()
    problems = rules.text_problem("summary", summary, required=True, maximum=rules.MAX_TEXT)
    problems |= rules.text_problem(
        "investments_summary", investments, required=True, maximum=rules.MAX_TEXT
    )
    if problems:
        raise ValidationFailed(problems)

    async def work() -> StatementView:
        if await repository.lock_client(session, new.client_id) is None:
            raise Missing("Client", new.client_id)
        order = await repository.deputyship(session, new.deputyship_id)
        if order is None:
            raise Missing("Deputyship", new.deputyship_id)
        if order.client_id != new.client_id:
            raise ValidationFailed({"deputyship_id": "is not this client's deputy order"})
        for v in await statement_views(
            session, await repository.statements_of(session, [new.deputyship_id])
        ):
            if v.decision_status in (DecisionStatus.RAISED, DecisionStatus.APPROVED):
                raise InvalidState(
                    "this order's investment statement is "
                    f"{'approved' if v.approved_on else 'awaiting approval'} already",
                    statement_id=str(v.statement.id),
                )
        draft = DecisionDraft(
            kind=DecisionKind.INVESTMENT_PLAN,
            amount=max(new.surplus, 0),
            what_was_decided=(
                f"Investment statement for deputy order {order.case_number} of "
                f"{order.order_date.isoformat()}: surplus {format_money(new.surplus)} (R-INV-3)"
            ),
            best_interests_reason=summary,
            consulted=new.consulted,
            client_involved=new.client_involved,
            why_client_not_involved=new.why_client_not_involved,
            notes=investments,
        )
        decision_id = await decisions.raise_within(
            session, actor, decisions.tidy(decisions.NewDecision(new.client_id, draft))
        )
        row = await repository.insert_statement(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": new.client_id,
                "deputyship_id": new.deputyship_id,
                "summary": summary,
                "investments_summary": investments,
                "surplus": new.surplus,
                "decision_id": decision_id,
                "submitted_on": clock.today(),
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            entity_type="investment_statement",
            entity_id=row.id,
            action="submit",
            after={
                "deputyship_id": new.deputyship_id,
                "surplus": new.surplus,
                "decision_id": decision_id,
                "submitted_on": row.submitted_on,
            },
            client_id=new.client_id,
        )
        return (await statement_views(session, [row]))[0]

    return await approvals.run_once(
        STATEMENT_ONCE,
        session,
        actor,
        idempotency_key,
        "recordInvestmentStatement",
        new.payload(),
        work,
    )


@dataclass(frozen=True)
class StatementDue:
    deputyship_id: uuid.UUID
    client_id: uuid.UUID
    client_reference: str
    case_number: str
    order_date: date
    due_date: date
    status: StatementStatus
    statement: StatementView | None
    on: date

    @property
    def days_overdue(self) -> int:
        """Days past the due date without a submitted statement, or by which it came late."""
        if self.status is StatementStatus.OVERDUE:
            return (self.on - self.due_date).days
        if self.statement is not None:
            return max(0, (self.statement.statement.submitted_on - self.due_date).days)
        return 0


def _as_of(views: Sequence[StatementView], on: date) -> StatementView | None:
    """The statement that stands on ``on``: approved by then, else submitted by then and not
    refused or superseded."""
    known = [v for v in views if v.statement.submitted_on <= on]
    approved = [v for v in known if v.approved_on is not None and v.approved_on <= on]
    if approved:
        return approved[0]
    pending = [
        v
        for v in known
        if v.decision_status is DecisionStatus.RAISED
        or v.decision_status is DecisionStatus.APPROVED
    ]
    return pending[-1] if pending else None


async def statements_due(
    session: AsyncSession,
    on: date,
    *,
    client_id: uuid.UUID | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[StatementDue]:
    """Every deputy order in force on ``on`` with its statement's due date (order date + 3
    calendar months, R-INV-3) and where it stands on that date."""
    orders = await repository.deputyships_in_force(
        session, on, client_id=client_id, after=after, limit=limit
    )
    by_order: dict[uuid.UUID, list[StatementView]] = defaultdict(list)
    if orders:
        rows = await repository.statements_of(session, [o.id for o in orders])
        for v in await statement_views(session, rows):
            by_order[v.statement.deputyship_id].append(v)
    out = []
    for o in orders:
        due = rules.statement_due(o.order_date)
        standing = _as_of(by_order[o.id], on)
        status = rules.statement_status(
            due,
            on,
            standing.statement.submitted_on if standing else None,
            standing.approved_on if standing else None,
        )
        out.append(
            StatementDue(
                deputyship_id=o.id,
                client_id=o.client_id,
                client_reference=o.client_reference,
                case_number=o.case_number,
                order_date=o.order_date,
                due_date=due,
                status=status,
                statement=standing,
                on=on,
            )
        )
    return out
