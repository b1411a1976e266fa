"""The OPG report's tables (migration 0039): all append-only (R-AUD-2); and each deputy
client's next report, kept by the database (migration 0054)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, bigserial_pk, client_fk, deputyship_fk, uuid_pk
from ca_api.db import Base


class OpgReport(Base):
    """A deputy client's report to the OPG for one period."""

    __tablename__ = "opg_report"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    deputyship_id: Mapped[deputyship_fk]
    period_start: Mapped[date]
    period_end: Mapped[date]
    due_on: Mapped[date]
    opened_by: Mapped[str]
    opened_at: Mapped[datetime]


class OpgReportVersion(Base):
    """One generation of the report from the ledger: the document, snapshotted."""

    __tablename__ = "opg_report_version"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opg_report.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    generated_by: Mapped[str]
    generated_at: Mapped[datetime]
    reason: Mapped[str | None]
    report_type: Mapped[str]
    assets_at_end: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)


class OpgReportText(Recorded, Base):
    """The officer's free text for one section; the latest per section wins."""

    __tablename__ = "opg_report_text"

    id: Mapped[bigserial_pk]
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opg_report.id"))
    section: Mapped[str]
    text: Mapped[str]


class OpgReportEvent(Recorded, Base):
    """A change of the report's status, about one version."""

    __tablename__ = "opg_report_event"

    id: Mapped[bigserial_pk]
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("opg_report.id"))
    event: Mapped[str]
    version: Mapped[int]
    on_date: Mapped[date]
    reason: Mapped[str | None]
    submitted_on: Mapped[date | None]
    opg_reference: Mapped[str | None]
    submitted_file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stored_file.id"))


class OpgReportNext(Base):
    """A deputy client's next report (migration 0054): kept by the database's triggers from the
    orders' periods, the reports and their events; read-only here (the database refuses writes
    by hand). Nulls when no deputyship of theirs was ever in force."""

    __tablename__ = "opg_report_next"

    client_id: Mapped[client_fk] = mapped_column(primary_key=True)
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    due_on: Mapped[date | None]
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("opg_report.id"))
