from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.dialects.postgresql import DATERANGE
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import client_fk, deputyship_fk, uuid_pk
from ca_api.common.versioned import current_view
from ca_api.db import Base


class OrderIdentity:
    """An order's identity row (a deputyship or an appointeeship): the client it is for. Never
    changed; the order's details are its numbered versions (R-AUD-2)."""

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    created_at: Mapped[datetime]


class Appointeeship(OrderIdentity, Base):
    __tablename__ = "appointeeship"


class AppointeeshipVersion(Base):
    __tablename__ = "appointeeship_version"

    appointeeship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appointeeship.id"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    dwp_reference: Mapped[str | None]
    applied_on: Mapped[date | None]
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str]
    reason: Mapped[str | None]
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointeeship.id"))


class Deputyship(OrderIdentity, Base):
    __tablename__ = "deputyship"


class DeputyshipVersion(Base):
    __tablename__ = "deputyship_version"

    deputyship_id: Mapped[deputyship_fk] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str]
    order_date: Mapped[date]
    end_date: Mapped[date | None]
    power_receive_income: Mapped[bool]
    power_manage_accounts: Mapped[bool]
    power_manage_capital: Mapped[bool]
    power_sell_property: Mapped[bool]
    power_let_property: Mapped[bool]
    power_make_gifts: Mapped[bool]
    gift_yearly_limit: Mapped[int | None]  # pence
    supervision_type: Mapped[str]
    health_and_welfare_order: Mapped[bool]
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str]
    reason: Mapped[str | None]
    superseded_by: Mapped[deputyship_fk | None]


class OrderInForce(Base):
    """Each order's current period, kept by a trigger on the version tables (migration 0010);
    an exclusion constraint refuses two periods of one kind for one client that share a day
    (issue 9 item 5, R-ORD). Read-only here: the database refuses writes by hand."""

    __tablename__ = "order_in_force"

    order_id: Mapped[uuid_pk]
    kind: Mapped[str]
    client_id: Mapped[client_fk]
    version: Mapped[int] = mapped_column(Integer)
    during: Mapped[Any] = mapped_column(DATERANGE)


# Each record's current version (views of migration 0001).
appointeeship_current = current_view(
    "appointeeship_current", Appointeeship, AppointeeshipVersion, "appointeeship_id"
)
deputyship_current = current_view(
    "deputyship_current", Deputyship, DeputyshipVersion, "deputyship_id"
)
