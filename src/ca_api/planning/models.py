"""Tables of migration 0005: budget plans, their lines, clients' asset declarations."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, uuid_pk
from ca_api.db import Base


class BudgetPlan(Recorded, Base):
    """A client's yearly financial plan (R-CARE-2, R-BUD). Never changed: a revision is a new
    plan naming the one it supersedes. ``decision_id`` (the approval, R-DEC) may be set once."""

    __tablename__ = "budget_plan"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    plan_year_start: Mapped[date]
    opening_balance: Mapped[int]
    notes: Mapped[str | None]
    annual_income: Mapped[int]
    annual_expenditure: Mapped[int]
    available_income: Mapped[int]
    surplus: Mapped[int]
    pa_last_year_actual: Mapped[int | None]
    pa_price_rise_percent: Mapped[Decimal | None]
    pa_uplift: Mapped[int | None]
    pa_year_total: Mapped[int | None]
    pa_weekly: Mapped[int | None]
    printed_income: Mapped[int | None]
    printed_expenditure: Mapped[int | None]
    printed_available_income: Mapped[int | None]
    printed_surplus: Mapped[int | None]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("budget_plan.id"))
    decision_id: Mapped[uuid.UUID | None]


class BudgetPlanLine(Base):
    __tablename__ = "budget_plan_line"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budget_plan.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str]
    item: Mapped[str]
    amount: Mapped[int | None]
    frequency: Mapped[str | None]
    annual_entered: Mapped[int | None]
    note: Mapped[str | None]


class ClientAssetDeclaration(Recorded, Base):
    """An appointee client found to hold capital, property or a private pension (R-INV-1)."""

    __tablename__ = "client_asset_declaration"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    declared_on: Mapped[date]
    capital: Mapped[bool]
    property: Mapped[bool]
    private_pension: Mapped[bool]
    note: Mapped[str]
