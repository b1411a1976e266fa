"""What is still to do to wind up a deceased client's affairs (issue 13 item 6; R-DEATH-1..4,
R-FEE-5, seed 002 B 29): pure, no I/O, no clock.

The steps of B 29 in the order the policy takes them: tell everyone (29.1), settle the debts to
the date of death and query what is dated after it (29.2, R-DEATH-2), repay benefit overpayments
on request (29.2), bring money home from the Court Funds Office and placements, take the
wind-up fee (29.4, R-FEE-5), then the estate (29.3, 29.5, 29.6; R-DEATH-3, R-DEATH-4), leaving
every account at zero and nothing left in the team's safe before the case closes. Each step
still open is one ``Outstanding`` item;
a case with none is ready to close.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ca_api.estates.rules import EstateStage
from ca_api.money import Pence, format_money


class WindingUpStep(enum.StrEnum):
    """A step of winding up still open for a deceased client, in the policy's order."""

    NOTIFICATIONS = "NOTIFICATIONS"  # R-DEATH-1, B 29.1: someone not yet told
    DEBTS_BEFORE_DEATH = "DEBTS_BEFORE_DEATH"  # B 29.2: invoices to the death, unpaid
    INVOICES_AFTER_DEATH = "INVOICES_AFTER_DEATH"  # R-DEATH-2: dated after death, queried
    PAYMENTS_OPEN = "PAYMENTS_OPEN"  # raised or approved, not made nor cancelled
    OVERPAYMENTS = "OVERPAYMENTS"  # B 29.2: benefits for days after death, held
    MONEY_AWAY = "MONEY_AWAY"  # in the Court Funds Office or a placement: comes home first
    WIND_UP_FEE = "WIND_UP_FEE"  # B 29.4, R-FEE-5: not yet taken
    VALUABLES = "VALUABLES"  # items in the team's safe not yet returned (B 24, R-CARE-3)
    ESTATE = "ESTATE"  # B 29.3-29.6: money left in the client's accounts to pay out


@dataclass(frozen=True)
class Outstanding:
    step: WindingUpStep
    count: int
    amount: Pence | None
    detail: str


@dataclass(frozen=True)
class WindingUpFacts:
    """What the records say of one deceased client, gathered by the service."""

    not_yet_told: tuple[str, ...] = ()  # each notification outstanding, named
    debts_before_death: tuple[Pence, ...] = ()  # invoices dated to the death open, assistance owed
    invoices_after_death: tuple[Pence, ...] = ()  # open invoices dated after the death
    payments_open: tuple[Pence, ...] = ()
    overpayments_held: tuple[Pence, ...] = ()  # each outstanding overpayment's flagged amount
    money_away: Pence = 0  # Court Funds, placement and cash balances
    wind_up_fee_charged: bool = False
    wind_up_fee_due: Pence | None = None  # the figure in force on the date of death, if known
    money_at_home: Pence = 0  # the CMS balance free to pay out (not held)
    estate_stage: EstateStage | None = None  # where the estate stands
    valuables_held: int = 0  # items in the safe or checked out, not yet returned


def _many(amounts: tuple[Pence, ...], step: WindingUpStep, what: str) -> list[Outstanding]:
    if not amounts:
        return []
    total = sum(amounts)
    return [Outstanding(step, len(amounts), total, f"{len(amounts)} {what}, {format_money(total)}")]


def outstanding(f: WindingUpFacts) -> list[Outstanding]:
    """Every step still open, in the policy's order; empty: the case is ready to close."""
    out: list[Outstanding] = []
    if f.not_yet_told:
        n = len(f.not_yet_told)
        names = ", ".join(f.not_yet_told)
        out.append(
            Outstanding(WindingUpStep.NOTIFICATIONS, n, None, f"not yet told of the death: {names}")
        )
    out += _many(
        f.debts_before_death,
        WindingUpStep.DEBTS_BEFORE_DEATH,
        "debt(s) to the death unpaid (invoices, temporary assistance owed to the council)",
    )
    out += _many(
        f.invoices_after_death,
        WindingUpStep.INVOICES_AFTER_DEATH,
        "invoice(s) dated after the death, queried",
    )
    out += _many(f.payments_open, WindingUpStep.PAYMENTS_OPEN, "payment(s) not yet made")
    out += _many(f.overpayments_held, WindingUpStep.OVERPAYMENTS, "benefit overpayment(s) held")
    if f.money_away:
        out.append(
            Outstanding(
                WindingUpStep.MONEY_AWAY,
                1,
                f.money_away,
                f"{format_money(f.money_away)} away from the CMS account (the Court Funds "
                "Office, placements, cash held): it comes home first",
            )
        )
    if not f.wind_up_fee_charged:
        due = f.wind_up_fee_due
        said = f" ({format_money(due)}, the figure on the date of death)" if due else ""
        out.append(
            Outstanding(WindingUpStep.WIND_UP_FEE, 1, due, f"the wind-up fee is not taken{said}")
        )
    if f.valuables_held:
        n = f.valuables_held
        out.append(
            Outstanding(
                WindingUpStep.VALUABLES,
                n,
                None,
                f"{n} item(s) held in the safe: returned (with the estate) before the case closes",
            )
        )
    if f.money_at_home or f.estate_stage in ESTATE_WAITING:
        waiting = ESTATE_WAITING.get(f.estate_stage) if f.estate_stage else None
        detail = waiting or "to pay out or keep (R-DEATH-3, R-DEATH-4)"
        out.append(
            Outstanding(
                WindingUpStep.ESTATE,
                1,
                f.money_at_home,
                f"{format_money(f.money_at_home)} free in the client's accounts: {detail}",
            )
        )
    return out


# What the estate waits for, by its stage (``estates.rules.EstateStage``).
ESTATE_WAITING: dict[EstateStage, str] = {
    EstateStage.AWAITING_REFERRAL: (
        "over the small-estate limit with no executor or next of kin: refer it to the "
        "Treasury Solicitor (R-DEATH-4)"
    ),
    EstateStage.NOT_RAISED: "the estate payment is not raised (raiseEstatePayment)",
    EstateStage.RAISED: "the estate payment is raised, not yet made",
}
