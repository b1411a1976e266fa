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
    DECISION_READ,
    INTEREST_RUN,
    INVESTMENT_EXECUTE,
    INVESTMENT_PROPOSE,
    INVESTMENT_READ,
    allow,
)
from ca_api.clients.schema import Client, client_filter, client_of
from ca_api.common.arguments import ONLY_CLIENT, REPEATED_REQUEST_TEXT, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid, encode_id, node_id
from ca_api.common.keyset import Seek
from ca_api.common.node import Node, NodeType, by_role, in_scope
from ca_api.common.pagination import Connection, Page, Paged, PageRequest
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
from ca_api.common.types import from_source, graphql_enum
from ca_api.context import Context
from ca_api.decisions.schema import Decision, decision_of
from ca_api.errors import ApiError, ErrorCode, found
from ca_api.ledger.schema import ALREADY_RUN, interest_runs_page
from ca_api.ledger.types import Transfer, load_transfer
from ca_api.lodgements import rules, service
from ca_api.lodgements.inputs import (
    LodgeInput,
    PostCourtFundsInterestInput,
    ProposeLodgementInput,
    WithdrawFromCourtFundsInput,
)
from ca_api.lodgements.models import CourtFundsInterestRun as InterestRunRow
from ca_api.lodgements.models import CourtFundsWithdrawal as WithdrawalRow
from ca_api.lodgements.repository import LodgementRow

LodgementStatus = rules.LodgementStatus
graphql_enum(
    LodgementStatus,
    "Derived from the lodgement's investment plan decision and whether it was lodged.",
    {
        LodgementStatus.PROPOSED: "Its investment plan decision awaits the governance manager "
        "(R-DEC).",
        LodgementStatus.APPROVED: "The decision is approved: not yet lodged.",
        LodgementStatus.LODGED: "The money moved from the CMS account to the client's Court "
        "Funds account.",
        LodgementStatus.REFUSED: "The decision was refused: nothing is lodged.",
        LodgementStatus.SUPERSEDED: "The decision was changed: its successor is a new "
        "decision, not this lodgement's.",
    },
)


@strawberry.type(
    description="A deputy client's surplus proposed for the Court Funds Office special account "
    "(R-INV-2), approved as an investment plan decision (R-DEC)."
)
class Lodgement(Node):
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

    id: strawberry.ID = strawberry.field(description="The lodgement's global id.")
    client_id: strawberry.ID = strawberry.field(description="The deputy client whose money it is.")
    decision_id: strawberry.ID = strawberry.field(
        description="The investment plan decision that approves it."
    )
    amount: Money = strawberry.field(description="The money to lodge.")
    status: LodgementStatus = strawberry.field(description="Where it stands.")
    proposed_by: str = strawberry.field(description="Who proposed it.")
    proposed_at: datetime = strawberry.field(description="When it was proposed.")
    lodged_by: str | None = strawberry.field(description="Who lodged it; null: not lodged.")
    lodged_at: datetime | None = strawberry.field(
        description="When it was lodged; null: not lodged."
    )

    @strawberry.field(description="The deputy client whose money it is.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.row.lodgement.client_id)

    @strawberry.field(
        description="The investment plan decision that approves it (R-DEC), as decision(id:) "
        "shows it."
    )
    async def decision(self, info: Info[Context, None]) -> Decision:
        return await _decision(info.context, self.row.lodgement.decision_id)

    @strawberry.field(description="The ledger transfer CMS -> Court Funds, once lodged.")
    def transfer_id(self) -> strawberry.ID | None:
        if self.row.lodged is None:
            return None
        return strawberry.ID(encode_id("Transfer", self.row.lodged.transfer_id))

    @strawberry.field(description="The ledger transfer CMS -> Court Funds; null: not lodged.")
    async def transfer(self, info: Info[Context, None]) -> Transfer | None:
        if self.row.lodged is None:
            return None
        return await load_transfer(info.context, self.row.lodged.transfer_id)


@strawberry.type(description="Money brought back from the Court Funds Office (R-INV-6).")
class CourtFundsWithdrawal(Node):
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
    client_id: strawberry.ID = strawberry.field(description="The client whose money it is.")
    transfer_id: strawberry.ID = strawberry.field(
        description="The ledger transfer Court Funds -> CMS."
    )
    amount: Money = strawberry.field(description="The money brought back.")
    reason: str = strawberry.field(description="What the client needs the money for.")
    recorded_by: str = strawberry.field(description="Who recorded it (R-AUD-1).")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @strawberry.field(description="The client whose money it is.")
    async def client(self, info: Info[Context, None]) -> Client:
        return await client_of(info.context, self.row.client_id)

    @strawberry.field(description="The ledger transfer Court Funds -> CMS.")
    async def transfer(self, info: Info[Context, None]) -> Transfer:
        transfer = await load_transfer(info.context, self.row.transfer_id)
        return found(transfer, "transfer", self.transfer_id)


@strawberry.type(
    description="Interest credited to every Court Funds account for a period at the special "
    "account rate in force each day (R-DATA). One per period."
)
class CourtFundsInterestRun(Node):
    row: strawberry.Private[InterestRunRow]

    @classmethod
    def from_row(cls, row: InterestRunRow) -> CourtFundsInterestRun:
        return from_source(cls, row, row=row)

    id: strawberry.ID = strawberry.field(description="The run's global id.")
    period_start: date = strawberry.field(description="The first day of the period.")
    period_end: date = strawberry.field(description="The last day of the period (inclusive).")
    run_by: str = strawberry.field(description="Who ran it.")
    run_at: datetime = strawberry.field(description="When it was run.")
    accounts: int = strawberry.field(
        description="Accounts credited (those whose interest was a penny or more)."
    )
    total: Money = strawberry.field(description="The interest credited to all of them.")


@strawberry.type(description="The lodgement proposed or lodged.")
class LodgementPayload:
    lodgement: Lodgement = strawberry.field(description="The lodgement as it now stands.")
    replayed: bool = replayed_field(REPEATED_REQUEST_TEXT)

    @classmethod
    def of(cls, done: service.LodgementOutcome) -> LodgementPayload:
        return cls(lodgement=Lodgement.from_row(done.lodgement), replayed=done.replayed)


@strawberry.type(description="The money brought back from the Court Funds Office.")
class CourtFundsWithdrawalPayload:
    withdrawal: CourtFundsWithdrawal = strawberry.field(description="The withdrawal recorded.")
    replayed: bool = replayed_field()


@strawberry.type(description="The Court Funds interest run for the period.")
class CourtFundsInterestRunPayload:
    run: CourtFundsInterestRun = strawberry.field(
        description="The run: this one, or the one before."
    )
    already_run: bool = strawberry.field(description=ALREADY_RUN)
    replayed: bool = replayed_field(
        "A repeat of the idempotency key or of the period: the same as alreadyRun."
    )


ProposeLodgementResult = Annotated[
    LodgementPayload
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem
    | SurplusRuleProblem
    | PolicyMissingProblem
    | InvalidStateProblem,
    strawberry.union(
        "ProposeLodgementResult",
        description="The lodgement proposed (its decision raised), or why it was not.",
    ),
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
    strawberry.union("LodgeResult", description="The lodgement lodged, or why it was not."),
]
WithdrawFromCourtFundsResult = Annotated[
    CourtFundsWithdrawalPayload
    | InsufficientFundsProblem
    | ValidationProblem
    | NotFoundProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "WithdrawFromCourtFundsResult",
        description="The money brought back, or why it was not.",
    ),
]
PostCourtFundsInterestResult = Annotated[
    CourtFundsInterestRunPayload
    | ValidationProblem
    | PolicyMissingProblem
    | IdempotencyKeyReusedProblem,
    strawberry.union(
        "PostCourtFundsInterestResult",
        description="The interest run, or why there was none.",
    ),
]


@strawberry.type
class LodgementQuery:
    @strawberry.field(
        extensions=[Paged(25), *allow(INVESTMENT_READ)],
        description="Lodgements with the Court Funds Office, newest proposal first; a client's "
        "only when clientId is given.",
    )
    async def lodgements(
        self,
        info: Info[Context, None],
        page: Page,
        client_id: ONLY_CLIENT = None,
        status: Annotated[
            LodgementStatus | None, strawberry.argument(description="Only those in this status.")
        ] = None,
    ) -> Connection[Lodgement]:
        ctx = info.context

        async def fetch(seek: Seek[tuple[datetime, uuid.UUID]]) -> list[LodgementRow]:
            cid = await client_filter(ctx, client_id)
            return await service.list_lodgements(
                ctx.session, client_id=cid, status=status, seek=seek
            )

        return await page.connection(
            cursor=PageRequest.time_id,
            fetch=fetch,
            key=lambda r: [r.lodgement.proposed_at.isoformat(), str(r.lodgement.id)],
            node=Lodgement.from_row,
        )

    @strawberry.field(
        extensions=[Paged(25), *allow(INVESTMENT_READ)],
        description="Court Funds Office interest runs, newest period first.",
    )
    async def court_funds_interest_runs(
        self, info: Info[Context, None], page: Page
    ) -> Connection[CourtFundsInterestRun]:
        return await interest_runs_page(
            info.context, service.COURT_FUNDS_INTEREST, page, CourtFundsInterestRun.from_row
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
        self,
        info: Info[Context, None],
        input: Annotated[
            ProposeLodgementInput,
            strawberry.argument(description="The proposal, and the request's idempotency key."),
        ],
    ) -> ProposeLodgementResult:
        done = await as_caller(
            info, service.propose, input.to_proposal(), idempotency_key=input.idempotency_key
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
        self,
        info: Info[Context, None],
        input: Annotated[
            LodgeInput,
            strawberry.argument(
                description="The approved lodgement, and the request's idempotency key."
            ),
        ],
    ) -> LodgeResult:
        lid = decode_uuid("Lodgement", input.lodgement_id)
        done = await as_caller(info, service.lodge, lid, idempotency_key=input.idempotency_key)
        return LodgementPayload.of(done)

    @strawberry.mutation(
        extensions=allow(INVESTMENT_EXECUTE),
        description="Bring money back from the client's Court Funds account to their CMS "
        "account when they need it (R-INV-6), with the reason; never more than the Court Funds "
        "balance. After a client's death this is how lodged money comes home before the estate "
        "is paid (seed 002 B 29).",
    )
    async def withdraw_from_court_funds(
        self,
        info: Info[Context, None],
        input: Annotated[
            WithdrawFromCourtFundsInput,
            strawberry.argument(
                description="The client, the money and why, and the request's idempotency key."
            ),
        ],
    ) -> WithdrawFromCourtFundsResult:
        cid = decode_uuid("Client", input.client_id)
        done = await as_caller(
            info,
            service.withdraw,
            cid,
            input.amount,
            input.reason,
            idempotency_key=input.idempotency_key,
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
        input: Annotated[
            PostCourtFundsInterestInput,
            strawberry.argument(description="The period, and the request's idempotency key."),
        ],
    ) -> PostCourtFundsInterestResult:
        outcome = await as_caller(
            info,
            service.post_interest,
            input.period_start,
            input.period_end,
            idempotency_key=input.idempotency_key,
        )
        return CourtFundsInterestRunPayload(
            run=CourtFundsInterestRun.from_row(outcome.run),
            already_run=outcome.already_run,
            replayed=outcome.already_run,
        )


async def _decision(ctx: Context, decision_id: uuid.UUID) -> Decision:
    """A lodgement's decision, through the request's batch loader, with the permission of
    decision(id:) (DECISION_READ; every role that reads lodgements has it)."""
    if not ctx.principal.has_any(DECISION_READ):
        raise ApiError(ErrorCode.FORBIDDEN, "your role may not read a Decision")
    return await decision_of(ctx, decision_id)


# The types node(id:) fetches (common.node): each with the roles of its own lookup. None has an
# x(id:) field: a lodgement is read through lodgements and a run through courtFundsInterestRuns
# (INVESTMENT_READ); a withdrawal only in withdrawFromCourtFunds's payload (INVESTMENT_EXECUTE).
NODES: tuple[NodeType, ...] = (
    NodeType("Lodgement", INVESTMENT_READ, in_scope(service.lodgements_by_id, Lodgement.from_row)),
    NodeType(
        "CourtFundsWithdrawal",
        INVESTMENT_EXECUTE,
        in_scope(service.withdrawals_by_id, CourtFundsWithdrawal.from_row),
    ),
    NodeType(
        "CourtFundsInterestRun",
        INVESTMENT_READ,
        by_role(service.interest_runs_by_id, CourtFundsInterestRun.from_row),
    ),
)
