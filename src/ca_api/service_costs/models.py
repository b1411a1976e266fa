"""Tables of the service's cost table and the exceptions register (migration 0041).
Append-only (R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Text

from ca_api.common.columns import Recorded, bigserial_pk, uuid_pk
from ca_api.db import Base


class ServiceCostVersion(Recorded, Base):
    """The whole cost table from an effective date (R-REP-3, R-DATA)."""

    __tablename__ = "service_cost_version"

    id: Mapped[uuid_pk]
    effective_from: Mapped[date]
    overhead_rate: Mapped[Decimal]
    bank_charges: Mapped[int]
    note: Mapped[str]


class ServiceCostRole(Base):
    """A staff role of a version, in its order."""

    __tablename__ = "service_cost_role"

    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_cost_version.id"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    fte: Mapped[Decimal]
    payroll: Mapped[int]
    overheads: Mapped[int | None]


class PolicyException(Base):
    """An exception to the policy submitted to the governance manager (seed 002 D 1.3)."""

    __tablename__ = "policy_exception"

    id: Mapped[uuid_pk]
    summary: Mapped[str]
    policy_reference: Mapped[str]
    client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("client.id"))
    submitted_on: Mapped[date]
    submitted_by: Mapped[str]
    submitted_by_role: Mapped[str]
    recorded_at: Mapped[datetime]


class PolicyExceptionDecision(Base):
    """The governance manager's decision on an exception, once."""

    __tablename__ = "policy_exception_decision"

    id: Mapped[bigserial_pk]
    exception_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("policy_exception.id"))
    outcome: Mapped[str]
    reason: Mapped[str]
    referred_to: Mapped[list[str]] = mapped_column(ARRAY(Text))
    decided_on: Mapped[date]
    decided_by: Mapped[str]
    decided_by_role: Mapped[str]
    recorded_at: Mapped[datetime]
