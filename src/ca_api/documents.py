"""What a GraphQL document may be, checked before anything runs (issue 9 item 2, issue 11 item
5): its size in linear time (``DocumentLimits``), no NUL in any string, graphql-core's rules with
ours, cached per document; a trusted document comes parsed and is never validated again
(``GuardedValidation``), and ``registration_errors`` says whether one may be registered."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationRule,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from ca_api.common.recent import Recent
from ca_api.config import Settings
from ca_api.errors import ErrorCode
from ca_api.trusted_documents.service import Prepared

# -- the document's size, worked out once per fragment (issue 9 item 2) ----------------------------
#
# strawberry's QueryDepthLimiter and MaxAliasesLimiter walk a fragment again at every spread:
# N fragments, each spreading the next twice, cost 2^N steps on the event loop (N=30 is 1.2 KB
# and eight minutes of a core). These count the same things (the depth as graphql-depth-limit
# does, every alias each time its fragment is spread) from one summary per fragment, so the
# cost is linear in the document, and also bound what the document expands to.


@dataclass
class _Size:
    """A definition's size with its fragments expanded: its fields, its aliases and its depth
    (as QueryDepthLimiter counts it: fields with a selection set, introspection fields
    (``__schema``) and what is below them not counted)."""

    fields: int = 0
    aliases: int = 0
    depth: int = 0
    # The fragments it spreads, each with the depth it is spread at (None below an
    # introspection field, where depth is not counted).
    spreads: list[tuple[str, int | None]] = field(default_factory=list)


def _own_size(selection_set: SelectionSetNode) -> _Size:
    """The size of one definition's own selections, its spreads not followed. Iterative: the
    parser bounds the nesting of one definition, but nothing here relies on it."""
    size = _Size()
    stack: list[tuple[SelectionSetNode, int, bool]] = [(selection_set, 0, True)]
    while stack:
        selections, depth, counted = stack.pop()
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                size.fields += 1
                size.aliases += selection.alias is not None
                if selection.selection_set is not None:
                    inner = counted and not selection.name.value.startswith("__")
                    if inner:
                        size.depth = max(size.depth, depth + 1)
                    stack.append((selection.selection_set, depth + 1, inner))
            elif isinstance(selection, InlineFragmentNode):
                stack.append((selection.selection_set, depth, counted))
            elif isinstance(selection, FragmentSpreadNode):
                size.spreads.append((selection.name.value, depth if counted else None))
    return size


def _expand(own: _Size, done: Mapping[str, _Size]) -> _Size:
    """``own`` with the expanded sizes of the fragments it spreads added in. A fragment not in
    ``done`` (unknown, or closing a cycle) adds nothing: validation refuses both."""
    size = _Size(own.fields, own.aliases, own.depth)
    for name, at in own.spreads:
        if (spread := done.get(name)) is not None:
            size.fields += spread.fields
            size.aliases += spread.aliases
            if at is not None:
                size.depth = max(size.depth, at + spread.depth)
    return size


def _fragment_sizes(document: DocumentNode) -> dict[str, _Size]:
    """Every fragment's expanded size, each worked out once, children first (a walk without
    recursion, as graphql-core's own check of fragment nesting)."""
    own = {
        d.name.value: _own_size(d.selection_set)
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    done: dict[str, _Size] = {}
    for root in own:
        if root in done:
            continue
        path = [(root, iter(own[root].spreads))]
        on_path = {root}
        while path:
            name, spreads = path[-1]
            for spread, _ in spreads:
                if spread in own and spread not in done and spread not in on_path:
                    path.append((spread, iter(own[spread].spreads)))
                    on_path.add(spread)
                    break
            else:
                path.pop()
                on_path.discard(name)
                done[name] = _expand(own[name], done)
    return done


@dataclass(frozen=True)
class DocumentLimits:
    """CA_API_MAX_QUERY_DEPTH, CA_API_MAX_ALIASES and CA_API_MAX_FIELDS, checked in time linear
    in the document before any other validation: a refusal is QUERY_TOO_COMPLEX."""

    max_depth: int
    max_aliases: int
    max_fields: int

    @classmethod
    def of(cls, settings: Settings) -> DocumentLimits:
        return cls(settings.max_query_depth, settings.max_aliases, settings.max_fields)

    def check(self, document: DocumentNode) -> list[GraphQLError]:
        fragments = _fragment_sizes(document)
        errors: list[GraphQLError] = []
        fields = aliases = 0
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            size = _expand(_own_size(definition.selection_set), fragments)
            fields += size.fields
            aliases += size.aliases
            if size.depth > self.max_depth:
                name = definition.name.value if definition.name else "anonymous"
                errors.append(
                    _too_complex(
                        f"'{name}' exceeds maximum operation depth of {self.max_depth}",
                        definition,
                    )
                )
        if aliases > self.max_aliases:
            errors.append(_too_complex(f"{aliases} aliases found. Allowed: {self.max_aliases}"))
        if fields > self.max_fields:
            errors.append(
                _too_complex(
                    f"the document expands to {fields} fields, counting a fragment each time"
                    f" it is spread; at most {self.max_fields} are allowed"
                )
            )
        return errors


def _too_complex(message: str, node: OperationDefinitionNode | None = None) -> GraphQLError:
    return GraphQLError(message, nodes=node, extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value})


# -- NUL characters (issue 9 item 3) ---------------------------------------------------------------
#
# PostgreSQL's text cannot hold U+0000: a string carrying one would fail in the database, after
# resolvers had run. It is refused with the rest of validation, wherever it is: a literal (in an
# argument, an input object, a list, a variable's default) or a variable at any depth.

_NUL = "\x00"


def _nul_error(where: str, node: Any = None) -> GraphQLError:
    return GraphQLError(
        f"{where} contains the NUL character (U+0000), which no text may hold",
        nodes=node,
        extensions={"code": ErrorCode.BAD_USER_INPUT.value},
    )


class NoNulInStrings(ValidationRule):
    """A string literal anywhere in the document with a NUL in it (``"\\u0000"``)."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if _NUL in node.value:
            self.report_error(_nul_error("a string", node))


def nul_in_variables(variables: Mapping[str, Any] | None) -> list[GraphQLError]:
    """The first NUL in the request's variables, named by its path (``$input.lines[3].item``).
    Iterative, so a variable nested as deep as JSON allows is no trouble."""
    given = variables or {}
    if any(_NUL in name for name in given):
        return [_nul_error("a variable name")]
    stack: list[tuple[str, Any]] = [(f"${name}", value) for name, value in given.items()]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _NUL in value:
                return [_nul_error(f"variable {path}")]
        elif isinstance(value, dict):
            for key, item in value.items():
                if _NUL in key:
                    return [_nul_error(f"a field name in variable {path}")]
                stack.append((f"{path}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return []


@functools.lru_cache(maxsize=256)
def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    limits: DocumentLimits,
) -> tuple[GraphQLError, ...]:
    """The document's errors: the limits first and alone (linear time), then graphql-core's
    rules with ours. Cached: the SPA and the integrations send the same few documents again
    and again (a cached document is compared whole, never re-validated)."""
    refused = limits.check(document)
    if refused:
        return tuple(refused)
    return tuple(validate_document(schema, document, (*rules, NoNulInStrings)))


def _trusted(ctx: Any) -> Prepared | None:
    scope = getattr(ctx.context, "scope", None)
    trusted: Prepared | None = getattr(scope, "trusted_document", None)
    return trusted if trusted is not None and trusted.text == ctx.query else None


def registration_errors(
    schema: strawberry.Schema, settings: Settings, document: DocumentNode
) -> list[GraphQLError]:
    """Whether a document may be registered as trusted (ca_api.trusted_documents): what a
    request's validation would say (the limits, the schema's rules), and never introspection,
    since a trusted document skips validation in production too."""
    from graphql import specified_rules
    from graphql.validation import NoSchemaIntrospectionCustomRule

    rules = (*specified_rules, NoSchemaIntrospectionCustomRule)
    return list(_validate(schema._schema, document, rules, DocumentLimits.of(settings)))


class ParsedDocuments(Recent[str, DocumentNode]):
    """The documents one schema parsed, by their text (the most recent ``size``): the SPA and
    the integrations send the same few again and again, and a parse costs more than the
    cached validation after it. Only a document that parsed is kept, so a syntax error is
    raised (and coded by ErrorPolicy) every time; one per schema, so a document kept was
    parsed under that schema's token limit."""

    def __init__(self, size: int = 256) -> None:
        super().__init__(size)


class GuardedValidation(SchemaExtension):
    """Parsing and validation, in place of strawberry's (and its ParserCache, ValidationCache,
    QueryDepthLimiter and MaxAliasesLimiter): a document parsed once per text, then the limits,
    the schema's rules, then the variables (not cached)."""

    def __init__(self, limits: DocumentLimits, parsed: ParsedDocuments | None = None) -> None:
        self.limits = limits
        self.parsed = parsed

    def on_parse(self) -> Iterator[None]:
        """A trusted document comes parsed (and was validated when it was registered); any
        other document is parsed once per text (``ParsedDocuments``)."""
        ctx = self.execution_context
        trusted = _trusted(ctx)
        query = ctx.query
        if trusted is not None:
            ctx.graphql_document = trusted.document
        elif self.parsed is not None and query:
            ctx.graphql_document = self.parsed.get(query)
        yield
        document = ctx.graphql_document
        if trusted is None and self.parsed is not None and query and document is not None:
            self.parsed.keep(query, document)

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        assert ctx.graphql_document is not None
        trusted = _trusted(ctx)
        if trusted is not None and trusted.document is ctx.graphql_document:
            ctx.pre_execution_errors = nul_in_variables(ctx.variables)
            yield
            return
        errors = list(
            _validate(
                ctx.schema._schema, ctx.graphql_document, tuple(ctx.validation_rules), self.limits
            )
        )
        ctx.pre_execution_errors = errors or nul_in_variables(ctx.variables)
        yield
