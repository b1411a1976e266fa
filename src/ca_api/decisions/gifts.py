"""Gifts (R-DEC-3, R-ORD-1, R-ROLE-3): what a gift decision is checked against when raised and
again when approved (the order's power and yearly limit, the employee register), and what the
approver weighs it against (the estate and past giving)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.decisions import repository, rules
from ca_api.employees import service as employees
from ca_api.errors import RecordNotFound, ValidationFailed
from ca_api.ledger import accounts as ledger
from ca_api.ledger import reads as ledger_reads
from ca_api.ledger.models import Counterparty
from ca_api.money import Pence, format_money
from ca_api.orders import service as orders
from ca_api.orders.rules import is_in_force

# A record named by its GraphQL type: its NotFoundProblem carries the opaque id.
Missing = RecordNotFound.of


@dataclass(frozen=True)
class GiftContext:
    """What the approver weighs a gift against (R-DEC-3): the estate and past giving."""

    on: date
    total_balance: Pence
    available_balance: Pence
    makes_gifts: bool
    yearly_limit: Pence | None
    year_start: date | None
    year_end: date | None
    approved_this_year: Pence | None
    approved_last_five_years: Pence
    remaining_allowance: Pence | None


@dataclass(frozen=True)
class _GiftOrder:
    order_date: date
    yearly_limit: Pence | None


async def _gift_order(session: AsyncSession, client_id: uuid.UUID, on: date) -> _GiftOrder | None:
    """The client's deputyship in force on ``on`` that grants the power to make gifts (the most
    recent order, when more than one is in force); None when none does (R-ORD-1)."""
    for row in await orders.deputyship_rows(session, [client_id]):
        if is_in_force(row.order_date, row.end_date, on) and row.power_make_gifts:
            return _GiftOrder(row.order_date, row.gift_yearly_limit)
    return None


async def _is_employee(
    session: AsyncSession,
    recipient_name_key: str,
    recipient_dob: date | None,
    counterparty: Counterparty | None,
    on: date,
) -> str | None:
    """Why the recipient is a council employee (R-ROLE-3), or None."""
    if counterparty is not None and counterparty.is_council_employee:
        return "the recipient counterparty is marked as a council employee (R-ROLE-3)"
    keys = {recipient_name_key}
    if counterparty is not None:
        keys.add(employees.normalise_name(counterparty.name))
    if await employees.on_register(session, keys, recipient_dob, on):
        return (
            "the recipient is on the council employee register: a gift is never made "
            "to a council employee (R-ROLE-3)"
        )
    return None


@dataclass(frozen=True)
class Gift:
    """A gift decision as it is checked, when raised and again when approved."""

    client_id: uuid.UUID
    amount: Pence
    recipient_name_key: str
    recipient_date_of_birth: date | None
    recipient_counterparty_id: uuid.UUID | None


async def check_gift(session: AsyncSession, gift: Gift, on: date) -> None:
    """The gift may be made (R-ORD-1, R-ROLE-3, R-DEC-3), else ValidationFailed; an unknown
    recipient counterparty is a NotFound."""
    client_id, amount = gift.client_id, gift.amount
    counterparty = await recipient(session, gift.recipient_counterparty_id)
    order = await _gift_order(session, client_id, on)
    if order is None:
        raise ValidationFailed(
            {
                "kind": "no deputyship in force for the client grants the power to make gifts: "
                "a gift needs the court order's authority (R-ORD-1, R-DEC-3); an act outside "
                "the order needs a new application to the court"
            }
        )
    employee = await _is_employee(
        session, gift.recipient_name_key, gift.recipient_date_of_birth, counterparty, on
    )
    if employee is not None:
        flagged = counterparty is not None and counterparty.is_council_employee
        field = "recipient_counterparty_id" if flagged else "recipient_name"
        raise ValidationFailed({field: employee})
    if order.yearly_limit is not None:
        start, end = rules.gift_year(order.order_date, on)
        given = await repository.gifts_approved(session, client_id, start, end)
        if given + amount > order.yearly_limit:
            raise ValidationFailed(
                {
                    "amount": f"{format_money(amount)} with {format_money(given)} already "
                    f"approved in the order's gift year {start.isoformat()} to "
                    f"{end.isoformat()} is over the order's yearly gift limit of "
                    f"{format_money(order.yearly_limit)} (R-DEC-3); "
                    f"{format_money(max(0, order.yearly_limit - given))} remains"
                }
            )


async def recipient(
    session: AsyncSession, counterparty_id: uuid.UUID | None
) -> Counterparty | None:
    """A gift's recipient as a counterparty, when one is named (a NotFound when unknown)."""
    if counterparty_id is None:
        return None
    cp = await ledger_reads.counterparty(session, counterparty_id)
    if cp is None:
        raise Missing("Counterparty", counterparty_id)
    return cp


async def gift_context(session: AsyncSession, client_id: uuid.UUID) -> GiftContext:
    """The client's estate and past giving as they stand today (R-DEC-3)."""
    today = clock.today()
    accounts = await ledger.accounts_of_client(session, client_id)
    order = await _gift_order(session, client_id, today)
    five_years = await repository.gifts_approved(
        session, client_id, rules.years_before(today, rules.GIFT_HISTORY_YEARS), today
    )
    start = end = None
    this_year: Pence | None = None
    limit: Pence | None = None
    if order is not None:
        start, end = rules.gift_year(order.order_date, today)
        this_year = await repository.gifts_approved(session, client_id, start, end)
        limit = order.yearly_limit
    return GiftContext(
        on=today,
        total_balance=sum(a.posted for a in accounts),
        available_balance=sum(a.posted - a.held for a in accounts),
        makes_gifts=order is not None,
        yearly_limit=limit,
        year_start=start,
        year_end=end,
        approved_this_year=this_year,
        approved_last_five_years=five_years,
        remaining_allowance=(
            rules.remaining_allowance(limit, this_year or 0) if order is not None else 0
        ),
    )
