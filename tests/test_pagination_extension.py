"""``common.pagination.Paged``, the one way a field becomes a page of its list (issue 10: one way
to do each thing): it adds first/after/last/before after the field's own arguments, described
once, hands the resolver one ``Page``, and the page refuses what it refused as ``paginate`` did
(BAD_USER_INPUT), after the permission check. Pure: a small schema of its own, no database."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Annotated, Any

import graphql
import pytest
import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import allow
from ca_api.auth.principal import Role
from ca_api.common.arguments import AFTER_TEXT, BEFORE_TEXT, FIRST_TEXT, LAST_TEXT
from ca_api.common.keyset import Seek, seek_rows
from ca_api.common.pagination import Connection, Page, Paged, encode_cursor
from ca_api.config import Settings
from ca_api.errors import ApiError, ErrorCode
from ca_api.graphql import build_schema

ROWS = list(range(1, 8))  # a list of seven, in list order
seen: list[Page] = []


@strawberry.type(description="An entry.")
class Entry:
    n: int = strawberry.field(description="Its place.")


async def _numbers(page: Page, at_least: int = 0) -> Connection[Entry]:
    seen.append(page)

    async def fetch(seek: Seek[int]) -> list[int]:
        return seek_rows([r for r in ROWS if r >= at_least], seek, key=lambda r: r)

    return await page.connection(
        cursor=lambda req: req.one(int), fetch=fetch, key=lambda r: [r], node=lambda r: Entry(n=r)
    )


@strawberry.type
class _Query:
    @strawberry.field(extensions=[Paged(3)], description="The numbers, in order.")
    async def numbers(
        self,
        info: Info[Any, None],
        page: Page,
        at_least: Annotated[int, strawberry.argument(description="Only these.")] = 0,
    ) -> Connection[Entry]:
        return await _numbers(page, at_least)

    @strawberry.field(
        extensions=[
            Paged(2, first="At most this many.", after="After this."),
            *allow(frozenset({Role.AUDITOR})),
        ],
        description="The numbers, for auditors.",
    )
    async def audited(self, info: Info[Any, None], page: Page) -> Connection[Entry]:
        return await _numbers(page)


def _schema() -> strawberry.Schema:
    return strawberry.Schema(query=_Query)


def _context(max_page_size: int = 5, roles: frozenset[Role] = frozenset()) -> Any:
    principal = SimpleNamespace(has_any=lambda wanted: bool(roles & wanted))
    return SimpleNamespace(
        settings=SimpleNamespace(max_page_size=max_page_size), principal=principal
    )


def _arguments(schema: strawberry.Schema, field: str) -> list[tuple[str, str, str | None, Any]]:
    query = schema._schema.query_type
    assert query is not None
    return [
        (name, str(arg.type), arg.description, arg.default_value)
        for name, arg in query.fields[field].args.items()
    ]


def test_the_four_arguments_come_after_the_fields_own_described_once() -> None:
    assert _arguments(_schema(), "numbers") == [
        ("atLeast", "Int!", "Only these.", 0),
        ("first", "Int", FIRST_TEXT, None),
        ("after", "String", AFTER_TEXT, None),
        ("last", "Int", LAST_TEXT, None),
        ("before", "String", BEFORE_TEXT, None),
    ]
    # A list may say first and after in its own words; last and before are the same everywhere.
    assert _arguments(_schema(), "audited") == [
        ("first", "Int", "At most this many.", None),
        ("after", "String", "After this.", None),
        ("last", "Int", LAST_TEXT, None),
        ("before", "String", BEFORE_TEXT, None),
    ]


def test_a_second_schema_from_the_same_fields_has_the_same_arguments() -> None:
    # The tests build a schema per settings from the same fields: apply runs again.
    assert _schema().as_str() == _schema().as_str()


@dataclass
class Answer:
    numbers: list[int]
    info: dict[str, Any]


async def _ask(args: str, *, max_page_size: int = 5) -> Answer:
    result = await _schema().execute(
        "{ numbers(" + args + ") { nodes { n } "
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
        context_value=_context(max_page_size),
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    page = result.data["numbers"]
    return Answer([e["n"] for e in page["nodes"]], page["pageInfo"])


async def test_the_resolver_gets_one_page_with_the_default_and_the_settings_maximum() -> None:
    seen.clear()
    answer = await _ask("atLeast: 2", max_page_size=4)
    assert answer.numbers == [2, 3, 4]  # the default, 3
    assert seen == [Page(first=None, after=None, last=None, before=None, default=3, maximum=4)]


async def test_it_pages_forward_and_backward() -> None:
    forward = await _ask("first: 2")
    assert forward.numbers == [1, 2]
    assert forward.info["hasNextPage"] and not forward.info["hasPreviousPage"]
    following = await _ask(f'first: 2, after: "{forward.info["endCursor"]}"')
    assert following.numbers == [3, 4]
    assert following.info["hasPreviousPage"]
    last = await _ask("last: 2")
    assert last.numbers == [6, 7]
    assert last.info["hasPreviousPage"] and not last.info["hasNextPage"]
    before = await _ask(f'last: 3, before: "{last.info["startCursor"]}"')
    assert before.numbers == [3, 4, 5]
    assert before.info["hasNextPage"] and before.info["hasPreviousPage"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("first: 1, last: 1", "first and last cannot be given together"),
        (f'after: "{encode_cursor([1])}", before: "{encode_cursor([3])}"', "after and before"),
        (f'last: 1, after: "{encode_cursor([1])}"', "use one pair"),
        (f'first: 1, before: "{encode_cursor([3])}"', "use one pair"),
        ("first: 0", "first must be between 1 and 5"),
        ("first: 6", "first must be between 1 and 5"),
        ("last: 0", "last must be between 1 and 5"),
        ("last: 6", "last must be between 1 and 5"),
        ('after: "not a cursor"', "not one this API issued"),
        (f'after: "{encode_cursor(["x"])}"', "not one this list issued"),
    ],
)
async def test_a_bad_page_is_bad_user_input(args: str, message: str) -> None:
    result = await _schema().execute(
        "{ numbers(" + args + ") { nodes { n } } }", context_value=_context(5)
    )
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0].original_error
    assert isinstance(error, ApiError), result.errors
    assert error.code is ErrorCode.BAD_USER_INPUT
    assert message in error.message


async def test_the_permission_check_comes_first() -> None:
    schema = _schema()
    denied = await schema.execute("{ audited(first: 0) { nodes { n } } }", context_value=_context())
    assert denied.errors is not None
    assert [e.extensions for e in denied.errors] == [{"code": "FORBIDDEN"}]
    allowed = await schema.execute(
        "{ audited { nodes { n } } }", context_value=_context(roles=frozenset({Role.AUDITOR}))
    )
    assert allowed.errors is None
    assert allowed.data == {"audited": {"nodes": [{"n": 1}, {"n": 2}]}}


def test_every_list_of_the_api_pages_through_paged() -> None:
    """One way: every field of the API that answers a Connection has its page made by Paged."""
    gql = build_schema(Settings(environment="test"))._schema
    lists = {
        f"{type_name}.{name}": (gfield.extensions or {}).get("strawberry-definition")
        for type_name, gtype in gql.type_map.items()
        if isinstance(gtype, graphql.GraphQLObjectType)
        for name, gfield in gtype.fields.items()
        if graphql.get_named_type(gfield.type).name.endswith("Connection")
    }
    assert len(lists) >= 26  # the lists of issue 10, and any added since
    unpaged = [
        name
        for name, definition in lists.items()
        if definition is None or sum(isinstance(e, Paged) for e in definition.extensions) != 1
    ]
    assert unpaged == []
