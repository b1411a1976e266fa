"""Use cases of bank reconciliation (R-ACC-7): import a statement (one transaction: the
statement, its lines, the automatic matches and the audit row), match a line by hand (audited),
and read a statement's reconciliation to the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.common.keyset import Seek
from ca_api.common.rules import optional_text
from ca_api.db import unit_of_work
from ca_api.errors import (
    BusinessProblem,
    ErrorCode,
    MoneyProblem,
    RecordNotFound,
    ValidationFailed,
)
from ca_api.ledger.models import Transfer
from ca_api.money import Pence, format_money
from ca_api.outbox import events
from ca_api.outbox.rules import Recipient, Topic
from ca_api.reconciliation import repository, rules
from ca_api.reconciliation.rules import CsvRefused, Match, MatchMethod, StatementHeading

ENTITY = "bank_statement"


class DuplicateStatement(BusinessProblem):
    """The same file was imported before (its sha256 is on an earlier statement)."""

    code = ErrorCode.DUPLICATE

    def __init__(self, existing_id: uuid.UUID, imported_at: datetime, imported_by: str) -> None:
        super().__init__(
            f"this file was imported already, on {imported_at:%Y-%m-%d %H:%M} by {imported_by}: "
            "a statement is imported once"
        )
        self.existing_id = existing_id


class AlreadyMatched(MoneyProblem):
    def __init__(self, message: str, **details: object) -> None:
        super().__init__(ErrorCode.INVALID_STATE, message, **details)


class LineNotFound(RecordNotFound):
    def __init__(self, statement_id: uuid.UUID, line_no: int) -> None:
        super().__init__("bank statement line", str(statement_id))
        self.message = (
            f"the statement has no transaction on line {line_no} "
            "(lines are numbered as in the file: the header is line 1)"
        )


@dataclass(frozen=True)
class StatementRecord:
    id: uuid.UUID
    account_name: str
    period_start: date
    period_end: date
    opening_balance: Pence
    closing_balance: Pence
    source_sha256: bytes
    imported_by: str
    imported_at: datetime
    line_count: int
    matched_count: int


@dataclass(frozen=True)
class LineMatch:
    method: MatchMethod
    matched_by: str
    matched_at: datetime
    transfer: Transfer


@dataclass(frozen=True)
class LineRecord:
    line: rules.BankLine
    match: LineMatch | None


@dataclass(frozen=True)
class MoveRecord:
    """A transfer on the bank account's side of the ledger, signed as the bank sees it."""

    transfer: Transfer
    amount: Pence


@dataclass(frozen=True)
class ImportResult:
    statement: StatementRecord
    auto_matched: int


@dataclass(frozen=True)
class Reconciliation:
    """A statement against the ledger as at its period end (by value date)."""

    statement: StatementRecord
    ledger_balance: Pence  # every CMS account's balance, summed, as at the period end
    unmatched_line_count: int
    unmatched_transfer_count: int
    slack_days: int = rules.SLACK_DAYS

    @property
    def difference(self) -> Pence:
        """Statement closing balance less the ledger's: 0.00 when they agree."""
        return self.statement.closing_balance - self.ledger_balance

    @property
    def reconciled(self) -> bool:
        return (
            self.difference == 0
            and self.unmatched_line_count == 0
            and self.unmatched_transfer_count == 0
        )


def _statement(row: repository.StatementCounts) -> StatementRecord:
    s, line_count, matched_count = row
    counts: dict[str, Any] = {"line_count": line_count, "matched_count": matched_count}
    stored = {f.name: getattr(s, f.name) for f in fields(StatementRecord) if f.name not in counts}
    return StatementRecord(**stored, **counts)


def _line(row: repository.LineRow) -> LineRecord:
    line, match, transfer = row
    return LineRecord(
        line=rules.BankLine(**{f.name: getattr(line, f.name) for f in fields(rules.BankLine)}),
        match=(
            LineMatch(
                method=MatchMethod(match.method),
                matched_by=match.matched_by,
                matched_at=match.matched_at,
                transfer=transfer,
            )
            if match is not None and transfer is not None
            else None
        ),
    )


async def import_statement(
    session: AsyncSession, actor: Actor, heading: StatementHeading, csv_text: str
) -> ImportResult:
    """Check the statement (its heading, every line, that it adds up), store it with its lines,
    match what can be matched, and audit it: all or nothing."""
    heading = replace(heading, account_name=heading.account_name.strip())
    problems = rules.statement_problems(
        heading.account_name, heading.period_start, heading.period_end, clock.today()
    )
    if problems:
        raise ValidationFailed(problems)
    parsed = rules.parse_statement_csv(csv_text, heading.period_start, heading.period_end)
    if isinstance(parsed, CsvRefused):
        raise ValidationFailed(parsed.as_fields())
    unbalanced = rules.balance_problem(heading.opening_balance, heading.closing_balance, parsed)
    if unbalanced is not None:
        raise ValidationFailed({"closing_balance": unbalanced})
    digest = rules.digest(csv_text)

    async with unit_of_work(session):
        await repository.lock(session)
        existing = await repository.statement_by_digest(session, digest)
        if existing is not None:
            raise DuplicateStatement(existing.id, existing.imported_at, existing.imported_by)
        statement_id = await repository.insert_statement(
            session, heading, source_sha256=digest, imported_by=actor.principal.subject
        )
        assert statement_id is not None  # the lock makes the digest check final
        await repository.insert_lines(session, statement_id, parsed)
        slack = timedelta(days=rules.SLACK_DAYS)
        moves = await repository.unmatched_moves_between(
            session, heading.period_start - slack, heading.period_end + slack
        )
        matches = rules.auto_match(parsed, moves)
        await _match(session, actor, statement_id, matches, MatchMethod.AUTO)
        told = await _tell_balances(session, actor, statement_id, heading, matches)
        after = asdict(heading) | {
            "opening_balance": format_money(heading.opening_balance),
            "closing_balance": format_money(heading.closing_balance),
            "lines": len(parsed),
            "source_sha256": digest.hex(),
            "auto_matched": len(matches),
            "slack_days": rules.SLACK_DAYS,
            "outbox_messages": told,
        }
        await audit.record(session, actor, ENTITY, statement_id, "import", after=after)
        row = await repository.get_statement(session, statement_id)
        assert row is not None
    return ImportResult(statement=_statement(row), auto_matched=len(matches))


async def _tell_balances(
    session: AsyncSession,
    actor: Actor,
    statement_id: uuid.UUID,
    heading: StatementHeading,
    matches: Sequence[Match],
) -> list[str]:
    """Controcc's financial protection module reconciles client balances to bank statements
    (seed 002 1.6, R-ACC-7): each client with money on the statement's matched lines hears
    their CMS balance with the bank at the statement's end, in the import's transaction (issue
    17 item 3). Its subject is the statement and the client (``uuid5``), so a statement tells
    each client once."""
    balances = await repository.client_balances_as_at(
        session, [m.transfer_id for m in matches], heading.period_end
    )
    told = await events.tell(
        session,
        actor,
        [
            events.Event(
                Topic.BANK_BALANCE,
                client_id,
                "BankStatementBalance",
                uuid.uuid5(statement_id, str(client_id)),
                {
                    "bank_statement_id": str(statement_id),
                    "account_name": heading.account_name,
                    "period_start": heading.period_start.isoformat(),
                    "period_end": heading.period_end.isoformat(),
                    "balance": balance,
                },
            )
            for client_id, balance in sorted(balances.items())
        ],
        [Recipient.CONTROCC],
    )
    return [str(m) for m in told]


async def _match(
    session: AsyncSession,
    actor: Actor,
    statement_id: uuid.UUID,
    matches: list[Match],
    method: MatchMethod,
) -> None:
    await repository.insert_matches(
        session, statement_id, matches, method=method, matched_by=actor.principal.subject
    )


async def _line_of(session: AsyncSession, statement_id: uuid.UUID, line_no: int) -> LineRecord:
    found = await repository.lines(session, statement_id, seek=Seek(None, 1), line_no=line_no)
    if not found:
        raise LineNotFound(statement_id, line_no)
    return _line(found[0])


async def match_line(
    session: AsyncSession,
    actor: Actor,
    statement_id: uuid.UUID,
    line_no: int,
    transfer_id: uuid.UUID,
    *,
    reason: str | None = None,
) -> LineRecord:
    """Match a statement line to a ledger transfer by hand: the same money, the same way; each
    line and each transfer matched once. Repeating the same match changes nothing."""
    reason = optional_text(reason)
    async with unit_of_work(session):
        await repository.lock(session)
        statement = await repository.get_statement(session, statement_id)
        if statement is None:
            raise RecordNotFound("bank statement", str(statement_id))
        current = await _line_of(session, statement_id, line_no)
        move = await repository.bank_move(session, transfer_id)
        if move is None:
            if not await repository.transfer_exists(session, transfer_id):
                raise RecordNotFound("transfer", str(transfer_id))
            raise ValidationFailed(
                {
                    "transfer_id": "did not move money into or out of a client's Client Monies "
                    "Service account, so it is not on the bank statement"
                }
            )
        transfer, signed = move
        if current.match is not None:
            if current.match.transfer.id == transfer_id:
                return current
            raise AlreadyMatched(
                f"line {line_no} is already matched to another transfer",
                transfer_id=str(current.match.transfer.id),
            )
        elsewhere = await repository.match_of_transfer(session, transfer_id)
        if elsewhere is not None:
            other_match, other_statement = elsewhere
            raise AlreadyMatched(
                f"the transfer is already matched to line {other_match.line_no} of the statement "
                f"for {other_statement.period_start.isoformat()} to "
                f"{other_statement.period_end.isoformat()}",
                statement_id=str(other_statement.id),
                line_no=other_match.line_no,
            )
        problem = rules.manual_match_problem(current.line.amount, signed)
        if problem is not None:
            raise ValidationFailed({"transfer_id": problem})
        await _match(
            session, actor, statement_id, [Match(line_no, transfer_id)], MatchMethod.MANUAL
        )
        after = {
            "line_no": line_no,
            "transfer_id": transfer_id,
            "amount": format_money(current.line.amount),
            "line_date": current.line.posted_on,
            "transfer_value_date": transfer.value_date,
            "method": MatchMethod.MANUAL,
        }
        await audit.record(
            session,
            actor,
            ENTITY,
            statement_id,
            "match_line",
            after=after,
            reason=reason,
            client_id=transfer.client_id,
        )
        return await _line_of(session, statement_id, line_no)


async def get_statement(session: AsyncSession, statement_id: uuid.UUID) -> StatementRecord | None:
    row = await repository.get_statement(session, statement_id)
    return _statement(row) if row is not None else None


async def statements_by_id(
    session: AsyncSession, statement_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, StatementRecord]:
    """The statements with these ids, by id (every officer and audit reads every statement)."""
    if not statement_ids:
        return {}
    rows = await repository.statements_by_id(session, statement_ids)
    return {r[0].id: _statement(r) for r in rows}


async def list_statements(
    session: AsyncSession, *, seek: Seek[tuple[date, uuid.UUID]]
) -> list[StatementRecord]:
    return [_statement(r) for r in await repository.list_statements(session, seek=seek)]


async def reconciliation(session: AsyncSession, statement_id: uuid.UUID) -> Reconciliation | None:
    statement = await get_statement(session, statement_id)
    if statement is None:
        return None
    return Reconciliation(
        statement=statement,
        ledger_balance=await repository.cms_balance_as_at(session, statement.period_end),
        unmatched_line_count=statement.line_count - statement.matched_count,
        unmatched_transfer_count=await repository.count_unmatched_moves(
            session, statement.period_start, statement.period_end
        ),
    )


async def lines(
    session: AsyncSession,
    statement_id: uuid.UUID,
    *,
    unmatched_only: bool,
    seek: Seek[int],
) -> list[LineRecord]:
    rows = await repository.lines(session, statement_id, unmatched_only, seek)
    return [_line(r) for r in rows]


async def unmatched_moves(
    session: AsyncSession,
    statement: StatementRecord,
    *,
    seek: Seek[int],
) -> list[MoveRecord]:
    """Transfers on the bank account's side of the ledger, value-dated in the statement's
    period, that no statement line is matched to."""
    rows = await repository.unmatched_moves_page(
        session, statement.period_start, statement.period_end, seek=seek
    )
    return [MoveRecord(transfer=t, amount=signed) for t, signed in rows]


async def closing_balance_on(session: AsyncSession, day: date) -> Pence | None:
    """The Client Monies Service account's balance at the end of ``day`` by the bank, from the
    statement imported whose period ends that day (the latest imported if several); None when
    there is none (a caseload import's cut-over check, R-ACC-7)."""
    found = await repository.closing_balances_on(session, day)
    return int(found[0]) if found else None
