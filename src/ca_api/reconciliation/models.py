from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, ForeignKeyConstraint, Integer, Text
from sqlalchemy.dialects.postgresql import BYTEA, UUID
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.db import Base


class BankStatement(Base):
    """One statement of the Client Monies Service bank account (R-ACC-1), imported once."""

    __tablename__ = "bank_statement"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_name: Mapped[str] = mapped_column(Text)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    opening_balance: Mapped[int] = mapped_column(BigInteger)
    closing_balance: Mapped[int] = mapped_column(BigInteger)
    source_sha256: Mapped[bytes] = mapped_column(BYTEA, unique=True)
    imported_by: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BankStatementLine(Base):
    """A transaction on a statement; ``line_no`` is its line in the file (the header is 1)."""

    __tablename__ = "bank_statement_line"

    statement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bank_statement.id"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    posted_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)  # signed pence: money in positive


class BankMatch(Base):
    """A statement line paired with the ledger transfer it is; a transfer is matched once."""

    __tablename__ = "bank_match"
    __table_args__ = (
        ForeignKeyConstraint(
            ["statement_id", "line_no"],
            ["bank_statement_line.statement_id", "bank_statement_line.line_no"],
        ),
    )

    statement_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"), unique=True)
    method: Mapped[str] = mapped_column(Text)
    matched_by: Mapped[str] = mapped_column(Text)
    matched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
