"""Every SQL statement of bank reconciliation.

The bank account's side of the ledger ("bank moves") is every transfer that moved money
(POSTED or POST_PENDING) with exactly one end in a ``CLIENT_CMS`` account: money entering or
leaving the Client Monies Service bank account, signed as the bank sees it (into CMS positive).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    case,
    exists,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ca_api.common.keyset import Seek, keyset
from ca_api.db import Base
from ca_api.ledger.models import LedgerAccount, Transfer
from ca_api.ledger.rules import MONEY_MOVED, AccountKind
from ca_api.reconciliation.models import BankMatch, BankStatement, BankStatementLine
from ca_api.reconciliation.rules import (
    BankLine,
    LedgerMove,
    Match,
    MatchMethod,
    StatementHeading,
)

# Imports and manual matches take this transaction-level advisory lock, so two of them never
# race to match the same transfer (bank_match.transfer_id is unique: the backstop).
LOCK_KEY = 0x52_45_43_4F_4E_43_49_4C  # "RECONCIL"

_from = aliased(LedgerAccount, name="from_account")
_to = aliased(LedgerAccount, name="to_account")
_CMS = AccountKind.CLIENT_CMS.value
_into_cms = _to.kind == _CMS
_out_of_cms = _from.kind == _CMS
SIGNED: ColumnElement[int] = case((_into_cms, Transfer.amount), else_=-Transfer.amount)


def _bank_moves(*columns: Any) -> Select[Any]:
    """Transfers that moved money into or out of the bank account, with ``columns``."""
    return (
        select(*columns)
        .select_from(Transfer)
        .join(_from, _from.id == Transfer.from_account_id)
        .join(_to, _to.id == Transfer.to_account_id)
        .where(
            Transfer.kind.in_(MONEY_MOVED),
            or_(and_(_into_cms, _from.kind != _CMS), and_(_out_of_cms, _to.kind != _CMS)),
        )
    )


def _unmatched() -> ColumnElement[bool]:
    return ~exists().where(BankMatch.transfer_id == Transfer.id)


async def lock(session: AsyncSession) -> None:
    await session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))


async def statement_by_digest(session: AsyncSession, digest: bytes) -> BankStatement | None:
    stmt = select(BankStatement).where(BankStatement.source_sha256 == digest)
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_statement(
    session: AsyncSession, heading: StatementHeading, *, source_sha256: bytes, imported_by: str
) -> uuid.UUID | None:
    """The new statement's id; None when a statement of the same file exists."""
    stmt = (
        pg_insert(BankStatement)
        .values(
            id=uuid.uuid4(), **asdict(heading), source_sha256=source_sha256, imported_by=imported_by
        )
        .on_conflict_do_nothing()
        .returning(BankStatement.id)
    )
    made: uuid.UUID | None = (await session.execute(stmt)).scalar_one_or_none()
    return made


async def _insert_all(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Many rows of ``model`` in one statement (none: no statement)."""
    if rows:
        await session.execute(insert(model), rows)


async def insert_lines(
    session: AsyncSession, statement_id: uuid.UUID, lines: Sequence[BankLine]
) -> None:
    rows = [{"statement_id": statement_id, **asdict(line)} for line in lines]
    await _insert_all(session, BankStatementLine, rows)


async def unmatched_moves_between(
    session: AsyncSession, value_from: date, value_to: date
) -> list[LedgerMove]:
    """Bank moves with a value date in [value_from, value_to] not matched to any line yet."""
    stmt = _bank_moves(
        Transfer.id, Transfer.value_date, SIGNED.label("signed"), Transfer.reference, Transfer.seq
    ).where(Transfer.value_date.between(value_from, value_to), _unmatched())
    return [
        LedgerMove(
            transfer_id=r.id,
            value_date=r.value_date,
            amount=int(r.signed),
            reference=r.reference,
            seq=int(r.seq),
        )
        for r in (await session.execute(stmt)).all()
    ]


async def insert_matches(
    session: AsyncSession,
    statement_id: uuid.UUID,
    matches: Sequence[Match],
    *,
    method: MatchMethod,
    matched_by: str,
) -> None:
    made = {"method": method.value, "matched_by": matched_by}
    rows = [{"statement_id": statement_id, **asdict(m), **made} for m in matches]
    await _insert_all(session, BankMatch, rows)


def _with_counts() -> Select[BankStatement, int, int]:
    lines = (
        select(func.count())
        .where(BankStatementLine.statement_id == BankStatement.id)
        .scalar_subquery()
    )
    matched = (
        select(func.count()).where(BankMatch.statement_id == BankStatement.id).scalar_subquery()
    )
    return select(BankStatement, lines.label("line_count"), matched.label("matched_count"))


StatementCounts = tuple[BankStatement, int, int]  # the statement, its lines, its matched lines
LineRow = tuple[BankStatementLine, BankMatch | None, Transfer | None]
MoveRow = tuple[Transfer, int]  # the transfer and its amount signed as the bank sees it


def _counted(row: Row[BankStatement, int, int]) -> StatementCounts:
    return (row[0], int(row[1]), int(row[2]))


async def get_statement(session: AsyncSession, statement_id: uuid.UUID) -> StatementCounts | None:
    """The statement with its number of lines and of matched lines."""
    stmt = _with_counts().where(BankStatement.id == statement_id)
    row = (await session.execute(stmt)).one_or_none()
    return _counted(row) if row is not None else None


async def statements_by_id(
    session: AsyncSession, statement_ids: Sequence[uuid.UUID]
) -> list[StatementCounts]:
    """These statements with their counts, in one query (node(id:), references)."""
    stmt = _with_counts().where(BankStatement.id.in_(set(statement_ids)))
    return [_counted(r) for r in (await session.execute(stmt)).all()]


async def list_statements(
    session: AsyncSession, *, seek: Seek[tuple[date, uuid.UUID]]
) -> list[StatementCounts]:
    """A page of statements, newest period first."""
    stmt = keyset(_with_counts(), seek, BankStatement.period_start.desc(), BankStatement.id.desc())
    return [_counted(r) for r in (await session.execute(stmt)).all()]


async def lines(
    session: AsyncSession,
    statement_id: uuid.UUID,
    unmatched_only: bool = False,
    seek: Seek[int] | None = None,
    *,
    line_no: int | None = None,
) -> list[LineRow]:
    """Lines in file order, each with its match and matched transfer (or None, None): the page
    ``seek`` asks for, or every one."""
    stmt = (
        select(BankStatementLine, BankMatch, Transfer)
        .outerjoin(
            BankMatch,
            and_(
                BankMatch.statement_id == BankStatementLine.statement_id,
                BankMatch.line_no == BankStatementLine.line_no,
            ),
        )
        .outerjoin(Transfer, Transfer.id == BankMatch.transfer_id)
        .where(BankStatementLine.statement_id == statement_id)
    )
    if unmatched_only:
        stmt = stmt.where(BankMatch.transfer_id.is_(None))
    if line_no is not None:
        stmt = stmt.where(BankStatementLine.line_no == line_no)
    if seek is None:
        stmt = stmt.order_by(BankStatementLine.line_no)
    else:
        stmt = keyset(stmt, seek, BankStatementLine.line_no)
    return [(r[0], r[1], r[2]) for r in (await session.execute(stmt)).all()]


async def unmatched_moves_page(
    session: AsyncSession,
    period_start: date,
    period_end: date,
    *,
    seek: Seek[int],
) -> list[MoveRow]:
    """A page of the bank moves with a value date in the period matched to no line, in posting
    order, each with its signed amount."""
    stmt = _bank_moves(Transfer, SIGNED.label("signed")).where(
        Transfer.value_date.between(period_start, period_end), _unmatched()
    )
    stmt = keyset(stmt, seek, Transfer.seq)
    return [(r[0], int(r[1])) for r in (await session.execute(stmt)).all()]


async def count_unmatched_moves(session: AsyncSession, period_start: date, period_end: date) -> int:
    stmt = _bank_moves(func.count()).where(
        Transfer.value_date.between(period_start, period_end), _unmatched()
    )
    return int((await session.execute(stmt)).scalar_one())


async def cms_balance_as_at(session: AsyncSession, as_at: date) -> int:
    """The total of every CMS account by value date: money moved in less money moved out, for
    transfers with a value date on or before ``as_at``."""
    stmt = _bank_moves(func.coalesce(func.sum(SIGNED), 0)).where(Transfer.value_date <= as_at)
    return int((await session.execute(stmt)).scalar_one())


async def bank_move(session: AsyncSession, transfer_id: uuid.UUID) -> MoveRow | None:
    """The transfer with its signed amount, if it moved money into or out of the bank account."""
    stmt = _bank_moves(Transfer, SIGNED.label("signed")).where(Transfer.id == transfer_id)
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], int(row[1])) if row is not None else None


async def transfer_exists(session: AsyncSession, transfer_id: uuid.UUID) -> bool:
    stmt = select(exists().where(Transfer.id == transfer_id))
    return bool((await session.execute(stmt)).scalar_one())


async def match_of_transfer(
    session: AsyncSession, transfer_id: uuid.UUID
) -> tuple[BankMatch, BankStatement] | None:
    """Where a transfer is matched: the match and its statement."""
    stmt = (
        select(BankMatch, BankStatement)
        .join(BankStatement, BankStatement.id == BankMatch.statement_id)
        .where(BankMatch.transfer_id == transfer_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row is not None else None


async def closing_balances_on(session: AsyncSession, day: date) -> Sequence[int]:
    """The closing balances of the statements whose period ends on ``day``, latest imported
    first."""
    s = BankStatement
    stmt = select(s.closing_balance).where(s.period_end == day).order_by(s.imported_at.desc(), s.id)
    return (await session.execute(stmt)).scalars().all()


async def client_balances_as_at(
    session: AsyncSession, transfer_ids: Sequence[uuid.UUID], as_at: date
) -> dict[uuid.UUID, int]:
    """For each client with money in these transfers, their CMS balance with the bank by value
    date on or before ``as_at`` (money moved in less money moved out), by client."""
    if not transfer_ids:
        return {}
    owners = select(Transfer.client_id).where(
        Transfer.id.in_(set(transfer_ids)), Transfer.client_id.is_not(None)
    )
    stmt = (
        _bank_moves(Transfer.client_id, func.coalesce(func.sum(SIGNED), 0))
        .where(Transfer.value_date <= as_at, Transfer.client_id.in_(owners))
        .group_by(Transfer.client_id)
    )
    return {r[0]: int(r[1]) for r in await session.execute(stmt)}
