"""Tables of a client's wills and funeral (migration 0029). Append-only (R-AUD-2): a will's
record as it stands is the end of its chain of corrections; funeral wishes likewise, one chain
per client; whether a funeral plan is decided is its decision's, whether paid its payment's."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, counterparty_fk, decision_fk, uuid_pk
from ca_api.db import Base


class WillRecord(Recorded, Base):
    """A will or codicil found (seed 002 B 21.1) and where it is held (B 21.2, B 24.1). A
    correction supersedes it, with the reason."""

    __tablename__ = "will_record"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    kind: Mapped[str]
    dated: Mapped[date | None]
    found_on: Mapped[date]
    held_by: Mapped[str]
    holder: Mapped[str | None]
    reference: Mapped[str | None]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("will_record.id"))
    reason: Mapped[str | None]


class WillCourtNotice(Recorded, Base):
    """The Court of Protection told of a will (B 21.1): when, its reference; once per will
    (``will_id`` is the first record of the will's chain)."""

    __tablename__ = "will_court_notice"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    will_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("will_record.id"), unique=True)
    sent_on: Mapped[date]
    reference: Mapped[str | None]


class FuneralWishes(Recorded, Base):
    """The client's wishes for their funeral (B 28.1); a correction supersedes."""

    __tablename__ = "funeral_wishes"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    wishes: Mapped[str]
    client_involved: Mapped[bool]
    source: Mapped[str | None]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("funeral_wishes.id"))
    reason: Mapped[str | None]


class FuneralPlan(Recorded, Base):
    """A funeral plan proposed for purchase from the client's funds (B 28.2) and the best
    interest decision that approves it (R-DEC)."""

    __tablename__ = "funeral_plan"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    provider: Mapped[str]
    description: Mapped[str]
    amount: Mapped[int]
    counterparty_id: Mapped[counterparty_fk]
    decision_id: Mapped[decision_fk] = mapped_column(unique=True)


class FuneralPlanPayment(Recorded, Base):
    """A payment raised for a funeral plan (approved and made as every payment is)."""

    __tablename__ = "funeral_plan_payment"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    funeral_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("funeral_plan.id"))
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"), unique=True)
