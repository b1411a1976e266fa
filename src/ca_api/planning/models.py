"""Tables of migration 0005: budget plans, their lines, clients' asset declarations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class BudgetPlan(Base):
    """A client's yearly financial plan (R-CARE-2, R-BUD). Never changed: a revision is a new
    plan naming the one it supersedes. ``decision_id`` (the approval, R-DEC) may be set once."""

    __tablename__ = "budget_plan"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    plan_year_start: Mapped[date] = mapped_column(Date)
    opening_balance: Mapped[int] = mapped_column(BigInteger)
    notes: Mapped[str | None] = mapped_column(Text)
    annual_income: Mapped[int] = mapped_column(BigInteger)
    annual_expenditure: Mapped[int] = mapped_column(BigInteger)
    available_income: Mapped[int] = mapped_column(BigInteger)
    surplus: Mapped[int] = mapped_column(BigInteger)
    pa_last_year_actual: Mapped[int | None] = mapped_column(BigInteger)
    pa_price_rise_percent: Mapped[Decimal | None] = mapped_column(Numeric)
    pa_uplift: Mapped[int | None] = mapped_column(BigInteger)
    pa_year_total: Mapped[int | None] = mapped_column(BigInteger)
    pa_weekly: Mapped[int | None] = mapped_column(BigInteger)
    printed_income: Mapped[int | None] = mapped_column(BigInteger)
    printed_expenditure: Mapped[int | None] = mapped_column(BigInteger)
    printed_available_income: Mapped[int | None] = mapped_column(BigInteger)
    printed_surplus: Mapped[int | None] = mapped_column(BigInteger)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("budget_plan.id"))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BudgetPlanLine(Base):
    __tablename__ = "budget_plan_line"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budget_plan.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(Text)
    item: Mapped[str] = mapped_column(Text)
    amount: Mapped[int | None] = mapped_column(BigInteger)
    frequency: Mapped[str | None] = mapped_column(Text)
    annual_entered: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)


class ClientAssetDeclaration(Base):
    """An appointee client found to hold capital, property or a private pension (R-INV-1)."""

    __tablename__ = "client_asset_declaration"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    declared_on: Mapped[date] = mapped_column(Date)
    capital: Mapped[bool] = mapped_column(Boolean)
    property: Mapped[bool] = mapped_column(Boolean)
    private_pension: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
