"""Use cases of placements (R-INV-4, R-INV-6). Each change is one transaction with its audit
row; money moves through the ledger; a proposal is an INVESTMENT_PLAN decision raised through
``ca_api.decisions.service`` in the same transaction, approved by the governance manager through
``approveDecision`` (R-DEC, four eyes R-ROLE-2). Placements are for surplus funds: proposing,
approving and making one apply the surplus rule shared with lodgements (``lodgements.surplus``,
R-INV-2, seed 002 B 7.9-7.10).

Dates. A placement's start date may be in the past (recording one made on that day) or the
future (proposed ahead); its money moves, with the start date as value date, only once its
decision is approved and not before the start date. It comes back on a date from its start to
today. Deposit protection (R-INV-4) is judged with the figure in force on the start date.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.clients import service as clients
from ca_api.common.grouping import group_by
from ca_api.common.rules import decimal_text
from ca_api.deaths import spending as deaths
from ca_api.decisions import service as decisions
from ca_api.decisions.rules import (
    DecisionDraft,
    DecisionEventKind,
    DecisionKind,
    DecisionStatus,
    decision_status,
)
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed, existing
from ca_api.institutions import service as institutions
from ca_api.institutions.models import ApprovedInstitution, InstitutionProduct
from ca_api.ledger import accounts as ledger_accounts
from ca_api.ledger import counterparties as ledger_counterparties
from ca_api.ledger import transfers as ledger
from ca_api.ledger.rules import Category
from ca_api.lodgements import surplus
from ca_api.lodgements.rules import deputy_problem
from ca_api.money import Pence, format_money
from ca_api.placements import repository, rules
from ca_api.placements.models import Placement, PlacementEvent
from ca_api.placements.rules import PlacementEventKind, PlacementStatus
from ca_api.policy import service as policy
from ca_api.policy.service import PolicyMissing

Missing = RecordNotFound.of


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

    @property
    def returned(self) -> PlacementEvent | None:
        """The event of its money coming back (matured or withdrawn), if it has."""
        return self.event(PlacementEventKind.MATURED, PlacementEventKind.WITHDRAWN)


def _placement_of(e: PlacementEvent) -> uuid.UUID:
    return e.placement_id


async def placement_views(session: AsyncSession, rows: Sequence[Placement]) -> list[PlacementView]:
    if not rows:
        return []
    events = group_by(await repository.events_of(session, [r.id for r in rows]), _placement_of)
    decision_events = await decisions.events_by_decision(session, [r.decision_id for r in rows])
    views = []
    for r in rows:
        decision = decision_status(
            DecisionEventKind(e.event) for e in decision_events.get(r.decision_id, [])
        )
        status = rules.placement_status(decision, (e.event for e in events[r.id]))
        views.append(PlacementView(r, status, decision, events[r.id]))
    return views


async def _read_placement(
    session: AsyncSession, placement_id: uuid.UUID, *, lock: bool = False
) -> PlacementView:
    """The placement as it stands; with ``lock``, its row and then its client's locked first
    (one change of a placement, and of its client's money, at a time)."""
    row = existing(
        await repository.get_placement(session, placement_id, lock=lock), "Placement", placement_id
    )
    if lock:
        await clients.lock_client(session, row.client_id)
    return (await placement_views(session, [row]))[0]


async def placements_of_client(
    session: AsyncSession, client_id: uuid.UUID, status: PlacementStatus | None
) -> list[PlacementView]:
    """A client's placements, latest start first (a client has a handful: filtered here)."""
    views = await placement_views(
        session, await repository.placements_of_client(session, client_id)
    )
    return [v for v in views if status is None or v.status is status]


async def placements_by_id(
    session: AsyncSession, principal: Principal, placement_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PlacementView]:
    """The placements with these ids, as they stand, whose client the principal may read (as
    ``placements`` of a client is scoped); one missing or hidden is absent."""
    if not placement_ids:
        return {}
    rows = await repository.placements_by_id(session, principal, placement_ids)
    return {v.placement.id: v for v in await placement_views(session, rows)}


async def placement_rows_of_client(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[Placement]:
    """A client's placements as recorded (the surplus rule weighs them, ``lodgements.surplus``)."""
    return await repository.placements_of_client(session, client_id)


async def placement_events(
    session: AsyncSession, placement_ids: Sequence[uuid.UUID]
) -> Sequence[PlacementEvent]:
    return await repository.events_of(session, placement_ids)


async def placement_of_decision(session: AsyncSession, decision_id: uuid.UUID) -> Placement | None:
    """The placement its INVESTMENT_PLAN decision approves, if the decision is a placement's."""
    return await repository.placement_of_decision(session, decision_id)


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


async def _offered(
    session: AsyncSession, product_id: uuid.UUID, start: date, today: date
) -> tuple[InstitutionProduct, ApprovedInstitution, dict[str, str]]:
    """The product, its institution, and why a placement starting ``start`` may not be made
    with them (R-INV-4: offered then, the institution approved then and still today)."""
    product = existing(
        await institutions.get_product(session, product_id), "InstitutionProduct", product_id
    )
    view = await institutions.get_institution(session, product.institution_id)
    problems = rules.approval_problems(
        view.institution.name, view.approved_on, product.effective_from, start, today
    )
    return product, view.institution, problems


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
        reference = await clients.lock_client(session, new.client_id)
        client = await clients.get_client(session, actor.principal, new.client_id)
        if reference is None or client is None:
            raise Missing("Client", new.client_id)
        # Only a deputy invests a client's money; an appointee deals in benefits only (R-INV-2).
        deputy = deputy_problem(client.legal_role, "place a client's money with an institution")
        if deputy is not None:
            problems["client_id"] = deputy
        product, inst, offered = await _offered(session, new.product_id, new.start_date, today)
        max_months = await policy.figure(session, rules.MAX_TERM, new.start_date)
        maturity, term = rules.term_problems(
            new.start_date, new.term_months, new.maturity_date, int(max_months)
        )
        problems |= term | offered
        if "amount" not in problems:
            limits = rules.limits_problem(new.amount, product.minimum, product.maximum)
            if limits:
                problems["amount"] = limits
        fscs = await policy.figure_on(session, rules.FSCS_LIMIT, new.start_date)
        if fscs is None or fscs.value is None:
            raise PolicyMissing(rules.FSCS_LIMIT, new.start_date)
        limit = int(fscs.value)
        if "amount" not in problems:
            already = await _with_institution(session, new.client_id, inst.id, placed_only=False)
            over = rules.protection_problem(new.amount, already, limit, new.start_date)
            if over:
                problems["amount"] = over
        if problems:
            raise ValidationFailed(problems)
        # Placements are for surplus funds, drawing on the same surplus as lodgements (R-INV-2,
        # seed 002 B 7.9-7.10): judged today against the plan in force (R-CARE-2).
        judged = await surplus.check(session, new.client_id, new.amount, today, excluding=None)
        assert maturity is not None
        rate = decimal_text(product.rate_percent)
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
        terms = {
            "amount": new.amount,
            "start_date": new.start_date,
            "maturity_date": maturity,
            "rate_percent": product.rate_percent,
            "decision_id": decision_id,
            "protection_limit": limit,
            "protection_limit_from": fscs.effective_from,
        }
        row = await repository.insert_placement(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": new.client_id,
                "institution_id": inst.id,
                "product_id": product.id,
                **terms,
                "proposed_by": actor.principal.subject,
            },
        )
        after = {"institution": inst.name, "product_id": product.id, **terms, "rate_percent": rate}
        after |= judged.audit()
        await audit.record(
            session, actor, "placement", row.id, "propose", after=after, client_id=new.client_id
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


def _movement(
    p: Placement,
    source: uuid.UUID,
    target: uuid.UUID,
    amount: Pence,
    on: date,
    description: str,
    category: Category = Category.TRANSFER_BETWEEN_OWN_ACCOUNTS,
) -> ledger.Movement:
    """The placement's money moving from the ``source`` account to the ``target``, value-dated
    ``on`` and referenced to the placement: between the client's own accounts unless said."""
    reference = f"placement:{p.id}"
    return ledger.Movement(source, target, amount, on, category, description, reference)


# A change of a placement: the audit row's action and what it changed to.
Changed = tuple[str, dict[str, Any]]


async def _change(
    session: AsyncSession,
    actor: Actor,
    placement_id: uuid.UUID,
    key: str,
    operation: str,
    also: dict[str, str],
    change: Callable[[PlacementView], Awaitable[Changed]],
) -> PlacementView:
    """``change`` a placement once per idempotency key (``approvals.run_once``; the request is
    the operation on the placement with ``also``): its row and its client's locked, the change
    audited with the status it left, the placement read again."""

    async def work() -> PlacementView:
        view = await _read_placement(session, placement_id, lock=True)
        p = view.placement
        action, after = await change(view)
        before = {"status": view.status.value}
        await audit.record(
            session,
            actor,
            "placement",
            p.id,
            action,
            before=before,
            after=after,
            client_id=p.client_id,
        )
        return await _read_placement(session, p.id)

    payload = {"placement_id": str(placement_id)} | also
    return await approvals.run_once(PLACEMENT_ONCE, session, actor, key, operation, payload, work)


async def make_placement(
    session: AsyncSession, actor: Actor, placement_id: uuid.UUID, *, idempotency_key: str
) -> PlacementView:
    """Carry out an approved placement: open its own CLIENT_PLACEMENT account and move the
    amount there from the client's CMS account, value-dated the start date. The institution,
    the protection limit (R-INV-4) and the surplus rule (R-INV-2) are checked again; short of
    funds, nothing moves."""

    async def make(view: PlacementView) -> Changed:
        p = view.placement
        if view.status is not PlacementStatus.APPROVED:
            why = {
                PlacementStatus.PROPOSED: "its INVESTMENT_PLAN decision awaits the governance "
                "manager's approval (R-INV-3, R-DEC)",
                PlacementStatus.REFUSED: "its INVESTMENT_PLAN decision was refused or superseded",
            }.get(view.status, "it was placed already")
            raise InvalidState(f"the placement cannot be made: {why}", status=view.status.value)
        # Nothing is invested after the client's confirmed death (B 29); returning is allowed.
        await deaths.refuse_spending_after_death(session, p.client_id, commits_new_money=True)
        today = clock.today()
        if p.start_date > today:
            raise InvalidState(
                f"the placement starts on {p.start_date.isoformat()}: make it on or after then"
            )
        product, institution, problems = await _offered(session, p.product_id, p.start_date, today)
        already = await _with_institution(session, p.client_id, p.institution_id, placed_only=True)
        over = rules.protection_problem(p.amount, already, p.protection_limit, p.start_date)
        if over:
            problems["amount"] = over
        if problems:
            raise ValidationFailed(problems)
        # The surplus rule again, today: the plan may have been revised or gone stale, or other
        # lodgements and placements approved, since the decision was (R-INV-2, R-CARE-2).
        judged = await surplus.check(session, p.client_id, p.amount, today, excluding=p.decision_id)
        name = f"Placement: {institution.name} {product.name} from {p.start_date}"
        account = await ledger_accounts.open_placement_account(session, p.client_id, name[:200])
        cms = await ledger_accounts.client_account(session, p.client_id)
        placed_with = f"Placed with {institution.name} ({product.name})"
        move = _movement(p, cms.id, account.id, p.amount, p.start_date, placed_with)
        transfer = await ledger.post(session, actor, move)
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
        placed = {"account_id": account.id, "transfer_id": transfer.id, "event_id": event.id}
        return "place", {"status": PlacementStatus.PLACED.value, **placed} | judged.audit()

    return await _change(session, actor, placement_id, idempotency_key, "makePlacement", {}, make)


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

    async def bring_back(view: PlacementView) -> Changed:
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
        institution = await institutions.get_institution(session, p.institution_id)
        cms = await ledger_accounts.client_account(session, p.client_id)
        name = institution.institution.name
        returned = f"Placement with {name} returned"
        back = _movement(p, placed.account_id, cms.id, p.amount, on_date, returned)
        principal = await ledger.post(session, actor, back)
        days = (on_date - p.start_date).days
        interest = rules.interest(p.amount, p.rate_percent, days)
        interest_id: uuid.UUID | None = None
        if interest > 0:
            source = await ledger_counterparties.counterparty_account(
                session, institution.institution.counterparty_id
            )
            said = f"Interest from {name}: {days} days at {decimal_text(p.rate_percent)}%"
            paid = _movement(p, source.id, cms.id, interest, on_date, said, Category.IN_INTEREST)
            interest_id = (await ledger.post(session, actor, paid)).id
        kind = (
            PlacementEventKind.MATURED
            if on_date >= p.maturity_date
            else PlacementEventKind.WITHDRAWN
        )
        came_back = {
            "principal_transfer_id": principal.id,
            "interest": interest,
            "interest_transfer_id": interest_id,
            "days_held": days,
        }
        event = await approvals.append_event(
            session,
            PLACEMENT_EVENTS,
            p.id,
            kind,
            actor,
            on_date=on_date,
            account_id=placed.account_id,
            **came_back,
        )
        after = {"status": kind.value, "on": on_date, **came_back, "event_id": event.id}
        return kind.value.lower(), after

    on = {"on_date": on_date.isoformat()}
    return await _change(
        session, actor, placement_id, idempotency_key, "matureOrWithdrawPlacement", on, bring_back
    )
