"""The text rules every module shares (``common.rules``): pure, no database."""

from __future__ import annotations

import pytest

from ca_api.common.rules import optional_text, text_problem


@pytest.mark.parametrize(
    ("given", "kept"),
    [(None, None), ("", None), ("   ", None), (" Hove ", "Hove"), ("a  b", "a  b")],
)
def test_an_optional_text_is_kept_stripped_and_blank_is_none(
    given: str | None, kept: str | None
) -> None:
    assert optional_text(given) == kept


def test_a_required_text_that_is_blank_is_a_problem_and_a_long_one_too() -> None:
    assert text_problem("name", "  ", required=True, maximum=5) == {"name": "is required"}
    assert text_problem("name", None, required=False, maximum=5) == {}
    assert text_problem("name", "abcdef", required=False, maximum=5) == {
        "name": "is longer than 5 characters"
    }
    assert text_problem("name", "abc", required=True, maximum=5) == {}
