"""The schema: Query and Mutation composed from each domain module, and the extensions that
guard it (limits, error codes, masking)."""

from __future__ import annotations

import functools
import logging
import re
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
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document

from ca_api import observability
from ca_api.approvals import schema as approvals_schema
from ca_api.approvals import sources
from ca_api.approvals.schema import ApprovalQuery, ApprovalSubscription
from ca_api.audit import schema as audit_schema
from ca_api.audit.schema import AuditQuery
from ca_api.clients import schema as clients_schema
from ca_api.clients.schema import ClientMutation, ClientQuery
from ca_api.common import node
from ca_api.common.node import NodeQuery
from ca_api.common.problems import ProblemResults, returns_problems
from ca_api.common.scalars import SCALAR_MAP
from ca_api.config import Settings
from ca_api.decisions import queue as decisions_queue
from ca_api.decisions import schema as decisions_schema
from ca_api.decisions.schema import DecisionMutation, DecisionQuery
from ca_api.employees import schema as employees_schema
from ca_api.employees.schema import EmployeeMutation, EmployeeQuery
from ca_api.errors import ApiError, BusinessProblem, ErrorCode, MoneyProblem
from ca_api.fees import schema as fees_schema
from ca_api.fees.schema import FeeMutation, FeeQuery
from ca_api.institutions import schema as institutions_schema
from ca_api.institutions.schema import InstitutionMutation, InstitutionQuery
from ca_api.investment_statements import schema as investment_statements_schema
from ca_api.investment_statements.schema import (
    InvestmentStatementMutation,
    InvestmentStatementQuery,
)
from ca_api.investments import schema as investments_schema
from ca_api.investments.schema import InvestmentMutation, InvestmentQuery
from ca_api.invoices import schema as invoices_schema
from ca_api.invoices.schema import InvoiceMutation, InvoiceQuery
from ca_api.ledger import schema as ledger_schema
from ca_api.ledger.schema import LedgerMutation, LedgerQuery
from ca_api.lodgements import schema as lodgements_schema
from ca_api.lodgements.schema import LodgementMutation, LodgementQuery
from ca_api.logs import request_id_var
from ca_api.observability import RecordProblem
from ca_api.officers import schema as officers_schema
from ca_api.officers.schema import OfficerQuery
from ca_api.orders import schema as orders_schema
from ca_api.orders.schema import OrderMutation
from ca_api.payments import queue as payments_queue
from ca_api.payments import schema as payments_schema
from ca_api.payments.schema import PaymentMutation, PaymentQuery
from ca_api.placements import schema as placements_schema
from ca_api.placements.schema import PlacementMutation, PlacementQuery
from ca_api.planning import schema as planning_schema
from ca_api.planning.schema import PlanningMutation, PlanningQuery, PlanReviewQuery
from ca_api.policy import schema as policy_schema
from ca_api.policy.schema import PolicyMutation, PolicyQuery
from ca_api.receipts import schema as receipts_schema
from ca_api.receipts.schema import ReceiptMutation, ReceiptQuery
from ca_api.reconciliation import schema as reconciliation_schema
from ca_api.reconciliation.schema import ReconciliationMutation, ReconciliationQuery
from ca_api.referrals import schema as referrals_schema
from ca_api.referrals.schema import ReferralMutation, ReferralQuery
from ca_api.trusted_documents.service import Prepared

log = logging.getLogger("ca_api.graphql")


@strawberry.type(
    description="What may be read: each field checks the caller's role (R-ROLE-1) and, for a "
    "client's records, whether the caller may see that client."
)
class Query(
    NodeQuery,
    OfficerQuery,
    ClientQuery,
    AuditQuery,
    PolicyQuery,
    LedgerQuery,
    ReceiptQuery,
    InvoiceQuery,
    PaymentQuery,
    ReconciliationQuery,
    DecisionQuery,
    EmployeeQuery,
    ApprovalQuery,
    PlanningQuery,
    PlanReviewQuery,
    FeeQuery,
    LodgementQuery,
    InstitutionQuery,
    PlacementQuery,
    InvestmentQuery,
    InvestmentStatementQuery,
    ReferralQuery,
):
    pass


@strawberry.type(
    description="What may be changed: each mutation checks the caller's role, approval limit "
    "and four-eyes (R-ROLE, R-DEC), writes all or nothing, and answers a business refusal as "
    "a typed Problem."
)
class Mutation(
    ClientMutation,
    OrderMutation,
    LedgerMutation,
    ReceiptMutation,
    InvoiceMutation,
    PaymentMutation,
    ReconciliationMutation,
    DecisionMutation,
    EmployeeMutation,
    PolicyMutation,
    PlanningMutation,
    FeeMutation,
    LodgementMutation,
    InstitutionMutation,
    PlacementMutation,
    InvestmentMutation,
    InvestmentStatementMutation,
    ReferralMutation,
):
    pass


def _answer_problems(*roots: type) -> None:
    """The one error path (issue 10 item 1): every root field whose result union has Problem
    members answers a BusinessProblem its resolver raises as that member (``ProblemResults``,
    innermost of its extensions, so inside the permission and amount checks). A new mutation is
    covered without anyone remembering to catch anything."""
    for root in roots:
        for f in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            if returns_problems(f) and not any(isinstance(e, ProblemResults) for e in f.extensions):
                f.extensions.insert(0, ProblemResults())
                f.extensions.append(RecordProblem())  # outermost: counts what it answered


_answer_problems(Query, Mutation)


# The messages of errors graphql-core and strawberry raise before execution, matched whole: a
# loose substring ("aliases") would also catch "Cannot query field 'aliases'".
# (The depth, alias and size limits below give their code themselves.)
_TOO_COMPLEX = (
    re.compile(
        r"^Syntax Error: Document (contains more than \d+ tokens|is nested too deeply)\."
        r" Parsing aborted\.$"
    ),
)
# graphql-core's hints at names the caller got nearly right: arguments, types, enum values and
# input fields as well as fields. Production removes them all (no mapping the schema by typos).
_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")
# Coercing the request's variables (not validation rules such as "Variable '$x' is never used").
_BAD_VARIABLE = re.compile(r"^Variable '\$\w+' (has invalid (default )?value|got invalid value)")


def _classify(error: GraphQLError) -> ErrorCode | None:
    """The code of an error raised before execution (parsing, validation, variables); None for
    anything raised while resolving a field, which is unexpected (an ApiError is handled first).
    Only graphql-core's own errors are classified by their message, never a resolver's."""
    if error.path is not None:
        return None
    original = error.original_error
    message = error.message
    if original is None or isinstance(original, GraphQLError):
        if any(p.match(message) for p in _TOO_COMPLEX):
            return ErrorCode.QUERY_TOO_COMPLEX
        if message.startswith("Syntax Error"):
            return ErrorCode.GRAPHQL_PARSE_FAILED
        if _BAD_VARIABLE.match(message):
            return ErrorCode.BAD_USER_INPUT
        return ErrorCode.GRAPHQL_VALIDATION_FAILED
    if isinstance(original, ValueError | TypeError):
        return ErrorCode.BAD_USER_INPUT  # a scalar refusing a literal, e.g. Money "12.5"
    return None


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


class GuardedValidation(SchemaExtension):
    """Validation, in place of strawberry's (and its ValidationCache, QueryDepthLimiter and
    MaxAliasesLimiter): the limits, the schema's rules, then the variables (not cached)."""

    def __init__(self, limits: DocumentLimits) -> None:
        self.limits = limits

    def on_parse(self) -> Iterator[None]:
        """A trusted document comes parsed (and was validated when it was registered)."""
        trusted = _trusted(self.execution_context)
        if trusted is not None:
            self.execution_context.graphql_document = trusted.document
        yield

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


def shaped(error: GraphQLError, *, hide_suggestions: bool) -> GraphQLError:
    """An error as it may leave: with a stable ``extensions.code``; an unexpected one logged
    with the request id and masked (no stack trace or internal detail reaches the caller).
    Shaping a shaped error changes nothing."""
    if hide_suggestions:
        error.message = _SUGGESTION.sub("", error.message)
    original = error.original_error
    if isinstance(original, ApiError):
        error.extensions = {"code": original.code.value, **original.extra}
        return error
    if isinstance(original, BusinessProblem):
        # Raised where no result union answers it (a query's field: a policy figure
        # missing): a GraphQL error with its code, and a money problem's details.
        details = original.details if isinstance(original, MoneyProblem) else {}
        error.extensions = {"code": original.code.value, **details}
        return error
    if error.extensions and "code" in error.extensions:
        return error  # e.g. FORBIDDEN from a permission class
    code = _classify(error)
    if code is not None:
        error.extensions = {**(error.extensions or {}), "code": code.value}
        return error
    request_id = request_id_var.get()
    log.error(
        "unexpected error in %s",
        ".".join(str(p) for p in error.path or []),
        exc_info=original or error,
    )
    return GraphQLError(
        f"Internal error. Quote request id {request_id} to support.",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_ERROR.value, "requestId": request_id},
    )


class ErrorPolicy(SchemaExtension):
    """Every error leaves with a stable ``extensions.code`` (``shaped``)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        hide = self.execution_context.schema.config.disable_field_suggestions
        result.errors = [shaped(e, hide_suggestions=hide) for e in errors]


class QuietSchema(strawberry.Schema):
    """Errors are logged once, by ErrorPolicy, not again by strawberry's default handler."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None

    async def _handle_execution_result(
        self, context: Any, result: Any, *args: Any, **kw: Any
    ) -> Any:
        """Strawberry answers an exception raised in an extension's hook (parsing, validation)
        outside the operation, where ErrorPolicy never sees it: shape those errors here too,
        so none leaves unmasked or without a code."""
        answer = await super()._handle_execution_result(context, result, *args, **kw)
        errors = getattr(answer, "errors", None)
        if errors:
            hide = self.config.disable_field_suggestions
            answer.errors = [shaped(e, hide_suggestions=hide) for e in errors]
        return answer


# Every kind of thing that waits in the approval queue, in one place (issue 10 item 5): a new
# approved aggregate adds its ``QueueSource`` here.
QUEUE_SOURCES: tuple[sources.QueueSource, ...] = (decisions_queue.SOURCE, payments_queue.SOURCE)


# Every type node(id:) fetches, each module's own list, in one place (issue 11 item 3).
NODE_TYPES = (
    approvals_schema.NODES,
    audit_schema.NODES,
    clients_schema.NODES,
    decisions_schema.NODES,
    employees_schema.NODES,
    fees_schema.NODES,
    institutions_schema.NODES,
    investment_statements_schema.NODES,
    investments_schema.NODES,
    invoices_schema.NODES,
    ledger_schema.NODES,
    lodgements_schema.NODES,
    officers_schema.NODES,
    orders_schema.NODES,
    payments_schema.NODES,
    placements_schema.NODES,
    planning_schema.NODES,
    referrals_schema.NODES,
    policy_schema.NODES,
    receipts_schema.NODES,
    reconciliation_schema.NODES,
)


def build_schema(settings: Settings) -> strawberry.Schema:
    sources.install(QUEUE_SOURCES)
    node.install(*NODE_TYPES)
    # Factories, so each request gets fresh extension instances.
    limits = DocumentLimits.of(settings)
    extensions: list[Any] = [
        # Metrics first: they see the errors' codes, which ErrorPolicy sets inside them.
        *observability.schema_extensions(settings),
        ErrorPolicy,
        # Validation, cached. (No ParserCache: a cached parse's errors escape ErrorPolicy's
        # codes.)
        lambda: GuardedValidation(limits),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]
    if settings.production:
        from graphql.validation import NoSchemaIntrospectionCustomRule

        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return QuietSchema(
        query=Query,
        mutation=Mutation,
        # Every subscription field carries an allow(...) like Query's and Mutation's: the
        # permission walk (tests/test_permissions.py) covers Subscription too.
        subscription=ApprovalSubscription,
        extensions=extensions,
        config=StrawberryConfig(
            scalar_map=SCALAR_MAP, disable_field_suggestions=settings.production
        ),
    )


def export_sdl(settings: Settings | None = None) -> str:
    schema = build_schema(settings or Settings(environment="development"))
    return schema.as_str() + "\n"
