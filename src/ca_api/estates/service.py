"""Use cases of a deceased client's estate and the close of a wound-up case (issue 13 item 5;
R-DEATH-3, R-DEATH-4, R-FEE-5, seed 002 B 29.3-29.6): each one transaction with its audit rows
(R-AUD-1), once per idempotency key; refused, nothing written, with the reason.

- **Who takes the estate**: the executor of a valid will or the next of kin, and the
  counterparty they are paid through (recorded for them, kind OTHER, or one already recorded);
  one current claimant per client, a correction supersedes (R-AUD-2); only once the death is
  confirmed.
- **The Treasury Solicitor referral** (B 29.6): no claimant, an estate over the small-estate
  limit: the date and the Bona Vacantia reference, once.
- **The estate payment** (``raise_estate_payment``): the whole available balance of the CMS
  account, routed once by ``rules.estate_route`` (the limit in force on the date of death), raised
  with ``payments.raise_for_winding_up`` on the ESTATE basis, then approved and made as every
  payment is (four eyes, limits, the hold). Only after the wind-up fee (R-FEE-5), every debt to
  the death and every payment discharged, Court Funds and placement money come home.
- **Closing the case** (``close_wound_up_case``): the client CLOSED, only when nothing of the
  winding up is outstanding (``closing_problems``); ``amendClient`` to CLOSED is refused for a
  client whose death is recorded (``refuse_closing_by_amendment``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.clients.rules import ClientStatus
from ca_api.common import idempotency
from ca_api.common.rules import text_problem
from ca_api.deaths import reads as deaths
from ca_api.deaths.reads import DeathView
from ca_api.deaths.rules import DeathStatus, WindingUpBasis
from ca_api.deaths.spending import outstanding_before_fee
from ca_api.deaths.wind_up_fee import wind_up_fees_of_clients
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.estates import repository, rules
from ca_api.estates.models import EstateClaimant, EstatePayment, EstateReferral
from ca_api.estates.rules import ClaimantKind, EstateRoute, EstateStage
from ca_api.ledger import service as ledger
from ca_api.ledger.models import LedgerAccount
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind
from ca_api.money import format_money
from ca_api.overpayments import service as overpayments
from ca_api.payments import raising as payments
from ca_api.payments.views import PaymentOutcome
from ca_api.policy import service as policy
from ca_api.policy.models import PolicyFigure

ENTITY = "estate"
# The council's own income line an estate of the limit and below is paid to (B 29.5; the cost
# and income appendix books "Income from Estates of £500.00 and less" as the service's income).
COUNCIL_SMALL_ESTATES = "Client Affairs small estates"
TREASURY_SOLICITOR = "Treasury Solicitor (Bona Vacantia)"  # B 29.6
OPEN_PAYMENT = ("RAISED", "APPROVED")


@dataclass(frozen=True)
class EstatePaymentView:
    row: EstatePayment
    status: str  # the payment's: RAISED, APPROVED, MADE, CANCELLED
    reversed: bool = False  # made, then its money brought back by a reversal (R-AUD-2)

    @property
    def paid(self) -> bool:
        """Made, and the money stayed with whom it was paid to."""
        return self.status == "MADE" and not self.reversed


@dataclass(frozen=True)
class EstateView:
    """A deceased client's estate as it stands: the current claimant (and those it corrected),
    the referral, the estate payments raised, the limit in force on the date of death."""

    client_id: uuid.UUID
    died_on: date | None
    claimants: Sequence[EstateClaimant]
    referral: EstateReferral | None
    payments: Sequence[EstatePaymentView]
    closed: bool

    @property
    def claimant(self) -> EstateClaimant | None:
        return rules.current_of(self.claimants)

    @property
    def payment(self) -> EstatePaymentView | None:
        """The estate payment that stands: the one raised and not yet made, else the last made
        and not reversed, else the last raised."""
        for wanted in (
            lambda p: p.status in OPEN_PAYMENT,
            lambda p: p.paid,
            lambda p: p.status != "CANCELLED",
            lambda p: True,
        ):
            found = [p for p in self.payments if wanted(p)]
            if found:
                return found[-1]
        return None


@dataclass(frozen=True)
class EstateOutcome:
    view: EstateView
    replayed: bool = False


@dataclass(frozen=True)
class EstatePaymentOutcome:
    view: EstateView
    payment: PaymentOutcome
    replayed: bool = False


# --- the hook another module fills ------------------------------------------------------------


async def _overpayments_outstanding(session: AsyncSession, client_id: uuid.UUID) -> list[str]:
    """Benefit overpayments after death neither repaid nor released (R-DEATH-2, B 29.2), each
    described: they hold the estate payment."""
    return [
        f"a benefit overpayment of {format_money(o.row.amount_flagged)} (received "
        f"{o.receipt_value_date.isoformat()}) is {o.status.value}, not yet settled"
        for o in await overpayments.outstanding(session, client_id)
    ]


# --- reads ------------------------------------------------------------------------------------


async def estates_of_clients(
    session: AsyncSession,
    client_ids: Sequence[uuid.UUID],
    known: Mapping[uuid.UUID, DeathView] | None = None,
    *,
    records: Mapping[uuid.UUID, clients.ClientRecord] | None = None,
) -> dict[uuid.UUID, EstateView]:
    """Each client's estate, in four queries (a loader's batch). ``known``: the clients'
    standing deaths as the caller read them (``deaths.deaths_of_clients``; a confirmed death
    always stands, since only a pending one can be withdrawn), not read again; ``records``:
    the clients as they stand (``clients.as_they_stand``) as the caller read them, not read
    again either (a page of clients being wound up, issue 18 item 1)."""
    ids = list(dict.fromkeys(client_ids))
    standing = known if known is not None else await deaths.deaths_of_clients(session, ids)
    died = {
        c: d.death.died_on
        for c, d in standing.items()
        if c in ids and d.status is DeathStatus.CONFIRMED
    }
    claimants: dict[uuid.UUID, list[EstateClaimant]] = {}
    for c in await repository.claimants_of_clients(session, ids):
        claimants.setdefault(c.client_id, []).append(c)
    referrals = {r.client_id: r for r in await repository.referrals_of_clients(session, ids)}
    paid: dict[uuid.UUID, list[EstatePaymentView]] = {}
    for row in await repository.payments_of_clients(session, ids):
        paid.setdefault(row[0].client_id, []).append(
            EstatePaymentView(row[0], str(row.status), bool(row.reversed))
        )
    if records is None:
        records = await clients.as_they_stand(session, ids)
    return {
        c: EstateView(
            client_id=c,
            died_on=died.get(c),
            claimants=rules.chain(claimants.get(c, [])),
            referral=referrals.get(c),
            payments=paid.get(c, []),
            closed=c in records and records[c].details.status is ClientStatus.CLOSED,
        )
        for c in ids
    }


async def estate_of(session: AsyncSession, client_id: uuid.UUID) -> EstateView:
    return (await estates_of_clients(session, [client_id]))[client_id]


async def _limit(session: AsyncSession, died_on: date) -> PolicyFigure:
    figure = await policy.figure_on(session, rules.SMALL_ESTATE_LIMIT, died_on)
    if figure is None or figure.value is None:
        raise policy.PolicyMissing(rules.SMALL_ESTATE_LIMIT, died_on)
    return figure


async def _fresh(session: AsyncSession, client_id: uuid.UUID) -> list[LedgerAccount]:
    """The client's accounts read afresh in the caller's transaction."""
    out = list(await ledger.accounts_of_client(session, client_id))
    for account in out:
        await session.refresh(account)
    return out


def _cms(accounts: Sequence[LedgerAccount]) -> LedgerAccount | None:
    return next((a for a in accounts if a.kind == AccountKind.CLIENT_CMS.value), None)


async def estate_state_of_clients(
    session: AsyncSession,
    client_ids: Sequence[uuid.UUID],
    known: Mapping[uuid.UUID, DeathView] | None = None,
    *,
    records: Mapping[uuid.UUID, clients.ClientRecord] | None = None,
    accounts: Sequence[LedgerAccount] | None = None,
    figures: Mapping[str, Sequence[PolicyFigure]] | None = None,
) -> dict[uuid.UUID, EstateStage]:
    """For the list of clients being wound up (issue 13 item 6): what is outstanding of each
    deceased client's estate (``rules.estate_stage``): no claimant and no referral over the limit
    (AWAITING_REFERRAL), payment not raised (NOT_RAISED), raised not made (RAISED), PAID, or NIL.
    Clients with no confirmed death are left out. ``known`` and ``records``: as
    ``estates_of_clients``; ``accounts``: the clients' accounts as the caller read them
    (``ledger.accounts_of_clients``), and ``figures`` every policy figure's history by name
    (``policy.figure_history`` of every figure), not read again."""
    views = await estates_of_clients(session, client_ids, known, records=records)
    died = {c: v for c, v in views.items() if v.died_on is not None}
    if accounts is None:
        accounts = await ledger.accounts_of_clients(session, list(died))
    balances: dict[uuid.UUID, int] = {}
    for a in accounts:
        if a.kind == AccountKind.CLIENT_CMS.value and a.client_id is not None:
            balances[a.client_id] = a.posted - a.held
    # The limit's history read once; each date of death's taken from it as figure_on would.
    history: Sequence[PolicyFigure] = []
    if figures is not None:
        history = figures.get(rules.SMALL_ESTATE_LIMIT, [])
    elif died:
        history = await policy.figure_history(session, rules.SMALL_ESTATE_LIMIT)
    out = {}
    for c, v in died.items():
        assert v.died_on is not None
        figure = policy.in_force(history, v.died_on)
        claimant = v.claimant
        out[c] = rules.estate_stage(
            claimant=ClaimantKind(claimant.kind) if claimant is not None else None,
            referred=v.referral is not None,
            available=balances.get(c, 0),
            limit=int(figure.value) if figure is not None and figure.value is not None else None,
            payment_statuses=[p.status if not p.reversed else "REVERSED" for p in v.payments],
            paid=_paid_so_far(v),
        )
    return out


# --- who takes the estate (B 29.3, R-DEATH-3) --------------------------------------------------


async def _confirmed(session: AsyncSession, client_id: uuid.UUID, what: str) -> tuple[Any, date]:
    if await clients.lock_client(session, client_id) is None:
        raise RecordNotFound.of("Client", client_id)
    death = (await deaths.deaths_of_clients(session, [client_id])).get(client_id)
    died_on = await deaths.confirmed_death_date(session, client_id)
    if death is None or died_on is None:
        raise InvalidState(
            f"{what} only once the client's death is recorded and confirmed (seed 002 B 29)"
        )
    return death.death, died_on


def _open_payment(view: EstateView) -> EstatePaymentView | None:
    return next((p for p in view.payments if p.status in OPEN_PAYMENT), None)


def _paid_so_far(view: EstateView) -> int:
    """What of the estate is paid out already (made, not reversed): money that came in after
    it (a refund, arrears) is more of the same estate, judged with it (R-DEATH-4)."""
    return sum(p.row.amount for p in view.payments if p.paid)


async def record_claimant(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    kind: ClaimantKind,
    *,
    name: str,
    will_reference: str | None,
    will_dated: date | None,
    probate_reference: str | None,
    probate_granted_on: date | None,
    relationship: str | None,
    evidence: str | None,
    counterparty_id: uuid.UUID | None,
    reason: str | None,
    idempotency_key: str,
) -> EstateOutcome:
    """Record who takes the estate: the executor of a valid will (B 29.3) or the next of kin
    (an entitled relative, with the relationship and its evidence), and how they are paid: a
    counterparty recorded for them now (kind OTHER, their name) or one already recorded
    (``counterparty_id``). A second record corrects the first (it supersedes it, with the
    reason, R-AUD-2); not once the estate payment is raised (cancel it first) or made."""

    def clean(v: str | None) -> str | None:
        return v.strip() if v is not None and v.strip() else None

    will_reference, probate_reference = clean(will_reference), clean(probate_reference)
    relationship, evidence, reason = clean(relationship), clean(evidence), clean(reason)
    name = name.strip()

    async def work() -> dict[str, Any]:
        death, died_on = await _confirmed(session, client_id, "who takes the estate is recorded")
        problems = rules.claimant_problems(
            kind,
            name=name,
            will_reference=will_reference,
            will_dated=will_dated,
            probate_reference=probate_reference,
            probate_granted_on=probate_granted_on,
            relationship=relationship,
            evidence=evidence,
            died_on=died_on,
            today=clock.today(),
        )
        view = await estate_of(session, client_id)
        current = view.claimant
        if current is not None and reason is None:
            problems["reason"] = (
                f"is required: {current.name} is recorded already; say why this corrects it"
            )
        problems |= text_problem("reason", reason, required=False, maximum=rules.MAX_EVIDENCE)
        if problems:
            raise ValidationFailed(problems)
        raised = _open_payment(view)
        if raised is not None:
            raise InvalidState(
                f"the estate payment is {raised.status} already: who takes the estate is not "
                "changed now (cancel the payment first if it is not made)"
            )
        changes: list[audit.Change] = []
        if counterparty_id is None:
            party = await ledger.add_counterparty(
                session,
                actor,
                kind=CounterpartyKind.OTHER,
                name=name,
                reference=None,
                changes=changes,
                why=f"the {kind.value.lower().replace('_', ' ')} of a deceased client's estate",
            )
            payee_id = party.id
        else:
            try:
                await ledger.counterparty_account(session, counterparty_id)
            except RecordNotFound:
                raise RecordNotFound.of("Counterparty", counterparty_id) from None
            payee_id = counterparty_id
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "death_id": death.id,
            "kind": kind.value,
            "name": name,
            "will_reference": will_reference,
            "will_dated": will_dated,
            "probate_reference": probate_reference,
            "probate_granted_on": probate_granted_on,
            "relationship": relationship,
            "evidence": evidence,
            "counterparty_id": payee_id,
            "supersedes_id": current.id if current is not None else None,
            "reason": reason,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert_claimant(session, values)
        after = audit.jsonable(
            {k: v for k, v in values.items() if k not in ("id", "client_id", "recorded_by")}
        )
        changes.append(
            audit.Change(
                ENTITY,
                row.id,
                "record_claimant" if current is None else "correct_claimant",
                before={"claimant_id": str(current.id), "name": current.name}
                if current is not None
                else None,
                after=after,
                reason=reason,
                client_id=client_id,
            )
        )
        await audit.record_many(session, actor, changes)
        return {"claimant_id": str(row.id)}

    payload = {
        "client_id": str(client_id),
        "kind": kind.value,
        "name": name,
        "will_reference": will_reference,
        "will_dated": will_dated.isoformat() if will_dated else None,
        "probate_reference": probate_reference,
        "probate_granted_on": probate_granted_on.isoformat() if probate_granted_on else None,
        "relationship": relationship,
        "evidence": evidence,
        "counterparty_id": str(counterparty_id) if counterparty_id else None,
        "reason": reason,
    }
    return await _run(session, actor, idempotency_key, "recordEstateClaimant", payload, work)


async def _run(
    session: AsyncSession,
    actor: Actor,
    key: str,
    operation: str,
    payload: dict[str, Any],
    work: Any,
) -> EstateOutcome:
    result = await idempotency.run_recorded(session, actor, key, operation, payload, work)
    view = await estate_of(session, uuid.UUID(payload["client_id"]))
    return EstateOutcome(view, bool(result.get("replayed")))


# --- the Treasury Solicitor referral (B 29.6, R-DEATH-4) ---------------------------------------


async def record_referral(
    session: AsyncSession,
    actor: Actor,
    client_id: uuid.UUID,
    referred_on: date,
    reference: str,
    *,
    idempotency_key: str,
) -> EstateOutcome:
    """Record the estate referred to the Treasury Solicitor (Bona Vacantia): the date and their
    reference, once; only for an estate with no executor or next of kin over the small-estate
    limit in force on the date of death (the CMS account now: the net estate only falls as debts
    are paid)."""
    reference = reference.strip()
    problems = text_problem(
        "reference", reference, required=True, maximum=rules.MAX_REFERRAL_REFERENCE
    )
    if problems:
        raise ValidationFailed(problems)

    async def work() -> dict[str, Any]:
        death, died_on = await _confirmed(session, client_id, "the estate is referred")
        problem = rules.referral_date_problem(referred_on, died_on, clock.today())
        if problem is not None:
            raise ValidationFailed({"referred_on": problem})
        view = await estate_of(session, client_id)
        if view.referral is not None:
            raise InvalidState(
                f"the estate was referred on {view.referral.referred_on.isoformat()} "
                f"({view.referral.reference}): once (B 29.6)"
            )
        figure = await _limit(session, died_on)
        cms = _cms(await _fresh(session, client_id))
        available = (cms.posted - cms.held if cms is not None else 0) + _paid_so_far(view)
        claimant = view.claimant
        why = rules.referral_problem(
            ClaimantKind(claimant.kind) if claimant is not None else None,
            available,
            int(figure.value or 0),
        )
        if why is not None:
            raise InvalidState(why)
        row = await repository.insert_referral(
            session,
            {
                "id": uuid.uuid4(),
                "client_id": client_id,
                "death_id": death.id,
                "referred_on": referred_on,
                "reference": reference,
                "recorded_by": actor.principal.subject,
            },
        )
        after = {
            "referred_on": referred_on.isoformat(),
            "reference": reference,
            "estate": available,
            "limit": int(figure.value or 0),
            "limit_effective_from": figure.effective_from.isoformat(),
        }
        await audit.record(
            session, actor, ENTITY, row.id, "refer", after=after, client_id=client_id
        )
        return {"referral_id": str(row.id)}

    payload = {
        "client_id": str(client_id),
        "referred_on": referred_on.isoformat(),
        "reference": reference,
    }
    return await _run(
        session, actor, idempotency_key, "recordTreasurySolicitorReferral", payload, work
    )


# --- the estate payment (R-DEATH-3, R-DEATH-4, B 29.4-29.6) -------------------------------------


async def _money_away(accounts: Sequence[LedgerAccount]) -> list[str]:
    """Money with the Court Funds Office, in a placement or held in cash: it comes home to the
    CMS account before the estate is paid (issue 13 item 5)."""
    return [
        f"{a.name} ({a.kind}) holds {format_money(a.posted)}: it comes home first"
        for a in accounts
        if a.kind != AccountKind.CLIENT_CMS.value and a.posted != 0
    ]


async def raise_estate_payment(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, idempotency_key: str
) -> EstatePaymentOutcome:
    """Raise the estate payment: the whole available balance of the client's CMS account, to
    whom ``rules.estate_route`` sends it (the claimant; with none, kept by the council at the
    limit and below, the Treasury Solicitor over it once referred), on the ESTATE basis; it is
    then approved by a second officer and made like every payment. Refused, listing what is
    outstanding, while: no confirmed death; the wind-up fee not charged (R-FEE-5); an invoice
    dated up to the death or a payment open; money away from the CMS account; benefit
    overpayments not repaid; an estate payment raised already; nothing left to pay."""

    async def work() -> dict[str, Any]:
        death, died_on = await _confirmed(session, client_id, "the estate is paid")
        view = await estate_of(session, client_id)
        raised = _open_payment(view)
        if raised is not None:
            raise InvalidState(
                f"the estate payment of {format_money(raised.row.amount)} is {raised.status} "
                "already: one at a time (cancel it first to raise it again)"
            )
        outstanding: list[str] = []
        if not await wind_up_fees_of_clients(session, [client_id]):
            outstanding.append(
                "the wind-up fee is not charged: it is taken before the estate is paid "
                "(R-FEE-5, R-DEATH-3; chargeWindUpFee)"
            )
        outstanding += await outstanding_before_fee(session, client_id, died_on)
        accounts = await _fresh(session, client_id)
        outstanding += await _money_away(accounts)
        outstanding += await _overpayments_outstanding(session, client_id)
        if outstanding:
            raise InvalidState(
                "the estate is paid only once everything else is settled (seed 002 B 29.4-29.5)"
                "; outstanding: " + "; ".join(outstanding)
            )
        cms = _cms(accounts)
        amount = cms.posted - cms.held if cms is not None else 0
        if amount <= 0:
            raise InvalidState(
                "nothing is left in the CMS account: the estate is nil, nothing is paid"
            )
        figure = await _limit(session, died_on)
        limit = int(figure.value or 0)
        claimant = view.claimant
        kind = ClaimantKind(claimant.kind) if claimant is not None else None
        paid_before = _paid_so_far(view)
        route = rules.estate_route(kind, paid_before + amount, limit)
        paid_routes = {EstateRoute(p.row.route) for p in view.payments if p.paid}
        problem = rules.top_up_problem(route, paid_routes, paid_before) or rules.route_problem(
            route, view.referral is not None
        )
        if problem is not None:
            raise InvalidState(problem)
        changes: list[audit.Change] = []
        if claimant is not None:
            payee_id = claimant.counterparty_id
        elif route is EstateRoute.KEPT_BY_COUNCIL:
            account = await ledger.named_counterparty_account(
                session,
                actor,
                CounterpartyKind.COUNCIL,
                COUNCIL_SMALL_ESTATES,
                why="needed to keep a small estate (seed 002 B 29.5, R-DEATH-4)",
                changes=changes,
            )
            assert account.counterparty_id is not None
            payee_id = account.counterparty_id
        else:
            account = await ledger.named_counterparty_account(
                session,
                actor,
                CounterpartyKind.OTHER,
                TREASURY_SOLICITOR,
                why="needed to pay an estate to the Treasury Solicitor (seed 002 B 29.6)",
                changes=changes,
            )
            assert account.counterparty_id is not None
            payee_id = account.counterparty_id
        whom = {
            EstateRoute.EXECUTOR: f"to the executor {claimant.name if claimant else ''}",
            EstateRoute.NEXT_OF_KIN: f"to the next of kin {claimant.name if claimant else ''}",
            EstateRoute.KEPT_BY_COUNCIL: "kept by the council (B 29.5)",
            EstateRoute.TREASURY_SOLICITOR: "to the Treasury Solicitor (B 29.6)",
        }[route]
        payment_id = await payments.raise_for_winding_up(
            session,
            actor,
            client_id=client_id,
            payee_id=payee_id,
            amount=amount,
            category=Category.OUT_OTHER,
            description=f"Estate (death on {died_on.isoformat()}) {whom}",
            basis=WindingUpBasis.ESTATE,
        )
        referral = view.referral if route is EstateRoute.TREASURY_SOLICITOR else None
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "death_id": death.id,
            "route": route.value,
            "amount": amount,
            "limit_amount": limit,
            "limit_effective_from": figure.effective_from,
            "claimant_id": claimant.id if claimant is not None else None,
            "referral_id": referral.id if referral is not None else None,
            "payment_id": payment_id,
            "recorded_by": actor.principal.subject,
        }
        row = await repository.insert_payment(session, values)
        after = audit.jsonable(
            {k: v for k, v in values.items() if k not in ("id", "client_id", "recorded_by")}
        )
        after["died_on"] = died_on.isoformat()
        changes.append(
            audit.Change(ENTITY, row.id, "raise_estate_payment", after=after, client_id=client_id)
        )
        await audit.record_many(session, actor, changes)
        return {"payment_id": str(payment_id)}

    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "raiseEstatePayment", {"client_id": str(client_id)}, work
    )
    done = await payments.payment_outcome(session, uuid.UUID(str(result["payment_id"])))
    view = await estate_of(session, client_id)
    return EstatePaymentOutcome(view, done, bool(result.get("replayed")))
