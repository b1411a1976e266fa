"""Tables of a client's outstanding debts found on appointment (migration 0033). Append-only
(R-AUD-2): a debt as it stands is the end of its chain of corrections; whether a plan is agreed
is its decision's, whether a repayment is paid its payment's."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, decision_fk, uuid_pk
from ca_api.db import Base


class OutstandingDebt(Recorded, Base):
    """A debt found on appointment (seed 002 B 14.1); a correction supersedes it, with a reason."""

    __tablename__ = "outstanding_debt"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    creditor: Mapped[str]
    kind: Mapped[str]
    amount: Mapped[int]
    incurred_on: Mapped[date]
    found_on: Mapped[date]
    reference: Mapped[str | None]
    payee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counterparty.id"))
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outstanding_debt.id"))
    reason: Mapped[str | None]


class DebtRepaymentPlan(Recorded, Base):
    """A financial statement of outstanding debts with the plan to clear them (R-DEBT-3)."""

    __tablename__ = "debt_repayment_plan"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    funds_available: Mapped[int]
    total_owed: Mapped[int]
    total_allocated: Mapped[int]
    funds_short: Mapped[bool]
    statement: Mapped[str]
    decision_id: Mapped[decision_fk] = mapped_column(unique=True)


class DebtPlanLine(Recorded, Base):
    """A debt in the plan, in R-DEBT-1's order: owed and allocated. ``debt_id`` is the debt's
    first record (stable through corrections), ``record_id`` the record the plan read."""

    __tablename__ = "debt_plan_line"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debt_repayment_plan.id"))
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outstanding_debt.id"))
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outstanding_debt.id"))
    position: Mapped[int]
    owed: Mapped[int]
    allocated: Mapped[int]


class DebtLetter(Recorded, Base):
    """The letter telling a creditor the client lacks capacity and cannot repay (R-DEBT-2)."""

    __tablename__ = "debt_letter"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debt_repayment_plan.id"))
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outstanding_debt.id"))
    creditor: Mapped[str]
    body: Mapped[str]
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stored_file.id"))


class DebtLetterSent(Recorded, Base):
    """A letter's sending (once)."""

    __tablename__ = "debt_letter_sent"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    letter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debt_letter.id"), unique=True)
    sent_on: Mapped[date]


class DebtRepayment(Recorded, Base):
    """A payment raised against a debt under an approved plan."""

    __tablename__ = "debt_repayment"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debt_repayment_plan.id"))
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outstanding_debt.id"))
    amount: Mapped[int]
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"), unique=True)
