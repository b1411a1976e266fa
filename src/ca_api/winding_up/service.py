"""Clients being wound up and what is outstanding for each (issue 13 item 6; R-DEATH-1..4,
R-FEE-5, seed 002 B 29): reads only. It sits above the modules whose records it counts (deaths,
invoices, payments, the ledger), which never import it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.grouping import group_by
from ca_api.common.keyset import Seek
from ca_api.deaths import rules as death_rules
from ca_api.deaths import service as deaths
from ca_api.deaths.service import DeathView
from ca_api.ledger.rules import AccountKind
from ca_api.winding_up import repository, rules
from ca_api.winding_up.rules import Outstanding, WindingUpFacts

# Money at home is the estate's; money away comes home first (B 29, issue 13 item 5).
AT_HOME = frozenset({AccountKind.CLIENT_CMS.value, AccountKind.CLIENT_CASH.value})
AWAY = frozenset({AccountKind.CLIENT_COURT_FUNDS.value, AccountKind.CLIENT_PLACEMENT.value})


@dataclass(frozen=True)
class WindingUpCase:
    """A deceased client being wound up: the death, how long since, and every step open."""

    view: DeathView
    client_reference: str
    days_since_death: int
    outstanding: tuple[Outstanding, ...]


async def facts_of(
    session: AsyncSession, views: Sequence[DeathView]
) -> dict[uuid.UUID, WindingUpFacts]:
    """What the records say of each deceased client, a few queries for the whole page (the
    notification list is built per client: it is derived from each one's dealings)."""
    ids = [v.death.client_id for v in views]
    invoices = group_by(await repository.open_invoices(session, ids), lambda r: r.client_id)
    payments = group_by(await repository.open_payments(session, ids), lambda r: r.client_id)
    accounts = group_by(await repository.balances(session, ids), lambda r: r.client_id)
    fees = await deaths.wind_up_fees_of_clients(session, ids)
    out = {}
    for v in views:
        cid, died_on = v.death.client_id, v.death.died_on
        mine = invoices.get(cid, [])
        money = accounts.get(cid, [])
        out[cid] = WindingUpFacts(
            notifications_outstanding=len(await deaths.outstanding_notifications(session, cid)),
            debts_before_death=tuple(
                r.amount
                for r in mine
                if death_rules.invoice_payable_after_death(r.invoice_date, died_on)
            ),
            invoices_after_death=tuple(
                r.amount
                for r in mine
                if not death_rules.invoice_payable_after_death(r.invoice_date, died_on)
            ),
            payments_open=tuple(r.amount for r in payments.get(cid, [])),
            money_away=sum(r.posted for r in money if r.kind in AWAY),
            wind_up_fee_charged=cid in fees,
            money_at_home=sum(r.posted for r in money if r.kind in AT_HOME),
        )
    return out


async def cases(session: AsyncSession, seek: Seek[Any]) -> list[WindingUpCase]:
    """A page of the clients whose death is confirmed, the longest dead first, each with what
    is outstanding (``rules.outstanding``)."""
    page = await deaths.winding_up(session, seek)
    facts = await facts_of(session, [w.view for w in page])
    return [
        WindingUpCase(
            w.view,
            w.client_reference,
            w.days_since_death,
            tuple(rules.outstanding(facts[w.view.death.client_id])),
        )
        for w in page
    ]


async def outstanding_of(session: AsyncSession, view: DeathView) -> list[Outstanding]:
    """Every step still open for one deceased client (empty: ready to close)."""
    return rules.outstanding((await facts_of(session, [view]))[view.death.client_id])
