"""Tables of the Court of Protection deputyship application (migration 0017). Append-only
(R-AUD-2): nothing here is ever updated or deleted."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Text

from ca_api.common.columns import client_fk, counterparty_fk, deputyship_fk, uuid_pk
from ca_api.db import Base


class DeputyshipApplicationNeed(Base):
    """An officer's record, from the client's threshold flag, that a deputyship application is
    needed for an appointee-only client (R-INV-1): the clock starts on ``raised_on``."""

    __tablename__ = "deputyship_application_need"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    raised_on: Mapped[date]
    flag_reasons: Mapped[list[str]] = mapped_column(ARRAY(Text))
    note: Mapped[str]
    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]


class CopApplication(Base):
    """The application made to the Court of Protection (COP1 and the other forms sent): one per
    accepted referral (R-REF-6) or per need recorded (R-INV-1), never both."""

    __tablename__ = "cop_application"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referral.id"))
    need_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deputyship_application_need.id"))
    made_on: Mapped[date]
    forms: Mapped[list[str]] = mapped_column(ARRAY(Text))
    court_reference: Mapped[str]
    note: Mapped[str]
    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]


class CopApplicationStage(Base):
    """A stage of an application, numbered 1, 2, ... in the order they happened; ORDER_MADE
    names the deputyship recorded for the order."""

    __tablename__ = "cop_application_stage"

    id: Mapped[uuid_pk]
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop_application.id"))
    seq: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str]
    occurred_on: Mapped[date]
    note: Mapped[str]
    deputyship_id: Mapped[deputyship_fk | None]
    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]


class DeputyshipNoticeOrganisation(Base):
    """An organisation an officer adds to those told of a deputy order (R-ORD-2), beyond those
    found in the client's ledger and invoices."""

    __tablename__ = "deputyship_notice_organisation"

    id: Mapped[uuid_pk]
    deputyship_id: Mapped[deputyship_fk]
    client_id: Mapped[client_fk]
    name: Mapped[str]
    kind: Mapped[str]
    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]


class DeputyshipNoticeSent(Base):
    """A notice of the deputy order sent to one organisation (R-ORD-2, "registering" the
    deputyship): a counterparty of the client's or an organisation added, once each."""

    __tablename__ = "deputyship_notice_sent"

    id: Mapped[uuid_pk]
    deputyship_id: Mapped[deputyship_fk]
    client_id: Mapped[client_fk]
    counterparty_id: Mapped[counterparty_fk | None]
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("deputyship_notice_organisation.id")
    )
    # The first record of an existing investment whose holder was told (migration 0019).
    investment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("existing_investment.id"))
    sent_on: Mapped[date]
    note: Mapped[str]
    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]
