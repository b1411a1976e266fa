"""Allowance schedules, their approvals, the weekly runs and their payments (migration 0037).
Every table append-only (R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, bigserial_pk, client_fk, transfer_fk, uuid_pk
from ca_api.db import Base


class AllowanceSchedule(Recorded, Base):
    """A version of a client's schedule of one kind: the first, then each change or stop
    superseding the last (``supersedes_id``, once each, with the reason)."""

    __tablename__ = "allowance_schedule"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    kind: Mapped[str]
    weekly_amount: Mapped[int | None]
    payee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counterparty.id"))
    starts_on: Mapped[date]
    stops: Mapped[bool]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("allowance_schedule.id"))
    reason: Mapped[str | None]


class AllowanceScheduleEvent(Recorded, Base):
    """APPROVED (with the limits judged under, R-DEC-4): once per schedule version."""

    __tablename__ = "allowance_schedule_event"

    id: Mapped[bigserial_pk]
    schedule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("allowance_schedule.id"))
    event: Mapped[str]
    limit_version_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("approval_limit_version.id")
    )


class AllowanceRun(Base):
    """A weekly run that paid something (one that found nothing to pay writes nothing)."""

    __tablename__ = "allowance_run"

    id: Mapped[uuid_pk]
    week_starting: Mapped[date]
    payments: Mapped[int]
    total: Mapped[int]
    run_by: Mapped[str]
    run_at: Mapped[datetime]


class AllowancePayment(Base):
    """One schedule paid for one week: once per client, kind and week (a unique index)."""

    __tablename__ = "allowance_payment"

    id: Mapped[uuid_pk]
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("allowance_run.id"))
    schedule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("allowance_schedule.id"))
    client_id: Mapped[client_fk]
    kind: Mapped[str]
    week_starting: Mapped[date]
    amount: Mapped[int]
    transfer_id: Mapped[transfer_fk]
