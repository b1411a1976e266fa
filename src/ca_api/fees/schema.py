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
from ca_api.ledger.schema import readable_client

FeeKind = rules.FeeKind
strawberry.enum(FeeKind, description="Deputy remuneration (R-FEE-1) or OPG supervision (R-FEE-2).")
FeeBasis = rules.FeeBasis
strawberry.enum(FeeBasis, description="Which rule priced a fee (R-FEE-1, R-FEE-2).")


@strawberry.type(description="A fee taken from a client's CMS account, and what priced it.")
class FeeCharge:
    row: strawberry.Private[FeeChargeRow]

    @strawberry.field(description="The charge's id (its ledger transfer's).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("FeeCharge", self.row.transfer_id))

    @strawberry.field
    def client_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Client", self.row.client_id))

    @strawberry.field
    def deputyship_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Deputyship", self.row.deputyship_id))

    @strawberry.field
    def run_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("FeeRun", self.row.run_id))

    @strawberry.field(description="The ledger transfer that moved the money.")
    def transfer_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Transfer", self.row.transfer_id))

    @strawberry.field
    def kind(self) -> FeeKind:
        return FeeKind(self.row.kind)

    @strawberry.field
    def basis(self) -> FeeBasis:
        return FeeBasis(self.row.basis)

    @strawberry.field(description="The anniversary of the order the fee fell due on.")
    def due_date(self) -> date:
        return self.row.due_date

    @strawberry.field(description="Which anniversary: 1 is the first.")
    def anniversary(self) -> int:
        return self.row.anniversary

    @strawberry.field(
        description="The first day of the deputyship year the fee pays for: the anniversary "
        "before (the order date, for the first)."
    )
    def year_start(self) -> date:
        return self.row.year_start

    @strawberry.field(
        description="The last day of the deputyship year the fee pays for, inclusive: the day "
        "before dueDate."
    )
    def year_end(self) -> date:
        return self.row.year_end

    @strawberry.field(
        description="The day the money moved: its ledger transfer's value date, the day the "
        "run charged it (a run for a past period charges on the day it is run)."
    )
    def value_date(self) -> date:
        return self.row.value_date

    @strawberry.field
    def amount(self) -> Money:
        return Money(self.row.amount)

    @strawberry.field(description="Net assets at the due date (remuneration only).")
    def net_assets(self) -> Money | None:
        return Money(self.row.net_assets) if self.row.net_assets is not None else None

    @strawberry.field(description="The policy figure applied (R-FEE-6).")
    def figure_name(self) -> str:
        return self.row.figure_name

    @strawberry.field
    def figure_effective_from(self) -> date:
        return self.row.figure_effective_from

    @strawberry.field(description="The figure's value when it is money: the fixed fee.")
    def figure_money(self) -> Money | None:
        if self.row.basis == FeeBasis.LOW_ASSETS_PERCENT.value:
            return None
        return Money(int(self.row.figure_value))

    @strawberry.field(
        description="The figure's value when it is a percentage: the share of net assets "
        "(LOW_ASSETS_PERCENT)."
    )
    def figure_percent(self) -> Percent | None:
        if self.row.basis != FeeBasis.LOW_ASSETS_PERCENT.value:
            return None
        return Percent(Decimal(self.row.figure_value))

    @strawberry.field(description="The low-assets threshold judged against (later years).")
    def threshold_name(self) -> str | None:
        return self.row.threshold_name

    @strawberry.field
    def threshold_effective_from(self) -> date | None:
        return self.row.threshold_effective_from

    @strawberry.field(description="The low-assets threshold's value.")
    def threshold_money(self) -> Money | None:
        v = self.row.threshold_value
        return Money(int(v)) if v is not None else None


@strawberry.type(description="A deputy client a fee run did not charge, and why.")
class UnchargedClient:
    row: strawberry.Private[FeeRunExceptionRow]

    @strawberry.field
    def client_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Client", self.row.client_id))

    @strawberry.field(
        description="POLICY_MISSING: a figure the fee needs is missing or unknown (R-DATA); "
        "INSUFFICIENT_FUNDS: the CMS account has too little available (R-PAY-3)."
    )
    def code(self) -> ErrorCode:
        return ErrorCode(self.row.outcome)

    @strawberry.field
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field(description="The figure missing (POLICY_MISSING).")
    def figure_name(self) -> str | None:
        return self.row.figure_name

    @strawberry.field(description="The due date it was wanted for (POLICY_MISSING).")
    def figure_date(self) -> date | None:
        return self.row.figure_date

    @strawberry.field(description="The client's fees for the period (INSUFFICIENT_FUNDS).")
    def wanted(self) -> Money | None:
        return Money(self.row.wanted) if self.row.wanted is not None else None

    @strawberry.field(description="What the CMS account had available (INSUFFICIENT_FUNDS).")
    def available(self) -> Money | None:
        return Money(self.row.available) if self.row.available is not None else None


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

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("FeeRun", self.row.id))

    @strawberry.field
    def period_start(self) -> date:
        return self.row.period_start

    @strawberry.field(description="Inclusive.")
    def period_end(self) -> date:
        return self.row.period_end

    @strawberry.field
    def run_by(self) -> str:
        return self.row.run_by

    @strawberry.field
    def run_at(self) -> datetime:
        return self.row.run_at

    @strawberry.field(description="Fees charged.")
    def charge_count(self) -> int:
        return self.row.charges

    @strawberry.field
    def clients_charged(self) -> int:
        return self.row.clients_charged

    @strawberry.field(description="Clients refused: a figure missing (POLICY_MISSING).")
    def clients_refused(self) -> int:
        return self.row.clients_refused

    @strawberry.field(description="Clients not charged: funds short (INSUFFICIENT_FUNDS).")
    def clients_short(self) -> int:
        return self.row.clients_short

    @strawberry.field
    def total(self) -> Money:
        return Money(self.row.total)

    @strawberry.field(description="Every fee the run charged.")
    async def charges(self, info: Info[Context, None]) -> list[FeeCharge]:
        return [FeeCharge(row=c) for c in await _charges(info, self.row.id)]

    @strawberry.field(description="Deputy clients with fees due whom the run did not charge.")
    async def not_charged(self, info: Info[Context, None]) -> list[UnchargedClient]:
        return [UnchargedClient(row=e) for e in await _exceptions(info, self.row.id)]


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
            node=lambda r: FeeRun(row=r),
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
            node=lambda r: FeeCharge(row=r),
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
            run=FeeRun(row=outcome.record.run),
            already_run=outcome.already_run,
            replayed=outcome.replayed,
        )
