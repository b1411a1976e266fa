"""Cursor pagination for every list: keyset cursors, opaque to the client, read forward
(first/after) or backward (last/before), as the Relay connection spec has it."""

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

from ca_api.common.keyset import Seek
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
    """The page asked for: ``size`` entries after the cursor (``first``/``after``) or, when
    ``backward``, before it (``last``/``before``); ``cursor`` is the decoded cursor, if any."""

    size: int
    cursor: list[Any] | None
    backward: bool = False

    def key(self, *types: type) -> tuple[Any, ...] | None:
        """The cursor's sort key, checked against the types this list issues: a cursor this
        list never issued is bad input, not an internal error."""
        if self.cursor is None:
            return None
        if len(self.cursor) != len(types) or not all(
            type(v) is t for v, t in zip(self.cursor, types, strict=True)
        ):
            raise bad_cursor()
        return tuple(self.cursor)

    def date_id(self) -> tuple[date, uuid.UUID] | None:
        """A cursor of (ISO date, UUID), as lists ordered by a date then id issue them."""
        key = self.key(str, str)
        if key is None:
            return None
        try:
            return date.fromisoformat(key[0]), uuid.UUID(key[1])
        except ValueError as exc:
            raise bad_cursor() from exc

    def time_id(self) -> tuple[datetime, uuid.UUID] | None:
        """A cursor of (ISO timestamp with its zone, UUID)."""
        key = self.key(str, str)
        if key is None:
            return None
        try:
            at, ident = datetime.fromisoformat(key[0]), uuid.UUID(key[1])
        except ValueError as exc:
            raise bad_cursor() from exc
        if at.tzinfo is None:
            raise bad_cursor()
        return at, ident

    def text_id(self) -> tuple[str, uuid.UUID] | None:
        """A cursor of (a text sort key such as a name, UUID)."""
        key = self.key(str, str)
        if key is None:
            return None
        try:
            return key[0], uuid.UUID(key[1])
        except ValueError as exc:
            raise bad_cursor() from exc

    def one(self, kind: type[K]) -> K | None:
        key = self.key(kind)
        return None if key is None else key[0]


def page_request(
    first: int | None,
    after: str | None,
    *,
    default: int,
    maximum: int,
    last: int | None = None,
    before: str | None = None,
) -> PageRequest:
    """The page asked for, checked: forward with ``first``/``after``, backward with
    ``last``/``before`` (the Relay connection spec); the two directions are not mixed."""
    if first is not None and last is not None:
        raise ApiError(ErrorCode.BAD_USER_INPUT, "first and last cannot be given together")
    if after is not None and before is not None:
        raise ApiError(ErrorCode.BAD_USER_INPUT, "after and before cannot be given together")
    backward = last is not None or before is not None
    if backward and (first is not None or after is not None):
        raise ApiError(
            ErrorCode.BAD_USER_INPUT,
            "before and last page backward, first and after forward: use one pair",
        )
    if backward:
        size = default if last is None else last
        if size < 1 or size > maximum:
            raise ApiError(
                ErrorCode.BAD_USER_INPUT, f"last must be between 1 and {maximum}", maximum=maximum
            )
        return PageRequest(size=size, cursor=decode_cursor(before), backward=True)
    size = default if first is None else first
    if size < 1 or size > maximum:
        raise ApiError(
            ErrorCode.BAD_USER_INPUT, f"first must be between 1 and {maximum}", maximum=maximum
        )
    return PageRequest(size=size, cursor=decode_cursor(after))


@strawberry.type(description="Where a page sits in the whole list (the Relay connection spec).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether the list goes on after this page: ask again with after: endCursor "
        "(true whenever the page was asked for before a cursor: records are never deleted, so "
        "the entry at that cursor is still there)."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether the list has entries before this page: ask again with before: "
        "startCursor (true whenever the page was asked for after a cursor: records are never "
        "deleted, so the entry at that cursor is still there)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first entry, to pass as before for the page "
        "before; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last entry, to pass as after for the next page; "
        "null when the page is empty."
    )


@strawberry.type(description="An entry of a list: the object, and its place in the list.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Where this entry stands in the list: opaque; pass it as after to go on "
        "from here, or as before to go back from here."
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
    """Rows were fetched with ``LIMIT size + 1`` from the cursor on, nearest first: the extra row
    says whether more entries lie beyond the page; a backward page is turned into list order.
    Records are never deleted, so the entry at the cursor given is still there: going forward
    after it there is a previous page, going backward before it a next one."""
    more = len(rows) > page.size
    kept = list(rows[: page.size])
    if page.backward:
        kept.reverse()
    edges = [Edge(cursor=encode_cursor(key(row)), node=node(row)) for row in kept]
    from_cursor = page.cursor is not None
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=from_cursor if page.backward else more,
            has_previous_page=more if page.backward else from_cursor,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def paginate(
    first: int | None,
    after: str | None,
    *,
    last: int | None,
    before: str | None,
    default: int,
    maximum: int,
    cursor: Callable[[PageRequest], K | None],
    fetch: Callable[[Seek[K]], Awaitable[Sequence[R]]],
    key: Callable[[R], Sequence[Any]],
    node: Callable[[R], T],
) -> Connection[T]:
    """One page of a list, the one way every list resolver pages: the page asked for is checked
    (``page_request``: ``first``/``after`` forward, ``last``/``before`` backward), ``cursor``
    reads the cursor's sort key (a ``PageRequest`` reader such as ``date_id``), ``fetch(seek)``
    reads up to ``size + 1`` rows from that key on, nearest first (``keyset.keyset`` does it
    in SQL), and ``key`` and ``node`` make each kept row's cursor and node."""
    page = page_request(first, after, last=last, before=before, default=default, maximum=maximum)
    rows = await fetch(Seek(cursor(page), page.size + 1, page.backward))
    return connection_from_rows(rows, page, key=key, node=node)
