"""Tables of the register of complaints and appeals (migration 0030). Append-only (R-AUD-2):
the details are versions, each correcting the one before; the status comes from the events."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import Recorded, bigserial_pk, client_fk, uuid_pk
from ca_api.db import Base


class RegisterEntry(Recorded, Base):
    """A complaint or an appeal of a client's, as first recorded: what it is and for whom. Who
    recorded it is who made the complaint's record or prepared the appeal (B 30.3)."""

    __tablename__ = "complaint_or_appeal"

    id: Mapped[uuid_pk]
    client_id: Mapped[client_fk]
    kind: Mapped[str]


class EntryDetails(Recorded, Base):
    """One version of an entry's details: the first, or a correction of the version it points at
    (``corrects_id``, with the reason). The latest stands."""

    __tablename__ = "complaint_or_appeal_details"

    id: Mapped[uuid_pk]
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint_or_appeal.id"))
    made_by: Mapped[str | None]  # a complaint's: CLIENT or SOMEONE_FOR_CLIENT
    on_behalf_name: Mapped[str | None]
    on_behalf_relationship: Mapped[str | None]
    body: Mapped[str]  # a complaint: made to; an appeal: against whose decision
    dated: Mapped[date]  # a complaint: received on; an appeal: the decision's date
    summary: Mapped[str]  # a complaint: what about; an appeal: the decision appealed against
    grounds: Mapped[str | None]  # an appeal's: why the team disagrees (B 30.3)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("complaint_or_appeal_details.id")
    )
    reason: Mapped[str | None]


class EntryEvent(Recorded, Base):
    """A step of an entry: APPROVED, REFUSED, LODGED, OUTCOME, with its date; a correction of an
    earlier step of the same kind points at it (``corrects_id``, with the reason)."""

    __tablename__ = "complaint_or_appeal_event"

    id: Mapped[bigserial_pk]
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint_or_appeal.id"))
    event: Mapped[str]
    on_date: Mapped[date]
    outcome: Mapped[str | None]
    reference: Mapped[str | None]
    note: Mapped[str | None]
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_or_appeal_event.id"))
    reason: Mapped[str | None]
