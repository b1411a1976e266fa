"""The financial assessment status of a client (migration 0016). Append-only (R-AUD-2): each
change is a new row; the latest counts."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Mapped

from ca_api.common.columns import Recorded, client_fk, uuid_pk
from ca_api.db import Base


class FinancialAssessment(Recorded, Base):
    __tablename__ = "financial_assessment"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    status: Mapped[str]
    referred_on: Mapped[date | None]
    assessed_on: Mapped[date | None]
    weekly_charge: Mapped[int | None]  # pence
    note: Mapped[str]
