"""Every SQL statement of the OPG annual report (issue 15; R-OPG, R-OPG-2)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    and_,
    case,
    false,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.keyset import Seek, keyset
from ca_api.ledger.models import LedgerAccount, Transfer, transfer_reported_category
from ca_api.ledger.rules import MONEY_MOVED
from ca_api.opg_reports.models import (
    OpgReport,
    OpgReportEvent,
    OpgReportNext,
    OpgReportText,
    OpgReportVersion,
)
from ca_api.opg_reports.rules import AccountFact, EntryFact, OpgReportDueState
from ca_api.orders.models import OrderInForce
from ca_api.receipts.models import Receipt

CLIENT_KINDS = ("CLIENT_CMS", "CLIENT_COURT_FUNDS", "CLIENT_PLACEMENT", "CLIENT_CASH")


# --- reports --------------------------------------------------------------------------------


async def insert_report(session: AsyncSession, values: dict[str, Any]) -> OpgReport:
    stmt = insert(OpgReport).values(values).returning(OpgReport)
    return (await session.execute(stmt)).scalar_one()


async def lock(session: AsyncSession, report_id: uuid.UUID) -> OpgReport | None:
    stmt = (
        select(OpgReport)
        .where(OpgReport.id == report_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def reports_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[OpgReport]:
    stmt = select(OpgReport).where(OpgReport.id.in_(set(ids)))
    return (await session.execute(stmt)).scalars().all()


async def reports_of_client(session: AsyncSession, client_id: uuid.UUID) -> Sequence[OpgReport]:
    """The client's reports, the earliest period first."""
    stmt = (
        select(OpgReport).where(OpgReport.client_id == client_id).order_by(OpgReport.period_start)
    )
    return (await session.execute(stmt)).scalars().all()


def _latest_event_kind() -> Any:
    e = OpgReportEvent
    return (
        select(e.event)
        .where(e.report_id == OpgReport.id)
        .order_by(e.recorded_at.desc(), e.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def status_sql() -> ColumnElement[str]:
    """The report's status in SQL, as ``rules.report_status`` says it from the last event."""
    last = _latest_event_kind()
    return case(
        (last.in_(["PREPARED", "APPROVED", "SUBMITTED"]), last),
        else_=literal("OPEN"),
    )


async def list_reports(
    session: AsyncSession,
    *,
    client_id: uuid.UUID | None,
    status: str | None,
    due_window: tuple[str, date] | None,
    seek: Seek[Any],
) -> Sequence[OpgReport]:
    """Reports by due date (then id); filtered by client, status, due state (``due_window``:
    the due state's name and today)."""
    stmt = select(OpgReport)
    status_col = status_sql()
    if client_id is not None:
        stmt = stmt.where(OpgReport.client_id == client_id)
    if status is not None:
        stmt = stmt.where(status_col == status)
    if due_window is not None:
        state, today = due_window
        submitted = status_col == "SUBMITTED"
        if state == "SUBMITTED":
            stmt = stmt.where(submitted)
        else:
            window = due_state_is(
                OpgReportDueState(state), today, OpgReport.period_end, OpgReport.due_on
            )
            stmt = stmt.where(~submitted, window)
    stmt = keyset(stmt, seek, OpgReport.due_on, OpgReport.id)
    return (await session.execute(stmt)).scalars().all()


# --- versions, text, events -----------------------------------------------------------------


async def insert_version(session: AsyncSession, values: dict[str, Any]) -> OpgReportVersion:
    stmt = insert(OpgReportVersion).values(values).returning(OpgReportVersion)
    return (await session.execute(stmt)).scalar_one()


async def versions_of(
    session: AsyncSession, report_ids: Sequence[uuid.UUID]
) -> Sequence[OpgReportVersion]:
    stmt = (
        select(OpgReportVersion)
        .where(OpgReportVersion.report_id.in_(set(report_ids)))
        .order_by(OpgReportVersion.report_id, OpgReportVersion.version)
    )
    return (await session.execute(stmt)).scalars().all()


async def insert_text(session: AsyncSession, values: dict[str, Any]) -> OpgReportText:
    stmt = insert(OpgReportText).values(values).returning(OpgReportText)
    return (await session.execute(stmt)).scalar_one()


async def texts_of(
    session: AsyncSession, report_ids: Sequence[uuid.UUID]
) -> Sequence[OpgReportText]:
    """Every text written, oldest first (the latest per section wins)."""
    stmt = (
        select(OpgReportText)
        .where(OpgReportText.report_id.in_(set(report_ids)))
        .order_by(OpgReportText.recorded_at, OpgReportText.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def events_of(
    session: AsyncSession, report_ids: Sequence[uuid.UUID]
) -> Sequence[OpgReportEvent]:
    stmt = (
        select(OpgReportEvent)
        .where(OpgReportEvent.report_id.in_(set(report_ids)))
        .order_by(OpgReportEvent.recorded_at, OpgReportEvent.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> OpgReportEvent:
    stmt = insert(OpgReportEvent).values(values).returning(OpgReportEvent)
    return (await session.execute(stmt)).scalar_one()


# --- the ledger, read for the report (R-OPG-1, R-OPG-2) --------------------------------------


async def client_accounts(session: AsyncSession, client_id: uuid.UUID) -> Sequence[LedgerAccount]:
    """The client's own accounts (CMS, Court Funds, placements, cash), oldest first."""
    stmt = (
        select(LedgerAccount)
        .where(LedgerAccount.client_id == client_id, LedgerAccount.kind.in_(CLIENT_KINDS))
        .order_by(LedgerAccount.created_at, LedgerAccount.id)
    )
    return (await session.execute(stmt)).scalars().all()


def _touches(account_ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    ids = list(account_ids)
    return and_(
        Transfer.kind.in_(MONEY_MOVED),
        or_(Transfer.from_account_id.in_(ids), Transfer.to_account_id.in_(ids)),
    )


async def balances_on(
    session: AsyncSession, account_ids: Sequence[uuid.UUID], on: date
) -> dict[uuid.UUID, int]:
    """Each account's balance at the end of ``on`` as the ledger stands now: what moved in less
    what moved out, value dated on or before it."""
    if not account_ids:
        return {}
    out: dict[uuid.UUID, int] = dict.fromkeys(account_ids, 0)
    stmt = (
        select(Transfer.from_account_id, Transfer.to_account_id, func.sum(Transfer.amount))
        .where(_touches(account_ids), Transfer.value_date <= on)
        .group_by(Transfer.from_account_id, Transfer.to_account_id)
    )
    for src, dst, total in (await session.execute(stmt)).all():
        if src in out:
            out[src] -= int(total)
        if dst in out:
            out[dst] += int(total)
    return out


async def entries_for_report(
    session: AsyncSession,
    account_ids: Sequence[uuid.UUID],
    *,
    until: date,
    since: date | None = None,
    posted_after: datetime | None = None,
    after_seq: int | None = None,
) -> list[EntryFact]:
    """The entries that moved money into or out of these accounts, value dated from ``since``
    (None: from the start) to ``until``, each with its category and, for a receipt, its
    benefit. THE ONE PLACE the report reads an entry's category: the category it is reported
    under (the view ``transfer_reported_category``: its latest reclassification, else that of
    the transfer it reverses, else its own; R-OPG-1, R-AUD-2)."""
    if not account_ids:
        return []
    v = transfer_reported_category
    stmt = (
        select(Transfer, v.c.reported_category.label("reported"), Receipt.benefit)
        .join(v, v.c.transfer_id == Transfer.id)
        # A receipt's benefit; a reversal's is that of the receipt it reverses (R-ACC-6).
        .outerjoin(Receipt, Receipt.transfer_id == func.coalesce(Transfer.reverses_id, Transfer.id))
        .where(_touches(account_ids), Transfer.value_date <= until)
        .order_by(Transfer.value_date, Transfer.seq)
    )
    if since is not None:
        stmt = stmt.where(Transfer.value_date >= since)
    if posted_after is not None and after_seq is not None:
        stmt = stmt.where(or_(Transfer.posted_at > posted_after, Transfer.seq > after_seq))
    elif posted_after is not None:
        stmt = stmt.where(Transfer.posted_at > posted_after)
    return [
        EntryFact(
            transfer_id=t.id,
            value_date=t.value_date,
            amount=t.amount,
            category=reported,
            from_account_id=t.from_account_id,
            to_account_id=t.to_account_id,
            description=t.description,
            benefit=benefit,
        )
        for t, reported, benefit in (await session.execute(stmt)).all()
    ]


async def ledger_high_water(session: AsyncSession) -> int:
    """The ledger's last entry (its ``seq``) as this transaction sees it: what a version was
    generated over, so that an entry posted after it (even in the same transaction, where
    ``posted_at`` is the same ``now()``) is known to be later."""
    found = await session.scalar(select(func.coalesce(func.max(Transfer.seq), 0)))
    return int(found or 0)


async def opening_balances(
    session: AsyncSession, accounts: Sequence[LedgerAccount], start: date
) -> list[AccountFact]:
    """The accounts with their balance at the end of the day before ``start``."""
    before = await balances_on(session, [a.id for a in accounts], start - timedelta(days=1))
    return [AccountFact(a.id, a.kind, a.name, before.get(a.id, 0)) for a in accounts]


# --- the next reports (the list of reports coming due) ---------------------------------------


@dataclass(frozen=True)
class NextRow:
    """A deputy client's next report as migration 0054 keeps it (``rules.next_report``)."""

    client_id: uuid.UUID
    period_start: date
    period_end: date
    due_on: date
    report_id: uuid.UUID | None  # the opened report, not submitted yet


def due_state_is(
    state: OpgReportDueState,
    today: date | SQLColumnExpression[Any],
    period_end: SQLColumnExpression[Any],
    due_on: SQLColumnExpression[Any],
) -> ColumnElement[bool]:
    """``rules.due_state`` of a report not submitted is ``state`` on ``today``, in SQL (the
    agreement test holds the two equal). NOT_DUE's ``due_on > today`` follows from the period
    (due after its end) and lets the due date's index start at today; SUBMITTED is none."""
    if state is OpgReportDueState.NOT_DUE:
        return and_(period_end >= today, due_on > today)
    if state is OpgReportDueState.DUE:
        return and_(period_end < today, due_on >= today)
    if state is OpgReportDueState.OVERDUE:
        return due_on < today
    return false()


async def next_reports(
    session: AsyncSession,
    *,
    as_of: date,
    due_state: OpgReportDueState | None,
    due_by: date | None,
    client_id: uuid.UUID | None,
    seek: Seek[tuple[date, uuid.UUID]] | None,
) -> list[NextRow]:
    """The next report of each client with a deputyship in force on ``as_of`` (R-OPG), by due
    date then client, from the kept rows (migration 0054) by the index of their due dates: a
    page (``seek``) reads its rows and, for each, the client's few order periods; None: all.
    Filtered by the due state on ``as_of``, a last due date, one client."""
    n, o = OpgReportNext, OrderInForce
    in_force = (
        select(literal(1))
        .where(o.client_id == n.client_id, o.kind == "deputyship", o.during.op("@>")(as_of))
        .exists()
    )
    stmt = select(n.client_id, n.period_start, n.period_end, n.due_on, n.report_id).where(
        n.due_on.is_not(None), in_force
    )
    if due_state is not None:
        stmt = stmt.where(due_state_is(due_state, as_of, n.period_end, n.due_on))
    if due_by is not None:
        stmt = stmt.where(n.due_on <= due_by)
    if client_id is not None:
        stmt = stmt.where(n.client_id == client_id)
    if seek is None:
        stmt = stmt.order_by(n.due_on, n.client_id)
    else:
        stmt = keyset(stmt, seek, n.due_on, n.client_id)
    # The dates are not null here (``due_on IS NOT NULL``, and the table's check: all or none).
    return [
        NextRow(c, cast(date, start), cast(date, end), cast(date, due), report)
        for c, start, end, due, report in (await session.execute(stmt)).all()
    ]
