"""The council employee register and its leavers (migration 0003). Append-only (R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, uuid_pk
from ca_api.db import Base


class CouncilEmployee(Recorded, Base):
    """One entry of the council employee register (R-ROLE-3). Never changed."""

    __tablename__ = "council_employee"

    id: Mapped[uuid_pk]
    employee_number: Mapped[str]
    name: Mapped[str]
    name_key: Mapped[str]
    date_of_birth: Mapped[date | None]


class CouncilEmployeeLeaver(Recorded, Base):
    """That an employee left, and when: a new row, never an update (R-AUD-2)."""

    __tablename__ = "council_employee_leaver"

    employee_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("council_employee.id"), primary_key=True
    )
    left_on: Mapped[date]
    reason: Mapped[str | None]
