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
from ca_api.clients.schema import readable_client
from ca_api.common.ids import decode_uuid, encode_id, node_id
from ca_api.common.node import NodeType
from ca_api.common.pagination import Connection, PageRequest, paginate
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
from ca_api.common.types import from_source
from ca_api.context import Context
from ca_api.ledger.schema import ALREADY_RUN, interest_runs_page
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

    @classmethod
    def from_row(cls, row: LodgementRow) -> Lodgement:
        return from_source(
            cls,
            row.lodgement,
            row=row,
            decision_id=node_id("Decision", row.lodgement.decision_id),
            status=row.status,
            lodged_by=row.lodged.lodged_by if row.lodged else None,
            lodged_at=row.lodged.lodged_at if row.lodged else None,
        )

    id: strawberry.ID
    client_id: strawberry.ID
    decision_id: strawberry.ID = strawberry.field(
        description="The investment plan decision that approves it."
    )
    amount: Money
    status: LodgementStatus
    proposed_by: str
    proposed_at: datetime
    lodged_by: str | None
    lodged_at: datetime | None

    @strawberry.field(description="The ledger transfer CMS -> Court Funds, once lodged.")
    def transfer_id(self) -> strawberry.ID | None:
        if self.row.lodged is None:
            return None
        return strawberry.ID(encode_id("Transfer", self.row.lodged.transfer_id))


@strawberry.type(description="Money brought back from the Court Funds Office (R-INV-6).")
class CourtFundsWithdrawal:
    row: strawberry.Private[WithdrawalRow]

    @classmethod
    def from_row(cls, row: WithdrawalRow) -> CourtFundsWithdrawal:
        return from_source(
            cls,
            row,
            row=row,
            id=node_id("CourtFundsWithdrawal", row.transfer_id),
            transfer_id=node_id("Transfer", row.transfer_id),
        )

    id: strawberry.ID = strawberry.field(description="The withdrawal's id (its ledger transfer's).")
    client_id: strawberry.ID
    transfer_id: strawberry.ID
    amount: Money
    reason: str = strawberry.field(description="What the client needs the money for.")
    recorded_by: str
    recorded_at: datetime


@strawberry.type(
    description="Interest credited to every Court Funds account for a period at the special "
    "account rate in force each day (R-DATA). One per period."
)
class CourtFundsInterestRun:
    row: strawberry.Private[InterestRunRow]

    @classmethod
    def from_row(cls, row: InterestRunRow) -> CourtFundsInterestRun:
        return from_source(cls, row, row=row)

    id: strawberry.ID
    period_start: date
    period_end: date = strawberry.field(description="Inclusive.")
    run_by: str
    run_at: datetime
    accounts: int = strawberry.field(
        description="Accounts credited (those whose interest was a penny or more)."
    )
    total: Money


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

    @classmethod
    def of(cls, done: service.LodgementOutcome) -> LodgementPayload:
        return cls(lodgement=Lodgement.from_row(done.lodgement), replayed=done.replayed)


@strawberry.type
class CourtFundsWithdrawalPayload:
    withdrawal: CourtFundsWithdrawal
    replayed: bool = strawberry.field(description="A repeat of an idempotency key: nothing new.")


@strawberry.type
class CourtFundsInterestRunPayload:
    run: CourtFundsInterestRun
    already_run: bool = strawberry.field(description=ALREADY_RUN)
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

        async def fetch(key: tuple[datetime, uuid.UUID] | None, limit: int) -> list[LodgementRow]:
            cid: uuid.UUID | None = None
            if client_id is not None:
                cid = decode_uuid("Client", client_id)
                await readable_client(ctx, cid, client_id)
            return await service.list_lodgements(
                ctx.session, client_id=cid, status=status, after=key, limit=limit
            )

        return await paginate(
            first,
            after,
            default=25,
            maximum=ctx.settings.max_page_size,
            cursor=PageRequest.after_time_id,
            fetch=fetch,
            key=lambda r: [r.lodgement.proposed_at.isoformat(), str(r.lodgement.id)],
            node=Lodgement.from_row,
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
        return await interest_runs_page(
            info.context,
            service.COURT_FUNDS_INTEREST,
            first,
            after,
            CourtFundsInterestRun.from_row,
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
        client = {"client_id": decode_uuid("Client", input.client_id)}
        proposal = service.Proposal(**(vars(input) | client))  # the input's fields as they are
        done = await service.propose(
            ctx.session, ctx.actor, proposal, idempotency_key=idempotency_key
        )
        return LodgementPayload.of(done)

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
        return LodgementPayload.of(done)

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
            withdrawal=CourtFundsWithdrawal.from_row(done.withdrawal), replayed=done.replayed
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
            run=CourtFundsInterestRun.from_row(outcome.run),
            already_run=outcome.already_run,
            replayed=outcome.already_run,
        )


# The types node(id:) fetches (common.node): each with the roles of its own lookup.
NODES: tuple[NodeType, ...] = ()
