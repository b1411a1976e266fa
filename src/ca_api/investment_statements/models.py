"""Investment statements (R-INV-3), a table of migration 0008: append-only (R-AUD-2)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Mapped

from ca_api.common.columns import Recorded, client_fk, decision_fk, deputyship_fk, uuid_pk
from ca_api.db import Base


class InvestmentStatement(Recorded, Base):
    __tablename__ = "investment_statement"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    deputyship_id: Mapped[deputyship_fk]
    summary: Mapped[str]
    investments_summary: Mapped[str]
    surplus: Mapped[int]
    decision_id: Mapped[decision_fk]
    submitted_on: Mapped[date]
