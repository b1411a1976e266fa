"""The schema: Query and Mutation composed from each domain module, and the extensions that
guard it (limits, error codes, masking)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from ca_api.approvals.schema import ApprovalQuery, ApprovalSubscription
from ca_api.audit.schema import AuditQuery
from ca_api.clients.schema import ClientMutation, ClientQuery
from ca_api.common.scalars import SCALAR_MAP
from ca_api.config import Settings
from ca_api.decisions.schema import DecisionMutation, DecisionQuery
from ca_api.errors import ApiError, ErrorCode
from ca_api.fees.schema import FeeMutation, FeeQuery
from ca_api.ledger.schema import LedgerMutation, LedgerQuery
from ca_api.lodgements.schema import LodgementMutation, LodgementQuery
from ca_api.logs import request_id_var
from ca_api.officers.schema import OfficerQuery
from ca_api.orders.schema import OrderMutation
from ca_api.payments.schema import PaymentMutation, PaymentQuery
from ca_api.placements.schema import PlacementMutation, PlacementQuery
from ca_api.planning.schema import PlanningMutation, PlanningQuery, PlanReviewQuery
from ca_api.policy.schema import PolicyQuery
from ca_api.receipts.schema import ReceiptMutation, ReceiptQuery
from ca_api.reconciliation.schema import ReconciliationMutation, ReconciliationQuery

log = logging.getLogger("ca_api.graphql")


@strawberry.type
class Query(
    OfficerQuery,
    ClientQuery,
    AuditQuery,
    PolicyQuery,
    LedgerQuery,
    ReceiptQuery,
    PaymentQuery,
    ReconciliationQuery,
    DecisionQuery,
    ApprovalQuery,
    PlanningQuery,
    PlanReviewQuery,
    FeeQuery,
    LodgementQuery,
    PlacementQuery,
):
    pass


@strawberry.type
class Mutation(
    ClientMutation,
    OrderMutation,
    LedgerMutation,
    ReceiptMutation,
    PaymentMutation,
    ReconciliationMutation,
    DecisionMutation,
    PlanningMutation,
    FeeMutation,
    LodgementMutation,
    PlacementMutation,
):
    pass


# The messages of errors graphql-core and strawberry raise before execution, matched whole: a
# loose substring ("aliases") would also catch "Cannot query field 'aliases'".
_TOO_COMPLEX = (
    re.compile(r"^'[^']*' exceeds maximum operation depth of \d+$"),
    re.compile(r"^\d+ aliases found\. Allowed: \d+$"),
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


class ErrorPolicy(SchemaExtension):
    """Every error leaves with a stable ``extensions.code``; unexpected ones are logged with
    the request id and masked (no stack trace or internal detail reaches the caller)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        result.errors = [self._process(e) for e in errors]

    def _process(self, error: GraphQLError) -> GraphQLError:
        if self.execution_context.schema.config.disable_field_suggestions:
            error.message = _SUGGESTION.sub("", error.message)
        original = error.original_error
        if isinstance(original, ApiError):
            error.extensions = {"code": original.code.value, **original.extra}
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


class QuietSchema(strawberry.Schema):
    """Errors are logged once, by ErrorPolicy, not again by strawberry's default handler."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        return None


def build_schema(settings: Settings) -> strawberry.Schema:
    # Factories, so each request gets fresh extension instances.
    extensions: list[Any] = [
        ErrorPolicy,
        # The SPA and integrations send the same few documents again and again: validate each
        # once. (No ParserCache: a cached parse's errors escape ErrorPolicy's codes.)
        lambda: ValidationCache(maxsize=256),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
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
