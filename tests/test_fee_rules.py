"""The fee rules without a database (R-FEE-1 to R-FEE-4, R-FEE-6, R-DATA): due dates at the
order's anniversaries, first-year and later-year rates, the low-assets 3% rule at its threshold,
the OPG supervision fee by type, and figures chosen by the fee's due date. The figures are those
migration 0006 seeds."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from ca_api.fees import rules
from ca_api.fees.rules import Charge, Due, FeeBasis, FeeKind, FigureFrom, Missing, Order, Rates
from ca_api.orders.rules import SupervisionType

D = date
T1, T2A, T2, T3 = (
    SupervisionType.TYPE_1,
    SupervisionType.TYPE_2A,
    SupervisionType.TYPE_2,
    SupervisionType.TYPE_3,
)
SEED = Rates.of(
    [
        FigureFrom(rules.FIRST_YEAR, D(2014, 4, 1), Decimal(70000)),
        FigureFrom(rules.FIRST_YEAR, D(2017, 4, 1), Decimal(77500)),
        FigureFrom(rules.FIRST_YEAR, D(2024, 4, 1), None),
        FigureFrom(rules.LATER_YEAR, D(2014, 4, 1), Decimal(58500)),
        FigureFrom(rules.LATER_YEAR, D(2017, 4, 1), Decimal(65000)),
        FigureFrom(rules.LATER_YEAR, D(2024, 4, 1), None),
        FigureFrom(rules.LOW_ASSETS_THRESHOLD, D(2014, 4, 1), Decimal(1_600_000)),
        FigureFrom(rules.LOW_ASSETS_THRESHOLD, D(2024, 4, 1), Decimal(2_030_000)),
        FigureFrom(rules.LOW_ASSETS_PERCENT, D(2014, 4, 1), Decimal(3)),
        FigureFrom(rules.OPG_GENERAL, D(2014, 4, 1), Decimal(32000)),
        FigureFrom(rules.OPG_MINIMAL, D(2014, 4, 1), Decimal(3500)),
    ]
)
DEP = uuid.uuid4()


def order(made: date, t: SupervisionType = T2, end: date | None = None) -> Order:
    return Order(deputyship_id=DEP, order_date=made, supervision_type=t, end_date=end)


def due(n: int, day: date, kind: FeeKind = FeeKind.DEPUTY_REMUNERATION, t: SupervisionType = T2):
    return Due(kind, DEP, n, day, t, rules.anniversary(day, -1))


def priced(n: int, day: date, net: int, kind: FeeKind = FeeKind.DEPUTY_REMUNERATION) -> Charge:
    result = rules.price(due(n, day, kind), net, SEED)
    assert isinstance(result, Charge), result
    return result


# --- Due dates ---------------------------------------------------------------------------------


def test_fees_fall_due_at_each_anniversary_in_the_period() -> None:
    dues = rules.fees_due([order(D(2014, 6, 10))], D(2015, 4, 1), D(2016, 6, 30))
    assert [(d.kind, d.anniversary, d.due_date) for d in dues] == [
        (FeeKind.DEPUTY_REMUNERATION, 1, D(2015, 6, 10)),
        (FeeKind.OPG_SUPERVISION, 1, D(2015, 6, 10)),
        (FeeKind.DEPUTY_REMUNERATION, 2, D(2016, 6, 10)),
        (FeeKind.OPG_SUPERVISION, 2, D(2016, 6, 10)),
    ]


def test_an_anniversary_on_the_first_or_last_day_of_the_period_is_in_it() -> None:
    o = order(D(2014, 6, 10))
    assert [d.due_date for d in rules.fees_due([o], D(2015, 6, 10), D(2015, 9, 30))] == [
        D(2015, 6, 10)
    ] * 2
    assert [d.due_date for d in rules.fees_due([o], D(2015, 4, 1), D(2015, 6, 10))] == [
        D(2015, 6, 10)
    ] * 2
    assert rules.fees_due([o], D(2015, 6, 11), D(2016, 6, 9)) == []
    assert rules.fees_due([o], D(2015, 4, 1), D(2015, 6, 9)) == []


def test_the_order_date_itself_is_not_an_anniversary() -> None:
    assert rules.fees_due([order(D(2015, 6, 10))], D(2015, 4, 1), D(2016, 3, 31)) == []


def test_a_leap_day_order_has_its_anniversary_on_1_march_in_a_common_year() -> None:
    o = order(D(2016, 2, 29))
    assert rules.anniversary(D(2016, 2, 29), 1) == D(2017, 3, 1)
    assert rules.anniversary(D(2016, 2, 29), 4) == D(2020, 2, 29)
    assert rules.fees_due([o], D(2017, 2, 1), D(2017, 2, 28)) == []
    assert {d.due_date for d in rules.fees_due([o], D(2017, 3, 1), D(2017, 3, 1))} == {
        D(2017, 3, 1)
    }
    assert {
        (d.anniversary, d.due_date) for d in rules.fees_due([o], D(2020, 1, 1), D(2020, 12, 31))
    } == {(4, D(2020, 2, 29))}


def test_nothing_is_due_after_the_order_ended() -> None:
    ended_before = order(D(2014, 6, 10), end=D(2016, 6, 9))
    assert rules.fees_due([ended_before], D(2016, 4, 1), D(2016, 12, 31)) == []
    ended_that_day = order(D(2014, 6, 10), end=D(2016, 6, 10))
    assert len(rules.fees_due([ended_that_day], D(2016, 4, 1), D(2016, 12, 31))) == 2


def test_no_deputyship_no_fees_so_an_appointee_only_client_pays_nothing() -> None:
    # R-FEE-4: an appointee-only client has no deputyship to have anniversaries.
    assert rules.fees_due([], D(2014, 4, 1), D(2030, 3, 31)) == []


def test_two_orders_with_the_same_anniversary_charge_once() -> None:
    a = order(D(2014, 6, 10))
    b = Order(uuid.uuid4(), D(2014, 6, 10), T2)
    assert len(rules.fees_due([a, b], D(2015, 1, 1), D(2015, 12, 31))) == 2


# --- Remuneration (R-FEE-1) -------------------------------------------------------------------


def test_first_anniversary_700_then_585_under_the_seed_figures() -> None:
    first = priced(1, D(2015, 6, 10), 5_000_000)
    assert (first.basis, first.amount) == (FeeBasis.FIRST_YEAR, 70000)
    assert (first.figure.name, first.figure.effective_from) == (rules.FIRST_YEAR, D(2014, 4, 1))
    later = priced(2, D(2016, 6, 10), 5_000_000)
    assert (later.basis, later.amount) == (FeeBasis.LATER_YEAR, 58500)
    assert later.threshold is not None and later.threshold.value == 1_600_000


def test_2017_figures_apply_from_their_date_and_not_before() -> None:
    assert priced(1, D(2017, 3, 31), 5_000_000).amount == 70000
    assert priced(1, D(2017, 4, 1), 5_000_000).amount == 77500
    assert priced(3, D(2017, 3, 31), 5_000_000).amount == 58500
    assert priced(3, D(2017, 4, 1), 5_000_000).amount == 65000


def test_low_assets_boundary_under_the_2014_threshold() -> None:
    # R-FEE-1: under £16,000, 3% of net assets instead; £16,000.00 itself is not under it.
    under = priced(2, D(2016, 6, 10), 1_599_999)
    assert (under.basis, under.amount) == (FeeBasis.LOW_ASSETS_PERCENT, 48000)  # 479.9997 -> 480.00
    assert (under.figure.name, under.net_assets) == (rules.LOW_ASSETS_PERCENT, 1_599_999)
    at = priced(2, D(2016, 6, 10), 1_600_000)
    assert (at.basis, at.amount) == (FeeBasis.LATER_YEAR, 58500)


def test_three_percent_rounds_half_up_to_the_penny() -> None:
    assert priced(2, D(2016, 6, 10), 1_050).amount == 32  # 31.5p -> 32p
    assert priced(2, D(2016, 6, 10), 1_049).amount == 31  # 31.47p -> 31p
    # Nothing to take from nothing.
    assert rules.price(due(2, D(2016, 6, 10)), 0, SEED) is None
    assert rules.price(due(2, D(2016, 6, 10)), 16, SEED) is None  # 0.48p -> 0p


def test_the_seed_applies_three_percent_to_later_years_only() -> None:
    # Seed 002 Appendix 3 puts the 3% footnote on the subsequent annual charge only.
    first = priced(1, D(2015, 6, 10), 100_000)
    assert (first.basis, first.amount) == (FeeBasis.FIRST_YEAR, 70000)


def test_low_assets_boundary_for_a_period_ending_after_2024_04_01() -> None:
    day = D(2024, 6, 10)
    under = priced(2, day, 2_029_999)
    assert (under.basis, under.amount) == (FeeBasis.LOW_ASSETS_PERCENT, 60900)  # 608.9997
    assert under.threshold is not None
    assert (under.threshold.effective_from, under.threshold.value) == (D(2024, 4, 1), 2_030_000)
    # At the threshold the fixed later-year fee applies, and its 2024 figure is unknown: refused.
    at = rules.price(due(2, day), 2_030_000, SEED)
    assert at == Missing(rules.LATER_YEAR, day, known_unknown=True)
    # Before 2024-04-01 the old threshold decides: £16,000.00 or more pays the 2017 fee.
    assert priced(2, D(2024, 3, 31), 2_029_999).amount == 65000


def test_the_low_assets_threshold_goes_by_the_end_of_the_year_the_fee_is_for() -> None:
    """R-DATA: £20,300 "for periods ending on or after 2024-04-01". A fee due on 2024-04-01 is
    for the year ending 2024-03-31, so the old £16,000 decides it; one due a day later is for a
    year ending on 2024-04-01, so the new £20,300 does."""
    # Year ending 2024-03-31: £20,299.99 is over the old threshold, so the fixed later-year fee
    # is due, and its 2024 figure (priced on the due date) is unknown: refused, not guessed.
    assert rules.price(due(2, D(2024, 4, 1)), 2_029_999, SEED) == Missing(
        rules.LATER_YEAR, D(2024, 4, 1), known_unknown=True
    )
    old = priced(2, D(2024, 4, 1), 1_599_999)
    assert old.basis is FeeBasis.LOW_ASSETS_PERCENT
    assert old.threshold is not None
    assert (old.threshold.effective_from, old.threshold.value) == (D(2014, 4, 1), 1_600_000)
    # Year ending 2024-04-01: under the new threshold, 3% of the net assets.
    new = priced(2, D(2024, 4, 2), 2_029_999)
    assert (new.basis, new.amount) == (FeeBasis.LOW_ASSETS_PERCENT, 60900)
    assert new.threshold is not None
    assert (new.threshold.effective_from, new.threshold.value) == (D(2024, 4, 1), 2_030_000)


def test_the_2024_fixed_rates_are_unknown_so_the_fee_is_refused_not_guessed() -> None:
    assert rules.price(due(1, D(2024, 4, 1)), 5_000_000, SEED) == Missing(
        rules.FIRST_YEAR, D(2024, 4, 1), known_unknown=True
    )
    assert rules.price(due(5, D(2025, 1, 1)), 5_000_000, SEED) == Missing(
        rules.LATER_YEAR, D(2025, 1, 1), known_unknown=True
    )


def test_a_fee_before_any_figure_is_missing() -> None:
    assert rules.price(due(1, D(2013, 6, 10)), 5_000_000, SEED) == Missing(
        rules.FIRST_YEAR, D(2013, 6, 10), known_unknown=False
    )


# --- OPG supervision (R-FEE-2) ------------------------------------------------------------------


def test_supervision_fee_by_type() -> None:
    day = D(2016, 6, 10)
    for t, basis, amount in [
        (T1, FeeBasis.SUPERVISION_GENERAL, 32000),
        (T2A, FeeBasis.SUPERVISION_GENERAL, 32000),
        (T2, FeeBasis.SUPERVISION_GENERAL, 32000),
        (T3, FeeBasis.SUPERVISION_MINIMAL, 3500),
    ]:
        c = rules.price(due(2, day, FeeKind.OPG_SUPERVISION, t), 0, SEED)
        assert isinstance(c, Charge) and (c.basis, c.amount) == (basis, amount), t
    # Known after 2024 too: the unknown remuneration figures do not touch it.
    c = rules.price(due(9, D(2025, 6, 10), FeeKind.OPG_SUPERVISION, T3), 0, SEED)
    assert isinstance(c, Charge) and c.amount == 3500


# --- A client's period, all or nothing ----------------------------------------------------------


def test_a_client_is_refused_whole_when_any_fee_lacks_its_figure() -> None:
    dues = rules.fees_due([order(D(2020, 6, 10))], D(2024, 1, 1), D(2024, 12, 31))
    assert rules.assess(dues, {D(2024, 6, 10): 5_000_000}, SEED) == Missing(
        rules.LATER_YEAR, D(2024, 6, 10), known_unknown=True
    )


def test_a_client_assessed_over_two_years_uses_each_years_figures() -> None:
    dues = rules.fees_due([order(D(2015, 6, 10), T3)], D(2016, 4, 1), D(2017, 6, 30))
    net = {D(2016, 6, 10): 1_000_000, D(2017, 6, 10): 2_000_000}
    charges = rules.assess(dues, net, SEED)
    assert not isinstance(charges, Missing)
    assert [(c.due.due_date, c.basis, c.amount) for c in charges] == [
        (D(2016, 6, 10), FeeBasis.FIRST_YEAR, 70000),
        (D(2016, 6, 10), FeeBasis.SUPERVISION_MINIMAL, 3500),
        (D(2017, 6, 10), FeeBasis.LATER_YEAR, 65000),
        (D(2017, 6, 10), FeeBasis.SUPERVISION_MINIMAL, 3500),
    ]


def test_net_assets_count_money_value_dated_up_to_the_day() -> None:
    moves = {D(2016, 1, 1): 1_000_000, D(2016, 6, 10): 5_000, D(2016, 6, 11): 900_000}
    assert rules.net_assets_by_day(moves, [D(2016, 6, 10), D(2015, 1, 1)]) == {
        D(2016, 6, 10): 1_005_000,
        D(2015, 1, 1): 0,
    }


def test_a_period_is_in_the_past_and_the_right_way_round() -> None:
    today = D(2026, 1, 1)
    assert rules.validate_period(D(2025, 1, 1), D(2025, 3, 31), today) == {}
    assert "period_end" in rules.validate_period(D(2025, 3, 31), D(2025, 1, 1), today)
    assert "period_end" in rules.validate_period(D(2025, 12, 1), D(2026, 1, 2), today)
