from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded
from ca_api.db import Base


class PolicyFigure(Recorded, Base):
    __tablename__ = "policy_figure"

    name: Mapped[str] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(primary_key=True)
    value: Mapped[Decimal | None]
    unit: Mapped[str]
    source: Mapped[str]


class ApprovalLimitVersion(Recorded, Base):
    __tablename__ = "approval_limit_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date]
    note: Mapped[str]


class ApprovalLimit(Base):
    __tablename__ = "approval_limit"

    version_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("approval_limit_version.id"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(primary_key=True)
    up_to: Mapped[int | None]
