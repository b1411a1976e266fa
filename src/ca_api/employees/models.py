"""The council employee register and its leavers (migration 0003). Append-only (R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class CouncilEmployee(Base):
    """One entry of the council employee register (R-ROLE-3). Never changed."""

    __tablename__ = "council_employee"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    employee_number: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CouncilEmployeeLeaver(Base):
    """That an employee left, and when: a new row, never an update (R-AUD-2)."""

    __tablename__ = "council_employee_leaver"

    employee_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("council_employee.id"), primary_key=True
    )
    left_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
