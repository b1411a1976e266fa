"""Tables of a client's death (migration 0020). Append-only (R-AUD-2): the death's status comes
from its events."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, bigserial_pk, client_fk, uuid_pk
from ca_api.db import Base


class Death(Recorded, Base):
    """A client's death as recorded: the date, how it was verified (the death certificate's
    reference), and who recorded it. One stands per client; one recorded in error is withdrawn
    by an event and another may be recorded (migration 0032)."""

    __tablename__ = "death"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    died_on: Mapped[date]
    certificate_reference: Mapped[str]
    notes: Mapped[str | None]


class DeathEvent(Recorded, Base):
    """CONFIRMED by a second officer (R-ROLE-2): once per death (a unique index)."""

    __tablename__ = "death_event"

    id: Mapped[bigserial_pk]
    death_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("death.id"))
    event: Mapped[str]


class DeathNotificationAdded(Recorded, Base):
    """Someone to tell that the records do not show: the solicitor holding the will, or a company
    (added by an officer, R-DEATH-1)."""

    __tablename__ = "death_notification_added"

    id: Mapped[uuid_pk]
    death_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("death.id"))
    recipient: Mapped[str]
    organisation_name: Mapped[str]


class DeathNotificationSent(Recorded, Base):
    """One letter of the death's notification list sent, once: the date, and by whom (the
    recorder). A council team's item is sent through the outbox and recorded there."""

    __tablename__ = "death_notification_sent"

    id: Mapped[uuid_pk]
    death_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("death.id"))
    recipient: Mapped[str]
    organisation_key: Mapped[str]
    organisation_name: Mapped[str]
    sent_on: Mapped[date]


class WindUpFee(Recorded, Base):
    """The council's wind-up fee taken from a deceased client (R-FEE-5, seed 002 B 29.4): once
    per client (a unique index); the figure in force on the date of death (migration 0022)."""

    __tablename__ = "wind_up_fee"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk] = mapped_column(unique=True)
    death_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("death.id"))
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"))
    amount: Mapped[int]
    figure_effective_from: Mapped[date]
    charged_on: Mapped[date]
