"""Tables of a deceased client's estate (migration 0025). Append-only (R-AUD-2): the current
claimant is the end of the client's chain of corrections; whether the estate payment is raised,
made or cancelled is its payment's."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, counterparty_fk, uuid_pk
from ca_api.db import Base


class EstateClaimant(Recorded, Base):
    """Who takes the estate (seed 002 B 29.3, R-DEATH-3): an EXECUTOR of a valid will (its
    reference and date; the grant of probate if any) or the NEXT_OF_KIN (relationship and the
    evidence of it), and the counterparty they are paid through. A correction supersedes."""

    __tablename__ = "estate_claimant"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    death_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("death.id"))
    kind: Mapped[str]
    name: Mapped[str]
    will_reference: Mapped[str | None]
    will_dated: Mapped[date | None]
    probate_reference: Mapped[str | None]
    probate_granted_on: Mapped[date | None]
    relationship: Mapped[str | None]
    evidence: Mapped[str | None]
    counterparty_id: Mapped[counterparty_fk]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("estate_claimant.id"))
    reason: Mapped[str | None]


class EstateReferral(Recorded, Base):
    """The estate referred to the Treasury Solicitor (Bona Vacantia, seed 002 B 29.6,
    R-DEATH-4): the date and the reference, once per client."""

    __tablename__ = "estate_referral"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk] = mapped_column(unique=True)
    death_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("death.id"))
    referred_on: Mapped[date]
    reference: Mapped[str]


class EstatePayment(Recorded, Base):
    """An estate payment raised (R-DEATH-3, R-DEATH-4): where the estate went and why (the route,
    the small-estate limit used and its effective date, the claimant or the referral), and the
    payment that carries it through approval."""

    __tablename__ = "estate_payment"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    death_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("death.id"))
    route: Mapped[str]
    amount: Mapped[int]
    limit_amount: Mapped[int]
    limit_effective_from: Mapped[date]
    claimant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("estate_claimant.id"))
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("estate_referral.id"))
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"), unique=True)
