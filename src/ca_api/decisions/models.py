from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import (
    Recorded,
    bigserial_pk,
    client_fk,
    counterparty_fk,
    decision_fk,
    uuid_pk,
)
from ca_api.db import Base


class Decision(Base):
    """A decision made for a client (R-DEC-1). Never changed: a change supersedes it."""

    __tablename__ = "decision"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    kind: Mapped[str]
    amount: Mapped[int]
    what_was_decided: Mapped[str]
    best_interests_reason: Mapped[str]
    consulted: Mapped[str]
    client_involved: Mapped[bool]
    why_client_not_involved: Mapped[str | None]
    notes: Mapped[str | None]
    recipient_name: Mapped[str | None]
    recipient_name_key: Mapped[str | None]
    recipient_date_of_birth: Mapped[date | None]
    recipient_counterparty_id: Mapped[counterparty_fk | None]
    supersedes_id: Mapped[decision_fk | None]
    supersede_reason: Mapped[str | None]
    raised_by: Mapped[str]
    raised_at: Mapped[datetime]
    raised_on: Mapped[date]


class DecisionAuthor(Base):
    """Someone who wrote what a decision decides (R-ROLE-2): whoever raised it, and whoever the
    module raising it names (a budget plan's recorders, a superseded decision's authors).
    Written with the decision, never changed (migration 0011)."""

    __tablename__ = "decision_author"

    decision_id: Mapped[decision_fk] = mapped_column(primary_key=True)
    author: Mapped[str] = mapped_column(primary_key=True)


class DecisionEvent(Recorded, Base):
    __tablename__ = "decision_event"

    id: Mapped[bigserial_pk]
    decision_id: Mapped[decision_fk]
    event: Mapped[str]
    on_date: Mapped[date]
    limit_version_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("approval_limit_version.id")
    )
    superseded_by: Mapped[decision_fk | None]
    reason: Mapped[str | None]


class DecisionCurrent(Base):
    """The decision's status now (migration 0048): derived from its events by the database in
    the same transaction (the trigger ``decision_current_apply``), never written otherwise; the
    events stay the record (R-AUD-2). What the lists and the queue filter on."""

    __tablename__ = "decision_current"

    decision_id: Mapped[decision_fk] = mapped_column(primary_key=True)
    status: Mapped[str]
    raised_at: Mapped[datetime]
