"""The part of a mutation's input its use case takes (common.types.own_fields): pure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from ca_api.common.ids import encode_id
from ca_api.common.types import own_fields
from ca_api.errors import ApiError, ErrorCode


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


def test_fields_named_as_ids_are_decoded_and_a_wrong_one_is_bad_id() -> None:
    client = uuid.uuid4()
    given = _Input(encode_id("Client", client), "1 High St")
    assert own_fields(given, _Details, ids={"name": "Client"}) == {
        "name": client,
        "address": "1 High St",
    }
    with pytest.raises(ApiError) as caught:
        own_fields(_Input("not an id"), _Details, ids={"name": "Client"})
    assert caught.value.code == ErrorCode.BAD_ID
