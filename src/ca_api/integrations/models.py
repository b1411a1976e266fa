"""Tables of the integrations (migration 0044). Append-only (R-AUD-2): a reference is corrected
by a new row naming it; a batch and its lines are written once."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, uuid_pk
from ca_api.db import Base


class ExternalReference(Recorded, Base):
    """That (system, kind, value) names one of our records (``subject_type``, ``subject_id``);
    in force while no row supersedes it."""

    __tablename__ = "external_reference"

    id: Mapped[uuid_pk]
    system: Mapped[str]
    kind: Mapped[str]
    value: Mapped[str]
    subject_type: Mapped[str]
    subject_id: Mapped[uuid.UUID]
    supersedes: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("external_reference.id"))
    reason: Mapped[str | None]


class IntakeBatch(Recorded, Base):
    """A batch an integration sent, with what became of its lines, counted and summed."""

    __tablename__ = "intake_batch"

    id: Mapped[uuid_pk]
    system: Mapped[str]
    flow: Mapped[str]
    batch_reference: Mapped[str]
    line_count: Mapped[int]
    created_count: Mapped[int]
    already_had_count: Mapped[int]
    refused_count: Mapped[int]
    received_amount: Mapped[int]
    created_amount: Mapped[int]
    already_had_amount: Mapped[int]
    refused_amount: Mapped[int]


class IntakeLine(Base):
    """A line of a batch and its outcome."""

    __tablename__ = "intake_line"

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake_batch.id"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_reference: Mapped[str]
    outcome: Mapped[str]
    code: Mapped[str | None]
    reason: Mapped[str | None]
    amount: Mapped[int]
    subject_id: Mapped[uuid.UUID | None]
