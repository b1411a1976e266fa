"""A deceased client's estate as it stands (issue 13 item 5; R-DEATH-3, R-DEATH-4, seed 002
B 29.3-29.6): who takes it, the Treasury Solicitor referral, the estate payments raised, and
what is outstanding of it for the list of clients being wound up; with the reads the use cases
share (the limit in force on the date of death, the accounts read afresh, what is paid so far)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clients import service as clients
from ca_api.clients.rules import ClientStatus
from ca_api.common import corrections
from ca_api.deaths import reads as deaths
from ca_api.deaths.reads import DeathView
from ca_api.deaths.rules import DeathStatus
from ca_api.estates import repository, rules
from ca_api.estates.models import EstateClaimant, EstatePayment, EstateReferral
from ca_api.estates.rules import ClaimantKind, EstateStage
from ca_api.ledger import accounts as ledger
from ca_api.ledger.models import LedgerAccount
from ca_api.ledger.rules import AccountKind
from ca_api.policy import service as policy
from ca_api.policy.models import PolicyFigure

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
        return corrections.current_of(self.claimants)

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
            claimants=corrections.chain(claimants.get(c, [])),
            referral=referrals.get(c),
            payments=paid.get(c, []),
            closed=c in records and records[c].details.status is ClientStatus.CLOSED,
        )
        for c in ids
    }


async def estate_of(session: AsyncSession, client_id: uuid.UUID) -> EstateView:
    return (await estates_of_clients(session, [client_id]))[client_id]


async def small_estate_limit(session: AsyncSession, died_on: date) -> PolicyFigure:
    figure = await policy.figure_on(session, rules.SMALL_ESTATE_LIMIT, died_on)
    if figure is None or figure.value is None:
        raise policy.PolicyMissing(rules.SMALL_ESTATE_LIMIT, died_on)
    return figure


async def accounts_afresh(session: AsyncSession, client_id: uuid.UUID) -> list[LedgerAccount]:
    """The client's accounts read afresh in the caller's transaction."""
    out = list(await ledger.accounts_of_client(session, client_id))
    for account in out:
        await session.refresh(account)
    return out


def cms_account_in(accounts: Sequence[LedgerAccount]) -> LedgerAccount | None:
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
            paid=paid_so_far(v),
        )
    return out


def open_payment(view: EstateView) -> EstatePaymentView | None:
    return next((p for p in view.payments if p.status in OPEN_PAYMENT), None)


def paid_so_far(view: EstateView) -> int:
    """What of the estate is paid out already (made, not reversed): money that came in after
    it (a refund, arrears) is more of the same estate, judged with it (R-DEATH-4)."""
    return sum(p.row.amount for p in view.payments if p.paid)
