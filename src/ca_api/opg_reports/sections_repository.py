"""Every SQL statement of the OPG report's non-money sections (issue 15 item 3, R-OPG): reads
only, of the tables other modules write (decisions, reviews, receipts, fees, property,
valuables, investments, lodgements, placements, outstanding debts). ``sections`` shapes them.

Records corrected by a new record (R-AUD-2) are read as they stand: the last of each chain (a
record no other record supersedes)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Row, and_, exists, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api import clock
from ca_api.clients.models import ClientVersion
from ca_api.decisions.models import Decision, DecisionEvent
from ca_api.decisions.rules import DecisionEventKind, DecisionKind
from ca_api.fees.models import FeeCharge
from ca_api.institutions.models import ApprovedInstitution
from ca_api.investments.models import ExistingInvestment
from ca_api.ledger.models import Counterparty, LedgerAccount, Transfer
from ca_api.ledger.rules import MONEY_MOVED, CounterpartyKind
from ca_api.lodgements.models import CourtFundsWithdrawal, LodgementLodged
from ca_api.outstanding_debts.models import DebtRepayment, OutstandingDebt
from ca_api.payments.models import PaymentEvent
from ca_api.placements.models import Placement, PlacementEvent
from ca_api.property.models import PropertyRecord, PropertySale, PropertyValuation
from ca_api.receipts.models import Receipt
from ca_api.reviews.models import CircumstanceChange, ClientContact, ClientReview
from ca_api.valuables.models import ValuableMovement, ValuableRecord

R = TypeVar("R")


def end_of_day(day: date) -> datetime:
    """The first moment after ``day`` in the council's calendar (Europe/London): a row recorded
    before it was recorded on or before ``day``."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=clock.LONDON)


def _moved(t: Any) -> Any:
    return t.kind.in_(MONEY_MOVED)


# --- decisions (R-DEC-1) ----------------------------------------------------------------------


async def decisions_approved(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> Sequence[Row[Decision, date]]:
    """The client's decisions approved in the period, each with the day it was approved, and
    not superseded on or before the period's end (a superseded decision's successor, approved,
    is listed instead). Oldest first."""
    approved = aliased(DecisionEvent)
    superseded = aliased(DecisionEvent)
    stmt = (
        select(Decision, approved.on_date.label("approved_on"))
        .join(approved, approved.decision_id == Decision.id)
        .where(
            Decision.client_id == client_id,
            approved.event == DecisionEventKind.APPROVED.value,
            approved.on_date.between(start, end),
            not_(
                exists().where(
                    superseded.decision_id == Decision.id,
                    superseded.event == DecisionEventKind.SUPERSEDED.value,
                    superseded.on_date <= end,
                )
            ),
        )
        .order_by(approved.on_date, Decision.raised_at, Decision.id)
    )
    return (await session.execute(stmt)).all()


async def gift_decisions(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[Row[Decision, date]]:
    """The client's approved gift decisions (R-DEC-3), never superseded, with the day each was
    approved: what a gift paid out is matched to."""
    approved = aliased(DecisionEvent)
    superseded = aliased(DecisionEvent)
    stmt = (
        select(Decision, approved.on_date.label("approved_on"))
        .join(approved, approved.decision_id == Decision.id)
        .where(
            Decision.client_id == client_id,
            Decision.kind == DecisionKind.GIFT.value,
            approved.event == DecisionEventKind.APPROVED.value,
            not_(
                exists().where(
                    superseded.decision_id == Decision.id,
                    superseded.event == DecisionEventKind.SUPERSEDED.value,
                )
            ),
        )
        .order_by(approved.on_date, Decision.raised_at, Decision.id)
    )
    return (await session.execute(stmt)).all()


# --- contacts, reviews, changes of circumstances (R-CARE-1) -----------------------------------


async def standing_records(
    session: AsyncSession,
    model: type[ClientContact] | type[ClientReview] | type[CircumstanceChange],
    dated_by: Any,
    client_id: uuid.UUID,
    start: date,
    end: date,
) -> Sequence[Any]:
    """The client's records of one kind as they stand (each chain's last correction, R-AUD-2)
    dated in the period, oldest first."""
    later = aliased(model)
    table: Any = model
    stmt = (
        select(model)
        .where(
            table.client_id == client_id,
            dated_by.between(start, end),
            not_(exists().where(later.supersedes_id == table.id)),
        )
        .order_by(dated_by, table.recorded_at, table.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def client_version_at(
    session: AsyncSession, client_id: uuid.UUID, end: date
) -> ClientVersion | None:
    """The client's details as they stood at the end of ``end``; the first version when the
    client was taken on after it."""
    recorded = ClientVersion.recorded_at < end_of_day(end)
    stmt = (
        select(ClientVersion)
        .where(ClientVersion.client_id == client_id)
        .order_by(recorded.desc(), ClientVersion.version.desc())
        .limit(1)
    )
    got = (await session.execute(stmt)).scalars().first()
    if got is None or got.recorded_at < end_of_day(end):
        return got
    first = select(ClientVersion).where(ClientVersion.client_id == client_id)
    return (await session.execute(first.order_by(ClientVersion.version).limit(1))).scalars().first()


async def care_providers_paid(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> list[str]:
    """The care providers (counterparties of kind CARE_PROVIDER) the client's money was paid to
    in the period, by name."""
    to = aliased(LedgerAccount)
    stmt = (
        select(Counterparty.name)
        .join(to, to.counterparty_id == Counterparty.id)
        .join(Transfer, Transfer.to_account_id == to.id)
        .where(
            Transfer.client_id == client_id,
            _moved(Transfer),
            Transfer.reverses_id.is_(None),
            Transfer.value_date.between(start, end),
            Counterparty.kind == CounterpartyKind.CARE_PROVIDER.value,
        )
        .group_by(Counterparty.name)
        .order_by(Counterparty.name)
    )
    return [str(n) for n in (await session.execute(stmt)).scalars().all()]


# --- benefits (R-ACC-6) -----------------------------------------------------------------------


async def benefit_receipts(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> Sequence[Row[str | None, int, int]]:
    """(benefit, amount, reversed) of every benefit received in the period (its transfer moved,
    value date in the period); ``reversed``: what reversals dated in the period took back."""
    rev = aliased(Transfer)
    taken_back = (
        select(func.coalesce(func.sum(rev.amount), 0))
        .where(rev.reverses_id == Transfer.id, _moved(rev), rev.value_date.between(start, end))
        .scalar_subquery()
    )
    stmt = (
        select(Receipt.benefit, Transfer.amount, taken_back.label("reversed"))
        .join(Transfer, Transfer.id == Receipt.transfer_id)
        .where(
            Receipt.client_id == client_id,
            Receipt.benefit.is_not(None),
            _moved(Transfer),
            Transfer.value_date.between(start, end),
        )
        .order_by(Transfer.value_date, Transfer.seq)
    )
    return (await session.execute(stmt)).all()


# --- money out: who was paid ------------------------------------------------------------------


async def payees_of(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID | None, str | None]]:
    """Each transfer's receiving counterparty (id, name); (None, None) when it went to one of
    the client's own accounts."""
    if not transfer_ids:
        return {}
    to = aliased(LedgerAccount)
    stmt = (
        select(Transfer.id, Counterparty.id, Counterparty.name)
        .join(to, to.id == Transfer.to_account_id)
        .outerjoin(Counterparty, Counterparty.id == to.counterparty_id)
        .where(Transfer.id.in_(set(transfer_ids)))
    )
    return {r[0]: (r[1], r[2]) for r in (await session.execute(stmt)).all()}


# --- deputy fees (R-FEE) ----------------------------------------------------------------------


async def fee_charges(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> Sequence[Row[FeeCharge, date]]:
    """(charge, value_date) of every fee taken from the client whose money moved in the period,
    in the order it moved."""
    t = aliased(Transfer)  # FeeCharge.value_date reads Transfer itself
    stmt = (
        select(FeeCharge, t.value_date)
        .join(t, t.id == FeeCharge.transfer_id)
        .where(
            FeeCharge.client_id == client_id,
            _moved(t),
            t.value_date.between(start, end),
        )
        .order_by(t.value_date, t.seq)
    )
    return (await session.execute(stmt)).all()


# --- assets at the period's end ---------------------------------------------------------------


async def _of_client(
    session: AsyncSession,
    model: type[R],
    client_id: uuid.UUID,
    order_by: Sequence[Any],
    *also: Any,
) -> Sequence[R]:
    """The client's rows of ``model`` (also meeting ``also``), in ``order_by`` order."""
    table: Any = model
    stmt = select(model).where(table.client_id == client_id, *also).order_by(*order_by)
    return (await session.execute(stmt)).scalars().all()


async def property_records(session: AsyncSession, client_id: uuid.UUID) -> Sequence[PropertyRecord]:
    order = (PropertyRecord.recorded_at, PropertyRecord.id)
    return await _of_client(session, PropertyRecord, client_id, order)


async def property_valuations(
    session: AsyncSession, client_id: uuid.UUID, end: date
) -> Sequence[PropertyValuation]:
    """The client's property valuations made on or before ``end``, oldest first."""
    order = (PropertyValuation.valued_on, PropertyValuation.recorded_at, PropertyValuation.id)
    return await _of_client(
        session, PropertyValuation, client_id, order, PropertyValuation.valued_on <= end
    )


async def property_sales(session: AsyncSession, client_id: uuid.UUID) -> Sequence[PropertySale]:
    order = (PropertySale.agreed_on, PropertySale.id)
    return await _of_client(session, PropertySale, client_id, order)


async def existing_investments(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[ExistingInvestment]:
    order = (ExistingInvestment.recorded_at, ExistingInvestment.id)
    return await _of_client(session, ExistingInvestment, client_id, order)


async def placement_events(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[Row[Placement, str, PlacementEvent]]:
    """(placement, institution name, event) of every placement event of the client, in order."""
    stmt = (
        select(Placement, ApprovedInstitution.name, PlacementEvent)
        .join(PlacementEvent, PlacementEvent.placement_id == Placement.id)
        .join(ApprovedInstitution, ApprovedInstitution.id == Placement.institution_id)
        .where(Placement.client_id == client_id)
        .order_by(PlacementEvent.on_date, PlacementEvent.id)
    )
    return (await session.execute(stmt)).all()


async def valuable_records(
    session: AsyncSession, client_id: uuid.UUID, end: date
) -> Sequence[ValuableRecord]:
    """The client's valuables' records made by the end of ``end``, oldest first."""
    order = (ValuableRecord.recorded_at, ValuableRecord.id)
    made_by_then = ValuableRecord.recorded_at < end_of_day(end)
    return await _of_client(session, ValuableRecord, client_id, order, made_by_then)


async def valuable_movements(
    session: AsyncSession, client_id: uuid.UUID, end: date
) -> Sequence[ValuableMovement]:
    """The client's valuables' movements made by the end of ``end``, in order."""
    order = (ValuableMovement.valuable_id, ValuableMovement.number)
    made_by_then = ValuableMovement.recorded_at < end_of_day(end)
    return await _of_client(session, ValuableMovement, client_id, order, made_by_then)


# --- debts at the period's end (R-DEBT) -------------------------------------------------------


async def outstanding_debts(
    session: AsyncSession, client_id: uuid.UUID
) -> Sequence[OutstandingDebt]:
    order = (OutstandingDebt.recorded_at, OutstandingDebt.id)
    return await _of_client(session, OutstandingDebt, client_id, order)


async def debts_repaid_by(
    session: AsyncSession, client_id: uuid.UUID, end: date
) -> dict[uuid.UUID, int]:
    """What was repaid of each debt (by its first record's id) by ``end``: repayments whose
    payment was made with money that moved on or before it, less any reversal by then."""
    rev = aliased(Transfer)
    taken_back = (
        select(func.coalesce(func.sum(rev.amount), 0))
        .where(rev.reverses_id == Transfer.id, _moved(rev), rev.value_date <= end)
        .scalar_subquery()
    )
    stmt = (
        select(DebtRepayment.debt_id, func.sum(Transfer.amount - taken_back))
        .join(
            PaymentEvent,
            and_(PaymentEvent.payment_id == DebtRepayment.payment_id, PaymentEvent.event == "MADE"),
        )
        .join(Transfer, Transfer.id == PaymentEvent.transfer_id)
        .where(
            DebtRepayment.client_id == client_id,
            _moved(Transfer),
            Transfer.value_date <= end,
        )
        .group_by(DebtRepayment.debt_id)
    )
    return {r[0]: int(r[1]) for r in (await session.execute(stmt)).all()}


# --- actions in the period --------------------------------------------------------------------


async def lodgements_lodged(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> Sequence[Row[Transfer]]:
    """(transfer) of every lodgement with the Court Funds Office whose money moved in the
    period (R-INV-2)."""
    stmt = (
        select(Transfer)
        .join(LodgementLodged, LodgementLodged.transfer_id == Transfer.id)
        .where(
            Transfer.client_id == client_id,
            _moved(Transfer),
            Transfer.value_date.between(start, end),
        )
        .order_by(Transfer.value_date, Transfer.seq)
    )
    return (await session.execute(stmt)).all()


async def court_funds_withdrawals(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> Sequence[Row[CourtFundsWithdrawal, Transfer]]:
    """(withdrawal, transfer) of money taken back from the Court Funds Office in the period
    (R-INV-6)."""
    stmt = (
        select(CourtFundsWithdrawal, Transfer)
        .join(Transfer, Transfer.id == CourtFundsWithdrawal.transfer_id)
        .where(
            CourtFundsWithdrawal.client_id == client_id,
            _moved(Transfer),
            Transfer.value_date.between(start, end),
        )
        .order_by(Transfer.value_date, Transfer.seq)
    )
    return (await session.execute(stmt)).all()
