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
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import FieldExtension
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

from ca_api.common.arguments import AFTER_TEXT, BEFORE_TEXT, FIRST_TEXT, LAST_TEXT
from ca_api.common.keyset import Seek
from ca_api.errors import ApiError, ErrorCode

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K")

# The resolver's parameter that ``Paged`` fills with the ``Page`` asked for.
PAGE = "page"


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


def _cursor(self: Edge[Any]) -> str:
    return encode_cursor(self.key)


@strawberry.type(description="An entry of a list: the object, and its place in the list.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        resolver=_cursor,
        description="Where this entry stands in the list: opaque; pass it as after to go on "
        "from here, or as before to go back from here.",
    )
    node: T = strawberry.field(description="The entry's object.")
    # The entry's key in the list's order: its cursor is encoded only when asked for (a page
    # such as the client page asks for the page's start and end cursors, not each entry's).
    key: strawberry.Private[Sequence[Any]]


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
    edges = [Edge(node=node(row), key=key(row)) for row in kept]
    from_cursor = page.cursor is not None
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=from_cursor if page.backward else more,
            has_previous_page=more if page.backward else from_cursor,
            start_cursor=encode_cursor(edges[0].key) if edges else None,
            end_cursor=encode_cursor(edges[-1].key) if edges else None,
        ),
    )


@dataclass(frozen=True)
class Page:
    """The page a list field was asked for, as ``Paged`` hands it to the resolver: the four
    arguments as sent, the list's default page size and the request's largest page size
    (``Settings.max_page_size``). Checked only when read (``connection``), so whatever the
    resolver checks first (a permission, an id) is refused as it was."""

    first: int | None
    after: str | None
    last: int | None
    before: str | None
    default: int
    maximum: int

    def request(self) -> PageRequest:
        """The page asked for, checked: forward with ``first``/``after``, backward with
        ``last``/``before`` (the Relay connection spec); the two directions are not mixed."""
        if self.first is not None and self.last is not None:
            raise ApiError(ErrorCode.BAD_USER_INPUT, "first and last cannot be given together")
        if self.after is not None and self.before is not None:
            raise ApiError(ErrorCode.BAD_USER_INPUT, "after and before cannot be given together")
        backward = self.last is not None or self.before is not None
        if backward and (self.first is not None or self.after is not None):
            raise ApiError(
                ErrorCode.BAD_USER_INPUT,
                "before and last page backward, first and after forward: use one pair",
            )
        asked, name = (self.last, "last") if backward else (self.first, "first")
        size = self.default if asked is None else asked
        if size < 1 or size > self.maximum:
            raise ApiError(
                ErrorCode.BAD_USER_INPUT,
                f"{name} must be between 1 and {self.maximum}",
                maximum=self.maximum,
            )
        cursor = decode_cursor(self.before if backward else self.after)
        return PageRequest(size=size, cursor=cursor, backward=backward)

    async def connection(
        self,
        *,
        cursor: Callable[[PageRequest], K | None],
        fetch: Callable[[Seek[K]], Awaitable[Sequence[R]]],
        key: Callable[[R], Sequence[Any]],
        node: Callable[[R], T],
    ) -> Connection[T]:
        """One page of the list, the one way every list resolver pages: the page asked for is
        checked (``request``), ``cursor`` reads the cursor's sort key (a ``PageRequest`` reader
        such as ``date_id``), ``fetch(seek)`` reads up to ``size + 1`` rows from that key on,
        nearest first (``keyset.keyset`` does it in SQL), and ``key`` and ``node`` make each
        kept row's cursor and node."""
        page = self.request()
        rows = await fetch(Seek(cursor(page), page.size + 1, page.backward))
        return connection_from_rows(rows, page, key=key, node=node)


def _page_argument(name: str, kind: type, description: str) -> StrawberryArgument:
    return StrawberryArgument(
        python_name=name,
        graphql_name=None,
        type_annotation=StrawberryAnnotation(kind | None),
        description=description,
        default=None,
    )


class Paged(FieldExtension):
    """Makes a field a page of its list, as strawberry's relay ``ConnectionExtension`` does:
    ``first``, ``after``, ``last`` and ``before`` are added after the field's own arguments,
    described once (``common.arguments``; ``first`` and ``after`` may be described for the
    list), and the resolver gets them as one ``page: Page`` parameter instead::

        @strawberry.field(extensions=[Paged(25), *allow(LEDGER_READ)], description=...)
        async def things(self, info: Info[Context, None], page: Page) -> Connection[Thing]:
            return await page.connection(cursor=..., fetch=..., key=..., node=...)

    Innermost of the field's extensions (listed first), so the permission check runs before it;
    it checks nothing itself (``Page.connection`` does)."""

    def __init__(self, default: int, *, first: str = FIRST_TEXT, after: str = AFTER_TEXT) -> None:
        self.default = default
        self.added = [
            _page_argument("first", int, first),
            _page_argument("after", str, after),
            _page_argument("last", int, LAST_TEXT),
            _page_argument("before", str, BEFORE_TEXT),
        ]

    def apply(self, field: StrawberryField) -> None:
        resolver = field.base_resolver
        if resolver is None or PAGE not in resolver.signature.parameters:
            raise TypeError(f"a Paged field's resolver takes {PAGE}: Page ({field.python_name})")
        # Applied again for each schema built from the field: its own arguments are kept once.
        own = [
            a
            for a in field.arguments
            if a.python_name != PAGE and all(a is not b for b in self.added)
        ]
        taken = {a.python_name for a in own} & {a.python_name for a in self.added}
        if taken:
            raise TypeError(f"{field.python_name} declares its page's arguments: {sorted(taken)}")
        field.arguments = [*own, *self.added]

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        page = Page(
            first=kwargs.pop("first", None),
            after=kwargs.pop("after", None),
            last=kwargs.pop("last", None),
            before=kwargs.pop("before", None),
            default=self.default,
            maximum=info.context.settings.max_page_size,
        )
        return await next_(source, info, **kwargs, **{PAGE: page})
