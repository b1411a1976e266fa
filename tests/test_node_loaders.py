"""The two ways a node type is loaded (common/node.py): by role alone, or within the caller's
scope. Pure: a stand-in context and fetch, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from ca_api.common.node import by_role, in_scope
from ca_api.context import Context


@dataclass
class _Ctx:
    session: str = "the session"
    principal: str = "the caller"


async def test_by_role_fetches_with_the_session_alone_and_makes_each_record_a_node() -> None:
    asked: list[tuple[Any, ...]] = []

    async def fetch(session: Any, keys: Sequence[int]) -> dict[int, str]:
        asked.append((session, list(keys)))
        return {k: f"row {k}" for k in keys if k != 2}

    load = by_role(fetch, lambda row: f"node of {row}")
    assert await load(cast(Context, _Ctx()), [1, 2, 3]) == {1: "node of row 1", 3: "node of row 3"}
    assert asked == [("the session", [1, 2, 3])]


async def test_in_scope_fetches_as_the_caller_and_leaves_out_what_they_may_not_read() -> None:
    asked: list[tuple[Any, ...]] = []

    async def fetch(session: Any, principal: Any, keys: Sequence[int]) -> dict[int, str]:
        asked.append((session, principal, list(keys)))
        return {1: "row 1"}

    load = in_scope(fetch, lambda row: f"node of {row}")
    assert await load(cast(Context, _Ctx()), [1, 2]) == {1: "node of row 1"}
    assert asked == [("the session", "the caller", [1, 2])]
