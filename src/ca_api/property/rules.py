"""Pure rules of a client's property (issue 14 item 3; R-CARE-4, seed 002 B 8-9): no I/O, no
clock.

- A property is recorded with its address, ownership, insurance and its renewal, and who holds
  the keys (B 8.1 "secured ... kept in a reasonable state of repair", R-CARE-4 "kept secure and
  insured"); a correction is a new record (R-AUD-2).
- Protection-of-property visits are logged (B 8.2) and the Protection of Property team's
  invoices are the invoices module's (paid within 21 working days of receipt, B 8.4, R-PAY-1).
- A sale is agreed only when every condition of B 9.1-9.3 holds (``sale_conditions``): the
  council is deputy (B 9.1 "only once the County Council becomes Deputy"), the client is the
  sole owner, an approved best interest decision that the client is not likely to return home,
  the sale discussed with relevant parties (family), valuations from three independent estate
  agents (the number is policy data, ``property_sale_valuations``), and the deputy's agreement
  to the price of the offer accepted (B 9.3).
- Letting needs the court's authority and tenders from local agents (B 9.4;
  ``property_letting_tenders``).
- Proceeds, after outstanding invoices, are for lodgement or a higher interest account (B 9.5).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

MAX_TEXT = 2000
MAX_NAME = 200


class Ownership(enum.StrEnum):
    SOLE = "SOLE"  # the client alone (B 9.1: a sale needs it)
    JOINT = "JOINT"  # with others (co_owners named)
    OTHER = "OTHER"  # a life interest, a tenancy, a trust: say what


class SaleCondition(enum.StrEnum):
    """Each condition of a sale (seed 002 B 9.1-9.3, R-CARE-4)."""

    DEPUTY = "DEPUTY"  # B 9.1: only once the council is deputy
    SOLE_OWNER = "SOLE_OWNER"  # B 9.1: the client is the sole owner
    NOT_RETURNING_HOME = "NOT_RETURNING_HOME"  # B 9.1: an APPROVED best interest decision
    PARTIES_CONSULTED = "PARTIES_CONSULTED"  # B 9.1: discussed with relevant parties
    THREE_VALUATIONS = "THREE_VALUATIONS"  # B 9.2: three independent estate agents
    DEPUTY_AGREED_PRICE = "DEPUTY_AGREED_PRICE"  # B 9.3: the deputy agrees the final price


CONDITION_TEXT = {
    SaleCondition.DEPUTY: "the council is the client's deputy (B 9.1)",
    SaleCondition.SOLE_OWNER: "the client is the sole owner (B 9.1)",
    SaleCondition.NOT_RETURNING_HOME: "an approved best interest decision that the client is "
    "not likely to return home (B 9.1, R-DEC)",
    SaleCondition.PARTIES_CONSULTED: "the sale discussed with relevant parties, e.g. family "
    "(B 9.1)",
    SaleCondition.THREE_VALUATIONS: "valuations from {n} independent estate agents (B 9.2)",
    SaleCondition.DEPUTY_AGREED_PRICE: "the deputy's agreement to this offer's price (B 9.3)",
}


@dataclass(frozen=True)
class SaleFacts:
    """What the sale's conditions are judged on, read by the service."""

    is_deputy: bool
    ownership: Ownership
    decision_statuses: Sequence[str]  # the not-returning-home decisions' statuses
    consultations: int
    valuation_agents: Iterable[str]
    valuations_needed: int
    price_agreed: bool  # the deputy agreed this offer's price


def independent_agents(agents: Iterable[str]) -> int:
    """Valuations count once per estate agent (B 9.2 "three independent estate agents"): the
    same firm twice, told by its name ignoring case and spacing, is one."""
    return len({" ".join(a.lower().split()) for a in agents if a.strip()})


def sale_conditions(f: SaleFacts) -> dict[SaleCondition, bool]:
    """Each condition of a sale and whether it holds (B 9.1-9.3, R-CARE-4)."""
    return {
        SaleCondition.DEPUTY: f.is_deputy,
        SaleCondition.SOLE_OWNER: f.ownership is Ownership.SOLE,
        SaleCondition.NOT_RETURNING_HOME: "APPROVED" in f.decision_statuses,
        SaleCondition.PARTIES_CONSULTED: f.consultations > 0,
        SaleCondition.THREE_VALUATIONS: independent_agents(f.valuation_agents)
        >= f.valuations_needed,
        SaleCondition.DEPUTY_AGREED_PRICE: f.price_agreed,
    }


def condition_text(c: SaleCondition, valuations_needed: int) -> str:
    return CONDITION_TEXT[c].format(n=valuations_needed)


def sale_problem(conditions: dict[SaleCondition, bool], valuations_needed: int) -> str | None:
    """Why a sale may not be agreed: every condition not met, named by its code (R-CARE-4)."""
    missing = [c for c, met in conditions.items() if not met]
    if not missing:
        return None
    said = "; ".join(f"{c.value}: {condition_text(c, valuations_needed)}" for c in missing)
    return f"the sale may not be agreed until every condition holds (R-CARE-4): missing {said}"


def property_problems(
    *,
    address: str,
    ownership: Ownership,
    co_owners: str | None,
    insured: bool,
    insurer: str | None,
    insurance_renews_on: date | None,
) -> dict[str, str]:
    out: dict[str, str] = {}
    if not address.strip():
        out["address"] = "is required"
    elif len(address) > MAX_TEXT:
        out["address"] = f"is longer than {MAX_TEXT} characters"
    if ownership is not Ownership.SOLE and not (co_owners or "").strip():
        out["co_owners"] = "is required unless the client is the sole owner: who else owns it"
    if ownership is Ownership.SOLE and (co_owners or "").strip():
        out["co_owners"] = "is for a property the client does not own alone"
    if insured and not (insurer or "").strip():
        out["insurer"] = "is required for an insured property"
    if insured and insurance_renews_on is None:
        out["insurance_renews_on"] = "is required for an insured property (R-CARE-4)"
    return out


def insurance_lapsed(insured: bool, renews_on: date | None, today: date) -> bool:
    """R-CARE-4 "kept insured": not insured, or the renewal date has passed with no new
    record."""
    return not insured or (renews_on is not None and renews_on < today)


def letting_problems(
    *,
    court_authorised_on: date | None,
    court_reference: str | None,
    tenders: Sequence[str],
    tenders_needed: int,
    agent: str,
    today: date,
) -> dict[str, str]:
    """B 9.4: the court may give authority to let; tenders from responsible local agents."""
    out: dict[str, str] = {}
    if court_authorised_on is None or not (court_reference or "").strip():
        out["court_reference"] = (
            "is required: letting needs the court's authority, its order's reference and date "
            "(B 9.4, R-CARE-4)"
        )
    elif court_authorised_on > today:
        out["court_authorised_on"] = "is in the future"
    n = independent_agents(tenders)
    if n < tenders_needed:
        out["tenders"] = (
            f"{n} tender(s) from different agents: letting needs at least {tenders_needed} "
            "(B 9.4 'seek tenders from responsible local agents to ensure best value')"
        )
    if not agent.strip():
        out["agent"] = "is required: the agent chosen"
    elif n >= tenders_needed and independent_agents([agent, *tenders]) != n:
        out["agent"] = "is not one of the agents who tendered"
    return out


def proceeds_after_invoices(proceeds: int, outstanding: Iterable[int]) -> int:
    """B 9.5: proceeds after payment of outstanding invoices: what may be lodged or placed."""
    return max(0, proceeds - sum(outstanding))


def what_was_decided(address: str) -> str:
    return (
        f"The client is not likely to return home to {address}: the property may be sold "
        "(seed 002 B 9.1, R-CARE-4)"
    )
