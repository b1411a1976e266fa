"""Relay's Node interface (issue 11 item 3): every object with a global id implements ``Node``,
and ``node(id:)`` / ``nodes(ids:)`` refetch any of them, as a client's cache does.

Each module names its node types (``NODES`` in its schema); ``graphql.NODE_TYPES`` installs
them in one place, with the roles of the
type's own lookup field: a caller who may not read an invoice by ``invoice(id:)`` may not read it
by ``node(id:)`` either (FORBIDDEN), and row scoping (a social worker's own referrals) is the
loader's, as it is the field's. An id of a type with no lookup, or not an id at all, is BAD_ID;
an object that does not exist, or that the caller's scope hides, is null.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import EVERYONE, allow
from ca_api.common.ids import parse_id
from ca_api.context import Context
from ca_api.errors import ApiError, ErrorCode

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ca_api.auth.principal import Principal, Role

# Loads the objects of one type by their keys (UUIDs, or an audit entry's number), scoped to the
# caller: a mapping from each key found (and readable) to its GraphQL object.
Load = Callable[[Context, Sequence[Any]], Awaitable[Mapping[Any, Any]]]
# A type's key from the raw part of its global id; ValueError when it is not one.
Key = Callable[[str], Any]


K = TypeVar("K")
V = TypeVar("V")


def by_role(
    fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[Mapping[K, V]]],
    node: Callable[[V], object],
) -> Load:
    """The loader of a type every holder of its roles reads whole (no row scoping): ``fetch``
    finds the records by key, ``node`` makes each the GraphQL object."""

    async def load(ctx: Context, keys: Sequence[K]) -> dict[K, object]:
        return {k: node(v) for k, v in (await fetch(ctx.session, keys)).items()}

    return load


def in_scope(
    fetch: Callable[[AsyncSession, Principal, Sequence[K]], Awaitable[Mapping[K, V]]],
    node: Callable[[V], object],
) -> Load:
    """The loader of a type read within the caller's scope (a social worker's own referrals):
    ``fetch`` finds the records by key that the principal may read, ``node`` makes each the
    GraphQL object."""

    async def load(ctx: Context, keys: Sequence[K]) -> dict[K, object]:
        return {k: node(v) for k, v in (await fetch(ctx.session, ctx.principal, keys)).items()}

    return load


@strawberry.interface(
    description="An object with a global id, which node(id:) and nodes(ids:) fetch again."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="The object's global id: opaque (never parse it), stable, unique across "
        "every type."
    )


@dataclass(frozen=True)
class NodeLookup:
    """Who may fetch objects of a type by id (the roles of the type's own lookup field), and
    how they are loaded."""

    roles: frozenset[Role]
    load: Load
    key: Key = uuid.UUID


def _decoded(global_id: str, lookups: Mapping[str, NodeLookup]) -> tuple[str, Any]:
    type_name, raw = parse_id(global_id)
    if type_name not in lookups:
        raise ApiError(ErrorCode.BAD_ID, f"{global_id!r} is not the id of an object", id=global_id)
    try:
        return type_name, lookups[type_name].key(raw)
    except ValueError as exc:
        raise ApiError(ErrorCode.BAD_ID, f"{global_id!r} is not an id issued by this API") from exc


async def fetch(
    ctx: Context, lookups: Mapping[str, NodeLookup], global_ids: Sequence[str]
) -> list[Any]:
    """The objects with these ids, in the same order, null where one is not found or hidden
    by the caller's scope; one load per type. FORBIDDEN (nothing returned) when the caller may
    not read one of the types asked for."""
    decoded = [_decoded(g, lookups) for g in global_ids]
    by_type: dict[str, list[Any]] = {}
    for type_name, ident in decoded:
        by_type.setdefault(type_name, []).append(ident)
    principal = ctx.principal
    for type_name in by_type:
        if not principal.has_any(lookups[type_name].roles):
            raise ApiError(ErrorCode.FORBIDDEN, f"your role may not read a {type_name}")
    found: dict[tuple[str, Any], Any] = {}
    for type_name, ids in by_type.items():
        loaded = await lookups[type_name].load(ctx, list(dict.fromkeys(ids)))
        found.update(((type_name, k), v) for k, v in loaded.items())
    return [found.get(key) for key in decoded]


@dataclass(frozen=True)
class NodeType:
    """A type ``node(id:)`` can fetch: its GraphQL name, who may read it, how it is loaded.
    Each module's schema names its own in ``NODES``; ``graphql.py`` installs them all. Its
    ``key`` reads the raw part of an id (a UUID unless the type says otherwise)."""

    name: str
    roles: frozenset[Role]
    load: Load
    key: Key = uuid.UUID


_LOOKUPS: dict[str, NodeLookup] = {}


def install(*groups: Sequence[NodeType]) -> None:
    """The types ``node`` serves, named once (``graphql.NODE_TYPES``); a name twice is a bug."""
    lookups: dict[str, NodeLookup] = {}
    for group in groups:
        for t in group:
            if t.name in lookups:
                raise ValueError(f"{t.name} is a node type twice")
            lookups[t.name] = NodeLookup(t.roles, t.load, t.key)
    _LOOKUPS.clear()
    _LOOKUPS.update(lookups)


def installed() -> Mapping[str, NodeLookup]:
    return _LOOKUPS


@strawberry.type
class NodeQuery:
    @strawberry.field(
        extensions=allow(EVERYONE),
        description="The object with this global id, as its type's own lookup gives it, with "
        "the same permissions: null if there is none or the caller's scope hides it; "
        "FORBIDDEN if the caller may not read its type; BAD_ID if it is not an id of an "
        "object.",
    )
    async def node(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        (found,) = await fetch(info.context, _LOOKUPS, [id])
        return cast("Node | None", found)

    @strawberry.field(
        extensions=allow(EVERYONE),
        description="The objects with these global ids, in the same order, each as node(id:) "
        "gives it; at most the largest page size of a list at once.",
    )
    async def nodes(
        self,
        info: Info[Context, None],
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids.")],
    ) -> list[Node | None]:
        limit = info.context.settings.max_page_size
        if len(ids) > limit:
            raise ApiError(ErrorCode.BAD_USER_INPUT, f"at most {limit} ids", maximum=limit)
        return cast("list[Node | None]", await fetch(info.context, _LOOKUPS, ids))
