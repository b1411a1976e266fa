"""Stable error codes, and the exception a resolver raises for a request-level failure.

Business failures a caller must handle come back as typed union members (see
``ca_api.common.problems``); everything else is a GraphQL error whose ``extensions.code`` is one
of these codes. Codes are a contract with the SPA and the integrations: add, never rename.
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

T = TypeVar("T")


class ErrorCode(enum.StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_ID = "BAD_ID"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    BAD_REQUEST = "BAD_REQUEST"  # not a GraphQL request at all (body not JSON, no query)
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"  # /graphql takes POST (GET only for GraphiQL)
    VALIDATION_FAILED = "VALIDATION_FAILED"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    DUPLICATE = "DUPLICATE"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    # Trusted documents (issue 11 item 5): an id no client registered; a raw document from a
    # caller whose role may send only registered ids.
    TRUSTED_DOCUMENT_NOT_FOUND = "TRUSTED_DOCUMENT_NOT_FOUND"
    TRUSTED_DOCUMENT_REQUIRED = "TRUSTED_DOCUMENT_REQUIRED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    # Money (the ledger, payments, receipts): business failures returned as typed results.
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    FOUR_EYES = "FOUR_EYES"
    OVER_APPROVAL_LIMIT = "OVER_APPROVAL_LIMIT"
    INVALID_STATE = "INVALID_STATE"
    DUPLICATE_INVOICE = "DUPLICATE_INVOICE"
    CHECKS_INCOMPLETE = "CHECKS_INCOMPLETE"
    POLICY_MISSING = "POLICY_MISSING"
    # The surplus rule on lodgements and placements (R-INV-2, R-CARE-2, seed 002 B 7.7, 20.2-20.4).
    NO_APPROVED_PLAN = "NO_APPROVED_PLAN"
    BUDGET_PLAN_STALE = "BUDGET_PLAN_STALE"
    SURPLUS_BELOW_THRESHOLD = "SURPLUS_BELOW_THRESHOLD"
    OVER_SURPLUS = "OVER_SURPLUS"
    # Clients and orders (issue 9 items 5 and 7).
    ORDER_OVERLAP = "ORDER_OVERLAP"
    DUPLICATE_CLIENT = "DUPLICATE_CLIENT"
    # An amount beyond the maximum for any one amount in force (policy figure amount_maximum):
    # the code of the mutation's ValidationProblem (issue 9 item 6).
    AMOUNT_OVER_MAXIMUM = "AMOUNT_OVER_MAXIMUM"
    # An invoice on hold is not paid until released (issue 12 item 3, R-REF-7): the code of the
    # InvalidStateProblem that refuses raising, approving or making its payment.
    INVOICE_ON_HOLD = "INVOICE_ON_HOLD"
    # A client whose death is confirmed (issue 13, seed 002 B 29): money leaves only on a
    # winding-up basis; the code of the InvalidStateProblem that refuses anything else.
    CLIENT_DECEASED = "CLIENT_DECEASED"
    # After a confirmed death, debts to the date of death are paid in the order of R-DEBT-1
    # (seed 002 B 29.2): the code of the InvalidStateProblem that refuses raising or approving
    # a payment of one while a debt ranked before it is still open (the message names it).
    DEBT_OUT_OF_ORDER = "DEBT_OUT_OF_ORDER"
    # The OPG annual report (issue 15, R-OPG, R-OPG-2): the codes of InvalidStateProblems.
    OPG_REPORT_ALREADY_OPEN = "OPG_REPORT_ALREADY_OPEN"
    NOT_A_DEPUTY_CLIENT = "NOT_A_DEPUTY_CLIENT"
    OPG_REPORT_UNBALANCED = "OPG_REPORT_UNBALANCED"


class ApiError(Exception):
    """A failure of the whole field, reported as a GraphQL error with a stable code."""

    def __init__(self, code: ErrorCode, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


class NotFound(ApiError):
    def __init__(self, what: str, ident: str) -> None:
        super().__init__(ErrorCode.NOT_FOUND, f"no {what} with id {ident!r}", id=ident)


def found(value: T | None, what: str, ident: object) -> T:
    """``value`` when there is one; else NOT_FOUND for the ``what`` with id ``ident`` (the id
    as the caller gave it, or the stored key): the one way a lookup says it found nothing."""
    if value is None:
        raise NotFound(what, str(ident))
    return value


class BusinessProblem(Exception):
    """A failure the caller must handle, raised by a service (its transaction rolls back) and
    returned by the GraphQL layer as a typed member of the mutation's result union."""

    code: ErrorCode = ErrorCode.VALIDATION_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(BusinessProblem):
    code = ErrorCode.VALIDATION_FAILED

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class RecordNotFound(BusinessProblem):
    """A record looked for by id. ``type_name``, where the service knows it, is the GraphQL type
    that names the record, so its ``NotFoundProblem`` carries the opaque id, encoded in one place
    (``ca_api.common.problems.to_problem``); without it the id is the one the caller gave."""

    code = ErrorCode.NOT_FOUND

    def __init__(self, what: str, ident: object, *, type_name: str | None = None) -> None:
        super().__init__(f"no {what} with id {str(ident)!r}")
        self.ident = str(ident)
        self.type_name = type_name

    @classmethod
    def of(cls, type_name: str, ident: object) -> RecordNotFound:
        """The record of GraphQL type ``type_name`` (``"Payment"``) with this id is not there."""
        return cls(type_name.lower(), ident, type_name=type_name)


def existing(value: T | None, type_name: str, ident: object) -> T:
    """``value`` when there is one; else the use case fails with ``RecordNotFound.of(type_name,
    ident)`` (a NotFoundProblem): the one way a service says the record it needs is not there."""
    if value is None:
        raise RecordNotFound.of(type_name, ident)
    return value


class StaleVersion(BusinessProblem):
    code = ErrorCode.VERSION_CONFLICT

    def __init__(self, what: str, expected: int, current: int) -> None:
        super().__init__(
            f"the {what} is at version {current}, not {expected}: read it again and retry"
        )
        self.current = current


class MoneyProblem(BusinessProblem):
    """A business failure about money, with a stable code of its own."""

    def __init__(self, code: ErrorCode, message: str, **details: object) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


class InvalidState(MoneyProblem):
    """The thing is not in a state the change may start from: its transition table says no, or
    the ledger's (a hold already posted, a transfer already reversed). One class for all."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(ErrorCode.INVALID_STATE, message, **details)
