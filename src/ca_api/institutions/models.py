"""The register of approved institutions (R-INV-4), tables of migration 0008: append-only
(R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, bigserial_pk, counterparty_fk, uuid_pk
from ca_api.db import Base


class ApprovedInstitution(Recorded, Base):
    """An institution on the register (R-INV-4), with its ledger counterparty."""

    __tablename__ = "approved_institution"

    id: Mapped[uuid_pk]
    name: Mapped[str]
    counterparty_id: Mapped[counterparty_fk]
    approved_on: Mapped[date]
    note: Mapped[str | None]


class InstitutionReview(Recorded, Base):
    __tablename__ = "institution_review"

    id: Mapped[bigserial_pk]
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approved_institution.id"))
    reviewed_on: Mapped[date]
    still_approved: Mapped[bool]
    note: Mapped[str]


class InstitutionProduct(Recorded, Base):
    __tablename__ = "institution_product"

    id: Mapped[uuid_pk]
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("approved_institution.id"))
    name: Mapped[str]
    rate_percent: Mapped[Decimal]
    notice: Mapped[str]
    minimum: Mapped[int | None]
    maximum: Mapped[int | None]
    effective_from: Mapped[date]
