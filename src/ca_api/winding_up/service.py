"""Clients being wound up and what is outstanding for each (issue 13 items 5-6; R-DEATH-1..4,
R-FEE-5, seed 002 B 29), and closing the case, which that list alone decides: a case closes only
when nothing is outstanding. It sits above the modules whose records it counts (deaths,
invoices, payments, overpayments, estates, the ledger), which never import it (but for
``clients.amend_client``, which asks ``refuse_closing_by_amendment`` when asked, at run time).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.auth.actor import Actor
from ca_api.clients import end_of_case
from ca_api.clients import service as clients
from ca_api.common import idempotency
from ca_api.common.grouping import group_by
from ca_api.common.keyset import Seek
from ca_api.deaths import reads as deaths
from ca_api.deaths import rules as death_rules
from ca_api.deaths.models import WindUpFee
from ca_api.deaths.notifications import outstanding_notifications_of_deaths
from ca_api.deaths.reads import DeathView
from ca_api.deaths.wind_up_fee import WIND_UP_FEE_FIGURE, wind_up_fees_of_clients
from ca_api.errors import InvalidState, RecordNotFound, ValidationFailed
from ca_api.estates import reads as estates
from ca_api.ledger import accounts as ledger
from ca_api.ledger.rules import AccountKind
from ca_api.money import format_money
from ca_api.overpayments import service as overpayments
from ca_api.policy import service as policy
from ca_api.valuables import service as valuables
from ca_api.winding_up import repository, rules
from ca_api.winding_up.repository import Item
from ca_api.winding_up.rules import Outstanding, WindingUpFacts

# Money in the CMS account is the estate's to pay out; money away from it (the Court Funds
# Office, placements, cash held) comes home first, as the estate's payment asks (issue 13 item 5).
AT_HOME = frozenset({AccountKind.CLIENT_CMS.value})
AWAY = frozenset(
    {
        AccountKind.CLIENT_COURT_FUNDS.value,
        AccountKind.CLIENT_PLACEMENT.value,
        AccountKind.CLIENT_CASH.value,
    }
)


@dataclass(frozen=True)
class WindingUpCase:
    """A deceased client being wound up: the death, how long since, and every step open."""

    view: DeathView
    client_reference: str
    days_since_death: int
    outstanding: tuple[Outstanding, ...]
    wind_up_fee: WindUpFee | None = None  # as read for the page (the death's windUpFee)


async def facts_of(
    session: AsyncSession, views: Sequence[DeathView]
) -> dict[uuid.UUID, WindingUpFacts]:
    """What the records say of each deceased client, a few queries for the whole page, each
    kind of record read once whatever the page's size."""
    return {c: f for c, (f, _) in (await _facts_and_fees(session, views)).items()}


async def _facts_and_fees(
    session: AsyncSession, views: Sequence[DeathView]
) -> dict[uuid.UUID, tuple[WindingUpFacts, WindUpFee | None]]:
    """``facts_of``, and each client's wind-up fee as read for them (None: not charged). The
    clients as they stand and their accounts are read once here and handed to the estates'
    and the notification lists' reads (issue 18 item 1)."""
    if not views:
        return {}
    ids = [v.death.client_id for v in views]
    items = group_by(await repository.open_items(session, ids), lambda r: (r.client_id, r.item))
    records = await clients.as_they_stand(session, ids)
    accounts = await ledger.accounts_of_clients(session, ids)
    accounts_of = group_by(accounts, lambda a: a.client_id)
    fees = await wind_up_fees_of_clients(session, ids)
    held = await overpayments.outstanding_of_clients(session, ids)
    # every policy figure's history read once: the wind-up fee's here, the estates' limit there
    histories = group_by(await policy.figure_history(session, None), lambda f: f.name)
    # the deaths are in hand with their events: not read again (here nor for the estates)
    stages = await estates.estate_state_of_clients(
        session,
        ids,
        {v.death.client_id: v for v in views},
        records=records,
        accounts=accounts,
        figures=histories,
    )
    in_safe = await valuables.held_of_clients(session, ids)
    not_yet_told = await outstanding_notifications_of_deaths(
        session,
        [v.death for v in views if v.confirmed is not None],
        records=records,
        accounts=accounts,
    )
    # The fee's history, each date of death's figure taken from it as figure_on would.
    fee_history = histories.get(WIND_UP_FEE_FIGURE, [])
    figures: dict[date, int | None] = {}
    for d in {v.death.died_on for v in views}:
        figure = policy.in_force(fee_history, d)
        figures[d] = int(figure.value) if figure is not None and figure.value is not None else None
    out = {}
    for v in views:
        cid, died_on = v.death.client_id, v.death.died_on
        mine = items.get((cid, Item.INVOICE), [])
        money = accounts_of.get(cid, [])
        facts = WindingUpFacts(
            not_yet_told=tuple(
                f"{n.organisation_name} ({n.recipient.value})" for n in not_yet_told.get(cid, [])
            ),
            debts_before_death=tuple(
                r.amount
                for r in mine
                if r.on is not None and death_rules.invoice_payable_after_death(r.on, died_on)
            )
            + tuple(r.amount for r in items.get((cid, Item.ASSISTANCE), [])),
            invoices_after_death=tuple(
                r.amount
                for r in mine
                if r.on is not None and not death_rules.invoice_payable_after_death(r.on, died_on)
            ),
            payments_open=tuple(r.amount for r in items.get((cid, Item.PAYMENT), [])),
            money_away=sum(a.posted for a in money if a.kind in AWAY),
            wind_up_fee_charged=cid in fees,
            wind_up_fee_due=figures[died_on],
            # what is free for the estate: money held is an open payment's or an overpayment's
            money_at_home=sum(a.posted - a.held for a in money if a.kind in AT_HOME),
            overpayments_held=tuple(o.row.amount_flagged for o in held.get(cid, [])),
            estate_stage=stages.get(cid),
            valuables_held=in_safe.get(cid, 0),
        )
        out[cid] = (facts, fees.get(cid))
    return out


async def cases(session: AsyncSession, seek: Seek[Any]) -> list[WindingUpCase]:
    """A page of the clients whose death is confirmed, the longest dead first, each with what
    is outstanding (``rules.outstanding``)."""
    page = await deaths.winding_up(session, seek)
    facts = await _facts_and_fees(session, [w.view for w in page])
    out = []
    for w in page:
        f, fee = facts[w.view.death.client_id]
        out.append(
            WindingUpCase(
                w.view, w.client_reference, w.days_since_death, tuple(rules.outstanding(f)), fee
            )
        )
    return out


async def outstanding_of(session: AsyncSession, view: DeathView) -> list[Outstanding]:
    """Every step still open for one deceased client (empty: ready to close)."""
    return rules.outstanding((await facts_of(session, [view]))[view.death.client_id])


# --- closing the case (issue 13 item 5: nothing outstanding, every balance zero) -------------


async def closing_problems(session: AsyncSession, client_id: uuid.UUID) -> list[str]:
    """What keeps a deceased client's case open: every step of ``rules.outstanding`` still open
    (the one list ``clientsBeingWoundUp`` shows), and any money still held in their accounts.
    Empty when it may close."""
    view = (await deaths.deaths_of_clients(session, [client_id])).get(client_id)
    if view is None or view.confirmed is None:
        return ["the client's death is not confirmed (recordDeath, then confirmDeath)"]
    out = [f"{o.step.value}: {o.detail}" for o in await outstanding_of(session, view)]
    for a in await ledger.accounts_of_client(session, client_id):
        if a.held:
            out.append(f"{a.name} ({a.kind}) has {format_money(a.held)} held")
    return out


async def close_wound_up_case(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, idempotency_key: str
) -> estates.EstateOutcome:
    """Close a deceased client's case (seed 002 B 29, issue 13 item 5): the client CLOSED (a new
    version of their details, R-AUD-2, with its audit row), refused with the full list of what
    is outstanding (``closing_problems``) and nothing written."""

    async def work() -> dict[str, Any]:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        outstanding = await closing_problems(session, client_id)
        if outstanding:
            raise InvalidState(
                "the case closes only once nothing of the winding up is outstanding; "
                "outstanding: " + "; ".join(outstanding)
            )
        estate = await estates.estate_of(session, client_id)
        paid = estate.payment
        reason = "wound up (seed 002 B 29): " + (
            f"estate {paid.row.route} {format_money(paid.row.amount)}"
            if paid is not None and paid.status == "MADE"
            else "nil estate"
        )
        await end_of_case.record_closed(session, actor, client_id, reason=reason)
        return {"client_id": str(client_id)}

    result = await idempotency.run_recorded(
        session, actor, idempotency_key, "closeWoundUpCase", {"client_id": str(client_id)}, work
    )
    return estates.EstateOutcome(
        await estates.estate_of(session, client_id), bool(result.get("replayed"))
    )


async def refuse_closing_by_amendment(session: AsyncSession, client_id: uuid.UUID) -> None:
    """``amendClient`` to CLOSED for a client whose death is recorded: refused, with what is
    outstanding; such a case closes by closeWoundUpCase alone."""
    if (await deaths.deaths_of_clients(session, [client_id])).get(client_id) is None:
        return
    outstanding = await closing_problems(session, client_id)
    said = "; outstanding: " + "; ".join(outstanding) if outstanding else ""
    raise ValidationFailed(
        {
            "status": "the client's death is recorded: their case is closed by closeWoundUpCase "
            "once nothing of the winding up is outstanding (seed 002 B 29)" + said
        }
    )


async def refuse_reviving(session: AsyncSession, client_id: uuid.UUID) -> None:
    """``amendClient`` moving a client out of DECEASED_WINDING_UP: refused once their death is
    confirmed (it stands until corrected, and the caseload counts the deceased by this
    situation, R-REP-1, seed 002 Appendix 1). A situation set by an import with no confirmed
    death may be put right."""
    if await deaths.confirmed_death_date(session, client_id) is not None:
        raise ValidationFailed(
            {
                "situation": "the client's death is confirmed: they stay DECEASED_WINDING_UP "
                "while their affairs are wound up, and after (seed 002 B 29, Appendix 1)"
            }
        )
