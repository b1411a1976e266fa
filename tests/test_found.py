"""The one way a lookup says it found nothing (errors.found) and a use case that the record it
needs is not there (errors.existing): pure."""

from __future__ import annotations

import pytest

from ca_api.errors import ApiError, ErrorCode, RecordNotFound, existing, found


def test_found_hands_back_what_was_found_even_when_it_is_falsy() -> None:
    assert found("row", "invoice", "SW52b2ljZTox") == "row"
    assert found(0, "invoice", "SW52b2ljZTox") == 0


def test_nothing_found_is_not_found_under_the_id_as_given() -> None:
    with pytest.raises(ApiError) as caught:
        found(None, "invoice", "SW52b2ljZTox")
    assert caught.value.code == ErrorCode.NOT_FOUND
    assert str(caught.value) == "no invoice with id 'SW52b2ljZTox'"


def test_existing_hands_back_the_record_or_fails_the_use_case_naming_its_type() -> None:
    assert existing("row", "Payment", "42") == "row"
    with pytest.raises(RecordNotFound) as caught:
        existing(None, "Payment", "42")
    assert (caught.value.type_name, caught.value.ident) == ("Payment", "42")
    assert str(caught.value) == "no payment with id '42'"
