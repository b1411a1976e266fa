"""``bench/scale.py --wide``: each case asks for what an officer's screen would show, not the
few fields its document names. Every object the document selects gets every field of its type
that takes no required argument and is a scalar or an enum (derived ones too: ``available``,
``daysOverdue``, ``canApprove``, which is where a list can turn into one query a row), and a
``client`` field, where the type has one, gets the client's name and reference. Connections,
edges and page info are left as the document asks; deprecated fields are left out, as a new
client of ``schema.graphql`` would leave them.

The schema is read from ``schema.graphql`` (generated and checked in, kept in sync by a test).
"""

from __future__ import annotations

from pathlib import Path

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    get_named_type,
    parse,
    print_ast,
)

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"
CLIENT_FIELDS = ("id", "reference", "givenName", "familyName")
# Relay plumbing: selected as the document asks, never widened.
PLUMBING = ("Connection", "Edge", "PageInfo")

_schema: GraphQLSchema | None = None


def schema() -> GraphQLSchema:
    global _schema
    if _schema is None:
        _schema = build_schema(SCHEMA_FILE.read_text())
    return _schema


def _field(name: str, selections: list[FieldNode] | None = None) -> FieldNode:
    return FieldNode(
        name=NameNode(value=name),
        arguments=(),
        directives=(),
        selection_set=SelectionSetNode(selections=tuple(selections)) if selections else None,
    )


def _plain(gtype: GraphQLObjectType | GraphQLInterfaceType) -> list[str]:
    """The fields of ``gtype`` a list screen shows: scalars and enums without a required
    argument, not deprecated."""
    names = []
    for name, fdef in gtype.fields.items():
        if fdef.deprecation_reason is not None:
            continue
        if any(isinstance(a.type, GraphQLNonNull) for a in fdef.args.values()):
            continue
        if isinstance(get_named_type(fdef.type), GraphQLScalarType | GraphQLEnumType):
            names.append(name)
    return names


def _widen(selection_set: SelectionSetNode, gtype: object) -> SelectionSetNode:
    if not isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
        return selection_set  # a union (a result union): left as asked
    out = []
    asked = set()
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            asked.add(sel.alias.value if sel.alias else sel.name.value)
            fdef = gtype.fields.get(sel.name.value)
            if sel.selection_set is not None and fdef is not None:
                sel = FieldNode(
                    alias=sel.alias,
                    name=sel.name,
                    arguments=sel.arguments,
                    directives=sel.directives,
                    selection_set=_widen(sel.selection_set, get_named_type(fdef.type)),
                )
        out.append(sel)
    if not gtype.name.endswith(PLUMBING):
        out.extend(_field(n) for n in _plain(gtype) if n not in asked)
        client = gtype.fields.get("client")
        if (
            "client" not in asked
            and client is not None
            and get_named_type(client.type).name == "Client"
            and not client.args
        ):
            out.append(_field("client", [_field(n) for n in CLIENT_FIELDS]))
    return SelectionSetNode(selections=tuple(out))


def widen(document: str) -> str:
    """The document with every object it selects widened (see the module's docstring)."""
    doc = parse(document)
    root = schema().query_type
    definitions = []
    for d in doc.definitions:
        if isinstance(d, OperationDefinitionNode) and d.operation.value == "query":
            d = OperationDefinitionNode(
                operation=d.operation,
                name=d.name,
                variable_definitions=d.variable_definitions,
                directives=d.directives,
                selection_set=_widen(d.selection_set, root),
            )
        definitions.append(d)
    return print_ast(type(doc)(definitions=tuple(definitions)))
