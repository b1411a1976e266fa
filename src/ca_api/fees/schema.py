"""GraphQL for fees: thin. Parse, call the service, map the result (R-FEE)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import FEE_READ, FEE_RUN, allow
from ca_api.clients.schema import readable_client_id
from ca_api.common import loaders
from ca_api.common.arguments import replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import node_id
from ca_api.common.keyset import Seek
from ca_api.common.node import Node, NodeType, by_role
from ca_api.common.pagination import Connection, Page, Paged, PageRequest, bad_cursor
from ca_api.common.period_pages import newest_period_first
from ca_api.common.problems import IdempotencyKeyReusedProblem, ValidationProblem
from ca_api.common.scalars import Money, Percent
from ca_api.common.types import from_source, graphql_enum
from ca_api.context import Context
from ca_api.errors import ErrorCode, found
from ca_api.fees import rules, service
from ca_api.fees.inputs import RunFeesInput
from ca_api.fees.models import FeeCharge as FeeChargeRow
from ca_api.fees.models import FeeRun as FeeRunRow
from ca_api.fees.models import FeeRunException as FeeRunExceptionRow
from ca_api.fees.repository import ChargeKey

FeeKind = rules.FeeKind
graphql_enum(
    FeeKind,
    "Deputy remuneration (R-FEE-1) or OPG supervision (R-FEE-2).",
    {
        "DEPUTY_REMUNERATION": "The council's fixed remuneration as deputy, paid to the "
        "council at each anniversary of the order (R-FEE-1, R-FEE-3).",
        "OPG_SUPERVISION": "The Office of the Public Guardian's annual supervision fee, passed "
        "on to the OPG (R-FEE-2).",
    },
)
FeeBasis = rules.FeeBasis
graphql_enum(
    FeeBasis,
    "Which rule priced a fee (R-FEE-1, R-FEE-2).",
    {
        "FIRST_YEAR": "Remuneration at the first anniversary of the order: the first-year "
        "fixed fee (R-FEE-1).",
        "LATER_YEAR": "Remuneration at a later anniversary: the later-year fixed fee (R-FEE-1).",
        "LOW_ASSETS_PERCENT": "Remuneration at a later anniversary with net assets under the "
        "low-assets threshold: a percentage of net assets instead of the fixed fee (R-FEE-1).",
        "SUPERVISION_GENERAL": "The OPG's general supervision fee, for supervision types 1, 2A "
        "and 2 (R-FEE-2, R-ORD-3).",
        "SUPERVISION_MINIMAL": "The OPG's minimal supervision fee, for supervision type 3 "
        "(R-FEE-2, R-ORD-3).",
    },
)

OpgFeeType = rules.OpgFeeType
graphql_enum(
    OpgFeeType,
    "The OPG annual report's types of deputy fee (R-OPG, PD19B's fixed costs): how the report "
    "lists the council's fees as deputy.",
    {
        "WORK_UP_TO_ORDER": "Work up to and including the court order being made (the OPG's "
        "work-up-to-and-including-cot-made).",
        "ANNUAL_MANAGEMENT": "The annual management fee (the OPG's annual-management-fee): "
        "the council's fixed remuneration, first year or later, or its low-assets percentage "
        "(R-FEE-1).",
        "ANNUAL_PROPERTY_MANAGEMENT": "The annual property management fee (the OPG's "
        "annual-property-management-fee).",
        "REPORT_PREPARATION": "Preparing and lodging the annual report (the OPG's "
        "preparing-and-lodging-annual-report).",
        "TAX_RETURN": "Completing the client's tax return (the OPG's "
        "completition-of-tax-return, spelt as the OPG spells it).",
        "TRAVEL": "Travel costs (the OPG's travel-costs).",
        "SPECIALIST_SERVICES": "Specialist services (the OPG's specialist-service).",
    },
)


@strawberry.type(description="A fee taken from a client's CMS account, and what priced it.")
class FeeCharge(Node):
    row: strawberry.Private[FeeChargeRow]

    @classmethod
    def from_row(cls, row: FeeChargeRow) -> FeeCharge:
        percent = row.basis == FeeBasis.LOW_ASSETS_PERCENT.value
        threshold = row.threshold_value
        return from_source(
            cls,
            row,
            row=row,
            id=node_id("FeeCharge", row.transfer_id),
            deputyship_id=node_id("Deputyship", row.deputyship_id),
            run_id=node_id("FeeRun", row.run_id),
            transfer_id=node_id("Transfer", row.transfer_id),
            figure_money=None if percent else Money(int(row.figure_value)),
            figure_percent=Percent(Decimal(row.figure_value)) if percent else None,
            threshold_money=Money(int(threshold)) if threshold is not None else None,
        )

    id: strawberry.ID = strawberry.field(description="The charge's id (its ledger transfer's).")
    client_id: strawberry.ID = strawberry.field(description="The id of the client charged.")
    deputyship_id: strawberry.ID = strawberry.field(
        description="The id of the deputyship whose anniversary the fee fell due on."
    )
    run_id: strawberry.ID = strawberry.field(description="The id of the fee run that charged it.")

    @strawberry.field(description="The fee run that charged it.")
    async def run(self, info: Info[Context, None]) -> FeeRun:
        loader = loaders.one(info.context, "fees.runs", service.fee_runs_by_id)
        row = await loader.load(self.row.run_id)
        return FeeRun.from_row(found(row, "fee run", self.row.run_id))

    transfer_id: strawberry.ID = strawberry.field(
        description="The ledger transfer that moved the money."
    )
    kind: FeeKind = strawberry.field(description="Remuneration or supervision.")
    basis: FeeBasis = strawberry.field(description="Which rule priced it.")
    due_date: date = strawberry.field(
        description="The anniversary of the order the fee fell due on."
    )
    anniversary: int = strawberry.field(description="Which anniversary: 1 is the first.")

    year_start: date = strawberry.field(
        description="The first day of the deputyship year the fee pays for: the anniversary "
        "before (the order date, for the first)."
    )

    year_end: date = strawberry.field(
        description="The last day of the deputyship year the fee pays for, inclusive: the day "
        "before dueDate."
    )

    value_date: date = strawberry.field(
        description="The day the money moved: its ledger transfer's value date, the day the "
        "run charged it (a run for a past period charges on the day it is run)."
    )

    amount: Money = strawberry.field(description="What was taken from the client's CMS account.")
    net_assets: Money | None = strawberry.field(
        description="Net assets at the due date (remuneration only)."
    )
    figure_name: str = strawberry.field(description="The policy figure applied (R-FEE-6).")
    figure_effective_from: date = strawberry.field(
        description="The day the figure applied came into force: the one in force on the due "
        "date (R-FEE-6)."
    )

    figure_money: Money | None = strawberry.field(
        description="The figure's value when it is money: the fixed fee."
    )
    figure_percent: Percent | None = strawberry.field(
        description="The figure's value when it is a percentage: the share of net assets "
        "(LOW_ASSETS_PERCENT)."
    )

    threshold_name: str | None = strawberry.field(
        description="The low-assets threshold judged against (later years)."
    )
    threshold_effective_from: date | None = strawberry.field(
        description="The day the low-assets threshold applied came into force (R-FEE-6)."
    )

    threshold_money: Money | None = strawberry.field(
        description="The low-assets threshold's value."
    )


@strawberry.type(description="A deputy client a fee run did not charge, and why.")
class UnchargedClient:
    @classmethod
    def from_row(cls, row: FeeRunExceptionRow) -> UnchargedClient:
        return from_source(cls, row, code=ErrorCode(row.outcome))

    client_id: strawberry.ID = strawberry.field(description="The id of the client not charged.")

    code: ErrorCode = strawberry.field(
        description="POLICY_MISSING: a figure the fee needs is missing or unknown (R-DATA); "
        "INSUFFICIENT_FUNDS: the CMS account has too little available (R-PAY-3); "
        "CLIENT_DECEASED: the client is recorded deceased but no death is confirmed, whose date "
        "decides the fees of the years they lived through (seed 002 B 29.2)."
    )

    reason: str = strawberry.field(description="Why, in words.")
    figure_name: str | None = strawberry.field(description="The figure missing (POLICY_MISSING).")
    figure_date: date | None = strawberry.field(
        description="The due date it was wanted for (POLICY_MISSING)."
    )
    wanted: Money | None = strawberry.field(
        description="The client's fees for the period (INSUFFICIENT_FUNDS)."
    )
    available: Money | None = strawberry.field(
        description="What the CMS account had available (INSUFFICIENT_FUNDS)."
    )


@strawberry.type(description="Fees charged to deputy clients for a period (R-FEE). One a period.")
class FeeRun(Node):
    row: strawberry.Private[FeeRunRow]

    @classmethod
    def from_row(cls, row: FeeRunRow) -> FeeRun:
        return from_source(cls, row, row=row, charge_count=row.charges)

    id: strawberry.ID = strawberry.field(description="The run's global id.")
    period_start: date = strawberry.field(
        description="The first day of the period: fees falling due from it were charged."
    )
    period_end: date = strawberry.field(description="Inclusive.")
    run_by: str = strawberry.field(description="Who ran it.")
    run_at: datetime = strawberry.field(description="When it was run.")
    charge_count: int = strawberry.field(description="Fees charged.")
    clients_charged: int = strawberry.field(description="Clients charged at least one fee.")
    clients_refused: int = strawberry.field(
        description="Clients refused: a figure missing (POLICY_MISSING), or recorded deceased "
        "with no death confirmed (CLIENT_DECEASED)."
    )
    clients_short: int = strawberry.field(
        description="Clients not charged: funds short (INSUFFICIENT_FUNDS)."
    )
    total: Money = strawberry.field(description="The sum of every fee charged.")

    @strawberry.field(description="Every fee the run charged.")
    async def charges(self, info: Info[Context, None]) -> list[FeeCharge]:
        loader = loaders.many(info.context, "fees.charges_of_run", service.charges_of_runs)
        return [FeeCharge.from_row(c) for c in await loader.load(self.row.id)]

    @strawberry.field(description="Deputy clients with fees due whom the run did not charge.")
    async def not_charged(self, info: Info[Context, None]) -> list[UnchargedClient]:
        loader = loaders.many(info.context, "fees.exceptions_of_run", service.exceptions_of_runs)
        return [UnchargedClient.from_row(e) for e in await loader.load(self.row.id)]


@strawberry.type(description="The fee run made, or the one made before for the same period.")
class FeeRunPayload:
    run: FeeRun = strawberry.field(description="The run.")
    already_run: bool = strawberry.field(
        description="The period had been run before: this is that run, and nothing was done again."
    )
    replayed: bool = replayed_field(
        "A repeat of the idempotency key or of the period (alreadyRun): nothing new."
    )


RunFeesResult = Annotated[
    FeeRunPayload | ValidationProblem | IdempotencyKeyReusedProblem,
    strawberry.union("RunFeesResult", description="The run, or why it was not made."),
]


# Arguments the lists take, described once.


def _charge_key(page: PageRequest) -> ChargeKey | None:
    """The cursor of a client's fees: (due date, fee kind)."""
    key = page.key(str, str)
    if key is None:
        return None
    try:
        due = date.fromisoformat(key[0])
    except ValueError as exc:
        raise bad_cursor() from exc
    if key[1] not in {k.value for k in FeeKind}:
        raise bad_cursor()
    return ChargeKey(due, key[1])


@strawberry.type
class FeeQuery:
    @strawberry.field(
        extensions=[Paged(25), *allow(FEE_READ)], description="Fee runs, newest period first."
    )
    async def fee_runs(
        self,
        info: Info[Context, None],
        page: Page,
    ) -> Connection[FeeRun]:
        ctx = info.context
        return await newest_period_first(
            page, lambda seek: service.list_fee_runs(ctx.session, seek=seek), FeeRun.from_row
        )

    @strawberry.field(
        extensions=[Paged(50), *allow(FEE_READ)],
        description="A client's fees, newest due date first.",
    )
    async def fee_charges(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client's id.")],
    ) -> Connection[FeeCharge]:
        ctx = info.context

        async def charges(seek: Seek[ChargeKey]) -> Sequence[FeeChargeRow]:
            cid = await readable_client_id(ctx, client_id)
            return await service.charges_of_client(ctx.session, cid, seek=seek)

        return await page.connection(
            cursor=_charge_key,
            fetch=charges,
            key=lambda r: [r.due_date.isoformat(), r.kind],
            node=FeeCharge.from_row,
        )


@strawberry.type
class FeeMutation:
    @strawberry.mutation(
        extensions=allow(FEE_RUN),
        description="Charge every deputy client the fees due in a period (R-FEE-1 to R-FEE-4): "
        "deputy remuneration to the council, supervision fees to the OPG. Once per period (a "
        "repeat returns the first run) and once per idempotency key. Clients whose figure is "
        "missing or whose funds are short are listed in notCharged; the rest are charged.",
    )
    async def run_fees(
        self,
        info: Info[Context, None],
        input: Annotated[
            RunFeesInput,
            strawberry.argument(description="The period, and the request's idempotency key."),
        ],
    ) -> RunFeesResult:
        outcome = await as_caller(
            info,
            service.run_fees,
            input.period_start,
            input.period_end,
            idempotency_key=input.idempotency_key,
        )
        return FeeRunPayload(
            run=FeeRun.from_row(outcome.record.run),
            already_run=outcome.already_run,
            replayed=outcome.replayed,
        )


# The types node(id:) fetches (common.node): each with the roles of the list it is read
# through (neither has a lookup by id of its own).
NODES: tuple[NodeType, ...] = (
    NodeType("FeeRun", FEE_READ, by_role(service.fee_runs_by_id, FeeRun.from_row)),
    NodeType("FeeCharge", FEE_READ, by_role(service.charges_by_id, FeeCharge.from_row)),
)
