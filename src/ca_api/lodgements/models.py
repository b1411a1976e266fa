"""Tables of lodgements with the Court Funds Office (migration 0007). All append-only."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class Lodgement(Base):
    """A proposal to lodge a deputy client's surplus (R-INV-2), approved as its decision."""

    __tablename__ = "lodgement"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    proposed_by: Mapped[str] = mapped_column(Text)
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LodgementLodged(Base):
    """That a lodgement's money moved: at most one per lodgement."""

    __tablename__ = "lodgement_lodged"

    lodgement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lodgement.id"), primary_key=True)
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"))
    lodged_by: Mapped[str] = mapped_column(Text)
    lodged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CourtFundsWithdrawal(Base):
    """Money taken back from the Court Funds Office when the client needs it (R-INV-6)."""

    __tablename__ = "court_funds_withdrawal"

    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CourtFundsInterestRun(Base):
    """Interest credited to every Court Funds account for one period. One per period."""

    __tablename__ = "court_funds_interest_run"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    run_by: Mapped[str] = mapped_column(Text)
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accounts: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
