"""GraphQL for receipts: thin. Parse, call the service, map the result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import BENEFIT_RUN, INTEREST_RUN, LEDGER_READ, RECEIPT_WRITE, allow
from ca_api.clients.schema import Client, client_filter, client_of
from ca_api.common.arguments import ONLY_CLIENT, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import node_id
from ca_api.common.keyset import Seek
from ca_api.common.node import Node, NodeType, by_role, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest, bad_cursor
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.ledger.schema import ALREADY_RUN, interest_runs_page
from ca_api.ledger.types import Category, Counterparty, Transfer
from ca_api.ledger.vocabulary import Benefit
from ca_api.receipts import repository, service
from ca_api.receipts.inputs import (
    PostInterestInput,
    ReceiptMethod,
    RecordBenefitRunInput,
    RecordReceiptInput,
)
from ca_api.receipts.models import InterestRun as InterestRunRow
from ca_api.receipts.service import ReceiptRecord


@strawberry.type(description="Money into a client's CMS account (R-ACC-4, R-ACC-6). Never changed.")
class Receipt(Node):
    record: strawberry.Private[ReceiptRecord]

    @classmethod
    def from_record(cls, record: ReceiptRecord) -> Receipt:
        t = record.transfer  # the money: the receipt row holds the rest
        return from_source(
            cls,
            record.receipt,
            record=record,
            id=node_id("Receipt", record.receipt.transfer_id),
            amount=t.amount,
            value_date=t.value_date,
            category=Category(t.category),
            banked_same_day=record.banked_same_day,
            description=t.description,
            reference=t.reference,
            recorded_by=t.recorded_by,
            recorded_at=t.posted_at,
            reversed=record.reversed,
        )

    id: strawberry.ID = strawberry.field(description="The receipt's id (its ledger transfer's).")
    client_id: strawberry.ID = strawberry.field(description="The client the money is for.")

    @strawberry.field(description="The client the money is for.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.record.receipt.client_id)

    def _payer(self) -> Counterparty:
        return Counterparty.from_row(self.record.payer)

    payer: Counterparty = strawberry.field(
        resolver=_payer, description="Who paid: the DWP, a pension payer, ..."
    )

    amount: Money = strawberry.field(description="The money received.")
    value_date: date = strawberry.field(description="The day the money was in the CMS account.")
    category: Category = strawberry.field(description="The OPG money-in category (R-OPG-1).")

    def _benefit(self) -> Benefit | None:
        b = self.record.receipt.benefit
        return Benefit(b) if b else None

    benefit: Benefit | None = strawberry.field(
        resolver=_benefit, description="The benefit, for benefits and state pension (R-ACC-6)."
    )

    period_start: date | None = strawberry.field(
        description="The first day of the period a benefit or pension pays for (R-ACC-6)."
    )
    period_end: date | None = strawberry.field(
        description="The last day of the period it pays for (inclusive)."
    )
    method: ReceiptMethod = strawberry.field(description="How the money came in.")
    receipt_number: str | None = strawberry.field(
        description="The numbered receipt for cash and cheques (R-ACC-4)."
    )
    received_on: date = strawberry.field(description="The day the money came in.")
    banked_on: date | None = strawberry.field(
        description="The day it was banked (for a bank transfer, its value date)."
    )
    banked_same_day: bool = strawberry.field(
        description="Banked the day it came in (R-ACC-4); false: banked late."
    )
    description: str = strawberry.field(description="What the money was, as recorded.")
    reference: str | None = strawberry.field(description="The payer's or the bank's reference.")
    recorded_by: str = strawberry.field(description="Who recorded it (R-AUD-1).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    reversed: bool = strawberry.field(description="Corrected by a reversing transfer (R-AUD-2).")

    @strawberry.field(description="The ledger transfer that moved the money.")
    def transfer(self) -> Transfer:
        return Transfer.from_row(self.record.transfer)


@strawberry.type(description="Interest credited to every CMS account for a period (R-ACC-1).")
class InterestRun(Node):
    row: strawberry.Private[InterestRunRow]

    @classmethod
    def from_row(cls, row: InterestRunRow) -> InterestRun:
        return from_source(cls, row, row=row)

    id: strawberry.ID = strawberry.field(description="The run's global id.")
    period_start: date = strawberry.field(description="The first day of the period.")
    period_end: date = strawberry.field(description="The last day of the period (inclusive).")
    accounts: int = strawberry.field(
        description="Accounts credited (those whose interest was a penny or more)."
    )
    total: Money = strawberry.field(description="The interest credited to all of them.")
    run_by: str = strawberry.field(description="Who ran it.")
    run_at: datetime = strawberry.field(description="When it was run.")


@strawberry.type(description="The receipt recorded.")
class ReceiptPayload:
    receipt: Receipt = strawberry.field(description="The receipt, as recorded.")
    replayed: bool = replayed_field()


@strawberry.type(description="A benefits run recorded: every line, or (on a problem) none.")
class BenefitRunPayload:
    count: int = strawberry.field(description="Receipts recorded: one per line.")
    total: Money = strawberry.field(description="The money of every line.")
    clients: int = strawberry.field(description="Clients whose accounts were credited.")
    value_date: date = strawberry.field(description="The day the money was in the accounts.")
    replayed: bool = replayed_field()


@strawberry.type(description="The CMS interest run for the period.")
class InterestRunPayload:
    run: InterestRun = strawberry.field(description="The run: this one, or the one before.")
    already_run: bool = strawberry.field(description=ALREADY_RUN)
    replayed: bool = replayed_field("A repeat (the period is the key): the same as alreadyRun.")


RecordReceiptResult = Annotated[
    ReceiptPayload | ValidationProblem | NotFoundProblem | IdempotencyKeyReusedProblem,
    strawberry.union("RecordReceiptResult", description="The receipt recorded, or why it was not."),
]
RecordBenefitRunResult = Annotated[
    BenefitRunPayload | ValidationProblem | IdempotencyKeyReusedProblem,
    strawberry.union(
        "RecordBenefitRunResult",
        description="The benefits run recorded (every line), or why none was.",
    ),
]
PostInterestResult = Annotated[
    InterestRunPayload | ValidationProblem | PolicyMissingProblem,
    strawberry.union("PostInterestResult", description="The interest run, or why there was none."),
]


def _receipt_key(page: PageRequest) -> tuple[date, int] | None:
    """A receipts cursor: (the ISO day received, the transfer's posting order)."""
    key = page.key(str, int)
    try:
        return None if key is None else (date.fromisoformat(key[0]), key[1])
    except ValueError as exc:
        raise bad_cursor() from exc


@strawberry.type
class ReceiptQuery:
    @strawberry.field(
        extensions=[Paged(50), *allow(LEDGER_READ)],
        description="Receipts, newest first by the day received. notBankedSameDay: cash and "
        "cheques banked later than received (R-ACC-4).",
    )
    async def receipts(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: ONLY_CLIENT = None,
        benefit: Annotated[
            Benefit | None, strawberry.argument(description="Only of this benefit (R-ACC-6).")
        ] = None,
        method: Annotated[
            ReceiptMethod | None, strawberry.argument(description="Only those that came so.")
        ] = None,
        received_from: Annotated[
            date | None, strawberry.argument(description="Only those received this day or later.")
        ] = None,
        received_to: Annotated[
            date | None,
            strawberry.argument(description="Only those received this day or earlier (inclusive)."),
        ] = None,
        not_banked_same_day: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only those banked later than received (R-ACC-4); false: "
                "only those banked the day received."
            ),
        ] = None,
    ) -> Connection[Receipt]:
        ctx = info.context

        async def fetch(seek: Seek[tuple[date, int]]) -> list[ReceiptRecord]:
            flt = repository.ReceiptFilter(
                client_id=await client_filter(ctx, client_id),
                benefit=benefit.value if benefit else None,
                method=method.value if method else None,
                received_from=received_from,
                received_to=received_to,
                not_banked_same_day=not_banked_same_day,
            )
            return await service.list_receipts(ctx.session, flt, seek=seek)

        return await page.connection(
            cursor=_receipt_key,
            fetch=fetch,
            key=lambda r: [r.receipt.received_on.isoformat(), r.transfer.seq],
            node=Receipt.from_record,
        )

    @strawberry.field(
        extensions=[Paged(25), *allow(LEDGER_READ)],
        description="Interest runs, newest period first.",
    )
    async def interest_runs(self, info: Info[Context, None], page: Page) -> Connection[InterestRun]:
        return await interest_runs_page(
            info.context, service.CMS_INTEREST, page, InterestRun.from_row
        )


@strawberry.type
class ReceiptMutation:
    @strawberry.mutation(
        extensions=allow(RECEIPT_WRITE),
        description="Record money received for a client into their CMS account (R-ACC-4, "
        "R-ACC-6). Once per idempotency key: a repeat returns the first receipt.",
    )
    async def record_receipt(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordReceiptInput,
            strawberry.argument(
                description="The money received, and the request's idempotency key."
            ),
        ],
    ) -> RecordReceiptResult:
        draft = input.to_draft()
        record = await as_caller(
            info, service.record_receipt, draft, idempotency_key=input.idempotency_key
        )
        return ReceiptPayload(receipt=Receipt.from_record(record), replayed=record.replayed)

    @strawberry.mutation(
        extensions=allow(BENEFIT_RUN),
        description="Record the four-weekly benefits run (R-ACC-6): every line or none. Once "
        "per idempotency key.",
    )
    async def record_benefit_run(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordBenefitRunInput,
            strawberry.argument(
                description="The run's lines (R-ACC-6), and the request's idempotency key."
            ),
        ],
    ) -> RecordBenefitRunResult:
        lines = input.run_lines()
        summary = await as_caller(
            info,
            service.record_benefit_run,
            lines,
            input.value_date,
            idempotency_key=input.idempotency_key,
        )
        return from_source(BenefitRunPayload, summary)

    @strawberry.mutation(
        extensions=allow(INTEREST_RUN),
        description="Credit interest to every CMS account for a period (R-ACC-1). Once per "
        "period: a repeat returns the first run.",
    )
    async def post_interest(
        self,
        info: Info[Context, None],
        input: Annotated[
            PostInterestInput, strawberry.argument(description="The period to credit interest for.")
        ],
    ) -> PostInterestResult:
        outcome = await as_caller(info, service.post_interest, input.period_start, input.period_end)
        return InterestRunPayload(
            run=InterestRun.from_row(outcome.run),
            already_run=outcome.already_run,
            replayed=outcome.already_run,
        )


# The types node(id:) fetches (common.node): each with the roles of its own lookup. Neither has
# an x(id:) field: a receipt is read through receipts, a run through interestRuns (LEDGER_READ).
NODES: tuple[NodeType, ...] = (
    NodeType("Receipt", LEDGER_READ, in_scope(service.receipts_by_id, Receipt.from_record)),
    NodeType(
        "InterestRun", LEDGER_READ, by_role(service.interest_runs_by_id, InterestRun.from_row)
    ),
)
