"""The maximum for any one amount (issue 9 item 6, R-DATA), checked in one place.

**The figure.** ``amount_maximum`` is an effective-dated policy figure like the others (migration
0012: £10,000,000.00 from 2014-04-01). No client of a council's Client Affairs team comes near
it: they are adults in social care with modest estates (the seed's largest surplus is
£111,165.39; the deposit protection limit £120,000), and the rare one whose house sells for a
London price still stays two orders of magnitude below. It is far below the Money scalar's own
bound (twelve digits of pounds), so a mistyped or hostile amount of £999,999,999,999.99 is
refused before it reaches a balance, a plan, a decision or a report, while no real amount is.
The governance manager may enter a new row from a date; the figure in force on the day an
amount is entered (the server's date, ``ca_api.clock``) applies.

**Where it is checked, and why there.** Money inputs become pence in the ``Money`` scalar, but a
scalar cannot read effective-dated data. So the check runs just after: ``AmountCheck``, a field
extension that ``ca_api.auth.permissions.allow`` puts on every root field (every one has an
``allow``: tests/test_permissions walks the schema), inside the permission check. When the
schema is built it works out from the field's argument types where Money can occur, through
input objects and lists (``lines.3.amount``); a field that takes none (every query, most
mutations) leaves the resolve chain entirely. When called, it collects the amounts sent; if any
is beyond the maximum in force, the resolver is not called at all: the field answers the
``ValidationProblem`` of its result union with code ``AMOUNT_OVER_MAXIMUM``, one field problem per
amount, and nothing is written. A new mutation that takes Money is covered without anyone
remembering to call anything (tests/test_amount_limits walks the schema for every such input).
The services are left alone: they receive amounts already within the bound.

**What is exempt.** A bank statement's opening and closing balances (``EXEMPT``) are the whole
Client Monies Service account, every client's money together, as the bank reports it: not one
amount of one client's money, and they may rightly exceed any one client's bound. Its CSV lines
are text, not Money inputs; a line beyond the maximum cannot match a transfer (every transfer is
within it) and so stays unmatched in the reconciliation, which is where a bank's error belongs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions import FieldExtension
from strawberry.types.field import StrawberryField

from ca_api import clock
from ca_api.common import walk as walks
from ca_api.common.problems import FieldProblem, ValidationProblem, result_members
from ca_api.common.scalars import Money
from ca_api.errors import ApiError, ErrorCode
from ca_api.money import Pence, format_money
from ca_api.policy import repository
from ca_api.policy.rules import AMOUNT_MAXIMUM, MoneyAt, over_maximum

# Money inputs that are not one amount of a client's money: (GraphQL input type, field).
EXEMPT: frozenset[tuple[str, str]] = frozenset(
    {
        ("ImportBankStatementInput", "openingBalance"),
        ("ImportBankStatementInput", "closingBalance"),
        # The bank's CMS balance at a caseload import's cut-over: every client's money together.
        ("ImportCaseloadInput", "statementBalance"),
    }
)
# A benefit run has up to 1,000 lines: name the first 100 amounts beyond the maximum, then
# say how many more (as a bank statement's bad lines are reported).
MAX_LISTED = 100

# Where Money can be in a value of one argument type: yields each amount with its path.
Walk = walks.Walk[MoneyAt]


def _money(value: object, path: str) -> Iterator[MoneyAt]:
    if isinstance(value, int) and not isinstance(value, bool):
        yield MoneyAt(path or "input", value)


def money_walk(tp: object) -> Walk | None:
    """How to find the Money in a value of strawberry type ``tp``; None: it holds none.
    Unset and null values hold none. A recursive input is refused (TypeError) rather than an
    amount missed."""
    return walks.input_walk(tp, Money, _money, skip=EXEMPT, refuse_recursive=True)


async def maximum_in_force(session: AsyncSession, on: date) -> tuple[Pence, date]:
    """The maximum for any one amount on ``on`` and the day it took effect. Never guessed: a
    missing or unknown figure refuses the request (R-DATA)."""
    row = await repository.figure_on(session, AMOUNT_MAXIMUM, on)
    if row is None or row.value is None:
        raise ApiError(
            ErrorCode.POLICY_MISSING,
            f"no figure for {AMOUNT_MAXIMUM!r} is in force on {on.isoformat()}: "
            "the governance manager must enter it first",
            name=AMOUNT_MAXIMUM,
            on=on.isoformat(),
        )
    return int(row.value), row.effective_from


def refusal(over: list[MoneyAt], maximum: Pence, since: date) -> ValidationProblem:
    bound = (
        f"the maximum for any one amount, {format_money(maximum)} either side of zero "
        f"(policy figure {AMOUNT_MAXIMUM} in force from {since.isoformat()})"
    )
    listed = over[:MAX_LISTED]
    fields = [FieldProblem(field=a.path, message=f"is beyond {bound}") for a in listed]
    more = len(over) - len(listed)
    if more:
        fields.append(FieldProblem(field="amounts", message=f"{more} more are beyond {bound}"))
    names = ", ".join(a.path for a in listed) + (f" and {more} more" if more else "")
    return ValidationProblem(
        code=ErrorCode.AMOUNT_OVER_MAXIMUM,
        message=f"beyond {bound}: {names}; nothing was written",
        fields=fields,
    )


def _returns_validation_problem(field: StrawberryField) -> bool:
    return ValidationProblem in result_members(field)


class AmountCheck(FieldExtension):
    """Refuses a call whose Money arguments go beyond the maximum in force (see the module)."""

    def __init__(self) -> None:
        self.walks: list[tuple[str, str, Walk]] = []  # (python name, path root, walk)
        self.typed = False

    def apply(self, field: StrawberryField) -> None:
        self.walks = []
        for arg in field.arguments:
            walk = money_walk(arg.type)
            if walk is None:
                continue
            name = arg.graphql_name or walks.graphql_name(arg.python_name)
            # An `input` object's fields are named on their own, as the services name them.
            self.walks.append((arg.python_name, "" if name == "input" else name, walk))
        self.typed = bool(self.walks) and _returns_validation_problem(field)
        # A field that takes no Money takes no part in resolving (cached_property override).
        self.__dict__["has_resolver"] = bool(self.walks)

    def amounts(self, kwargs: dict[str, Any]) -> list[MoneyAt]:
        return [m for py, root, walk in self.walks for m in walk(kwargs.get(py), root)]

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        sent = self.amounts(kwargs)
        if sent:
            maximum, since = await maximum_in_force(info.context.session, clock.today())
            over = over_maximum(sent, maximum)
            if over:
                problem = refusal(over, maximum, since)
                if self.typed:
                    return problem
                raise ApiError(ErrorCode.AMOUNT_OVER_MAXIMUM, problem.message)
        return await next_(source, info, **kwargs)
