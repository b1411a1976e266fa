"""Tables of recovery of capacity (migration 0036). Append-only (R-AUD-2): the court's order as
it stands is the end of the client's chain of records."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, deputyship_fk, uuid_pk
from ca_api.db import Base


class RecoveryOrder(Recorded, Base):
    """The Court of Protection's order that the client can manage their own affairs (R-ORD-5,
    seed 002 B 27.1-27.2): its date and reference, the medical evidence, the deputyship it ends;
    a correction supersedes the record before, with the reason."""

    __tablename__ = "recovery_order"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    deputyship_id: Mapped[deputyship_fk]
    order_date: Mapped[date]
    court_reference: Mapped[str]
    medical_evidence: Mapped[str | None]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("recovery_order.id"))
    reason: Mapped[str | None]


class RecoveryHandover(Recorded, Base):
    """A payment handing the client's money back to them (R-ORD-5), with the evidence of where
    it goes; the payment itself is the payments module's (raised, approved, made)."""

    __tablename__ = "recovery_handover"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    recovery_order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recovery_order.id"))
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"))
    evidence: Mapped[str]
    evidence_file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stored_file.id"))
