"""The OPG reports due (R-OPG, issue 18): every client with a deputyship in force and their next
report, kept by the database (migration 0054) and read a page at a time, with its due state.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api.common.keyset import Seek
from ca_api.opg_reports import repository, rules
from ca_api.opg_reports.report_views import ReportView, views
from ca_api.opg_reports.rules import OpgReportDueState

# --- reports due ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    client_id: uuid.UUID
    period_start: date
    period_end: date
    due_on: date
    due_state: OpgReportDueState
    report: ReportView | None


# Opened reports read at once for the reports due: their versions, texts and events are read
# with one IN list each, and a driver takes at most 32,767 parameters.
DUE_BATCH = 2000


async def _due(session: AsyncSession, rows: Sequence[repository.NextRow], as_of: date) -> list[Due]:
    """The rows of the kept next reports as the list shows them: the opened ones with their
    report (read a batch at a time), each in its due state on ``as_of`` (rules.due_state)."""
    opened_ids = [r.report_id for r in rows if r.report_id is not None]
    opened: dict[uuid.UUID, ReportView] = {}
    for start in range(0, len(opened_ids), DUE_BATCH):
        for v in await views(session, opened_ids[start : start + DUE_BATCH]):
            opened[v.report.id] = v
    out: list[Due] = []
    for r in rows:
        lv = opened.get(r.report_id) if r.report_id is not None else None
        state = (
            lv.due_state(as_of)
            if lv is not None
            else rules.due_state(r.period_end, r.due_on, as_of, submitted=False)
        )
        out.append(Due(r.client_id, r.period_start, r.period_end, r.due_on, state, lv))
    return out


async def reports_due(session: AsyncSession, as_of: date) -> list[Due]:
    """Every client with a deputyship in force on ``as_of`` and their next report: the one not
    yet submitted if there is one, else the next period's (not opened yet); by due date, then
    client. The whole list of ``reports_coming_due`` (the deprecated ``opgReportsDue``).

    Issue 18: the next reports are kept by the database (migration 0054, ``rules.next_report``
    in SQL), read in one statement in the list's order; only the opened reports are read in
    full."""
    rows = await repository.next_reports(
        session, as_of=as_of, due_state=None, due_by=None, client_id=None, seek=None
    )
    return await _due(session, rows, as_of)


async def reports_coming_due(
    session: AsyncSession,
    *,
    as_of: date,
    due_state: OpgReportDueState | None,
    due_by: date | None,
    client_id: uuid.UUID | None,
    seek: Seek[tuple[date, uuid.UUID]],
) -> list[Due]:
    """A page of ``reports_due`` (R-OPG): by due date then client, read from the kept next
    reports by their index; only those in ``due_state`` on ``as_of`` (SUBMITTED: none, the list
    holds the reports still to submit), due on or before ``due_by``, of one client."""
    rows = await repository.next_reports(
        session,
        as_of=as_of,
        due_state=due_state,
        due_by=due_by,
        client_id=client_id,
        seek=seek,
    )
    return await _due(session, rows, as_of)
