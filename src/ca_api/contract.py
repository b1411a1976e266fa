"""The schema's contract, checked (issue 11 item 4): a lint of its conventions, and the
breaking changes since the last released ``schema.graphql``.

The lint's rules, each a line of the report it makes:

- every type, field, argument, enum value and input field is described;
- type names are PascalCase, fields and arguments camelCase, enum values UPPER_SNAKE_CASE;
- a member of a mutation's result union other than its payload is a ``...Problem`` type;
- a mutation takes exactly one argument, ``input``, of a non-null input type named after it
  (``raisePayment(input: RaisePaymentInput!)``), holding its idempotency key where it has one;
- every object type with an ``id: ID!`` implements ``Node``;
- Relay connections: a ``...Connection`` type has ``edges``, ``nodes`` and ``pageInfo: PageInfo!``;
  its edges have ``cursor: String!`` and ``node``; a field that returns one takes ``first``,
  ``after``, ``last`` and ``before``; ``PageInfo`` has the four fields of the Relay spec.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from graphql import (
    BreakingChange,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    find_breaking_changes,
    get_named_type,
)

PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
CAMEL = re.compile(r"^[a-z][A-Za-z0-9]*$")
UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")
RELAY_PAGE_INFO = {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}
PAGE_ARGUMENTS = {"first", "after", "last", "before"}


def _own_types(schema: GraphQLSchema) -> list[GraphQLNamedType]:
    return [t for name, t in sorted(schema.type_map.items()) if not name.startswith("__")]


def _described(description: str | None) -> bool:
    return bool(description and description.strip())


def _field_problems(owner: str, name: str, field: GraphQLField) -> Iterable[str]:
    if not CAMEL.match(name):
        yield f"{owner}.{name}: a field's name is camelCase"
    if not _described(field.description):
        yield f"{owner}.{name}: no description"
    for arg_name, arg in field.args.items():
        if not CAMEL.match(arg_name):
            yield f"{owner}.{name}({arg_name}): an argument's name is camelCase"
        if not _described(arg.description):
            yield f"{owner}.{name}({arg_name}): no description"


def _connection_problems(schema: GraphQLSchema, t: GraphQLObjectType) -> Iterable[str]:
    fields = t.fields
    for needed in ("edges", "nodes", "pageInfo"):
        if needed not in fields:
            yield f"{t.name}: a connection has {needed}"
    page_info = fields.get("pageInfo")
    if page_info is not None and str(page_info.type) != "PageInfo!":
        yield f"{t.name}.pageInfo: is PageInfo!"
    edges = fields.get("edges")
    if edges is not None:
        edge = get_named_type(edges.type)
        if isinstance(edge, GraphQLObjectType):
            cursor = edge.fields.get("cursor")
            if cursor is None or str(cursor.type) != "String!":
                yield f"{edge.name}: an edge has cursor: String!"
            if "node" not in edge.fields:
                yield f"{edge.name}: an edge has node"


def _page_argument_problems(owner: str, name: str, field: GraphQLField) -> Iterable[str]:
    target = get_named_type(field.type)
    if target.name.endswith("Connection"):
        missing = PAGE_ARGUMENTS - set(field.args)
        if missing:
            yield f"{owner}.{name}: a connection field takes {', '.join(sorted(missing))}"


def _mutation_problems(schema: GraphQLSchema) -> Iterable[str]:
    mutation = schema.mutation_type
    if mutation is None:
        return
    for name, field in mutation.fields.items():
        args = list(field.args.items())
        if [a for a, _ in args] != ["input"]:
            yield f"Mutation.{name}: a mutation takes one argument, input"
        elif not (
            isinstance(args[0][1].type, GraphQLNonNull)
            and isinstance(args[0][1].type.of_type, GraphQLInputObjectType)
        ):
            yield f"Mutation.{name}: its input is a non-null input type"
        elif args[0][1].type.of_type.name != name[0].upper() + name[1:] + "Input":
            yield f"Mutation.{name}: its input type is {name[0].upper() + name[1:]}Input"
        result = get_named_type(field.type)
        if isinstance(result, GraphQLUnionType):
            payloads = [m for m in result.types if not m.name.endswith("Problem")]
            if len(payloads) != 1:
                yield f"{result.name}: one payload, every other member a ...Problem"


def lint(schema: GraphQLSchema) -> list[str]:
    """Every breach of the conventions (module doc), one line each; empty when clean."""
    problems: list[str] = []
    node = schema.type_map.get("Node")
    for t in _own_types(schema):
        if t.name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        if not PASCAL.match(t.name):
            problems.append(f"{t.name}: a type's name is PascalCase")
        if not _described(t.description):
            problems.append(f"{t.name}: no description")
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in t.fields.items():
                problems.extend(_field_problems(t.name, name, field))
                problems.extend(_page_argument_problems(t.name, name, field))
        if isinstance(t, GraphQLObjectType):
            id_field = t.fields.get("id")
            problem = schema.type_map.get("Problem")
            if (
                id_field is not None
                and str(id_field.type) == "ID!"
                and not any(i is node for i in t.interfaces)
                and not any(i is problem for i in t.interfaces)  # the id of what was not found
            ):
                problems.append(f"{t.name}: has a global id but does not implement Node")
            if t.name.endswith("Connection"):
                problems.extend(_connection_problems(schema, t))
        if isinstance(t, GraphQLInputObjectType):
            for name, input_field in t.fields.items():
                if not CAMEL.match(name):
                    problems.append(f"{t.name}.{name}: an input field's name is camelCase")
                if not _described(input_field.description):
                    problems.append(f"{t.name}.{name}: no description")
        if isinstance(t, GraphQLEnumType):
            for value_name, value in t.values.items():
                if not UPPER.match(value_name):
                    problems.append(f"{t.name}.{value_name}: an enum value is UPPER_SNAKE_CASE")
                if not _described(value.description):
                    problems.append(f"{t.name}.{value_name}: no description")
    page_info = schema.type_map.get("PageInfo")
    if isinstance(page_info, GraphQLObjectType):
        missing = RELAY_PAGE_INFO - set(page_info.fields)
        if missing:
            problems.append(f"PageInfo: lacks {', '.join(sorted(missing))}")
    problems.extend(_mutation_problems(schema))
    return problems


def breaking_changes(released_sdl: str, current_sdl: str) -> list[BreakingChange]:
    """What a client built on the released schema would see break in the current one."""
    return find_breaking_changes(build_schema(released_sdl), build_schema(current_sdl))


def undeclared(changes: Iterable[BreakingChange], declared: Iterable[str]) -> list[str]:
    """The breaking changes no line of ``declared`` names (each is graphql-core's description
    of one change, as CHANGELOG.md quotes it)."""
    known = {line.strip() for line in declared}
    return [c.description for c in changes if c.description not in known]
