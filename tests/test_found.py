"""The one way a lookup says it found nothing (errors.found): pure."""

from __future__ import annotations

import pytest

from ca_api.errors import ApiError, ErrorCode, found


def test_found_hands_back_what_was_found_even_when_it_is_falsy() -> None:
    assert found("row", "invoice", "SW52b2ljZTox") == "row"
    assert found(0, "invoice", "SW52b2ljZTox") == 0


def test_nothing_found_is_not_found_under_the_id_as_given() -> None:
    with pytest.raises(ApiError) as caught:
        found(None, "invoice", "SW52b2ljZTox")
    assert caught.value.code == ErrorCode.NOT_FOUND
    assert str(caught.value) == "no invoice with id 'SW52b2ljZTox'"
