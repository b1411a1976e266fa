"""GraphQL types and enums of a client's outstanding debts found on appointment, without the
queries (``outstanding_debts/schema.py``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from ca_api.common.ids import node_id
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.debts.rules import FoundDebtKind
from ca_api.decisions.types import DecisionStatus
from ca_api.files.types import StoredFile
from ca_api.outstanding_debts.models import OutstandingDebt as DebtRow
from ca_api.outstanding_debts.reads import DebtsView, DebtView, LetterView, PlanView
from ca_api.payments.inputs import PaymentStatus

OutstandingDebtKind = FoundDebtKind
graphql_enum(
    FoundDebtKind,
    "The kind of a debt found on appointment (seed 002 B 14.2): its place in R-DEBT-1's order.",
    {
        FoundDebtKind.CARE_HOME_PERSONAL_ALLOWANCE: "A care home's 'subbing' of the client's "
        "personal allowance: repaid first.",
        FoundDebtKind.COUNCIL_CARE_CONTRIBUTION: "The council's client care contributions: "
        "repaid second.",
        FoundDebtKind.OTHER_UNSECURED: "An unsecured creditor: repaid last, oldest first.",
    },
    name="OutstandingDebtKind",
)


@strawberry.type(
    description="A record of a debt found on appointment (B 14.1). Never changed: a correction "
    "is a new record that supersedes it (R-AUD-2)."
)
class OutstandingDebtRecord:
    creditor: str = strawberry.field(description="Who is owed.")
    kind: OutstandingDebtKind = strawberry.field(description="Its kind (its place in the order).")
    amount: Money = strawberry.field(description="The amount owed when found.")
    incurred_on: date = strawberry.field(description="When the debt was incurred.")
    found_on: date = strawberry.field(description="When the team found it.")
    reference: str | None = strawberry.field(description="The creditor's reference.")
    payee_id: strawberry.ID | None = strawberry.field(
        description="The counterparty its repayments are paid to; null: not yet known."
    )
    reason: str | None = strawberry.field(description="Why it corrects the one before; null.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, row: DebtRow) -> OutstandingDebtRecord:
        return cls(
            creditor=row.creditor,
            kind=FoundDebtKind(row.kind),
            amount=Money(row.amount),
            incurred_on=row.incurred_on,
            found_on=row.found_on,
            reference=row.reference,
            payee_id=node_id("Counterparty", row.payee_id) if row.payee_id else None,
            reason=row.reason,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
        )


@strawberry.type(description="A debt found on appointment as it stands (R-DEBT, seed 002 B 14).")
class OutstandingDebt:
    debt_id: strawberry.ID = strawberry.field(
        description="The debt's id (its first record): give it to recordOutstandingDebt's "
        "correctsDebtId or raiseDebtRepayment."
    )
    current: OutstandingDebtRecord = strawberry.field(description="The record as it stands.")
    history: list[OutstandingDebtRecord] = strawberry.field(
        description="Every record of it, oldest first (corrections included)."
    )
    repaid: Money = strawberry.field(
        description="Repayments raised against it and not cancelled (raised, approved or made)."
    )
    owed: Money = strawberry.field(description="What is still owed: its amount less repaid.")

    @classmethod
    def of(cls, d: DebtView) -> OutstandingDebt:
        return cls(
            debt_id=node_id("OutstandingDebt", d.first.id),
            current=OutstandingDebtRecord.of(d.current),
            history=[OutstandingDebtRecord.of(r) for r in d.records],
            repaid=Money(d.repaid),
            owed=Money(d.owed),
        )


@strawberry.type(
    description="A debt in a repayment plan, in R-DEBT-1's order: what is owed and what the plan "
    "pays it of the funds the client can afford."
)
class DebtPlanLine:
    debt_id: strawberry.ID = strawberry.field(description="The debt.")
    position: int = strawberry.field(description="Its place in the order: 1 is paid first.")
    creditor: str = strawberry.field(description="Who is owed (as the plan read it).")
    kind: OutstandingDebtKind = strawberry.field(description="Its kind.")
    incurred_on: date = strawberry.field(description="When incurred.")
    owed: Money = strawberry.field(description="What was owed when the plan was made.")
    allocated: Money = strawberry.field(description="What the plan pays it.")
    unpaid: Money = strawberry.field(description="What the plan leaves unpaid.")


@strawberry.type(
    description="A letter to a creditor left unpaid where funds are short (R-DEBT-2, seed 002 "
    "B 14.3): the client lacks capacity and cannot repay. Made from the template as text and PDF."
)
class DebtLetter:
    letter_id: strawberry.ID = strawberry.field(description="Give it to recordDebtLetterSent.")
    debt_id: strawberry.ID = strawberry.field(description="The debt it is about.")
    creditor: str = strawberry.field(description="To whom.")
    text: str = strawberry.field(description="The letter's text.")
    pdf: StoredFile = strawberry.field(description="The letter as a PDF.")
    sent_on: date | None = strawberry.field(description="When it was sent; null: not yet.")
    sent_by: str | None = strawberry.field(description="Who recorded it sent.")

    @classmethod
    def of(cls, x: LetterView) -> DebtLetter:
        return cls(
            letter_id=node_id("DebtLetter", x.letter.id),
            debt_id=node_id("OutstandingDebt", x.letter.debt_id),
            creditor=x.letter.creditor,
            text=x.letter.body,
            pdf=StoredFile.of(x.file),
            sent_on=x.sent.sent_on if x.sent else None,
            sent_by=x.sent.recorded_by if x.sent else None,
        )


@strawberry.type(description="A payment raised against a debt under an approved plan.")
class DebtRepayment:
    debt_id: strawberry.ID = strawberry.field(description="The debt.")
    amount: Money = strawberry.field(description="Its amount.")
    payment_id: strawberry.ID = strawberry.field(description="The payment.")
    status: PaymentStatus = strawberry.field(description="The payment's status.")
    raised_by: str = strawberry.field(description="Who raised it.")


@strawberry.type(
    description="A financial statement of outstanding debts with the plan to clear them "
    "(R-DEBT-3, seed 002 B 14.4), agreed as a DEBT_STATEMENT decision within the Appendix 2 "
    "limits (SCAO up to £5,000, TGM above)."
)
class DebtRepaymentPlan:
    plan_id: strawberry.ID = strawberry.field(description="Give it to raiseDebtRepayment.")
    funds_available: Money = strawberry.field(description="What the client can afford.")
    total_owed: Money = strawberry.field(description="What was owed in all.")
    total_allocated: Money = strawberry.field(
        description="What the plan pays: the decision's amount."
    )
    funds_short: bool = strawberry.field(
        description="Whether the funds leave a debt unpaid: then each creditor left unpaid has "
        "a letter (R-DEBT-2)."
    )
    statement: str = strawberry.field(description="The financial statement's text.")
    decision_id: strawberry.ID = strawberry.field(
        description="Its DEBT_STATEMENT decision (approveDecision)."
    )
    decision_status: DecisionStatus = strawberry.field(description="That decision's status.")
    produced_by: str = strawberry.field(description="Who produced it.")
    produced_at: datetime = strawberry.field(description="When.")
    lines: list[DebtPlanLine] = strawberry.field(description="The debts, in R-DEBT-1's order.")
    letters: list[DebtLetter] = strawberry.field(description="The letters to creditors.")
    repayments: list[DebtRepayment] = strawberry.field(description="Payments raised under it.")

    @classmethod
    def of(cls, view: DebtsView, p: PlanView) -> DebtRepaymentPlan:
        lines = []
        for ln in p.lines:
            rec = view.record(ln.record_id)
            assert rec is not None
            lines.append(
                DebtPlanLine(
                    debt_id=node_id("OutstandingDebt", ln.debt_id),
                    position=ln.position,
                    creditor=rec.creditor,
                    kind=FoundDebtKind(rec.kind),
                    incurred_on=rec.incurred_on,
                    owed=Money(ln.owed),
                    allocated=Money(ln.allocated),
                    unpaid=Money(ln.owed - ln.allocated),
                )
            )
        return cls(
            plan_id=node_id("DebtRepaymentPlan", p.plan.id),
            funds_available=Money(p.plan.funds_available),
            total_owed=Money(p.plan.total_owed),
            total_allocated=Money(p.plan.total_allocated),
            funds_short=p.plan.funds_short,
            statement=p.plan.statement,
            decision_id=node_id("Decision", p.plan.decision_id),
            decision_status=DecisionStatus(p.decision_status),
            produced_by=p.plan.recorded_by,
            produced_at=p.plan.recorded_at,
            lines=lines,
            letters=[DebtLetter.of(x) for x in p.letters],
            repayments=[
                DebtRepayment(
                    debt_id=node_id("OutstandingDebt", r.debt_id),
                    amount=Money(r.amount),
                    payment_id=node_id("Payment", r.payment_id),
                    status=PaymentStatus(r.status),
                    raised_by=r.raised_by,
                )
                for r in p.repayments
            ],
        )


@strawberry.type(
    description="A client's outstanding debts found on appointment (R-DEBT, seed 002 B 14): "
    "the register in R-DEBT-1's order and the repayment plans, oldest first."
)
class OutstandingDebts:
    debts: list[OutstandingDebt] = strawberry.field(
        description="Each debt as it stands, in R-DEBT-1's order."
    )
    repayment_plans: list[DebtRepaymentPlan] = strawberry.field(
        description="Each financial statement produced, oldest first."
    )

    @classmethod
    def of(cls, view: DebtsView) -> OutstandingDebts:
        return cls(
            debts=[OutstandingDebt.of(d) for d in view.debts],
            repayment_plans=[DebtRepaymentPlan.of(view, p) for p in view.plans],
        )
