from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ca_api.common.columns import transfer_fk, uuid_pk
from ca_api.db import Base


class BankStatement(Base):
    """One statement of the Client Monies Service bank account (R-ACC-1), imported once."""

    __tablename__ = "bank_statement"

    id: Mapped[uuid_pk]
    account_name: Mapped[str]
    period_start: Mapped[date]
    period_end: Mapped[date]
    opening_balance: Mapped[int]
    closing_balance: Mapped[int]
    source_sha256: Mapped[bytes] = mapped_column(unique=True)
    imported_by: Mapped[str]
    imported_at: Mapped[datetime]


class BankStatementLine(Base):
    """A transaction on a statement; ``line_no`` is its line in the file (the header is 1)."""

    __tablename__ = "bank_statement_line"

    statement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bank_statement.id"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    posted_on: Mapped[date]
    description: Mapped[str]
    reference: Mapped[str | None]
    amount: Mapped[int]  # signed pence: money in positive


class BankMatch(Base):
    """A statement line paired with the ledger transfer it is; a transfer is matched once."""

    __tablename__ = "bank_match"
    __table_args__ = (
        ForeignKeyConstraint(
            ["statement_id", "line_no"],
            ["bank_statement_line.statement_id", "bank_statement_line.line_no"],
        ),
    )

    statement_id: Mapped[uuid_pk]
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[transfer_fk] = mapped_column(unique=True)
    method: Mapped[str]
    matched_by: Mapped[str]
    matched_at: Mapped[datetime]
