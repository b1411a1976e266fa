"""The GraphQL fields every approvable type has (Payment, Decision, TemporaryAssistance), made
once: who approved it and when, the approval limits it was judged under (R-DEC-4), each read
from its events, and whether you could approve it now (R-ROLE-2, R-DEC-2). A type states only
its event kinds and, where they differ, its words.

The SDL lists a type's fields in declaration order, annotated fields first, then the resolver
methods: so assign ``event_field`` and its kin WITH an annotation (``approved_by: str | None =
approved_by(...)``), and ``can_approve_field`` WITHOUT one, where a ``@strawberry.field`` method
would stand.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable, Sequence
from operator import attrgetter
from typing import Any, Protocol, TypeAlias, TypeVar

import strawberry
from strawberry.types import Info

from ca_api.approvals.schema import limits_today
from ca_api.auth.principal import Principal
from ca_api.common import loaders
from ca_api.common.problems import FourEyesProblem, OverApprovalLimitProblem
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.policy.rules import LimitVersion

V = TypeVar("V")
N = TypeVar("N")

# The members every approve or refuse mutation's result union starts with, after its payload:
# one of its authors (R-ROLE-2), over the caller's approval limit (R-DEC-2).
DecidingProblem: TypeAlias = FourEyesProblem | OverApprovalLimitProblem


class Evented(Protocol):
    """A GraphQL type whose object reads its events, oldest first, through a request loader."""

    def _events(self, info: Info[Context, None], /) -> Awaitable[Sequence[Any]]: ...


def of_view(cls: type[N], view: Any, row: object, **extra: Any) -> N:
    """An approvable type's object (``from_view``): its row's fields, the view it was read as
    kept (``view``), with the view's ``client_reference`` and ``status``, and ``extra``."""
    return from_source(
        cls, row, view=view, client_reference=view.client_reference, status=view.status, **extra
    )


def events_loaded(
    name: str, fetch: Callable[[Any, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, list[V]]]]
) -> Callable[[Any, Info[Context, None]], Awaitable[list[V]]]:
    """A type's ``_events`` method: its object's (``_row.id``) events, oldest first, through the
    request's one loader ``name`` of them (N+1 is a bug)."""

    async def _events(self: Any, info: Info[Context, None]) -> list[V]:
        return await loaders.many(info.context, name, fetch).load(self._row.id)

    return _events


def events_field(
    graphql_type: Any,
    convert: Callable[[Any], Any],
    description: str = "Everything that happened to it, oldest first.",
) -> Any:
    """``events``: everything that happened to it, oldest first, each event as ``convert``
    makes it (``graphql_type``: the list of those). Assign it without an annotation."""

    async def events(self: Evented, info: Info[Context, None]) -> list[Any]:
        return [convert(e) for e in await self._events(info)]

    return strawberry.field(
        resolver=events,
        graphql_type=graphql_type,
        description=description,
    )


async def first_event(obj: Evented, info: Info[Context, None], *kinds: enum.Enum) -> Any | None:
    """The object's first event of one of ``kinds``, or None."""
    wanted = {k.value for k in kinds}
    return next((e for e in await obj._events(info) if e.event in wanted), None)


def event_field(read: Callable[[Any], object], *kinds: enum.Enum, description: str) -> Any:
    """A field read from the object's first event of one of ``kinds`` (approved, made,
    cancelled...: each happens once at most); null until it has happened."""

    async def resolve(self: Evented, info: Info[Context, None]) -> Any:
        e = await first_event(self, info, *kinds)
        return read(e) if e is not None else None

    return strawberry.field(resolver=resolve, description=description)


def recorded_by(kind: enum.Enum, description: str) -> Any:
    """Who recorded the event of ``kind``; null until then."""
    return event_field(attrgetter("recorded_by"), kind, description=description)


def recorded_at(kind: enum.Enum, description: str) -> Any:
    """When the event of ``kind`` was recorded; null until then."""
    return event_field(attrgetter("recorded_at"), kind, description=description)


def reason(kind: enum.Enum, description: str) -> Any:
    """The reason the event of ``kind`` gave (a cancellation, a refusal); null until then."""
    return event_field(attrgetter("reason"), kind, description=description)


def approved_by(kind: enum.Enum, description: str = "Who approved it; null until then.") -> Any:
    """``approvedBy``: who recorded the approval (never one of its authors, R-ROLE-2)."""
    return recorded_by(kind, description)


def approved_at(kind: enum.Enum, description: str = "When it was approved.") -> Any:
    """``approvedAt``: when the approval was recorded."""
    return recorded_at(kind, description)


def approval_limit_version_id(
    *kinds: enum.Enum,
    description: str = "The approval limits the approval was judged under (R-DEC-4).",
) -> Any:
    """``approvalLimitVersionId``: the limits an approval (or a refusal, of ``kinds``) was
    judged under (R-DEC-4)."""
    return event_field(attrgetter("limit_version_id"), *kinds, description=description)


def can_approve_field(
    may: Callable[[Principal, Any, LimitVersion | None], bool], description: str
) -> Any:
    """``canApprove``: ``may`` (the module's ``can_approve``) of the object's ``view`` for the
    caller, under the limits in force today (read once per request, ``limits_today``)."""

    async def can_approve(self: Any, info: Info[Context, None]) -> bool:
        ctx = info.context
        return may(ctx.principal, self.view, await limits_today(ctx))

    return strawberry.field(resolver=can_approve, description=description)
