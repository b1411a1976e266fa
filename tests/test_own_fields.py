"""The part of a mutation's input its use case takes (common.types.own_fields): pure."""

from __future__ import annotations

from dataclasses import dataclass

from ca_api.common.types import own_fields


@dataclass
class _Details:
    name: str
    address: str | None = None


@dataclass
class _Input(_Details):
    idempotency_key: str = ""


def test_own_fields_are_the_classes_fields_not_what_a_subclass_adds() -> None:
    given = _Input("Jane", "1 High St", idempotency_key="k" * 8)
    assert own_fields(given, _Details) == {"name": "Jane", "address": "1 High St"}


def test_fields_named_to_leave_are_left_out() -> None:
    assert own_fields(_Input("Jane"), _Details, leave={"address"}) == {"name": "Jane"}
