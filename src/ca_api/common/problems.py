"""Typed business failures: members of a mutation's result union, each with a stable code."""

from __future__ import annotations

import strawberry

from ca_api.errors import (
    BusinessProblem,
    ErrorCode,
    RecordNotFound,
    StaleVersion,
    ValidationFailed,
)

strawberry.enum(ErrorCode, name="ErrorCode", description="Stable error codes.")


@strawberry.interface(description="A business failure the caller must handle.")
class Problem:
    code: ErrorCode
    message: str


@strawberry.type
class FieldProblem:
    field: str
    message: str


@strawberry.type(description="The input broke a rule; nothing was written.")
class ValidationProblem(Problem):
    fields: list[FieldProblem]


@strawberry.type(description="The record does not exist, or is not yours to see.")
class NotFoundProblem(Problem):
    id: strawberry.ID


@strawberry.type(description="The record changed since you read it; read it again and retry.")
class VersionConflict(Problem):
    current_version: int


def validation_problem(fields: dict[str, str]) -> ValidationProblem:
    return ValidationProblem(
        code=ErrorCode.VALIDATION_FAILED,
        message="; ".join(f"{k}: {v}" for k, v in fields.items()),
        fields=[FieldProblem(field=k, message=v) for k, v in fields.items()],
    )


def to_problem(exc: BusinessProblem) -> Problem:
    """The union member for a service's business failure."""
    if isinstance(exc, ValidationFailed):
        return validation_problem(exc.fields)
    if isinstance(exc, RecordNotFound):
        return NotFoundProblem(
            code=exc.code,
            message=exc.message,
            id=strawberry.ID(exc.ident),
        )
    if isinstance(exc, StaleVersion):
        return VersionConflict(
            code=exc.code,
            message=exc.message,
            current_version=exc.current,
        )
    raise TypeError(f"no GraphQL problem type for {type(exc).__name__}")  # pragma: no cover
