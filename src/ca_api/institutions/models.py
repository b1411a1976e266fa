"""The register of approved institutions (R-INV-4), tables of migration 0008: append-only
(R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Numeric, Text
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
