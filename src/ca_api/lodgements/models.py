"""Tables of lodgements with the Court Funds Office (migration 0007). All append-only."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import PeriodRun, Recorded, client_fk, decision_fk, transfer_fk, uuid_pk
from ca_api.db import Base


class Lodgement(Base):
    """A proposal to lodge a deputy client's surplus (R-INV-2), approved as its decision."""

    __tablename__ = "lodgement"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    decision_id: Mapped[decision_fk]
    amount: Mapped[int]
    proposed_by: Mapped[str]
    proposed_at: Mapped[datetime]


class LodgementLodged(Base):
    """That a lodgement's money moved: at most one per lodgement."""

    __tablename__ = "lodgement_lodged"

    lodgement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lodgement.id"), primary_key=True)
    transfer_id: Mapped[transfer_fk]
    lodged_by: Mapped[str]
    lodged_at: Mapped[datetime]


class CourtFundsWithdrawal(Recorded, Base):
    """Money taken back from the Court Funds Office when the client needs it (R-INV-6)."""

    __tablename__ = "court_funds_withdrawal"

    transfer_id: Mapped[transfer_fk] = mapped_column(primary_key=True)
    client_id: Mapped[client_fk]
    amount: Mapped[int]
    reason: Mapped[str]


class CourtFundsInterestRun(PeriodRun, Base):
    """Interest credited to every Court Funds account for one period. One per period."""

    __tablename__ = "court_funds_interest_run"

    accounts: Mapped[int] = mapped_column(Integer)
    total: Mapped[int]
