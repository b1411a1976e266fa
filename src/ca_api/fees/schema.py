"""GraphQL for fees: thin. Parse, call the service, map the result (R-FEE)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import FEE_READ, FEE_RUN, allow
from ca_api.clients.schema import readable_client
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.pagination import Connection, connection_from_rows, page_request
from ca_api.common.problems import IdempotencyKeyReusedProblem, ValidationProblem
from ca_api.common.scalars import Money, Percent
from ca_api.context import Context
from ca_api.errors import ApiError, ErrorCode
from ca_api.fees import rules, service
from ca_api.fees.models import FeeCharge as FeeChargeRow
from ca_api.fees.models import FeeRun as FeeRunRow
from ca_api.fees.models import FeeRunException as FeeRunExceptionRow
from ca_api.fees.repository import ChargeKey

FeeKind = rules.FeeKind
strawberry.enum(FeeKind, description="Deputy remuneration (R-FEE-1) or OPG supervision (R-FEE-2).")
FeeBasis = rules.FeeBasis
strawberry.enum(FeeBasis, description="Which rule priced a fee (R-FEE-1, R-FEE-2).")


@strawberry.type(description="A fee taken from a client's CMS account, and what priced it.")
class FeeCharge:
    row: strawberry.Private[FeeChargeRow]

    @classmethod
    def from_row(cls, row: FeeChargeRow) -> FeeCharge:
        return cls(
            row=row,
            id=strawberry.ID(encode_id("FeeCharge", row.transfer_id)),
            client_id=strawberry.ID(encode_id("Client", row.client_id)),
            deputyship_id=strawberry.ID(encode_id("Deputyship", row.deputyship_id)),
            run_id=strawberry.ID(encode_id("FeeRun", row.run_id)),
            transfer_id=strawberry.ID(encode_id("Transfer", row.transfer_id)),
            kind=FeeKind(row.kind),
            basis=FeeBasis(row.basis),
            due_date=row.due_date,
            anniversary=row.anniversary,
            year_start=row.year_start,
            year_end=row.year_end,
            value_date=row.value_date,
            amount=Money(row.amount),
            net_assets=Money(row.net_assets) if row.net_assets is not None else None,
            figure_name=row.figure_name,
            figure_effective_from=row.figure_effective_from,
            threshold_name=row.threshold_name,
            threshold_effective_from=row.threshold_effective_from,
        )

    id: strawberry.ID = strawberry.field(description="The charge's id (its ledger transfer's).")
    client_id: strawberry.ID
    deputyship_id: strawberry.ID
    run_id: strawberry.ID
    transfer_id: strawberry.ID = strawberry.field(
        description="The ledger transfer that moved the money."
    )
    kind: FeeKind
    basis: FeeBasis
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

    amount: Money
    net_assets: Money | None = strawberry.field(
        description="Net assets at the due date (remuneration only)."
    )
    figure_name: str = strawberry.field(description="The policy figure applied (R-FEE-6).")
    figure_effective_from: date

    def _figure_money(self) -> Money | None:
        if self.row.basis == FeeBasis.LOW_ASSETS_PERCENT.value:
            return None
        return Money(int(self.row.figure_value))

    figure_money: Money | None = strawberry.field(
        resolver=_figure_money, description="The figure's value when it is money: the fixed fee."
    )

    def _figure_percent(self) -> Percent | None:
        if self.row.basis != FeeBasis.LOW_ASSETS_PERCENT.value:
            return None
        return Percent(Decimal(self.row.figure_value))

    figure_percent: Percent | None = strawberry.field(
        resolver=_figure_percent,
        description="The figure's value when it is a percentage: the share of net assets "
        "(LOW_ASSETS_PERCENT).",
    )

    threshold_name: str | None = strawberry.field(
        description="The low-assets threshold judged against (later years)."
    )
    threshold_effective_from: date | None

    @strawberry.field(description="The low-assets threshold's value.")
    def threshold_money(self) -> Money | None:
        v = self.row.threshold_value
        return Money(int(v)) if v is not None else None


@strawberry.type(description="A deputy client a fee run did not charge, and why.")
class UnchargedClient:
    row: strawberry.Private[FeeRunExceptionRow]

    @classmethod
    def from_row(cls, row: FeeRunExceptionRow) -> UnchargedClient:
        return cls(
            row=row,
            client_id=strawberry.ID(encode_id("Client", row.client_id)),
            code=ErrorCode(row.outcome),
            reason=row.reason,
            figure_name=row.figure_name,
            figure_date=row.figure_date,
            wanted=Money(row.wanted) if row.wanted is not None else None,
            available=Money(row.available) if row.available is not None else None,
        )

    client_id: strawberry.ID

    code: ErrorCode = strawberry.field(
        description="POLICY_MISSING: a figure the fee needs is missing or unknown (R-DATA); "
        "INSUFFICIENT_FUNDS: the CMS account has too little available (R-PAY-3)."
    )

    reason: str
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


async def _charges(info: Info[Context, None], run_id: uuid.UUID) -> list[FeeChargeRow]:
    ctx = info.context

    async def batch(ids: list[uuid.UUID]) -> list[list[FeeChargeRow]]:
        found = await service.charges_of_runs(ctx.session, ids)
        return [found[i] for i in ids]

    return await ctx.loader("fees.charges_of_run", batch).load(run_id)


async def _exceptions(info: Info[Context, None], run_id: uuid.UUID) -> list[FeeRunExceptionRow]:
    ctx = info.context

    async def batch(ids: list[uuid.UUID]) -> list[list[FeeRunExceptionRow]]:
        found = await service.exceptions_of_runs(ctx.session, ids)
        return [found[i] for i in ids]

    return await ctx.loader("fees.exceptions_of_run", batch).load(run_id)


@strawberry.type(description="Fees charged to deputy clients for a period (R-FEE). One a period.")
class FeeRun:
    row: strawberry.Private[FeeRunRow]

    @classmethod
    def from_row(cls, row: FeeRunRow) -> FeeRun:
        return cls(
            row=row,
            id=strawberry.ID(encode_id("FeeRun", row.id)),
            period_start=row.period_start,
            period_end=row.period_end,
            run_by=row.run_by,
            run_at=row.run_at,
            charge_count=row.charges,
            clients_charged=row.clients_charged,
            clients_refused=row.clients_refused,
            clients_short=row.clients_short,
            total=Money(row.total),
        )

    id: strawberry.ID
    period_start: date
    period_end: date = strawberry.field(description="Inclusive.")
    run_by: str
    run_at: datetime
    charge_count: int = strawberry.field(description="Fees charged.")
    clients_charged: int
    clients_refused: int = strawberry.field(
        description="Clients refused: a figure missing (POLICY_MISSING)."
    )
    clients_short: int = strawberry.field(
        description="Clients not charged: funds short (INSUFFICIENT_FUNDS)."
    )
    total: Money

    @strawberry.field(description="Every fee the run charged.")
    async def charges(self, info: Info[Context, None]) -> list[FeeCharge]:
        return [FeeCharge.from_row(c) for c in await _charges(info, self.row.id)]

    @strawberry.field(description="Deputy clients with fees due whom the run did not charge.")
    async def not_charged(self, info: Info[Context, None]) -> list[UnchargedClient]:
        return [UnchargedClient.from_row(e) for e in await _exceptions(info, self.row.id)]


@strawberry.type
class FeeRunPayload:
    run: FeeRun
    already_run: bool = strawberry.field(
        description="The period had been run before: this is that run, and nothing was done again."
    )
    replayed: bool = strawberry.field(
        description="A repeat of the idempotency key or of the period (alreadyRun): nothing new."
    )


RunFeesResult = Annotated[
    FeeRunPayload | ValidationProblem | IdempotencyKeyReusedProblem,
    strawberry.union("RunFeesResult"),
]


def _bad_cursor() -> ApiError:
    return ApiError(ErrorCode.BAD_USER_INPUT, "the cursor is not one this list issued")


def _date_key(after: Sequence[Any] | None) -> tuple[date, str] | None:
    if after is None:
        return None
    if len(after) != 2 or not isinstance(after[0], str) or not isinstance(after[1], str):
        raise _bad_cursor()
    try:
        return date.fromisoformat(after[0]), after[1]
    except ValueError as exc:
        raise _bad_cursor() from exc


@strawberry.type
class FeeQuery:
    @strawberry.field(extensions=allow(FEE_READ), description="Fee runs, newest period first.")
    async def fee_runs(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[FeeRun]:
        ctx = info.context
        page = page_request(first, after, default=25, maximum=ctx.settings.max_page_size)
        key = _date_key(page.after)
        after_key: tuple[date, uuid.UUID] | None = None
        if key is not None:
            try:
                after_key = (key[0], uuid.UUID(key[1]))
            except ValueError as exc:
                raise _bad_cursor() from exc
        rows = await service.list_fee_runs(ctx.session, after=after_key, limit=page.first + 1)
        return connection_from_rows(
            rows,
            page,
            key=lambda r: [r.period_start.isoformat(), str(r.id)],
            node=lambda r: FeeRun.from_row(r),
        )

    @strawberry.field(
        extensions=allow(FEE_READ), description="A client's fees, newest due date first."
    )
    async def fee_charges(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[FeeCharge]:
        ctx = info.context
        page = page_request(first, after, default=50, maximum=ctx.settings.max_page_size)
        cid = decode_uuid("Client", client_id)
        await readable_client(ctx, cid, client_id)
        key = _date_key(page.after)
        if key is not None and key[1] not in {k.value for k in FeeKind}:
            raise _bad_cursor()
        rows = await service.charges_of_client(
            ctx.session,
            cid,
            after=ChargeKey(key[0], key[1]) if key else None,
            limit=page.first + 1,
        )
        return connection_from_rows(
            rows,
            page,
            key=lambda r: [r.due_date.isoformat(), r.kind],
            node=lambda r: FeeCharge.from_row(r),
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
        period_start: date,
        period_end: Annotated[date, strawberry.argument(description="Inclusive.")],
        idempotency_key: str,
    ) -> RunFeesResult:
        ctx = info.context
        outcome = await service.run_fees(
            ctx.session,
            ctx.actor,
            period_start,
            period_end,
            idempotency_key=idempotency_key,
        )
        return FeeRunPayload(
            run=FeeRun.from_row(outcome.record.run),
            already_run=outcome.already_run,
            replayed=outcome.replayed,
        )
