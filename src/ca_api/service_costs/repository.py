"""SQL of the service's cost and income, workload and exceptions register."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.clock import LONDON
from ca_api.db import insert_recorded
from ca_api.service_costs.models import (
    PolicyException,
    PolicyExceptionDecision,
    ServiceCostRole,
    ServiceCostVersion,
)

# --- the cost table (R-REP-3, R-DATA) --------------------------------------------------------


async def insert_version(session: AsyncSession, values: dict[str, Any]) -> ServiceCostVersion:
    return await insert_recorded(session, ServiceCostVersion, values)


async def insert_roles(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(ServiceCostRole), list(rows))


async def version_on(session: AsyncSession, on: date) -> ServiceCostVersion | None:
    """The version in force on ``on``: the latest effective date on or before it, then the
    latest recorded (a correction of the same date supersedes)."""
    stmt = (
        select(ServiceCostVersion)
        .where(ServiceCostVersion.effective_from <= on)
        .order_by(
            ServiceCostVersion.effective_from.desc(),
            ServiceCostVersion.recorded_at.desc(),
            ServiceCostVersion.id.desc(),
        )
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def version(session: AsyncSession, version_id: uuid.UUID) -> ServiceCostVersion | None:
    return await session.get(ServiceCostVersion, version_id)


async def versions(session: AsyncSession) -> Sequence[ServiceCostVersion]:
    stmt = select(ServiceCostVersion).order_by(
        ServiceCostVersion.effective_from, ServiceCostVersion.recorded_at, ServiceCostVersion.id
    )
    return (await session.execute(stmt)).scalars().all()


async def roles_of(session: AsyncSession, version_id: uuid.UUID) -> Sequence[ServiceCostRole]:
    stmt = (
        select(ServiceCostRole)
        .where(ServiceCostRole.version_id == version_id)
        .order_by(ServiceCostRole.position)
    )
    return (await session.execute(stmt)).scalars().all()


# --- income for a financial year, from the ledger (R-REP-3) ----------------------------------
# Each source is a module's record of the transfer that moved the money; a transfer reversed
# (R-AUD-2: a later transfer whose reverses_id names it) is not income. Dated by the transfer's
# value date.

COURT_FIXED_COSTS = text(
    """
SELECT coalesce(sum(t.amount), 0) FROM fee_charge fc JOIN transfer t ON t.id = fc.transfer_id
WHERE fc.kind = 'DEPUTY_REMUNERATION' AND t.value_date BETWEEN :start AND :end
  AND NOT EXISTS (SELECT 1 FROM transfer r WHERE r.reverses_id = t.id)
"""
)
WIND_UP_FEES = text(
    """
SELECT coalesce(sum(t.amount), 0) FROM wind_up_fee w JOIN transfer t ON t.id = w.transfer_id
WHERE t.value_date BETWEEN :start AND :end
  AND NOT EXISTS (SELECT 1 FROM transfer r WHERE r.reverses_id = t.id)
"""
)
SMALL_ESTATES_KEPT = text(
    """
SELECT coalesce(sum(t.amount), 0)
FROM estate_payment ep
JOIN payment_event pe ON pe.payment_id = ep.payment_id AND pe.event = 'MADE'
JOIN transfer t ON t.id = pe.transfer_id
WHERE ep.route = 'KEPT_BY_COUNCIL' AND t.value_date BETWEEN :start AND :end
  AND NOT EXISTS (SELECT 1 FROM transfer r WHERE r.reverses_id = t.id)
"""
)


async def income(session: AsyncSession, start: date, end: date) -> tuple[int, int, int]:
    """(court fixed costs, wind-up fees, small estates kept) with value dates in the period."""
    params = {"start": start, "end": end}
    found = []
    for stmt in (COURT_FIXED_COSTS, WIND_UP_FEES, SMALL_ESTATES_KEPT):
        found.append(int((await session.execute(stmt, params)).scalar_one()))
    return found[0], found[1], found[2]


# --- workload (D 4) ----------------------------------------------------------------------------

OPEN_ITEMS = text(
    """
SELECT officer, kind, count(*) AS n FROM (
  SELECT p.raised_by AS officer, 'PAYMENT' AS kind
  FROM payment p
  WHERE p.raised_at < :day_end
    AND NOT EXISTS (
      SELECT 1 FROM payment_event e WHERE e.payment_id = p.id
        AND e.event IN ('MADE', 'CANCELLED') AND e.recorded_at < :day_end)
  UNION ALL
  SELECT d.raised_by, 'DECISION'
  FROM decision d
  WHERE d.raised_at < :day_end
    AND NOT EXISTS (
      SELECT 1 FROM decision_event e WHERE e.decision_id = d.id
        AND e.event IN ('APPROVED', 'REFUSED', 'SUPERSEDED') AND e.on_date <= :as_at)
  UNION ALL
  SELECT x.submitted_by, 'POLICY_EXCEPTION'
  FROM policy_exception x
  WHERE x.submitted_on <= :as_at
    AND NOT EXISTS (
      SELECT 1 FROM policy_exception_decision e WHERE e.exception_id = x.id
        AND e.decided_on <= :as_at)
) items
GROUP BY officer, kind
"""
)


async def open_items(session: AsyncSession, as_at: date) -> list[tuple[str, str, int]]:
    """(officer's subject, kind, how many) of the items each officer raised that were still
    open at the end of ``as_at`` (the council's day, Europe/London): raised, and not closed,
    before the London midnight that ends it (a bound worked out once, so the timestamps are
    compared as stored rather than each converted to a London date)."""
    day_end = datetime.combine(as_at + timedelta(days=1), time(0), tzinfo=LONDON)
    params = {"as_at": as_at, "day_end": day_end}
    rows = (await session.execute(OPEN_ITEMS, params)).all()
    return [(str(r.officer), str(r.kind), int(r.n)) for r in rows]


async def officer_roles(session: AsyncSession, subjects: Sequence[str]) -> dict[str, str]:
    """The officer directory's role of each subject it knows."""
    if not subjects:
        return {}
    rows = await session.execute(
        text("SELECT subject, role FROM officer WHERE subject = ANY(:s)"), {"s": list(subjects)}
    )
    return {str(r.subject): str(r.role) for r in rows}


# --- the exceptions register (D 1.3) ----------------------------------------------------------


async def insert_exception(session: AsyncSession, values: dict[str, Any]) -> PolicyException:
    return await insert_recorded(session, PolicyException, values)


async def insert_decision(session: AsyncSession, values: dict[str, Any]) -> PolicyExceptionDecision:
    return await insert_recorded(session, PolicyExceptionDecision, values)


async def lock_exception(session: AsyncSession, exception_id: uuid.UUID) -> PolicyException | None:
    stmt = (
        select(PolicyException)
        .where(PolicyException.id == exception_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def exceptions_between(
    session: AsyncSession, start: date | None, end: date | None
) -> Sequence[PolicyException]:
    stmt = select(PolicyException)
    if start is not None:
        stmt = stmt.where(PolicyException.submitted_on >= start)
    if end is not None:
        stmt = stmt.where(PolicyException.submitted_on <= end)
    stmt = stmt.order_by(
        PolicyException.submitted_on, PolicyException.recorded_at, PolicyException.id
    )
    return (await session.execute(stmt)).scalars().all()


async def decisions_of(
    session: AsyncSession, exception_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PolicyExceptionDecision]:
    if not exception_ids:
        return {}
    stmt = select(PolicyExceptionDecision).where(
        PolicyExceptionDecision.exception_id.in_(list(exception_ids))
    )
    return {d.exception_id: d for d in (await session.execute(stmt)).scalars().all()}
