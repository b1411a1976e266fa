"""The OPG report's non-money sections (issue 15 item 3, R-OPG), generated from what the system
already records, never typed: decisions, contacts, visits, care, benefits, gifts, deputy fees
and expenses, assets and debts at the period's end, actions in the period.

``gather`` returns them as the report document's JSON-able parts (money in integer pence, dates
ISO strings, ids UUID strings); ``sections_repository`` holds the SQL, ``fees_and_gifts`` builds
the gifts, deputy fees and deputy expenses. How each is read:

- **decisions**: the client's decisions APPROVED in the period (the approval's date), not
  superseded on or before the period's end; a decision superseded by then is left out (its
  successor, once approved, is listed). Raised or refused decisions were not made.
- **contacts / visits / care changes**: each record as it stands (its last correction,
  R-AUD-2), dated in the period.
- **care**: the client's situation as it stood at the period's end (their details' version
  recorded by then; the first version when they were taken on later), the care providers paid
  in the period (counterparties of kind CARE_PROVIDER), and the changes of circumstances.
- **benefits**: per benefit (R-ACC-6), receipts whose money moved with a value date in the
  period, less reversals dated in the period; ``payments`` counts receipts not wholly reversed.
- **gifts / deputyExpenses**: the money part's OUT_GIFTS / OUT_DEPUTY_EXPENSES entries (so a
  reclassified entry follows its reported category). A gift's recipient is the counterparty paid;
  its decision is the client's approved gift decision (R-DEC-3) to that counterparty (by id, else
  by name) for that amount, approved on or before the gift's value date (the latest not yet
  matched), else null.
- **deputyFees**: the seven OPG fee types in order; fee charges whose money moved in the period
  by type (deputy remuneration: annual management); an OUT_DEPUTY_FEES entry of the money part
  that is no fee charge is annual management too (the council's only deputy fee, R-FEE-1). The
  OPG supervision fee is the OPG's fee (money out, OUT_OPG_FEES), not the deputy's.
- **assets at the end**: property not sold on or before the end (sale agreed), at its latest
  valuation on or before the end; existing investments (R-INV-5) at their latest revision valued
  on or before the end; placements placed on or before the end and not back by then (R-INV-4);
  valuables held at the end (registered by then, not returned by then) at their recorded value.
  Court Funds and CMS money are accounts (the money part), not assets here.
- **debts at the end**: debts found on appointment (R-DEBT), incurred on or before the end, as
  they stand, less what was repaid with money moved by the end; paid-off debts are left out.
  Unpaid invoices are bills in the normal course, not debts: they are not listed.
- **actions in the period**: property sold (sale agreed), lodgements whose money moved
  (LODGEMENT), placements made (PLACEMENT), money back from the Court Funds Office or a
  placement (INVESTMENT_ENDED).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common import corrections
from ca_api.ledger.opg_categories import opg_category
from ca_api.ledger.rules import Benefit, category_for_benefit
from ca_api.opg_reports import fees_and_gifts
from ca_api.opg_reports import sections_repository as repository
from ca_api.placements.rules import PlacementEventKind
from ca_api.reviews.models import CircumstanceChange, ClientContact, ClientReview
from ca_api.valuables.rules import MovementKind, ValuableStatus, held, status_of

SECTION_KEYS = (
    "decisions",
    "contacts",
    "visits",
    "care",
    "benefits",
    "gifts",
    "deputyFees",
    "deputyExpenses",
    "assets",
    "debts",
    "actions",
)


def _opg_benefit_id(benefit: Benefit) -> str:
    """The OPG's id for a benefit received (R-OPG-1): the ledger's one mapping."""
    category = category_for_benefit(benefit)
    found = opg_category(category, benefit)
    assert found is not None  # every money-in category is mapped (tests/test_opg_categories.py)
    return found.id


# --- helpers ----------------------------------------------------------------------------------


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _standing(rows: Sequence[Any], link: str) -> list[Any]:
    """The rows no other row of ``rows`` supersedes (``link``: the column naming the one a row
    corrects), in the order given."""
    superseded = {getattr(r, link) for r in rows if getattr(r, link) is not None}
    return [r for r in rows if r.id not in superseded]


# --- sections ---------------------------------------------------------------------------------


async def _decisions(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> list[dict[str, Any]]:
    return [
        {
            "decisionId": str(d.id),
            "kind": d.kind,
            "madeOn": approved_on.isoformat(),
            "whatWasDecided": d.what_was_decided,
            "amount": d.amount,
            "clientInvolved": d.client_involved,
            "whyClientNotInvolved": d.why_client_not_involved,
            "consulted": d.consulted,
        }
        for d, approved_on in await repository.decisions_approved(session, client_id, start, end)
    ]


async def _contacts(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> list[dict[str, Any]]:
    rows = await repository.standing_records(
        session, ClientContact, ClientContact.contacted_on, client_id, start, end
    )
    return [
        {
            "contactedOn": c.contacted_on.isoformat(),
            "kind": c.kind,
            "withWhom": c.with_whom,
            "about": c.about,
        }
        for c in rows
    ]


async def _visits(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> list[dict[str, Any]]:
    rows = await repository.standing_records(
        session, ClientReview, ClientReview.reviewed_on, client_id, start, end
    )
    return [
        {
            "reviewedOn": r.reviewed_on.isoformat(),
            "methods": list(r.methods),
            "clientInvolved": r.client_involved,
            "needs": r.needs,
            "finances": r.finances,
        }
        for r in rows
    ]


_SITUATION_TEXT = {
    "COMMUNITY": "Lives in the community",
    "RESIDENTIAL_CARE": "Lives in residential care",
    "DECEASED_WINDING_UP": "Deceased: the estate is being wound up",
}


def arrangement_text(situation: str | None, providers: Iterable[str]) -> str:
    """The care arrangement in words: where the client lives and who was paid for their care."""
    names = list(providers)
    where = _SITUATION_TEXT.get(situation or "", "Not recorded")
    if not names:
        return f"{where}; no care provider was paid in the period."
    return f"{where}; care provided by {', '.join(names)}."


async def _care(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> dict[str, Any]:
    version = await repository.client_version_at(session, client_id, end)
    situation = version.situation if version is not None else None
    providers = await repository.care_providers_paid(session, client_id, start, end)
    changes = await repository.standing_records(
        session, CircumstanceChange, CircumstanceChange.occurred_on, client_id, start, end
    )
    return {
        "situation": situation or "",
        "arrangement": arrangement_text(situation, providers),
        "changes": [
            {"occurredOn": c.occurred_on.isoformat(), "kind": c.kind, "details": c.details}
            for c in changes
        ],
    }


async def _benefits(
    session: AsyncSession, client_id: uuid.UUID, start: date, end: date
) -> list[dict[str, Any]]:
    received: dict[Benefit, int] = {}
    payments: dict[Benefit, int] = {}
    for benefit, amount, reversed_ in await repository.benefit_receipts(
        session, client_id, start, end
    ):
        b = Benefit(benefit) if benefit is not None else Benefit.OTHER
        received[b] = received.get(b, 0) + int(amount) - int(reversed_)
        payments[b] = payments.get(b, 0) + (1 if int(reversed_) < int(amount) else 0)
    return [
        {
            "benefit": b.value,
            "opgCategory": _opg_benefit_id(b),
            "received": received[b],
            "payments": payments[b],
        }
        for b in Benefit
        if b in received
    ]


async def _property(session: AsyncSession, client_id: uuid.UUID, end: date) -> list[dict[str, Any]]:
    sold = {
        s.property_id
        for s in await repository.property_sales(session, client_id)
        if s.agreed_on <= end
    }
    latest: dict[uuid.UUID, Any] = {}
    for v in await repository.property_valuations(session, client_id, end):
        latest[v.property_id] = v  # oldest first: the last is the latest
    out = []
    for chain in corrections.chains(await repository.property_records(session, client_id)):
        pid = chain[0].id
        if pid in sold:
            continue
        valuation = latest.get(pid)
        out.append(
            {
                "id": str(pid),
                "description": chain[-1].address,
                "value": valuation.amount if valuation is not None else 0,
                "valuedOn": _iso(valuation.valued_on if valuation is not None else None),
                "status": "HELD",
            }
        )
    return out


async def _investments(
    session: AsyncSession, client_id: uuid.UUID, end: date
) -> list[dict[str, Any]]:
    out = []
    for chain in corrections.chains_by(
        await repository.existing_investments(session, client_id), attrgetter("revises_id")
    ):
        valued = [
            r
            for r in chain
            if r.valuation is not None and r.valued_on is not None and r.valued_on <= end
        ]
        last = max(valued, key=lambda r: (r.valued_on, r.recorded_at)) if valued else None
        current = chain[-1]
        out.append(
            {
                "id": str(chain[0].id),
                "description": f"{current.kind}: {current.holder}",
                "value": last.valuation if last is not None else 0,
                "valuedOn": _iso(last.valued_on if last is not None else None),
            }
        )
    return out


def _placements_at(rows: Sequence[Any], end: date) -> list[dict[str, Any]]:
    placed: dict[uuid.UUID, tuple[Any, str]] = {}
    back: set[uuid.UUID] = set()
    for placement, institution, event in rows:
        if event.on_date > end:
            continue
        if event.event == PlacementEventKind.PLACED.value:
            placed[placement.id] = (placement, str(institution))
        else:
            back.add(placement.id)
    return [
        {
            "id": str(p.id),
            "institution": institution,
            "amount": p.amount,
            "status": "PLACED",
        }
        for pid, (p, institution) in placed.items()
        if pid not in back
    ]


async def _valuables(
    session: AsyncSession, client_id: uuid.UUID, end: date
) -> list[dict[str, Any]]:
    records: dict[uuid.UUID, list[Any]] = {}
    for r in await repository.valuable_records(session, client_id, end):
        records.setdefault(r.valuable_id, []).append(r)
    moves: dict[uuid.UUID, list[MovementKind]] = {}
    for m in await repository.valuable_movements(session, client_id, end):
        moves.setdefault(m.valuable_id, []).append(MovementKind(m.kind))
    out = []
    for valuable_id, rs in records.items():
        status: ValuableStatus = status_of(moves.get(valuable_id, []))
        if not held(status):
            continue
        standing = _standing(rs, "supersedes_id")
        current = standing[-1] if standing else rs[-1]
        out.append(
            {
                "id": str(valuable_id),
                "description": current.description,
                "value": current.value,
                "status": status.value,
            }
        )
    return out


async def _debts(session: AsyncSession, client_id: uuid.UUID, end: date) -> list[dict[str, Any]]:
    repaid = await repository.debts_repaid_by(session, client_id, end)
    out = []
    for chain in corrections.chains(await repository.outstanding_debts(session, client_id)):
        current = chain[-1]
        if current.incurred_on > end:
            continue
        outstanding = max(0, current.amount - repaid.get(chain[0].id, 0))
        if outstanding == 0:
            continue
        out.append(
            {
                "id": str(chain[0].id),
                "creditor": current.creditor,
                "kind": current.kind,
                "outstanding": outstanding,
            }
        )
    return out


async def _actions(
    session: AsyncSession,
    client_id: uuid.UUID,
    start: date,
    end: date,
    placements: Sequence[Any],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    addresses = {
        chain[0].id: chain[-1].address
        for chain in corrections.chains(await repository.property_records(session, client_id))
    }
    for s in await repository.property_sales(session, client_id):
        if start <= s.agreed_on <= end:
            out.append(
                {
                    "kind": "PROPERTY_SOLD",
                    "on": s.agreed_on.isoformat(),
                    "description": f"Sold {addresses.get(s.property_id, 'property')}",
                    "amount": s.price,
                }
            )
    for (t,) in await repository.lodgements_lodged(session, client_id, start, end):
        out.append(
            {
                "kind": "LODGEMENT",
                "on": t.value_date.isoformat(),
                "description": "Lodged with the Court Funds Office",
                "amount": t.amount,
            }
        )
    for w, t in await repository.court_funds_withdrawals(session, client_id, start, end):
        out.append(
            {
                "kind": "INVESTMENT_ENDED",
                "on": t.value_date.isoformat(),
                "description": f"Taken back from the Court Funds Office: {w.reason}",
                "amount": w.amount,
            }
        )
    for placement, institution, event in placements:
        if not start <= event.on_date <= end:
            continue
        if event.event == PlacementEventKind.PLACED.value:
            kind, text = "PLACEMENT", f"Placed with {institution}"
        elif event.event == PlacementEventKind.MATURED.value:
            kind, text = "INVESTMENT_ENDED", f"Placement with {institution} matured"
        else:
            kind, text = "INVESTMENT_ENDED", f"Placement with {institution} withdrawn early"
        out.append(
            {
                "kind": kind,
                "on": event.on_date.isoformat(),
                "description": text,
                "amount": placement.amount,
            }
        )
    out.sort(key=lambda a: (a["on"], a["kind"], a["description"]))
    return out


async def gather(
    session: AsyncSession,
    *,
    client_id: uuid.UUID,
    period_start: date,
    period_end: date,
    money: Mapping[str, Any],
) -> dict[str, Any]:
    """The sections decisions .. actions of the report document for the client's period
    (``money``: the money part already built, whose OUT_GIFTS, OUT_DEPUTY_FEES and
    OUT_DEPUTY_EXPENSES entries the gifts, fees and expenses read)."""
    start, end = period_start, period_end
    placements = await repository.placement_events(session, client_id)
    return {
        "decisions": await _decisions(session, client_id, start, end),
        "contacts": await _contacts(session, client_id, start, end),
        "visits": await _visits(session, client_id, start, end),
        "care": await _care(session, client_id, start, end),
        "benefits": await _benefits(session, client_id, start, end),
        "gifts": await fees_and_gifts.gifts(session, client_id, money),
        "deputyFees": await fees_and_gifts.deputy_fees(session, client_id, start, end, money),
        "deputyExpenses": fees_and_gifts.deputy_expenses(money),
        "assets": {
            "property": await _property(session, client_id, end),
            "investments": await _investments(session, client_id, end),
            "placements": _placements_at(placements, end),
            "valuables": await _valuables(session, client_id, end),
        },
        "debts": await _debts(session, client_id, end),
        "actions": await _actions(session, client_id, start, end, placements),
    }
