"""Tables of the DWP appointeeship application (migration 0015). Append-only (R-AUD-2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import client_fk, uuid_pk
from ca_api.db import Base


class AppointeeApplication(Base):
    """The appointeeship application (form BF56) sent to the DWP for an accepted referral: at
    most one per referral."""

    __tablename__ = "appointee_application"

    id: Mapped[uuid_pk]
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"))
    client_id: Mapped[client_fk]
    sent_on: Mapped[date]
    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]


class DwpDecision(Base):
    """The DWP's decision on an application: APPOINTED (form BF57 received) or REFUSED with the
    reason. At most one per application."""

    __tablename__ = "dwp_decision"

    id: Mapped[uuid_pk]
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointee_application.id"))
    outcome: Mapped[str]
    decided_on: Mapped[date]
    reason: Mapped[str]
    appointeeship_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointeeship.id"))
    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]
