"""GraphQL for lodgements: thin. Parse, call the service, map the result.

Lodging surplus with the Court Funds Office (R-INV-2), taking money back when the client needs
it (R-INV-6), and interest on Court Funds accounts at the rate in force each day (R-DATA).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import (
    INTEREST_RUN,
    INVESTMENT_EXECUTE,
    INVESTMENT_PROPOSE,
    INVESTMENT_READ,
    allow,
)
from ca_api.common.ids import decode_uuid, encode_id
from ca_api.common.pagination import Connection, connection_from_rows, page_request
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InsufficientFundsProblem,
    InvalidStateProblem,
    NotFoundProblem,
    PolicyMissingProblem,
    SurplusRuleProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.ledger.schema import readable_client
from ca_api.lodgements import rules, service
from ca_api.lodgements.models import CourtFundsInterestRun as InterestRunRow
from ca_api.lodgements.models import CourtFundsWithdrawal as WithdrawalRow
from ca_api.lodgements.repository import LodgementRow

LodgementStatus = rules.LodgementStatus
strawberry.enum(
    LodgementStatus,
    description="Derived from the lodgement's investment plan decision and whether it was "
    "lodged: PROPOSED (awaiting the governance manager), APPROVED, LODGED, REFUSED, SUPERSEDED "
    "(the decision was changed; its successor is not this lodgement's).",
)


@strawberry.type(
    description="A deputy client's surplus proposed for the Court Funds Office special account "
    "(R-INV-2), approved as an investment plan decision (R-DEC)."
)
class Lodgement:
    row: strawberry.Private[LodgementRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Lodgement", self.row.lodgement.id))

    @strawberry.field
    def client_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Client", self.row.lodgement.client_id))

    @strawberry.field(description="The investment plan decision that approves it.")
    def decision_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Decision", self.row.lodgement.decision_id))

    @strawberry.field
    def amount(self) -> Money:
        return Money(self.row.lodgement.amount)

    @strawberry.field
    def status(self) -> LodgementStatus:
        return self.row.status

    @strawberry.field
    def proposed_by(self) -> str:
        return self.row.lodgement.proposed_by

    @strawberry.field
    def proposed_at(self) -> datetime:
        return self.row.lodgement.proposed_at

    @strawberry.field
    def lodged_by(self) -> str | None:
        return self.row.lodged.lodged_by if self.row.lodged else None

    @strawberry.field
    def lodged_at(self) -> datetime | None:
        return self.row.lodged.lodged_at if self.row.lodged else None

    @strawberry.field(description="The ledger transfer CMS -> Court Funds, once lodged.")
    def transfer_id(self) -> strawberry.ID | None:
        if self.row.lodged is None:
            return None
        return strawberry.ID(encode_id("Transfer", self.row.lodged.transfer_id))


@strawberry.type(description="Money brought back from the Court Funds Office (R-INV-6).")
class CourtFundsWithdrawal:
    row: strawberry.Private[WithdrawalRow]

    @strawberry.field(description="The withdrawal's id (its ledger transfer's).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("CourtFundsWithdrawal", self.row.transfer_id))

    @strawberry.field
    def client_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Client", self.row.client_id))

    @strawberry.field
    def transfer_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Transfer", self.row.transfer_id))

    @strawberry.field
    def amount(self) -> Money:
        return Money(self.row.amount)

    @strawberry.field(description="What the client needs the money for.")
    def reason(self) -> str:
        return self.row.reason

    @strawberry.field
    def recorded_by(self) -> str:
        return self.row.recorded_by

    @strawberry.field
    def recorded_at(self) -> datetime:
        return self.row.recorded_at


@strawberry.type(
    description="Interest credited to every Court Funds account for a period at the special "
    "account rate in force each day (R-DATA). One per period."
)
class CourtFundsInterestRun:
    row: strawberry.Private[InterestRunRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("CourtFundsInterestRun", self.row.id))

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

    @strawberry.field(description="Accounts credited (those whose interest was a penny or more).")
    def accounts(self) -> int:
        return self.row.accounts

    @strawberry.field
    def total(self) -> Money:
        return Money(self.row.total)


@strawberry.input(description="A proposal to lodge surplus with the Court Funds Office.")
class LodgementProposalInput:
    client_id: strawberry.ID
    amount: Money
    best_interests_reason: str = strawberry.field(
        description="Why lodging is in the client's best interests (R-DEC-1)."
    )
    consulted: str = strawberry.field(description="Who was consulted (R-DEC-1).")
    client_involved: bool
    why_client_not_involved: str | None = None
    notes: str | None = None


@strawberry.type
class LodgementPayload:
    lodgement: Lodgement
    replayed: bool = strawberry.field(
        description="A repeat of an earlier request with this key: nothing was done again."
    )


@strawberry.type
class CourtFundsWithdrawalPayload:
    withdrawal: CourtFundsWithdrawal
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")


@strawberry.type
class CourtFundsInterestRunPayload:
    run: CourtFundsInterestRun
    already_run: bool = strawberry.field(
        description="The period had been run before: this is that run, and nothing was done again."
    )
    replayed: bool = strawberry.field(
        description="A repeat of the idempotency key or of the period: the same as alreadyRun."
    )


ProposeLodgementResult = Annotated[
    LodgementPayload
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem
    | SurplusRuleProblem
    | PolicyMissingProblem,
    strawberry.union("ProposeLodgementResult"),
]
LodgeResult = Annotated[
    LodgementPayload
    | InvalidStateProblem
    | InsufficientFundsProblem
    | NotFoundProblem
    | ValidationProblem
    | IdempotencyKeyReusedProblem
    | SurplusRuleProblem
    | PolicyMissingProblem,
    strawberry.union("LodgeResult"),
]
WithdrawFromCourtFundsResult = Annotated[
    CourtFundsWithdrawalPayload
    | InsufficientFundsProblem
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union("WithdrawFromCourtFundsResult"),
]
PostCourtFundsInterestResult = Annotated[
    CourtFundsInterestRunPayload
    | ValidationProblem
    | PolicyMissingProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union("PostCourtFundsInterestResult"),
]


@strawberry.type
class LodgementQuery:
    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="Lodgements with the Court Funds Office, newest proposal first; a client's "
        "only when clientId is given.",
    )
    async def lodgements(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID | None = None,
        status: LodgementStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Lodgement]:
        ctx = info.context
        page = page_request(first, after, default=25, maximum=ctx.settings.max_page_size)
        cid: uuid.UUID | None = None
        if client_id is not None:
            cid = decode_uuid("Client", client_id)
            await readable_client(ctx, cid, client_id)
        rows = await service.list_lodgements(
            ctx.session,
            client_id=cid,
            status=status,
            after=page.after_time_id(),
            limit=page.first + 1,
        )
        return connection_from_rows(
            rows,
            page,
            key=lambda r: [r.lodgement.proposed_at.isoformat(), str(r.lodgement.id)],
            node=lambda r: Lodgement(row=r),
        )

    @strawberry.field(
        extensions=allow(INVESTMENT_READ),
        description="Court Funds Office interest runs, newest period first.",
    )
    async def court_funds_interest_runs(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CourtFundsInterestRun]:
        ctx = info.context
        page = page_request(first, after, default=25, maximum=ctx.settings.max_page_size)
        rows = await service.list_interest_runs(
            ctx.session, after=page.after_date_id(), limit=page.first + 1
        )
        return connection_from_rows(
            rows,
            page,
            key=lambda r: [r.period_start.isoformat(), str(r.id)],
            node=lambda r: CourtFundsInterestRun(row=r),
        )


@strawberry.type
class LodgementMutation:
    @strawberry.mutation(
        extensions=allow(INVESTMENT_PROPOSE),
        description="Propose lodging a deputy client's surplus with the Court Funds Office "
        "(R-INV-2): raises an INVESTMENT_PLAN decision for the governance manager to approve "
        "(R-DEC; never the proposer, R-ROLE-2). Deputy (or deputy and appointee) clients only. "
        "The surplus rule (SurplusRuleProblem; seed 002 B 7.7, 20.2-20.4): the client's budget "
        "plan in force must be approved and not past its yearly review (R-CARE-2); what is left "
        "of its surplus (less other lodgements and placements) at least the threshold in force; "
        "the amount no more than that. Judged again on approval and on lodging.",
    )
    async def propose_lodgement(
        self, info: Info[Context, None], input: LodgementProposalInput, idempotency_key: str
    ) -> ProposeLodgementResult:
        ctx = info.context
        proposal = service.Proposal(
            client_id=decode_uuid("Client", input.client_id),
            amount=input.amount,
            best_interests_reason=input.best_interests_reason,
            consulted=input.consulted,
            client_involved=input.client_involved,
            why_client_not_involved=input.why_client_not_involved,
            notes=input.notes,
        )
        done = await service.propose(
            ctx.session, ctx.actor, proposal, idempotency_key=idempotency_key
        )
        return LodgementPayload(lodgement=Lodgement(row=done.lodgement), replayed=done.replayed)

    @strawberry.mutation(
        extensions=allow(INVESTMENT_EXECUTE),
        description="Lodge an approved lodgement: moves its amount from the client's CMS "
        "account to their Court Funds account. Only once its decision is approved, only once, "
        "only if the surplus rule still allows it today (SurplusRuleProblem, R-INV-2); short of "
        "funds nothing moves (R-PAY-3).",
    )
    async def lodge(
        self, info: Info[Context, None], lodgement_id: strawberry.ID, idempotency_key: str
    ) -> LodgeResult:
        ctx = info.context
        lid = decode_uuid("Lodgement", lodgement_id)
        done = await service.lodge(ctx.session, ctx.actor, lid, idempotency_key=idempotency_key)
        return LodgementPayload(lodgement=Lodgement(row=done.lodgement), replayed=done.replayed)

    @strawberry.mutation(
        extensions=allow(INVESTMENT_EXECUTE),
        description="Bring money back from the client's Court Funds account to their CMS "
        "account when they need it (R-INV-6), with the reason; never more than the Court Funds "
        "balance.",
    )
    async def withdraw_from_court_funds(
        self,
        info: Info[Context, None],
        client_id: strawberry.ID,
        amount: Money,
        reason: str,
        idempotency_key: str,
    ) -> WithdrawFromCourtFundsResult:
        ctx = info.context
        cid = decode_uuid("Client", client_id)
        done = await service.withdraw(
            ctx.session, ctx.actor, cid, amount, reason, idempotency_key=idempotency_key
        )
        return CourtFundsWithdrawalPayload(
            withdrawal=CourtFundsWithdrawal(row=done.withdrawal), replayed=done.replayed
        )

    @strawberry.mutation(
        extensions=allow(INTEREST_RUN),
        description="Credit interest to every Court Funds account for a period at the special "
        "account rate in force each day (R-DATA), from the Court Funds Office. Once per period "
        "(a repeat returns the first run); a day without a rate refuses the run.",
    )
    async def post_court_funds_interest(
        self,
        info: Info[Context, None],
        period_start: date,
        period_end: Annotated[date, strawberry.argument(description="Inclusive.")],
        idempotency_key: str,
    ) -> PostCourtFundsInterestResult:
        ctx = info.context
        outcome = await service.post_interest(
            ctx.session, ctx.actor, period_start, period_end, idempotency_key=idempotency_key
        )
        return CourtFundsInterestRunPayload(
            run=CourtFundsInterestRun(row=outcome.run),
            already_run=outcome.already_run,
            replayed=outcome.already_run,
        )
