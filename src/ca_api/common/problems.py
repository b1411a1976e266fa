"""Typed business failures: members of a mutation's result union, each with a stable code."""

from __future__ import annotations

from datetime import date

import strawberry

from ca_api.common.ids import encode_id
from ca_api.common.scalars import Money
from ca_api.errors import (
    BusinessProblem,
    ErrorCode,
    MoneyProblem,
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


def graphql_name(field: str) -> str:
    """A service's field name as the caller wrote it in GraphQL: ``date_of_birth`` ->
    ``dateOfBirth``."""
    head, *rest = field.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def validation_problem(fields: dict[str, str]) -> ValidationProblem:
    named = {graphql_name(k): v for k, v in fields.items()}
    return ValidationProblem(
        code=ErrorCode.VALIDATION_FAILED,
        message="; ".join(f"{k}: {v}" for k, v in named.items()),
        fields=[FieldProblem(field=k, message=v) for k, v in named.items()],
    )


@strawberry.type(description="The client's account has too little available (R-PAY-3).")
class InsufficientFundsProblem(Problem):
    available: Money
    wanted: Money


@strawberry.type(description="This idempotency key was used before for a different request.")
class IdempotencyKeyReusedProblem(Problem):
    key: str


@strawberry.type(description="The record is not in a state that allows this.")
class InvalidStateProblem(Problem):
    pass


@strawberry.type(
    description="Whoever raised it, or wrote any of it (its authors), cannot approve it (R-ROLE-2)."
)
class FourEyesProblem(Problem):
    raised_by: str


@strawberry.type(description="The amount is above what your role may approve (R-DEC).")
class OverApprovalLimitProblem(Problem):
    amount: Money
    lowest_role_that_may_approve: str | None


@strawberry.type(description="The invoice duplicates one already recorded (R-PAY-2).")
class DuplicateInvoiceProblem(Problem):
    existing_invoice_id: strawberry.ID | None


@strawberry.type(description="The invoice's checks are not all recorded and passed (R-PAY-2).")
class ChecksIncompleteProblem(Problem):
    missing: list[str]


@strawberry.type(description="A policy figure needed is not in force for the date (R-DATA).")
class PolicyMissingProblem(Problem):
    name: str


@strawberry.type(
    description="Refused by the surplus rule (R-INV-2; seed 002 B 7.7, 7.9-7.10, 20.2-20.4): "
    "only surplus funds worked out from the client's approved budget plan in force, not past its "
    "yearly review (R-CARE-2), of at least the threshold in force, and never more than what is "
    "left of that surplus, go to the Court Funds Office or an institution. code: "
    "NO_APPROVED_PLAN (no plan in force, or it is not approved), BUDGET_PLAN_STALE (past its "
    "yearly review), SURPLUS_BELOW_THRESHOLD (what is left of the surplus is below the "
    "threshold), OVER_SURPLUS (the amount is more than what is left). The figures are those "
    "judged; null where there is no plan."
)
class SurplusRuleProblem(Problem):
    plan_id: strawberry.ID | None = strawberry.field(description="The budget plan in force.")
    plan_year_start: date | None
    plan_review_due_on: date | None = strawberry.field(
        description="When the plan is due for its yearly review (R-CARE-2)."
    )
    surplus: Money | None = strawberry.field(description="The plan's surplus (R-BUD-3).")
    threshold: Money = strawberry.field(description="The lodgement threshold in force.")
    committed: Money = strawberry.field(
        description="What already counts against the surplus: other lodgements and placements "
        "proposed or approved, and those lodged or placed since the plan's year start."
    )
    remaining_surplus: Money | None = strawberry.field(
        description="What is left of the surplus: surplus - committed."
    )
    wanted: Money


SURPLUS_CODES = frozenset(
    {
        ErrorCode.NO_APPROVED_PLAN,
        ErrorCode.BUDGET_PLAN_STALE,
        ErrorCode.SURPLUS_BELOW_THRESHOLD,
        ErrorCode.OVER_SURPLUS,
    }
)


def _surplus_problem(exc: MoneyProblem) -> SurplusRuleProblem:
    d = exc.details

    def money(name: str) -> Money | None:
        value = d.get(name)
        return Money(int(value)) if value is not None else None  # type: ignore[call-overload]

    plan_id = d.get("plan_id")
    return SurplusRuleProblem(
        code=exc.code,
        message=exc.message,
        plan_id=strawberry.ID(encode_id("BudgetPlan", str(plan_id))) if plan_id else None,
        plan_year_start=d.get("plan_year_start"),  # type: ignore[arg-type]
        plan_review_due_on=d.get("review_due_on"),  # type: ignore[arg-type]
        surplus=money("surplus"),
        threshold=Money(int(d["threshold"])),  # type: ignore[call-overload]
        committed=Money(int(d["committed"])),  # type: ignore[call-overload]
        remaining_surplus=money("remaining_surplus"),
        wanted=Money(int(d["wanted"])),  # type: ignore[call-overload]
    )


def _money_problem(exc: MoneyProblem) -> Problem:
    d = exc.details
    code, message = exc.code, exc.message
    if code in SURPLUS_CODES:
        return _surplus_problem(exc)
    match code:
        case ErrorCode.INSUFFICIENT_FUNDS:
            return InsufficientFundsProblem(
                code=code,
                message=message,
                available=Money(int(d["available"])),  # type: ignore[call-overload]
                wanted=Money(int(d["wanted"])),  # type: ignore[call-overload]
            )
        case ErrorCode.IDEMPOTENCY_KEY_REUSED:
            return IdempotencyKeyReusedProblem(code=code, message=message, key=str(d["key"]))
        case ErrorCode.FOUR_EYES:
            return FourEyesProblem(code=code, message=message, raised_by=str(d["raised_by"]))
        case ErrorCode.OVER_APPROVAL_LIMIT:
            lowest = d.get("lowest_role")
            return OverApprovalLimitProblem(
                code=code,
                message=message,
                amount=Money(int(d["amount"])),  # type: ignore[call-overload]
                lowest_role_that_may_approve=str(lowest) if lowest else None,
            )
        case ErrorCode.DUPLICATE_INVOICE:
            existing = d.get("existing_invoice_id")
            return DuplicateInvoiceProblem(
                code=code,
                message=message,
                existing_invoice_id=strawberry.ID(str(existing)) if existing else None,
            )
        case ErrorCode.CHECKS_INCOMPLETE:
            missing = d.get("missing", [])
            return ChecksIncompleteProblem(
                code=code,
                message=message,
                missing=[str(m) for m in missing],  # type: ignore[attr-defined]
            )
        case ErrorCode.POLICY_MISSING:
            return PolicyMissingProblem(code=code, message=message, name=str(d["name"]))
        case _:
            return InvalidStateProblem(code=code, message=message)


def to_problem(exc: BusinessProblem) -> Problem:
    """The union member for a service's business failure."""
    if isinstance(exc, MoneyProblem):
        return _money_problem(exc)
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
