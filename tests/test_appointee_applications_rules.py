"""The DWP appointeeship application deadline as pure rules (R-REF-5): due on the 5th working
day after the day the referral became valid, on England and Wales's working-day calendar."""

from __future__ import annotations

from datetime import date

from ca_api.appointee_applications.rules import (
    DeadlineState,
    DwpOutcome,
    deadline_state,
    due_on,
    validate_decision,
    validate_sent,
)

FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY = date(2026, 8, 28)  # Monday 2026-08-31 is a bank holiday


def test_an_ordinary_week_is_due_the_same_weekday_a_week_later() -> None:
    assert due_on(date(2026, 9, 9)) == date(2026, 9, 16)  # Wednesday to Wednesday


def test_valid_on_the_friday_before_the_summer_bank_holiday() -> None:
    # Tue 1, Wed 2, Thu 3, Fri 4 September, then Monday 7: the bank holiday is not counted, so
    # the deadline moves a working day past Friday 4 September (where it would be without it).
    assert due_on(FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY) == date(2026, 9, 7)
    assert due_on(date(2026, 8, 21)) == date(2026, 8, 28)  # the Friday before: no holiday


def test_christmas_and_the_substitute_boxing_day_are_not_counted() -> None:
    # Mon 21, Tue 22, Wed 23, Thu 24; Fri 25 (Christmas), Mon 28 (Boxing Day substitute) skipped
    assert due_on(date(2026, 12, 18)) == date(2026, 12, 29)


def test_valid_on_a_weekend_counts_from_the_monday() -> None:
    assert due_on(date(2026, 9, 12)) == due_on(date(2026, 9, 11)) == date(2026, 9, 18)


def test_state_due_until_the_due_date_then_missed_the_working_day_after() -> None:
    valid = FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY
    assert deadline_state(valid, None, valid) is DeadlineState.DUE
    assert deadline_state(valid, None, date(2026, 9, 7)) is DeadlineState.DUE
    assert deadline_state(valid, None, date(2026, 9, 8)) is DeadlineState.MISSED


def test_state_met_when_sent_on_or_before_the_due_date_missed_after() -> None:
    valid = FRIDAY_BEFORE_SUMMER_BANK_HOLIDAY
    later = date(2026, 10, 1)
    assert deadline_state(valid, date(2026, 9, 7), later) is DeadlineState.MET
    assert deadline_state(valid, valid, later) is DeadlineState.MET
    assert deadline_state(valid, date(2026, 9, 8), later) is DeadlineState.MISSED


def test_sent_between_the_valid_date_and_today() -> None:
    valid, today = date(2026, 9, 1), date(2026, 9, 3)
    assert validate_sent(valid, today, today) == {}
    assert set(validate_sent(valid, date(2026, 9, 4), today)) == {"sent_on"}
    assert set(validate_sent(valid, date(2026, 8, 31), today)) == {"sent_on"}


def test_a_refusal_needs_a_reason_and_a_decision_follows_the_application() -> None:
    sent, today = date(2026, 9, 1), date(2026, 9, 20)
    assert validate_decision(DwpOutcome.APPOINTED, today, "", sent, today) == {}
    assert set(validate_decision(DwpOutcome.REFUSED, today, " ", sent, today)) == {"reason"}
    assert set(validate_decision(DwpOutcome.APPOINTED, date(2026, 8, 31), "", sent, today)) == {
        "decided_on"
    }
    assert set(validate_decision(DwpOutcome.APPOINTED, date(2026, 9, 21), "", sent, today)) == {
        "decided_on"
    }
