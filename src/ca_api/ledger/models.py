from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class Counterparty(Base):
    """Someone outside the client's own accounts that money comes from or goes to."""

    __tablename__ = "counterparty"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    is_council_employee: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(Text)


class LedgerAccount(Base):
    __tablename__ = "ledger_account"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("client.id"))
    counterparty_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counterparty.id"))
    name: Mapped[str] = mapped_column(Text)
    posted: Mapped[int] = mapped_column(BigInteger, default=0)
    held: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Transfer(Base):
    """A movement of ``amount`` pence from one account to another. Never changed."""

    __tablename__ = "transfer"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(Text)
    from_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_account.id"))
    to_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_account.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    pending_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transfer.id"))
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transfer.id"))
    value_date: Mapped[date] = mapped_column(Date)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    category: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("client.id"))
    recorded_by: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    from_balance_after: Mapped[int | None] = mapped_column(BigInteger)
    to_balance_after: Mapped[int | None] = mapped_column(BigInteger)
