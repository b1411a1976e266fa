"""How a mutation's resolver runs its use case (common/calls.py): as the caller, in the
request's session. Pure: a stand-in request context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from strawberry.types import Info

from ca_api.common.calls import as_caller
from ca_api.context import Context


@dataclass
class _Ctx:
    session: str = "the session"
    actor: str = "the caller"


@dataclass
class _Info:
    context: _Ctx = field(default_factory=_Ctx)


async def test_the_use_case_gets_the_session_and_the_actor_then_the_arguments_as_given() -> None:
    async def use_case(session: Any, actor: Any, a: int, *, key: str) -> tuple[Any, ...]:
        return session, actor, a, key

    info = cast(Info[Context, None], _Info())
    assert await as_caller(info, use_case, 7, key="k") == ("the session", "the caller", 7, "k")
