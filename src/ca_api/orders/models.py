from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import DATERANGE, UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.versioned import current_view
from ca_api.db import Base


class Appointeeship(Base):
    __tablename__ = "appointeeship"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AppointeeshipVersion(Base):
    __tablename__ = "appointeeship_version"

    appointeeship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appointeeship.id"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    dwp_reference: Mapped[str | None] = mapped_column(Text)
    applied_on: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointeeship.id"))


class Deputyship(Base):
    __tablename__ = "deputyship"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeputyshipVersion(Base):
    __tablename__ = "deputyship_version"

    deputyship_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deputyship.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(Text)
    order_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    power_receive_income: Mapped[bool] = mapped_column(Boolean)
    power_manage_accounts: Mapped[bool] = mapped_column(Boolean)
    power_manage_capital: Mapped[bool] = mapped_column(Boolean)
    power_sell_property: Mapped[bool] = mapped_column(Boolean)
    power_let_property: Mapped[bool] = mapped_column(Boolean)
    power_make_gifts: Mapped[bool] = mapped_column(Boolean)
    gift_yearly_limit: Mapped[int | None] = mapped_column(BigInteger)  # pence
    supervision_type: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deputyship.id"))


class OrderInForce(Base):
    """Each order's current period, kept by a trigger on the version tables (migration 0010);
    an exclusion constraint refuses two periods of one kind for one client that share a day
    (issue 9 item 5, R-ORD). Read-only here: the database refuses writes by hand."""

    __tablename__ = "order_in_force"

    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    version: Mapped[int] = mapped_column(Integer)
    during: Mapped[Any] = mapped_column(DATERANGE)


# Each record's current version (views of migration 0001).
appointeeship_current = current_view(
    "appointeeship_current", Appointeeship, AppointeeshipVersion, "appointeeship_id"
)
deputyship_current = current_view(
    "deputyship_current", Deputyship, DeputyshipVersion, "deputyship_id"
)
