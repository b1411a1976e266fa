"""The pure rules of benefit overpayments after a death (issue 13 item 3, R-DEATH-2, seed 002
B 29.2), without a database."""

from __future__ import annotations

from datetime import date

from ca_api.ledger.rules import Category
from ca_api.overpayments.rules import (
    Flag,
    OverpaymentStatus,
    allocate,
    flagged_share,
    holdable,
    overpayment_status,
    request_problems,
)

DIED = date(2026, 3, 10)


def _share(
    amount: int,
    start: date | None,
    end: date | None,
    *,
    category: Category = Category.IN_BENEFITS,
    value_date: date = date(2026, 3, 20),
) -> Flag | None:
    return flagged_share(
        category, amount, DIED, value_date=value_date, period_start=start, period_end=end
    )


def test_a_period_straddling_the_death_is_flagged_pro_rata_to_the_penny() -> None:
    # 28 days, 3 of them after the death (11th-13th): 100.00 * 3 / 28 = 10.714... -> 10.71
    assert _share(10_000, date(2026, 2, 14), date(2026, 3, 13)) == Flag(1071, 3, 28)


def test_the_share_is_rounded_half_up_at_the_penny() -> None:
    # 7p over two days, one after the death: 3.5p -> 4p (half away from zero)
    assert _share(7, date(2026, 3, 10), date(2026, 3, 11)) == Flag(4, 1, 2)
    # 5p over four days, one after: 1.25p -> 1p
    assert _share(5, date(2026, 3, 8), date(2026, 3, 11)) == Flag(1, 1, 4)


def test_a_period_ending_on_the_date_of_death_is_not_flagged() -> None:
    """The day of death is a day the client lived: B 29.2 settles "up to and including"."""
    assert _share(10_000, date(2026, 2, 11), DIED) is None
    assert _share(10_000, date(2026, 2, 1), date(2026, 3, 1)) is None


def test_a_period_starting_after_the_death_is_all_flagged() -> None:
    assert _share(43_420, date(2026, 3, 11), date(2026, 4, 7)) == Flag(43_420, 28, 28)


def test_without_a_period_the_value_date_decides_all_or_nothing() -> None:
    after = _share(5_000, None, None, category=Category.IN_PRIVATE_PENSION)
    assert after == Flag(5_000, None, None)
    on_the_day = _share(5_000, None, None, value_date=DIED)
    assert on_the_day is None


def test_only_benefits_and_pensions_are_flagged() -> None:
    for category in (Category.IN_BENEFITS, Category.IN_STATE_PENSION, Category.IN_PRIVATE_PENSION):
        assert _share(100, None, None, category=category) is not None
    for category in (Category.IN_REFUNDS, Category.IN_OTHER, Category.IN_INTEREST):
        assert _share(100, None, None, category=category) is None


def test_what_can_be_held_is_what_is_available() -> None:
    assert holdable(1_071, 50_000) == 1_071
    assert holdable(1_071, 500) == 500  # spent before the death was confirmed: 5.71 short
    assert holdable(1_071, 0) == 0
    assert holdable(1_071, -20) == 0


def test_the_agencys_figure_is_shared_oldest_first() -> None:
    assert allocate(1_500, [1_000, 1_000]) == [1_000, 500]
    assert allocate(2_000, [1_000, 1_000]) == [1_000, 1_000]
    assert allocate(300, [1_000, 1_000]) == [300, 0]


def test_the_status_follows_the_release_and_the_repayment() -> None:
    assert overpayment_status(False, None) is OverpaymentStatus.HELD
    assert overpayment_status(False, "RAISED") is OverpaymentStatus.REPAYMENT_REQUESTED
    assert overpayment_status(False, "APPROVED") is OverpaymentStatus.REPAYMENT_REQUESTED
    assert overpayment_status(False, "MADE") is OverpaymentStatus.REPAID
    assert overpayment_status(False, "CANCELLED") is OverpaymentStatus.REPAYMENT_CANCELLED
    assert overpayment_status(True, "CANCELLED") is OverpaymentStatus.RELEASED
    assert overpayment_status(True, None) is OverpaymentStatus.RELEASED
    # a remainder released after the repayment was made leaves it REPAID
    assert overpayment_status(True, "MADE") is OverpaymentStatus.REPAID


def test_a_request_asks_no_more_than_is_flagged_dated_between_death_and_today() -> None:
    today = date(2026, 4, 1)
    assert request_problems(1_071, 1_071, today, DIED, today, "DWP/OP/1") == {}
    over = request_problems(1_072, 1_071, today, DIED, today, "DWP/OP/1")
    assert set(over) == {"amount"}
    assert set(request_problems(0, 1_071, today, DIED, today, "x")) == {"amount"}
    assert set(request_problems(100, 1_071, date(2026, 4, 2), DIED, today, "x")) == {"requested_on"}
    assert set(request_problems(100, 1_071, date(2026, 3, 9), DIED, today, "x")) == {"requested_on"}
    assert set(request_problems(100, 1_071, today, DIED, today, "  ")) == {"agency_reference"}
