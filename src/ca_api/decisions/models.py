from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class Decision(Base):
    """A decision made for a client (R-DEC-1). Never changed: a change supersedes it."""

    __tablename__ = "decision"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    kind: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    what_was_decided: Mapped[str] = mapped_column(Text)
    best_interests_reason: Mapped[str] = mapped_column(Text)
    consulted: Mapped[str] = mapped_column(Text)
    client_involved: Mapped[bool] = mapped_column(Boolean)
    why_client_not_involved: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    recipient_name: Mapped[str | None] = mapped_column(Text)
    recipient_name_key: Mapped[str | None] = mapped_column(Text)
    recipient_date_of_birth: Mapped[date | None] = mapped_column(Date)
    recipient_counterparty_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("counterparty.id")
    )
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decision.id"))
    supersede_reason: Mapped[str | None] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    raised_on: Mapped[date] = mapped_column(Date)


class DecisionAuthor(Base):
    """Someone who wrote what a decision decides (R-ROLE-2): whoever raised it, and whoever the
    module raising it names (a budget plan's recorders, a superseded decision's authors).
    Written with the decision, never changed (migration 0011)."""

    __tablename__ = "decision_author"

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision.id"), primary_key=True)
    author: Mapped[str] = mapped_column(Text, primary_key=True)


class DecisionEvent(Base):
    __tablename__ = "decision_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision.id"))
    event: Mapped[str] = mapped_column(Text)
    on_date: Mapped[date] = mapped_column(Date)
    limit_version_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("approval_limit_version.id")
    )
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decision.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
