"""GraphQL of a client's outstanding debts found on appointment (issue 14 item 2; R-DEBT-1..3,
seed 002 B 14): thin. Casework records debts, produces the financial statement (with its
DEBT_STATEMENT decision and, where funds are short, the letters), records letters sent and raises
repayments under an approved statement; officers and audit read them; social workers none."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from ca_api.auth.permissions import DEBT_READ, DEBT_RECORD, DEBT_REPAY, DEBT_STATEMENT, allow
from ca_api.clients.schema import Client, client_of, readable_client_id
from ca_api.common.arguments import idempotency_key_field, replayed_field
from ca_api.common.calls import as_caller
from ca_api.common.ids import decode_uuid
from ca_api.common.problems import (
    IdempotencyKeyReusedProblem,
    InvalidStateProblem,
    NotFoundProblem,
    ValidationProblem,
)
from ca_api.common.scalars import Money
from ca_api.context import Context
from ca_api.outstanding_debts import reads, recording, repayments, statement
from ca_api.outstanding_debts.types import (
    DebtRepaymentPlan,
    OutstandingDebtKind,
    OutstandingDebts,
)
from ca_api.payments.schema import Payment


@strawberry.type(description="A client's outstanding debts as the mutation left them.")
class OutstandingDebtsPayload:
    client: Client = strawberry.field(description="The client.")
    outstanding_debts: OutstandingDebts = strawberry.field(description="As they now stand.")
    replayed: bool = replayed_field()


async def debts_payload(
    info: Info[Context, None], done: reads.DebtsOutcome
) -> OutstandingDebtsPayload:
    return OutstandingDebtsPayload(
        client=await client_of(info.context, done.view.client_id),
        outstanding_debts=OutstandingDebts.of(done.view),
        replayed=done.replayed,
    )


@strawberry.type(description="A debt's repayment raised, and its plan.")
class DebtRepaymentPayload:
    repayment_plan: DebtRepaymentPlan = strawberry.field(description="The plan, its repayments.")
    payment: Payment = strawberry.field(
        description="The payment raised: a second officer approves it (approvePayment, which "
        "checks the statement's decision again), then it is made (makePayment)."
    )
    replayed: bool = replayed_field()


@strawberry.input(description="A debt found on appointment (seed 002 B 14.1), and the key.")
class RecordOutstandingDebtInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    creditor: str = strawberry.field(description="Who is owed.")
    kind: OutstandingDebtKind = strawberry.field(description="Its kind (R-DEBT-1's order).")
    amount: Money = strawberry.field(description="What is owed: more than 0.00.")
    incurred_on: date = strawberry.field(description="When incurred: not after foundOn.")
    found_on: date = strawberry.field(description="When the team found it: not in the future.")
    reference: str | None = strawberry.field(default=None, description="The creditor's reference.")
    payee_id: strawberry.ID | None = strawberry.field(
        default=None, description="The counterparty to pay (needed to raise a repayment)."
    )
    corrects_debt_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A correction of this debt (its debtId): a new record supersedes its current "
        "one (R-AUD-2); null: a debt newly found.",
    )
    reason: str | None = strawberry.field(
        default=None, description="Why it corrects the record (required with correctsDebtId)."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(
    description="A financial statement of the client's outstanding debts to produce (R-DEBT-3): "
    "what the client can afford, its decision's particulars (R-DEC-1), and the key."
)
class ProduceDebtStatementInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    funds_available: Money = strawberry.field(
        description="What the client can afford towards the debts (not negative)."
    )
    best_interests_reason: str = strawberry.field(
        description="Why the plan is in the client's best interests."
    )
    consulted: str = strawberry.field(description="Who was consulted.")
    client_involved: bool = strawberry.field(description="Whether the client was involved.")
    why_client_not_involved: str | None = strawberry.field(
        default=None, description="Why not, when the client was not involved."
    )
    notes: str | None = strawberry.field(default=None, description="Anything else.")
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A letter to a creditor sent (R-DEBT-2), and the key.")
class RecordDebtLetterSentInput:
    letter_id: strawberry.ID = strawberry.field(description="The letter (its letterId).")
    sent_on: date = strawberry.field(
        description="When it was sent: not before it was made, not in the future."
    )
    idempotency_key: str = idempotency_key_field()


@strawberry.input(description="A debt to repay under an approved plan, and the key.")
class RaiseDebtRepaymentInput:
    plan_id: strawberry.ID = strawberry.field(description="The plan (its planId).")
    debt_id: strawberry.ID = strawberry.field(description="The debt (its debtId).")
    idempotency_key: str = idempotency_key_field()


_Problems = ValidationProblem | InvalidStateProblem | NotFoundProblem | IdempotencyKeyReusedProblem
RecordOutstandingDebtResult = Annotated[
    OutstandingDebtsPayload | _Problems,
    strawberry.union(
        "RecordOutstandingDebtResult",
        description="The client's debts with it, or why not: no creditor, nothing owed, found "
        "in the future, incurred after found, a correction without its reason.",
    ),
]
ProduceDebtStatementResult = Annotated[
    OutstandingDebtsPayload | _Problems,
    strawberry.union(
        "ProduceDebtStatementResult",
        description="The statement, its plan, decision and letters, or why not: no debt owed "
        "(INVALID_STATE), the decision's particulars missing (R-DEC-1), the client's death "
        "confirmed (INVALID_STATE, code CLIENT_DECEASED).",
    ),
]
RecordDebtLetterSentResult = Annotated[
    OutstandingDebtsPayload | _Problems,
    strawberry.union(
        "RecordDebtLetterSentResult",
        description="The letter recorded sent, or why not: the statement not approved, sent "
        "already (INVALID_STATE), sent before it was made or in the future.",
    ),
]
RaiseDebtRepaymentResult = Annotated[
    DebtRepaymentPayload | _Problems,
    strawberry.union(
        "RaiseDebtRepaymentResult",
        description="The repayment raised, or why not (INVALID_STATE): the statement not "
        "approved, the plan pays the debt nothing, no payee, raised already, the client's death "
        "confirmed (code CLIENT_DECEASED).",
    ),
]


@strawberry.type
class OutstandingDebtQuery:
    @strawberry.field(
        extensions=allow(DEBT_READ),
        description="A client's outstanding debts found on appointment (issue 14 item 2; "
        "R-DEBT, seed 002 B 14): the register in R-DEBT-1's order, the financial statements "
        "and their plans, letters and repayments. NOT_FOUND for a client the caller may not read.",
    )
    async def outstanding_debts(
        self,
        info: Info[Context, None],
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
    ) -> OutstandingDebts:
        cid = await readable_client_id(info.context, client_id)
        return OutstandingDebts.of(await reads.debts_of(info.context.session, cid))


@strawberry.type
class OutstandingDebtMutation:
    @strawberry.mutation(
        extensions=allow(DEBT_RECORD),
        description="Record a debt found on appointment (seed 002 B 14.1, R-DEBT): creditor, "
        "kind, amount, when incurred. With correctsDebtId: a correction, a new record with the "
        "reason (R-AUD-2).",
    )
    async def record_outstanding_debt(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordOutstandingDebtInput, strawberry.argument(description="The debt, the key.")
        ],
    ) -> RecordOutstandingDebtResult:
        done = await as_caller(
            info,
            recording.record_debt,
            recording.FoundDebt(
                client_id=decode_uuid("Client", input.client_id),
                creditor=input.creditor,
                kind=input.kind,
                amount=int(input.amount),
                incurred_on=input.incurred_on,
                found_on=input.found_on,
                reference=input.reference,
                payee_id=decode_uuid("Counterparty", input.payee_id)
                if input.payee_id is not None
                else None,
                corrects_debt_id=decode_uuid("OutstandingDebt", input.corrects_debt_id)
                if input.corrects_debt_id is not None
                else None,
                reason=input.reason,
            ),
            idempotency_key=input.idempotency_key,
        )
        return await debts_payload(info, done)

    @strawberry.mutation(
        extensions=allow(DEBT_STATEMENT),
        description="Produce the financial statement of the client's outstanding debts with the "
        "plan to clear them (R-DEBT-3, seed 002 B 14.4): the debts in R-DEBT-1's order (care "
        "homes, then the council, then unsecured creditors oldest first), what the client can "
        "afford paid in that order; a DEBT_STATEMENT decision is raised for it, approved "
        "(approveDecision) within the Appendix 2 limits by another (R-DEC, R-ROLE-2). Where funds "
        "are short, a letter (text and PDF) to each creditor left unpaid (R-DEBT-2, B 14.3).",
    )
    async def produce_debt_statement(
        self,
        info: Info[Context, None],
        input: Annotated[
            ProduceDebtStatementInput, strawberry.argument(description="The statement, the key.")
        ],
    ) -> ProduceDebtStatementResult:
        done = await as_caller(
            info,
            statement.produce_statement,
            statement.StatementRequest(
                client_id=decode_uuid("Client", input.client_id),
                funds_available=int(input.funds_available),
                best_interests_reason=input.best_interests_reason,
                consulted=input.consulted,
                client_involved=input.client_involved,
                why_client_not_involved=input.why_client_not_involved,
                notes=input.notes,
            ),
            idempotency_key=input.idempotency_key,
        )
        return await debts_payload(info, done)

    @strawberry.mutation(
        extensions=allow(DEBT_RECORD),
        description="Record a letter to a creditor sent (R-DEBT-2, seed 002 B 14.3): once, and "
        "only once its financial statement is approved.",
    )
    async def record_debt_letter_sent(
        self,
        info: Info[Context, None],
        input: Annotated[
            RecordDebtLetterSentInput, strawberry.argument(description="The letter, the key.")
        ],
    ) -> RecordDebtLetterSentResult:
        done = await as_caller(
            info,
            statement.record_letter_sent,
            decode_uuid("DebtLetter", input.letter_id),
            sent_on=input.sent_on,
            idempotency_key=input.idempotency_key,
        )
        return await debts_payload(info, done)

    @strawberry.mutation(
        extensions=allow(DEBT_REPAY),
        description="Raise the payment of a debt's share under an approved financial statement "
        "(seed 002 B 14.4, R-DEBT-3): its allocation, to the debt's payee, once. A second "
        "officer approves it (approvePayment, refused if the statement no longer stands) and it "
        "is made (makePayment).",
    )
    async def raise_debt_repayment(
        self,
        info: Info[Context, None],
        input: Annotated[
            RaiseDebtRepaymentInput, strawberry.argument(description="The plan, debt, key.")
        ],
    ) -> RaiseDebtRepaymentResult:
        plan_id = decode_uuid("DebtRepaymentPlan", input.plan_id)
        done = await as_caller(
            info,
            repayments.raise_repayment,
            plan_id,
            decode_uuid("OutstandingDebt", input.debt_id),
            idempotency_key=input.idempotency_key,
        )
        plan = done.view.plan(plan_id)
        assert plan is not None
        return DebtRepaymentPayload(
            repayment_plan=DebtRepaymentPlan.of(done.view, plan),
            payment=Payment.from_view(done.payment.payment),
            replayed=done.replayed,
        )
