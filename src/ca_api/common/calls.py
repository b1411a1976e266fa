"""How a mutation's resolver runs its use case (issue 10: one way to do each thing): as the
caller, in the request's session. ``await as_caller(info, service.lodge, lodgement_id,
idempotency_key=input.idempotency_key)`` is ``service.lodge(session, actor, lodgement_id, ...)``
with the request's session and the caller as the actor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from ca_api.auth.actor import Actor
from ca_api.context import Context

P = ParamSpec("P")
T = TypeVar("T")


async def as_caller(
    info: Info[Context, None],
    use_case: Callable[Concatenate[AsyncSession, Actor, P], Awaitable[T]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """The use case's outcome, run in the request's session by the caller (its actor): the
    session and the actor first, then the arguments as given."""
    ctx = info.context
    return await use_case(ctx.session, ctx.actor, *args, **kwargs)
