"""Tables of benefit overpayments after a client's death (migration 0023). Append-only
(R-AUD-2): an overpayment's status comes from its rows and its repayment's payment."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, counterparty_fk, transfer_fk, uuid_pk
from ca_api.db import Base


class BenefitOverpayment(Recorded, Base):
    """A benefit or pension receipt's share for days after the date of death (R-DEATH-2), once
    per receipt, and what of it was held back (``amount_held`` < ``amount_flagged``: money spent
    before the death was confirmed, the shortfall)."""

    __tablename__ = "benefit_overpayment"

    id: Mapped[uuid_pk]
    receipt_transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receipt.transfer_id"))
    client_id: Mapped[client_fk]
    death_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("death.id"))
    payer_id: Mapped[counterparty_fk]
    days_after_death: Mapped[int | None]
    days_in_period: Mapped[int | None]
    amount_flagged: Mapped[int]
    amount_held: Mapped[int]
    hold_transfer_id: Mapped[transfer_fk | None]


class RepaymentRequest(Recorded, Base):
    """The paying agency's request to repay (seed 002 B 29.2) and the payment raised for it."""

    __tablename__ = "overpayment_repayment_request"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    payer_id: Mapped[counterparty_fk]
    agency_reference: Mapped[str]
    requested_on: Mapped[date]
    amount: Mapped[int]
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment.id"))


class RepaymentItem(Base):
    """An overpayment (its receipt) a request covers: the agency's figure's share on it (held
    apart until the repayment is approved), and any remainder held back again."""

    __tablename__ = "overpayment_repayment_item"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("overpayment_repayment_request.id"), primary_key=True
    )
    overpayment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("benefit_overpayment.id"), primary_key=True
    )
    amount: Mapped[int]
    remainder_held: Mapped[int]
    remainder_hold_transfer_id: Mapped[transfer_fk | None]
    # the share asked for, held apart until the repayment's approval takes it over (0031)
    share_hold_transfer_id: Mapped[transfer_fk | None]


class OverpaymentRelease(Recorded, Base):
    """An overpayment released, once: the agency confirmed nothing is owed (with why)."""

    __tablename__ = "benefit_overpayment_release"

    overpayment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("benefit_overpayment.id"), primary_key=True
    )
    reason: Mapped[str]
