"""Pure rules, no database: client and court-order validation."""

from __future__ import annotations

from datetime import date

import pytest

from ca_api.clients import rules as client_rules
from ca_api.clients.rules import ClientDetails, LegalRole, Situation
from ca_api.orders import rules as order_rules
from ca_api.orders.rules import (
    AppointeeshipDetails,
    DeputyPowers,
    DeputyshipDetails,
    SupervisionType,
)

TODAY = date(2026, 11, 23)


def _client(**kw: object) -> ClientDetails:
    base: dict[str, object] = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": date(1950, 1, 1),
        "situation": Situation.COMMUNITY,
    }
    return ClientDetails(**(base | kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "clean"), [("qq 12 34 56 c", "QQ123456C"), ("  ", None), (None, None)]
)
def test_ni_numbers_are_normalised(raw: str | None, clean: str | None) -> None:
    assert client_rules.normalise_ni_number(raw) == clean


@pytest.mark.parametrize(("raw", "clean"), [("bn71aa", "BN7 1AA"), ("tn39 3aa", "TN39 3AA")])
def test_postcodes_are_normalised(raw: str, clean: str) -> None:
    assert client_rules.normalise_postcode(raw) == clean


@pytest.mark.parametrize("ni", ["AB123456C", "AB123456D", "CE234567A"])
def test_valid_ni_numbers_pass(ni: str) -> None:
    assert client_rules.validate(_client(ni_number=ni), TODAY) == {}


@pytest.mark.parametrize(
    "ni", ["QQ123456C", "AB123456E", "DA123456A", "AO123456A", "GB123456A", "Q123456C"]
)
def test_invalid_ni_numbers_are_refused(ni: str) -> None:
    assert "ni_number" in client_rules.validate(_client(ni_number=ni), TODAY)


def test_date_of_birth_in_the_future_is_refused_today_is_fine() -> None:
    assert "date_of_birth" in client_rules.validate(
        _client(date_of_birth=date(2026, 11, 24)), TODAY
    )
    assert client_rules.validate(_client(date_of_birth=TODAY), TODAY) == {}


def test_names_are_required_and_bounded() -> None:
    problems = client_rules.validate(client_rules.normalise(_client(given_name="  ")), TODAY)
    assert problems == {"given_name": "is required"}
    assert "family_name" in client_rules.validate(_client(family_name="x" * 101), TODAY)


@pytest.mark.parametrize(
    ("appointee", "deputy", "role"),
    [
        (False, False, LegalRole.NONE),
        (True, False, LegalRole.APPOINTEE),
        (False, True, LegalRole.DEPUTY),
        (True, True, LegalRole.BOTH),
    ],
)
def test_legal_role_r_ref_6(appointee: bool, deputy: bool, role: LegalRole) -> None:
    assert client_rules.legal_role(appointee, deputy) == role


POWERS = DeputyPowers(True, True, True, False, False, True, 25000)


def _order(**kw: object) -> DeputyshipDetails:
    base: dict[str, object] = {
        "case_number": "1234567T",
        "order_date": date(2024, 1, 1),
        "powers": POWERS,
        "supervision_type": SupervisionType.TYPE_2,
    }
    return DeputyshipDetails(**(base | kw))  # type: ignore[arg-type]


def test_r_ord_1_gift_limit_needs_the_gift_power() -> None:
    no_gifts = DeputyPowers(True, True, True, False, False, False, 25000)
    assert order_rules.validate_deputyship(_order(powers=no_gifts), TODAY) == {
        "gift_yearly_limit": "needs the power to make gifts"
    }
    assert order_rules.validate_deputyship(_order(), TODAY) == {}


def test_deputyship_dates() -> None:
    assert "order_date" in order_rules.validate_deputyship(
        _order(order_date=date(2027, 1, 1)), TODAY
    )
    assert "end_date" in order_rules.validate_deputyship(_order(end_date=date(2023, 12, 31)), TODAY)
    assert "case_number" in order_rules.validate_deputyship(_order(case_number=" "), TODAY)


def test_appointeeship_dates() -> None:
    ok = AppointeeshipDetails(start_date=date(2024, 1, 1), applied_on=date(2023, 12, 1))
    assert order_rules.validate_appointeeship(ok, TODAY) == {}
    late = AppointeeshipDetails(start_date=date(2024, 1, 1), applied_on=date(2024, 2, 1))
    assert "applied_on" in order_rules.validate_appointeeship(late, TODAY)
    ended = AppointeeshipDetails(start_date=date(2024, 1, 1), end_date=date(2023, 1, 1))
    assert "end_date" in order_rules.validate_appointeeship(ended, TODAY)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2023, 12, 31), False),
        (date(2024, 1, 1), True),
        (date(2024, 6, 30), True),
        (date(2024, 7, 1), False),
    ],
)
def test_in_force_includes_both_ends(on: date, expected: bool) -> None:
    assert order_rules.is_in_force(date(2024, 1, 1), date(2024, 6, 30), on) is expected
