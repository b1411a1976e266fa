"""Tables of a client's reviews, contacts and changes of circumstances (migration 0027).
Append-only (R-AUD-2): a correction is a new row that supersedes the one it corrects."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, client_fk, uuid_pk
from ca_api.db import Base


class Corrects(Recorded):
    """A record that may correct an earlier one of its kind (R-AUD-2): the one it supersedes,
    and why."""

    reason: Mapped[str | None]


class ClientReview(Corrects, Base):
    """A review of the client (R-CARE-1, seed 002 B 13.1-13.3)."""

    __tablename__ = "client_review"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    reviewed_on: Mapped[date]
    methods: Mapped[list[str]] = mapped_column(ARRAY(Text))
    needs: Mapped[str]
    finances: Mapped[str]
    client_involved: Mapped[bool]
    not_involved_reason: Mapped[str | None]
    actions: Mapped[str | None]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("client_review.id"))


class ClientContact(Corrects, Base):
    """A contact with or about the client (seed 002 B 13.4)."""

    __tablename__ = "client_contact"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    contacted_on: Mapped[date]
    kind: Mapped[str]
    with_whom: Mapped[str]
    about: Mapped[str]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("client_contact.id"))


class CircumstanceChange(Corrects, Base):
    """A change in the client's circumstances (seed 002 B 13.5, B 18.2, R-ORD-4)."""

    __tablename__ = "circumstance_change"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    occurred_on: Mapped[date]
    kind: Mapped[str]
    details: Mapped[str]
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("circumstance_change.id"))


class AnnualReviewClock(Base):
    """A deputyship's annual review clock (migration 0055): its order's dates, the client's
    last review standing, whether the clock runs (the client ACTIVE, no confirmed death), the
    months in force when it started and the day the next review is due. Derived from those rows
    by the database in the transaction that writes them (``annual_review_clock_derived``),
    never written otherwise; they stay the record (R-AUD-2). What ``annualReviewsDue`` pages."""

    __tablename__ = "annual_review_clock"

    deputyship_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deputyship.id"), primary_key=True)
    client_id: Mapped[client_fk]
    order_date: Mapped[date]
    end_date: Mapped[date | None]
    last_reviewed_on: Mapped[date | None]
    live: Mapped[bool]
    months: Mapped[int | None]
    due_on: Mapped[date | None]
