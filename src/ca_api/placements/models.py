"""Tables of migration 0008: all append-only (R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class ApprovedInstitution(Base):
    """An institution on the register (R-INV-4), with its ledger counterparty."""

    __tablename__ = "approved_institution"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    counterparty_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("counterparty.id"))
    approved_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InstitutionReview(Base):
    __tablename__ = "institution_review"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approved_institution.id"))
    reviewed_on: Mapped[date] = mapped_column(Date)
    still_approved: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InstitutionProduct(Base):
    __tablename__ = "institution_product"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approved_institution.id"))
    name: Mapped[str] = mapped_column(Text)
    rate_percent: Mapped[Decimal] = mapped_column(Numeric)
    notice: Mapped[str] = mapped_column(Text)
    minimum: Mapped[int | None] = mapped_column(BigInteger)
    maximum: Mapped[int | None] = mapped_column(BigInteger)
    effective_from: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Placement(Base):
    __tablename__ = "placement"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approved_institution.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institution_product.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date] = mapped_column(Date)
    maturity_date: Mapped[date] = mapped_column(Date)
    rate_percent: Mapped[Decimal] = mapped_column(Numeric)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision.id"))
    protection_limit: Mapped[int] = mapped_column(BigInteger)
    protection_limit_name: Mapped[str] = mapped_column(Text)
    protection_limit_from: Mapped[date] = mapped_column(Date)
    proposed_by: Mapped[str] = mapped_column(Text)
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlacementEvent(Base):
    __tablename__ = "placement_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    placement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("placement.id"))
    event: Mapped[str] = mapped_column(Text)
    on_date: Mapped[date] = mapped_column(Date)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_account.id"))
    principal_transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"))
    interest_transfer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transfer.id"))
    interest: Mapped[int | None] = mapped_column(BigInteger)
    days_held: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExistingInvestment(Base):
    __tablename__ = "existing_investment"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    kind: Mapped[str] = mapped_column(Text)
    holder: Mapped[str] = mapped_column(Text)
    units: Mapped[Decimal | None] = mapped_column(Numeric)
    valuation: Mapped[int | None] = mapped_column(BigInteger)
    valued_on: Mapped[date | None] = mapped_column(Date)
    documents_held_at: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    revises_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("existing_investment.id"))
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvestmentStatement(Base):
    __tablename__ = "investment_statement"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    deputyship_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deputyship.id"))
    summary: Mapped[str] = mapped_column(Text)
    investments_summary: Mapped[str] = mapped_column(Text)
    surplus: Mapped[int] = mapped_column(BigInteger)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision.id"))
    submitted_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
