"""The estate payment (issue 13 item 5; R-DEATH-3, R-DEATH-4, R-FEE-5, seed 002 B 29.4-29.6):
one transaction with its audit rows (R-AUD-1), once per idempotency key; refused, nothing
written, with the reason.

- **The estate payment** (``raise_estate_payment``): the whole available balance of the CMS
  account, routed once by ``rules.estate_route`` (the limit in force on the date of death), raised
  with ``payments.raise_for_winding_up`` on the ESTATE basis, then approved and made as every
  payment is (four eyes, limits, the hold). Only after the wind-up fee (R-FEE-5), every debt to
  the death and every payment discharged, Court Funds and placement money come home.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common import idempotency
from ca_api.deaths.rules import WindingUpBasis
from ca_api.deaths.spending import outstanding_before_fee
from ca_api.deaths.wind_up_fee import wind_up_fees_of_clients
from ca_api.errors import InvalidState
from ca_api.estates import repository, rules
from ca_api.estates.reads import (
    EstateView,
    accounts_afresh,
    cms_account_in,
    estate_of,
    open_payment,
    paid_so_far,
    small_estate_limit,
)
from ca_api.estates.recording import ENTITY, confirmed_death_of
from ca_api.estates.rules import ClaimantKind, EstateRoute
from ca_api.ledger import counterparties as ledger
from ca_api.ledger.models import LedgerAccount
from ca_api.ledger.rules import AccountKind, Category, CounterpartyKind
from ca_api.money import format_money
from ca_api.overpayments import service as overpayments
from ca_api.payments import raising as payments
from ca_api.payments.views import PaymentOutcome

# The council's own income line an estate of the limit and below is paid to (B 29.5; the cost
# and income appendix books "Income from Estates of £500.00 and less" as the service's income).
COUNCIL_SMALL_ESTATES = "Client Affairs small estates"
TREASURY_SOLICITOR = "Treasury Solicitor (Bona Vacantia)"  # B 29.6


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
        death, died_on = await confirmed_death_of(session, client_id, "the estate is paid")
        view = await estate_of(session, client_id)
        raised = open_payment(view)
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
        accounts = await accounts_afresh(session, client_id)
        outstanding += await _money_away(accounts)
        outstanding += await _overpayments_outstanding(session, client_id)
        if outstanding:
            raise InvalidState(
                "the estate is paid only once everything else is settled (seed 002 B 29.4-29.5)"
                "; outstanding: " + "; ".join(outstanding)
            )
        cms = cms_account_in(accounts)
        amount = cms.posted - cms.held if cms is not None else 0
        if amount <= 0:
            raise InvalidState(
                "nothing is left in the CMS account: the estate is nil, nothing is paid"
            )
        figure = await small_estate_limit(session, died_on)
        limit = int(figure.value or 0)
        claimant = view.claimant
        kind = ClaimantKind(claimant.kind) if claimant is not None else None
        paid_before = paid_so_far(view)
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
