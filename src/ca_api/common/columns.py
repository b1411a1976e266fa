"""Column declarations that many tables repeat, written once (SQLAlchemy's "mapping whole column
declarations to Python types"): ``id: Mapped[uuid_pk]``, ``client_id: Mapped[client_fk]``,
``Mapped[client_fk | None]`` where the column is nullable, and ``= mapped_column(primary_key=True)``
added where the reference is also the key. Types come from ``db.Base.type_annotation_map``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

uuid_pk = Annotated[uuid.UUID, mapped_column(primary_key=True)]
"""A uuid column of the primary key."""

bigserial_pk = Annotated[int, mapped_column(primary_key=True)]
"""An event's number, given by the database (``bigserial``)."""

client_fk = Annotated[uuid.UUID, mapped_column(ForeignKey("client.id"))]
counterparty_fk = Annotated[uuid.UUID, mapped_column(ForeignKey("counterparty.id"))]
decision_fk = Annotated[uuid.UUID, mapped_column(ForeignKey("decision.id"))]
deputyship_fk = Annotated[uuid.UUID, mapped_column(ForeignKey("deputyship.id"))]
ledger_account_fk = Annotated[uuid.UUID, mapped_column(ForeignKey("ledger_account.id"))]
transfer_fk = Annotated[uuid.UUID, mapped_column(ForeignKey("transfer.id"))]


class Recorded:
    """Who recorded an append-only row, and when: the last two columns of most tables."""

    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]


class PeriodRun:
    """A run over one period (fees, interest): one run per period, the database refuses a second.
    Its columns come first (``sort_order``), in the order its tables declare them."""

    id: Mapped[uuid_pk] = mapped_column(sort_order=-1)
    period_start: Mapped[date] = mapped_column(sort_order=-1)
    period_end: Mapped[date] = mapped_column(sort_order=-1)
    run_by: Mapped[str] = mapped_column(sort_order=-1)
    run_at: Mapped[datetime] = mapped_column(sort_order=-1)
