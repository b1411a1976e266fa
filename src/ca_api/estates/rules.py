"""Pure rules of a deceased client's estate (issue 13 item 5; R-DEATH-3, R-DEATH-4, R-FEE-5,
seed 002 B 29.3-29.6): no I/O, no clock.

Where the estate goes is decided once, here (``estate_route``):

- an EXECUTOR (the council has a valid will, B 29.3) or the NEXT_OF_KIN takes it, whatever its
  size (R-DEATH-3);
- with neither, an estate of the small-estate limit and below is kept by the council (B 29.5:
  "£500 and below", inclusive) and booked as the service's income (the cost and income appendix,
  "Income from Estates of £500.00 and less");
- over it, the Treasury Solicitor (Bona Vacantia) takes it (B 29.6), once the referral is
  recorded.

The estate compared is the net estate: what is left in the client's CMS account once every debt
to the date of death, the funeral and the wind-up fee are discharged (B 29.5 "after the
discharge of all due invoices and payments"; the Government Legal Department's current test,
R-DATA: "net estate under £500 after funeral costs and debts is not taken"). The limit is the
figure in force on the date of death (policy data ``small_estate_limit``). "Next of kin" is
recorded with the relationship and its evidence: it stands for an entitled relative under the
intestacy rules (GLD's test is "entitled relatives").
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date

from ca_api.money import format_money

SMALL_ESTATE_LIMIT = "small_estate_limit"  # policy data (migration 0025), effective-dated
MAX_NAME = 200
MAX_REFERENCE = 200
MAX_EVIDENCE = 2000
MAX_REFERRAL_REFERENCE = 100


class ClaimantKind(enum.StrEnum):
    EXECUTOR = "EXECUTOR"  # named in a valid will the council holds (B 29.3)
    NEXT_OF_KIN = "NEXT_OF_KIN"  # an entitled relative under the intestacy rules


class EstateRoute(enum.StrEnum):
    EXECUTOR = "EXECUTOR"  # R-DEATH-3, B 29.3-29.4
    NEXT_OF_KIN = "NEXT_OF_KIN"  # R-DEATH-3, B 29.4
    KEPT_BY_COUNCIL = "KEPT_BY_COUNCIL"  # R-DEATH-4, B 29.5: the limit and below, no claimant
    TREASURY_SOLICITOR = "TREASURY_SOLICITOR"  # R-DEATH-4, B 29.6: over the limit, no claimant


class EstateStage(enum.StrEnum):
    """What is outstanding of a deceased client's estate (for the list of clients being wound
    up, issue 13 item 6)."""

    AWAITING_REFERRAL = "AWAITING_REFERRAL"  # no claimant, over the limit, no referral recorded
    NOT_RAISED = "NOT_RAISED"  # something to pay, no estate payment raised
    RAISED = "RAISED"  # raised or approved, not yet made
    PAID = "PAID"  # the estate payment made
    NIL = "NIL"  # nothing left to pay and none raised: the estate is nil


def estate_route(claimant: ClaimantKind | None, amount: int, limit: int) -> EstateRoute:
    """Where an estate of ``amount`` pence goes (R-DEATH-3, R-DEATH-4, B 29.3-29.6): to the
    claimant whatever its size; with none, kept by the council at ``limit`` and below, the
    Treasury Solicitor over it."""
    if claimant is ClaimantKind.EXECUTOR:
        return EstateRoute.EXECUTOR
    if claimant is ClaimantKind.NEXT_OF_KIN:
        return EstateRoute.NEXT_OF_KIN
    if amount <= limit:
        return EstateRoute.KEPT_BY_COUNCIL
    return EstateRoute.TREASURY_SOLICITOR


def route_problem(route: EstateRoute, referred: bool) -> str | None:
    """The Treasury Solicitor is paid only once the referral is recorded (B 29.6)."""
    if route is EstateRoute.TREASURY_SOLICITOR and not referred:
        return (
            "the estate is over the small-estate limit with no executor or next of kin: it goes "
            "to the Treasury Solicitor (seed 002 B 29.6, R-DEATH-4), and the referral to Bona "
            "Vacantia is recorded first (recordTreasurySolicitorReferral)"
        )
    return None


def referral_problem(claimant: ClaimantKind | None, amount: int, limit: int) -> str | None:
    """A referral to the Treasury Solicitor is for an estate over the limit with no executor or
    next of kin (B 29.6), judged on what is in the CMS account now."""
    if claimant is not None:
        return (
            f"the estate has an {claimant.value.lower().replace('_', ' ')}: it goes to them, "
            "not the Treasury Solicitor (R-DEATH-3)"
        )
    if amount <= limit:
        return (
            "the estate is within the small-estate limit: the council keeps it (seed 002 B 29.5)"
            ", it is not referred to the Treasury Solicitor"
        )
    return None


def estate_stage(
    *,
    claimant: ClaimantKind | None,
    referred: bool,
    available: int,
    limit: int | None,
    payment_statuses: Sequence[str],
    paid: int = 0,
) -> EstateStage:
    """What is outstanding of the estate: ``payment_statuses`` are those of its estate payments
    (RAISED, APPROVED, MADE, CANCELLED, or REVERSED: made, then brought back); ``paid`` what is
    paid out already (made, not reversed). Money that arrives after a payment is made is more of
    the same estate: NOT_RAISED (or AWAITING_REFERRAL on the whole estate) until it is paid too."""
    if any(s in ("RAISED", "APPROVED") for s in payment_statuses):
        return EstateStage.RAISED
    if available <= 0:
        return EstateStage.PAID if "MADE" in payment_statuses else EstateStage.NIL
    whole = available + paid
    if claimant is None and not referred and limit is not None and whole > limit:
        return EstateStage.AWAITING_REFERRAL
    return EstateStage.NOT_RAISED


def top_up_problem(route: EstateRoute, paid_routes: set[EstateRoute], paid: int) -> str | None:
    """Money found after part of the estate is paid goes where the whole estate goes (R-DEATH-4
    is judged on the whole estate, B 29.5-29.6): refused when the whole now goes elsewhere than
    what is paid already (an estate the council kept that is now over the limit): the kept
    money is brought back first (reverseTransfer of its payment), so the Treasury Solicitor is
    paid the whole estate in one."""
    if not paid_routes or route in paid_routes:
        return None
    before = ", ".join(sorted(r.value for r in paid_routes))
    return (
        f"the whole estate now goes {route.value}, but {format_money(paid)} of it was paid "
        f"{before}: bring that back first (reverseTransfer of its payment), then the whole "
        "estate is paid in one (seed 002 B 29.5-29.6, R-DEATH-4)"
    )


def claimant_problems(
    kind: ClaimantKind,
    *,
    name: str,
    will_reference: str | None,
    will_dated: date | None,
    probate_reference: str | None,
    probate_granted_on: date | None,
    relationship: str | None,
    evidence: str | None,
    died_on: date,
    today: date,
) -> dict[str, str]:
    """An executor names the valid will (its reference and date, not after the death: a will
    made after death is none) and the grant of probate if any (its reference and date together,
    not before the death, not in the future); next of kin give the relationship and the evidence
    of it (B 29.3, R-DEATH-3)."""
    out: dict[str, str] = {}
    if not name.strip():
        out["name"] = "is required"
    elif len(name.strip()) > MAX_NAME:
        out["name"] = f"is longer than {MAX_NAME} characters"
    if kind is ClaimantKind.EXECUTOR:
        if not (will_reference or "").strip():
            out["will_reference"] = "is required for an executor: the valid will's reference"
        if will_dated is None:
            out["will_dated"] = "is required for an executor: the date of the will"
        elif will_dated > died_on:
            out["will_dated"] = f"is after the death ({died_on.isoformat()})"
        if (probate_reference is None) != (probate_granted_on is None):
            out["probate_granted_on"] = "a grant of probate gives both its reference and date"
        elif probate_granted_on is not None:
            if probate_granted_on < died_on:
                out["probate_granted_on"] = f"is before the death ({died_on.isoformat()})"
            elif probate_granted_on > today:
                out["probate_granted_on"] = "is in the future"
        for field in ("relationship", "evidence"):
            if (relationship if field == "relationship" else evidence) is not None:
                out[field] = "is for next of kin; an executor is named by the will"
    else:
        if not (relationship or "").strip():
            out["relationship"] = "is required for next of kin: how they are related"
        if not (evidence or "").strip():
            out["evidence"] = "is required for next of kin: the evidence of the relationship"
        for field, value in (
            ("will_reference", will_reference),
            ("will_dated", will_dated),
            ("probate_reference", probate_reference),
            ("probate_granted_on", probate_granted_on),
        ):
            if value is not None:
                out[field] = "is for an executor; next of kin take under the intestacy rules"
    for field, value, maximum in (
        ("will_reference", will_reference, MAX_REFERENCE),
        ("probate_reference", probate_reference, MAX_REFERENCE),
        ("relationship", relationship, MAX_REFERENCE),
        ("evidence", evidence, MAX_EVIDENCE),
    ):
        if value is not None and len(value.strip()) > maximum and field not in out:
            out[field] = f"is longer than {maximum} characters"
    return out


def referral_date_problem(referred_on: date, died_on: date, today: date) -> str | None:
    if referred_on < died_on:
        return f"is before the death ({died_on.isoformat()})"
    if referred_on > today:
        return "is in the future"
    return None
