"""The pure rules of a client's property (issue 14 item 3; R-CARE-4, seed 002 B 8-9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from ca_api.property import rules
from ca_api.property.rules import Ownership, SaleCondition, SaleFacts

ALL_MET = SaleFacts(
    is_deputy=True,
    ownership=Ownership.SOLE,
    decision_statuses=["SUPERSEDED", "APPROVED"],
    consultations=1,
    valuation_agents=["Ashford Homes", "Kent Estates", "Weald Property"],
    valuations_needed=3,
    price_agreed=True,
)


def test_every_condition_met_leaves_no_problem() -> None:
    conditions = rules.sale_conditions(ALL_MET)
    assert all(conditions.values())
    assert rules.sale_problem(conditions, 3) is None


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"is_deputy": False}, SaleCondition.DEPUTY),
        ({"ownership": Ownership.JOINT}, SaleCondition.SOLE_OWNER),
        ({"decision_statuses": ["RAISED", "REFUSED"]}, SaleCondition.NOT_RETURNING_HOME),
        ({"consultations": 0}, SaleCondition.PARTIES_CONSULTED),
        ({"valuation_agents": ["A", "a ", "B"]}, SaleCondition.THREE_VALUATIONS),
        ({"price_agreed": False}, SaleCondition.DEPUTY_AGREED_PRICE),
    ],
)
def test_each_condition_missing_is_named(change: dict[str, Any], missing: SaleCondition) -> None:
    """B 9.1-9.3: one condition unmet, the problem names it and no other."""
    facts = replace(ALL_MET, **change)
    conditions = rules.sale_conditions(facts)
    assert [c for c, met in conditions.items() if not met] == [missing]
    problem = rules.sale_problem(conditions, 3)
    assert problem is not None and f"{missing.value}:" in problem


def test_independent_agents_ignore_case_and_spacing() -> None:
    assert rules.independent_agents(["Kent  Estates", "kent estates", "Weald", " "]) == 2


def test_the_number_of_valuations_is_the_policy_figure() -> None:
    facts = replace(ALL_MET, valuations_needed=4)
    conditions = rules.sale_conditions(facts)
    assert conditions[SaleCondition.THREE_VALUATIONS] is False
    problem = rules.sale_problem(conditions, 4)
    assert problem is not None and "valuations from 4 independent" in problem


def test_letting_needs_the_court_and_enough_tenders_from_different_agents() -> None:
    today = date(2026, 11, 26)
    ok = rules.letting_problems(
        court_authorised_on=date(2026, 11, 1),
        court_reference="COP 1",
        tenders=["A", "B"],
        tenders_needed=2,
        agent="b",
        today=today,
    )
    assert ok == {}
    bad = rules.letting_problems(
        court_authorised_on=None,
        court_reference=None,
        tenders=["A", "a"],
        tenders_needed=2,
        agent="A",
        today=today,
    )
    assert set(bad) == {"court_reference", "tenders"}


def test_proceeds_after_invoices_never_below_zero() -> None:
    assert rules.proceeds_after_invoices(100_00, [30_00, 20_00]) == 50_00
    assert rules.proceeds_after_invoices(10_00, [30_00]) == 0


def test_insurance_lapses_when_uninsured_or_past_renewal() -> None:
    today = date(2026, 11, 26)
    assert rules.insurance_lapsed(True, date(2026, 11, 26), today) is False
    assert rules.insurance_lapsed(True, date(2026, 11, 25), today) is True
    assert rules.insurance_lapsed(False, None, today) is True
