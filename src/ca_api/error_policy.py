"""How an error leaves the API (the one error path's last step): every error with a stable
``extensions.code``; an unexpected one logged once with the request id and masked, so no stack
trace or internal detail reaches the caller. ``ErrorPolicy`` shapes an operation's errors;
``graphql.QuietSchema`` shapes those strawberry answers outside the operation."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from graphql import (
    GraphQLError,
)
from strawberry.extensions import SchemaExtension

from ca_api.errors import ApiError, BusinessProblem, ErrorCode, MoneyProblem
from ca_api.logs import request_id_var

log = logging.getLogger("ca_api.graphql")


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
