"""Typed business failures: members of a mutation's result union, each with a stable code."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType
from strawberry.types.union import StrawberryUnion

from ca_api.auth.schema import Role
from ca_api.common.ids import encode_id, parse_id
from ca_api.common.scalars import Money
from ca_api.common.types import describe_enum
from ca_api.common.walk import Walk, graphql_name, input_walk
from ca_api.errors import (
    ApiError,
    BusinessProblem,
    ErrorCode,
    MoneyProblem,
    RecordNotFound,
    StaleVersion,
    ValidationFailed,
)

if TYPE_CHECKING:
    from ca_api.invoices.inputs import InvoiceCheckName

# The checks of an invoice are the invoices' enum, named lazily: invoices build on this module.
LazyInvoiceCheckName = Annotated["InvoiceCheckName", strawberry.lazy("ca_api.invoices.inputs")]

strawberry.enum(
    ErrorCode,
    name="ErrorCode",
    description="Stable error codes: in a GraphQL error's extensions.code, and as the code of "
    "every Problem. A code never changes meaning; new ones may be added.",
)
C = ErrorCode
describe_enum(
    ErrorCode,
    {
        C.UNAUTHENTICATED: "No valid bearer token: missing, expired, or not signed by the "
        "council's identity provider (HTTP 401).",
        C.FORBIDDEN: "Your role may not do this, or may not read this field (R-ROLE-1).",
        C.NOT_FOUND: "The record does not exist, or is not yours to see.",
        C.BAD_ID: "Not an id this API issued, or the id of another type of record.",
        C.BAD_USER_INPUT: "An argument or variable is malformed (a Money string with one "
        "decimal place, a page size out of range, a cursor from another list).",
        C.BAD_REQUEST: "Not a GraphQL request at all: the body is not a JSON object, or has no "
        "query.",
        C.METHOD_NOT_ALLOWED: "/graphql takes POST (GET only for the development GraphiQL page).",
        C.VALIDATION_FAILED: "The input broke a rule; each field's reason is in the problem.",
        C.VERSION_CONFLICT: "The record changed since you read it; read it again and retry.",
        C.DUPLICATE: "The record already exists.",
        C.GRAPHQL_PARSE_FAILED: "The document is not valid GraphQL syntax.",
        C.GRAPHQL_VALIDATION_FAILED: "The document does not fit the schema (an unknown field, "
        "a missing argument).",
        C.QUERY_TOO_COMPLEX: "The document is deeper, wider or longer than the service's limits.",
        C.PAYLOAD_TOO_LARGE: "The request body is over the size limit (HTTP 413).",
        C.TRUSTED_DOCUMENT_NOT_FOUND: "No operation is registered under this documentId.",
        C.TRUSTED_DOCUMENT_REQUIRED: "Your role may send only a registered operation's "
        "documentId, not a document.",
        C.INTERNAL_ERROR: "Something failed inside the service; quote the request id to support.",
        C.INSUFFICIENT_FUNDS: "The client's account has too little available for this (R-PAY-3).",
        C.IDEMPOTENCY_KEY_REUSED: "This idempotency key was used before for a different request.",
        C.FOUR_EYES: "The person who raised this may not also approve it (four-eyes, R-DEC).",
        C.OVER_APPROVAL_LIMIT: "The amount is above what your role may approve (R-DEC-4).",
        C.INVALID_STATE: "The record is not in a state that allows this.",
        C.DUPLICATE_INVOICE: "The invoice duplicates one already recorded (R-PAY-2).",
        C.CHECKS_INCOMPLETE: "The invoice's checks are not all recorded and passed (R-PAY-2).",
        C.POLICY_MISSING: "A policy figure needed is not in force for the date: it is refused, "
        "never guessed.",
        C.NO_APPROVED_PLAN: "The client has no approved budget plan for the year (R-CARE-2).",
        C.BUDGET_PLAN_STALE: "The client's budget plan is past its review date (R-CARE-2).",
        C.SURPLUS_BELOW_THRESHOLD: "The plan's surplus is below the lodgement threshold (R-INV-2).",
        C.OVER_SURPLUS: "The amount is more than the surplus left after what is already "
        "committed (R-INV-2).",
        C.ORDER_OVERLAP: "Another order of the same kind is in force for the client over the "
        "same dates.",
        C.DUPLICATE_CLIENT: "The client looks like one already known (NI number, or name and "
        "date of birth).",
        C.AMOUNT_OVER_MAXIMUM: "An amount is beyond the maximum for any one amount in force "
        '(policy figure "amount_maximum").',
        C.INVOICE_ON_HOLD: "The invoice is on hold until an officer releases it (R-REF-7): "
        "it is not paid meanwhile.",
        C.CLIENT_DECEASED: "The client's death is confirmed: money leaves their account only on "
        "a winding-up basis (seed 002 B 29), nothing new is committed.",
        C.DEBT_OUT_OF_ORDER: "Debts up to the date of death are paid in the order of R-DEBT-1 "
        "(seed 002 B 29.2): an invoice ranked before this one is still open; the message names "
        "it.",
        C.OPG_REPORT_ALREADY_OPEN: "The client has an OPG report not yet submitted: one open "
        "report at a time (R-OPG).",
        C.NOT_A_DEPUTY_CLIENT: "The council is not the client's deputy: no deputyship is "
        "recorded, so there is no OPG report (R-OPG).",
        C.OPG_REPORT_UNBALANCED: "The OPG report does not balance with the ledger to the penny "
        "(R-OPG-2): the message names the entries that explain the difference.",
    },
)


@strawberry.interface(
    description="A business failure the caller must handle: a member of a mutation's result "
    "union. Nothing was written."
)
class Problem:
    code: ErrorCode = strawberry.field(description="What went wrong, as a stable code.")
    message: str = strawberry.field(description="What went wrong, in words for an officer.")


@strawberry.type(description="One input field that broke a rule, and why.")
class FieldProblem:
    field: str = strawberry.field(
        description="The input field's name as sent (camelCase; a nested one dotted)."
    )
    message: str = strawberry.field(description="Why it was refused.")


@strawberry.type(description="The input broke a rule; nothing was written.")
class ValidationProblem(Problem):
    fields: list[FieldProblem] = strawberry.field(description="Each field refused, and why.")


@strawberry.type(description="The record does not exist, or is not yours to see.")
class NotFoundProblem(Problem):
    id: strawberry.ID = strawberry.field(description="The id asked for, as it was sent.")


@strawberry.type(description="The record changed since you read it; read it again and retry.")
class VersionConflictProblem(Problem):
    current_version: int = strawberry.field(description="The record's version now.")


def validation_problem(fields: dict[str, str]) -> ValidationProblem:
    named = {graphql_name(k): v for k, v in fields.items()}
    return ValidationProblem(
        code=ErrorCode.VALIDATION_FAILED,
        message="; ".join(f"{k}: {v}" for k, v in named.items()),
        fields=[FieldProblem(field=k, message=v) for k, v in named.items()],
    )


@strawberry.type(description="The client's account has too little available (R-PAY-3).")
class InsufficientFundsProblem(Problem):
    available: Money = strawberry.field(
        description="What the account has available: its balance less its holds."
    )
    wanted: Money = strawberry.field(description="What this needed.")


@strawberry.type(description="This idempotency key was used before for a different request.")
class IdempotencyKeyReusedProblem(Problem):
    key: str = strawberry.field(description="The key sent again with a different request.")


@strawberry.type(description="The record is not in a state that allows this.")
class InvalidStateProblem(Problem):
    pass


@strawberry.type(
    description="Whoever raised it, or wrote any of it (its authors), cannot approve it (R-ROLE-2)."
)
class FourEyesProblem(Problem):
    raised_by: str = strawberry.field(description="Who raised it, and so may not approve it.")


@strawberry.type(description="The amount is above what your role may approve (R-DEC).")
class OverApprovalLimitProblem(Problem):
    amount: Money = strawberry.field(description="The amount to approve.")
    lowest_role_that_may_approve: Role | None = strawberry.field(
        description="The most junior role whose limit covers the amount; null if none does."
    )


@strawberry.type(description="The invoice duplicates one already recorded (R-PAY-2).")
class DuplicateInvoiceProblem(Problem):
    existing_invoice_id: strawberry.ID | None = strawberry.field(
        description="The invoice already recorded that this one duplicates."
    )


@strawberry.type(description="The invoice's checks are not all recorded and passed (R-PAY-2).")
class ChecksIncompleteProblem(Problem):
    missing: list[LazyInvoiceCheckName] = strawberry.field(
        description="The checks not yet recorded as passed (R-PAY-2)."
    )


@strawberry.type(description="A policy figure needed is not in force for the date (R-DATA).")
class PolicyMissingProblem(Problem):
    name: str = strawberry.field(description="The policy figure not in force for the date.")


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
    plan_year_start: date | None = strawberry.field(
        description="The first day of the plan year in force; null with no plan."
    )
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
    wanted: Money = strawberry.field(description="The amount asked for.")


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
                lowest_role_that_may_approve=Role(str(lowest)) if lowest else None,
            )
        case ErrorCode.DUPLICATE_INVOICE:
            existing = d.get("existing_invoice_id")
            return DuplicateInvoiceProblem(
                code=code,
                message=message,
                existing_invoice_id=strawberry.ID(encode_id("Invoice", str(existing)))
                if existing
                else None,
            )
        case ErrorCode.CHECKS_INCOMPLETE:
            from ca_api.invoices.rules import InvoiceCheckName as CheckName  # builds on this

            missing = d.get("missing", [])
            return ChecksIncompleteProblem(
                code=code,
                message=message,
                missing=[CheckName(str(m)) for m in missing],  # type: ignore[attr-defined]
            )
        case ErrorCode.POLICY_MISSING:
            return PolicyMissingProblem(code=code, message=message, name=str(d["name"]))
        case _:
            return InvalidStateProblem(code=code, message=message)


# --- The one error path (issue 10 item 1) ---------------------------------------------------
#
# A service raises a BusinessProblem (its transaction rolls back); a mutation whose result union
# has Problem members answers it as the member ``to_problem`` builds. ``ProblemResults``, a field
# extension ``ca_api.graphql`` puts on every such root field, does the catching: no resolver
# catches a BusinessProblem itself. A module's own failure with a union member of its own
# (DuplicateClientProblem, OverlappingOrderProblem, ...) registers its builder with
# ``problem_for`` next to that member's type.

E = TypeVar("E", bound=BusinessProblem)
_BUILDERS: dict[type[BusinessProblem], Callable[[Any], Problem]] = {}


def problem_for(
    exc_type: type[E],
) -> Callable[[Callable[[E], Problem]], Callable[[E], Problem]]:
    """Register how a module's own business failure becomes its union member."""

    def register(build: Callable[[E], Problem]) -> Callable[[E], Problem]:
        _BUILDERS[exc_type] = build
        return build

    return register


def to_problem(exc: BusinessProblem, given_ids: Mapping[str, str] | None = None) -> Problem:
    """The union member for a service's business failure. A record not found is named by its
    opaque id: of the GraphQL type the service named, else as the caller gave it (``given_ids``:
    raw id -> opaque id, from the field's ID arguments)."""
    for cls in type(exc).__mro__:
        build = _BUILDERS.get(cls)
        if build is not None:
            return build(exc)
    if isinstance(exc, MoneyProblem):
        return _money_problem(exc)
    if isinstance(exc, ValidationFailed):
        return validation_problem(exc.fields)
    if isinstance(exc, RecordNotFound):
        if exc.type_name is not None:
            ident = encode_id(exc.type_name, exc.ident)
        else:
            ident = (given_ids or {}).get(exc.ident, exc.ident)
        return NotFoundProblem(code=exc.code, message=exc.message, id=strawberry.ID(ident))
    if isinstance(exc, StaleVersion):
        return VersionConflictProblem(
            code=exc.code,
            message=exc.message,
            current_version=exc.current,
        )
    raise TypeError(f"no GraphQL problem type for {type(exc).__name__}")  # pragma: no cover


def _given_id(value: object, _path: str) -> Iterator[tuple[str, str]]:
    """An opaque id as given, with its raw part (a UUID as the resolver decoded it and the
    service names it); nothing if it is not an id."""
    if not isinstance(value, str):
        return
    try:
        _, raw = parse_id(value)
    except ApiError:
        return
    with contextlib.suppress(ValueError):
        raw = str(uuid.UUID(raw))
    yield raw, value


# Where the IDs are in a value of one argument type: yields (raw id, opaque id as given).
IdWalk = Walk[tuple[str, str]]


def id_walk(tp: object) -> IdWalk | None:
    """How to find the IDs in a value of strawberry type ``tp`` (through input objects and
    lists); None: it holds none."""
    return input_walk(tp, strawberry.ID, _given_id)


def result_members(field: StrawberryField) -> list[object]:
    """The members of the field's result union (nullable or not), lazy ones resolved; none
    when its result is not a union."""
    tp: object = field.type
    if isinstance(tp, StrawberryOptional):
        tp = tp.of_type
    if not isinstance(tp, StrawberryUnion):
        return []
    return [m.resolve_type() if isinstance(m, LazyType) else m for m in tp.types]


def returns_problems(field: StrawberryField) -> bool:
    """Whether the field's result is a union with Problem members."""
    return any(isinstance(m, type) and issubclass(m, Problem) for m in result_members(field))


class ProblemResults(FieldExtension):
    """Answers a BusinessProblem the resolver raises as its typed union member (see above)."""

    def __init__(self) -> None:
        self.walks: list[tuple[str, IdWalk]] = []

    def apply(self, field: StrawberryField) -> None:
        self.walks = [
            (arg.python_name, walk)
            for arg in field.arguments
            if (walk := id_walk(arg.type)) is not None
        ]

    def given_ids(self, kwargs: Mapping[str, Any]) -> dict[str, str]:
        found = (pair for py, walk in self.walks for pair in walk(kwargs.get(py), ""))
        return dict(found)

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        try:
            return next_(source, info, **kwargs)
        except BusinessProblem as exc:
            return to_problem(exc, self.given_ids(kwargs))

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except BusinessProblem as exc:
            return to_problem(exc, self.given_ids(kwargs))
