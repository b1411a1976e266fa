"""Tables of valuables in the team's safe (migration 0028). Append-only (R-AUD-2): an item's
details as they stand are the end of its chain of records; where it is, its last movement."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, uuid_pk
from ca_api.db import Base


class Valuable(Recorded, Base):
    """An item taken into the safe for a client (B 24.1): its identity; who registered it and
    when."""

    __tablename__ = "valuable"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]


class ValuableRecord(Recorded, Base):
    """An item's details (B 24.2, R-CARE-3): description, monetary value, photograph (a stored
    file), where in the safe; a correction supersedes the record before, with the reason."""

    __tablename__ = "valuable_record"

    id: Mapped[uuid_pk]
    valuable_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("valuable.id"))
    client_id: Mapped[client_fk]
    description: Mapped[str]
    value: Mapped[int]
    photo_file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stored_file.id"))
    location: Mapped[str]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("valuable_record.id"))
    reason: Mapped[str | None]


class ValuableMovement(Recorded, Base):
    """A movement in or out of the safe, numbered from 1 (the registration's CHECK_IN) per item:
    who brought it in or took it (``person``) and why."""

    __tablename__ = "valuable_movement"

    id: Mapped[uuid_pk]
    valuable_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("valuable.id"))
    client_id: Mapped[client_fk]
    number: Mapped[int]
    kind: Mapped[str]
    person: Mapped[str]
    reason: Mapped[str]
