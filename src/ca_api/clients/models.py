from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import client_fk, uuid_pk
from ca_api.common.versioned import current_view
from ca_api.db import Base


class Client(Base):
    """A client's identity: never changes once made."""

    __tablename__ = "client"

    id: Mapped[uuid_pk]
    reference: Mapped[str] = mapped_column(unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str]


class ClientVersion(Base):
    """One version of a client's details; the highest version is the current one."""

    __tablename__ = "client_version"

    client_id: Mapped[client_fk] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    given_name: Mapped[str]
    family_name: Mapped[str]
    date_of_birth: Mapped[date]
    ni_number: Mapped[str | None]
    address_line1: Mapped[str | None]
    address_line2: Mapped[str | None]
    town: Mapped[str | None]
    postcode: Mapped[str | None]
    situation: Mapped[str]
    status: Mapped[str]
    referred_by: Mapped[str | None]
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str]
    reason: Mapped[str | None]


# Each client's current version (a view of migration 0001).
client_current = current_view("client_current", Client, ClientVersion, "client_id")
