"""Opaque ids: ``base64url("Type:uuid")``. Clients must not parse them."""

from __future__ import annotations

import base64
import binascii
import uuid

import strawberry

from ca_api.errors import ApiError, ErrorCode


def encode_id(type_name: str, value: uuid.UUID | str | int) -> str:
    raw = f"{type_name}:{value}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def node_id(type_name: str, value: uuid.UUID) -> strawberry.ID:
    """The opaque id of a record of GraphQL type ``type_name``."""
    return strawberry.ID(encode_id(type_name, value))


def node_id_or_none(type_name: str, value: uuid.UUID | None) -> strawberry.ID | None:
    return node_id(type_name, value) if value is not None else None


def _decode(value: str) -> tuple[str, str]:
    try:
        padded = value + "=" * (-len(value) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise ApiError(ErrorCode.BAD_ID, f"{value!r} is not an id issued by this API") from exc
    type_name, sep, ident = raw.partition(":")
    if not sep:
        raise ApiError(ErrorCode.BAD_ID, f"{value!r} is not an id issued by this API")
    return type_name, ident


def parse_id(value: str) -> tuple[str, str]:
    """The type name and the raw id inside an opaque id (``BAD_ID`` if it is not one)."""
    return _decode(value)


def decode_uuid(expected_type: str, value: str) -> uuid.UUID:
    """The UUID inside an opaque id, which must be of ``expected_type``."""
    type_name, ident = _decode(value)
    if type_name != expected_type:
        raise ApiError(ErrorCode.BAD_ID, f"{value!r} is not the id of a {expected_type}", id=value)
    try:
        return uuid.UUID(ident)
    except ValueError as exc:
        raise ApiError(ErrorCode.BAD_ID, f"{value!r} is not an id issued by this API") from exc
