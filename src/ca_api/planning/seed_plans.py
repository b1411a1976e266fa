"""The seed's worked budget plans (``shared/fixtures/budget_plans_2014.json``) as plans to
record: the demo data loads them for the three deputy clients they belong to."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from ca_api.money import parse_money
from ca_api.planning.rules import TIMES_A_YEAR, Frequency, PlanLine, PrintedTotals, Side
from ca_api.planning.service import NewPlan

FIXTURE = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "budget_plans_2014.json"
PLAN_YEAR = date(2014, 4, 1)  # the seed's plans are for 2014/15


def _frequency(name: str | None) -> Frequency | None:
    if name is None:
        return None
    return Frequency.ANNUALLY if name == "annual" else Frequency(name.upper())


def line(side: Side, raw: dict[str, Any]) -> PlanLine:
    """A fixture line as the seed planned it: no annual figure is a note of past spending; an
    annual figure that amount x times gives is amount and frequency; any other annual figure
    (pennies apart, or no frequency) was entered directly."""
    amount = parse_money(raw["amount"]) if raw["amount"] is not None else None
    freq = _frequency(raw["frequency"])
    if raw["annual"] is None:
        note = f"seed: {raw['frequency']}, no annual figure planned" if freq else None
        return PlanLine(side=side, item=raw["item"], amount=amount, note=note)
    annual = parse_money(raw["annual"])
    if freq is not None and amount is not None and amount * TIMES_A_YEAR[freq] == annual:
        return PlanLine(side=side, item=raw["item"], amount=amount, frequency=freq)
    return PlanLine(
        side=side, item=raw["item"], amount=amount, frequency=freq, annual_entered=annual
    )


def plan(client_id: uuid.UUID, raw: dict[str, Any], printed: dict[str, Any] | None) -> NewPlan:
    lines = [line(Side.INCOME, ln) for ln in raw["income"]]
    lines += [line(Side.EXPENDITURE, ln) for ln in raw["expenditure"]]
    allowance = raw.get("personal_allowance")
    return NewPlan(
        client_id=client_id,
        plan_year_start=PLAN_YEAR,
        opening_balance=parse_money(raw["opening_balance"]),
        lines=lines,
        notes="The seed's worked example (seed 002, appendices 2 to 4)",
        personal_allowance_last_year=(
            parse_money(allowance["last_year_actual"]) if allowance else None
        ),
        printed=PrintedTotals(
            income=parse_money(printed["income"]),
            expenditure=parse_money(printed["expenditure"]),
            available=parse_money(printed["available"]),
            surplus=parse_money(printed["surplus"]),
        )
        if printed
        else PrintedTotals(),
    )


def load(client_ids: list[uuid.UUID]) -> list[NewPlan]:
    """Plans a, b, c for the given clients, in that order; none when the fixture is absent."""
    if not FIXTURE.is_file():
        return []
    data = json.loads(FIXTURE.read_text())
    expected = data["expected"]
    return [
        plan(cid, data["plans"][name], expected.get(f"{name}_as_printed"))
        for cid, name in zip(client_ids, ("a", "b", "c"), strict=False)
    ]
