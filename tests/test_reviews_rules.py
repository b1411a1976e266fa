"""The pure rules of the annual review and changes of circumstances (issue 14 item 1)."""

from __future__ import annotations

from datetime import date

import pytest

from ca_api.outbox.rules import Recipient
from ca_api.reviews import rules
from ca_api.reviews.rules import CircumstanceKind, ReviewState


@pytest.mark.parametrize(
    ("last", "due"),
    [
        (date(2025, 1, 15), date(2026, 1, 15)),
        (date(2024, 2, 29), date(2025, 2, 28)),  # a day the month lacks: its last day
    ],
)
def test_the_next_review_is_due_twelve_months_on(last: date, due: date) -> None:
    # R-CARE-1, seed 002 B 13.1: at least once annually
    assert rules.review_due_on(last, 12) == due


def test_a_review_is_due_on_its_day_and_overdue_the_day_after() -> None:
    due = date(2026, 1, 15)
    assert rules.review_state(due, date(2026, 1, 15)) is ReviewState.DUE
    assert rules.review_state(due, date(2026, 1, 16)) is ReviewState.OVERDUE


@pytest.mark.parametrize(
    ("kind", "deputy", "dwp", "told"),
    [
        (CircumstanceKind.PROPERTY_SOLD, True, True, (Recipient.OPG, Recipient.DWP)),
        (CircumstanceKind.ADMITTED_TO_RESIDENTIAL_CARE, False, True, (Recipient.DWP,)),
        (CircumstanceKind.CAPITAL_CHANGED, True, False, (Recipient.OPG,)),
        (CircumstanceKind.MOVED_HOME, False, False, ()),
        (CircumstanceKind.HEALTH, True, True, ()),
    ],
)
def test_who_hears_of_a_change(
    kind: CircumstanceKind, deputy: bool, dwp: bool, told: tuple[Recipient, ...]
) -> None:
    # R-ORD-4: the OPG (deputy) and, for appointees, the DWP; B 18.2: the DWP of the client's
    # benefits, of major changes only
    assert rules.recipients_of(kind, deputy=deputy, dwp=dwp) == told


def test_a_reason_goes_with_a_correction_only() -> None:
    # R-AUD-2
    assert rules.correction_problems(object(), None) == {"reason": "is required"}
    assert rules.correction_problems(None, "why") != {}
    assert rules.correction_problems(None, None) == {}


def test_a_client_involved_gives_no_reason_for_not_being() -> None:
    problems = rules.review_problems(
        reviewed_on=date(2025, 1, 1),
        methods=[rules.ReviewMethod.PERSONAL_VISIT],
        needs="n",
        finances="f",
        client_involved=True,
        not_involved_reason="asleep",
        actions=None,
        today=date(2025, 1, 2),
        born_on=date(1940, 1, 1),
    )
    assert set(problems) == {"not_involved_reason"}
