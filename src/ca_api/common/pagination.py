"""Cursor pagination for every list: keyset cursors, opaque to the client."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import strawberry

from ca_api.errors import ApiError, ErrorCode

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K")


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), default=str).encode()).decode()


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise ApiError(ErrorCode.BAD_USER_INPUT, "the cursor is not one this API issued") from exc
    if not isinstance(value, list):
        raise ApiError(ErrorCode.BAD_USER_INPUT, "the cursor is not one this API issued")
    return value


def bad_cursor() -> ApiError:
    return ApiError(ErrorCode.BAD_USER_INPUT, "the cursor is not one this list issued")


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: list[Any] | None

    def after_key(self, *types: type) -> tuple[Any, ...] | None:
        """The cursor's sort key, checked against the types this list issues: a cursor this
        list never issued is bad input, not an internal error."""
        if self.after is None:
            return None
        if len(self.after) != len(types) or not all(
            type(v) is t for v, t in zip(self.after, types, strict=True)
        ):
            raise bad_cursor()
        return tuple(self.after)

    def after_date_id(self) -> tuple[date, uuid.UUID] | None:
        """A cursor of (ISO date, UUID), as lists ordered by a date then id issue them."""
        key = self.after_key(str, str)
        if key is None:
            return None
        try:
            return date.fromisoformat(key[0]), uuid.UUID(key[1])
        except ValueError as exc:
            raise bad_cursor() from exc

    def after_time_id(self) -> tuple[datetime, uuid.UUID] | None:
        """A cursor of (ISO timestamp with its zone, UUID)."""
        key = self.after_key(str, str)
        if key is None:
            return None
        try:
            at, ident = datetime.fromisoformat(key[0]), uuid.UUID(key[1])
        except ValueError as exc:
            raise bad_cursor() from exc
        if at.tzinfo is None:
            raise bad_cursor()
        return at, ident

    def after_text_id(self) -> tuple[str, uuid.UUID] | None:
        """A cursor of (a text sort key such as a name, UUID)."""
        key = self.after_key(str, str)
        if key is None:
            return None
        try:
            return key[0], uuid.UUID(key[1])
        except ValueError as exc:
            raise bad_cursor() from exc

    def after_one(self, kind: type[K]) -> K | None:
        key = self.after_key(kind)
        return None if key is None else key[0]


def page_request(
    first: int | None, after: str | None, *, default: int, maximum: int
) -> PageRequest:
    size = default if first is None else first
    if size < 1 or size > maximum:
        raise ApiError(
            ErrorCode.BAD_USER_INPUT, f"first must be between 1 and {maximum}", maximum=maximum
        )
    return PageRequest(first=size, after=decode_cursor(after))


@strawberry.type(description="Where a page sits in the whole list (the Relay connection spec).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether the list goes on after this page: ask again with after: endCursor."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether the list has entries before this page (true whenever the page was "
        "asked for after a cursor: records are never deleted, so the entry at that cursor is "
        "still there)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first entry; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last entry, to pass as after for the next page; "
        "null when the page is empty."
    )


@strawberry.type(description="An entry of a list: the object, and its place in the list.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Where this entry stands in the list: opaque; pass it as after to go on "
        "from here."
    )
    node: T = strawberry.field(description="The entry's object.")


@strawberry.type(description="One page of a list, with cursors to fetch the next.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's entries, in list order.")
    page_info: PageInfo = strawberry.field(description="Where the page sits in the whole list.")

    @strawberry.field(description="The page's objects, in list order, without their cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def connection_from_rows(
    rows: Sequence[R],
    page: PageRequest,
    *,
    key: Callable[[R], Sequence[Any]],
    node: Callable[[R], T],
) -> Connection[T]:
    """Rows were fetched with ``LIMIT first + 1``: the extra row says whether a next page exists."""
    has_next = len(rows) > page.first
    kept = rows[: page.first]
    edges = [Edge(cursor=encode_cursor(key(row)), node=node(row)) for row in kept]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=page.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def paginate(
    first: int | None,
    after: str | None,
    *,
    default: int,
    maximum: int,
    cursor: Callable[[PageRequest], K],
    fetch: Callable[[K, int], Awaitable[Sequence[R]]],
    key: Callable[[R], Sequence[Any]],
    node: Callable[[R], T],
) -> Connection[T]:
    """One page of a list, the one way every list resolver pages: the page asked for is checked
    (``page_request``), ``cursor`` reads the sort key after which to start (a
    ``PageRequest.after_*``), ``fetch(after_key, limit)`` reads ``first + 1`` rows in the
    list's order, and ``key`` and ``node`` make each kept row's cursor and node."""
    page = page_request(first, after, default=default, maximum=maximum)
    rows = await fetch(cursor(page), page.first + 1)
    return connection_from_rows(rows, page, key=key, node=node)
