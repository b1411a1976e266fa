"""The OPG annual report as read (issue 15; R-OPG): a report with its versions, texts and events
(``ReportView``, its status derived from them), the approval mechanism's view of a report that
every use case goes through (``REPORTS``, ``STEPS``, ``ONCE``), and the document a version
exports (the one input of ``exports``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import steps
from ca_api.common.keyset import Seek
from ca_api.errors import InvalidState, RecordNotFound
from ca_api.opg_reports import repository, rules
from ca_api.opg_reports.models import OpgReport, OpgReportEvent, OpgReportText, OpgReportVersion
from ca_api.opg_reports.rules import OpgReportDueState, OpgReportEventKind, OpgReportStatus

TYPE_NAME = "OpgReport"
ENTITY = "opg_report"


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportView:
    """A report with its versions, texts and events, and its status derived from them."""

    report: OpgReport
    versions: list[OpgReportVersion]
    texts: list[OpgReportText]
    events: list[OpgReportEvent]

    @property
    def status(self) -> OpgReportStatus:
        return rules.report_status(e.event for e in self.events)

    @property
    def current(self) -> OpgReportVersion | None:
        return self.versions[-1] if self.versions else None

    def version(self, number: int) -> OpgReportVersion | None:
        return next((v for v in self.versions if v.version == number), None)

    def due_state(self, today: date) -> OpgReportDueState:
        r = self.report
        return rules.due_state(
            r.period_end, r.due_on, today, submitted=self.status is OpgReportStatus.SUBMITTED
        )

    def free_text(self, before: Any = None) -> dict[str, OpgReportText]:
        """The latest text per section (written before ``before``, when given)."""
        out: dict[str, OpgReportText] = {}
        for t in self.texts:
            if before is None or t.recorded_at < before:
                out[t.section] = t
        return out

    def _last(self, kind: OpgReportEventKind, *, since_open: bool) -> OpgReportEvent | None:
        found = None
        for e in self.events:
            if e.event == kind.value:
                found = e
            elif since_open and e.event in (
                OpgReportEventKind.RETURNED.value,
                OpgReportEventKind.CORRECTED.value,
            ):
                found = None
        return found

    @property
    def prepared(self) -> OpgReportEvent | None:
        return self._last(OpgReportEventKind.PREPARED, since_open=True)

    @property
    def approved(self) -> OpgReportEvent | None:
        return self._last(OpgReportEventKind.APPROVED, since_open=True)

    @property
    def submitted(self) -> OpgReportEvent | None:
        return self._last(OpgReportEventKind.SUBMITTED, since_open=True)

    @property
    def last_submitted(self) -> OpgReportEvent | None:
        return self._last(OpgReportEventKind.SUBMITTED, since_open=False)


@dataclass(frozen=True)
class ReportOutcome:
    view: ReportView
    replayed: bool = False


async def views(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[ReportView]:
    reports = list(await repository.reports_by_id(session, ids))
    return await views_of(session, reports)


async def views_of(session: AsyncSession, reports: Sequence[OpgReport]) -> list[ReportView]:
    ids = [r.id for r in reports]
    versions: dict[uuid.UUID, list[OpgReportVersion]] = {i: [] for i in ids}
    texts: dict[uuid.UUID, list[OpgReportText]] = {i: [] for i in ids}
    events: dict[uuid.UUID, list[OpgReportEvent]] = {i: [] for i in ids}
    if ids:
        for v in await repository.versions_of(session, ids):
            versions[v.report_id].append(v)
        for t in await repository.texts_of(session, ids):
            texts[t.report_id].append(t)
        for e in await repository.events_of(session, ids):
            events[e.report_id].append(e)
    return [ReportView(r, versions[r.id], texts[r.id], events[r.id]) for r in reports]


async def view(session: AsyncSession, report_id: uuid.UUID) -> ReportView:
    found = await views(session, [report_id])
    if not found:
        raise RecordNotFound.of(TYPE_NAME, report_id)
    return found[0]


async def outcome_of(
    session: AsyncSession, report_id: uuid.UUID, *, replayed: bool = False
) -> ReportOutcome:
    return ReportOutcome(await view(session, report_id), replayed)


async def list_reports(
    session: AsyncSession,
    *,
    client_id: uuid.UUID | None,
    status: OpgReportStatus | None,
    due_state: OpgReportDueState | None,
    seek: Seek[Any],
) -> list[ReportView]:
    rows = await repository.list_reports(
        session,
        client_id=client_id,
        status=status.value if status else None,
        due_window=(due_state.value, clock.today()) if due_state else None,
        seek=seek,
    )
    return await views_of(session, rows)


# --- the approval mechanism's view of a report ------------------------------------------------

ONCE = approvals.Once(
    remember_as="opg_report_id",
    ident=lambda o: o.view.report.id,
    replay=partial(outcome_of, replayed=True),
)

REPORTS: approvals.Approvable[OpgReport, OpgReportStatus, OpgReportEventKind] = (
    approvals.Approvable(
        type_name=TYPE_NAME,
        owner_column="report_id",
        lock=repository.lock,
        events_of=repository.events_of,
        status=rules.report_status,
        transition_problem=rules.transition_problem,
        insert_event=repository.insert_event,
        # A report goes round (returned, prepared again): no event is once only; the lock
        # serialises its changes. The name is never in an error, so nothing is mistaken for it.
        once_index="uq_opg_report_event_never",
        already=lambda event: f"the report was {event.lower()} already",
        missing=RecordNotFound.of,
        wording=approvals.Wording(
            raised="you prepared this report",
            authored="you generated a version of this report, wrote its text or prepared it",
            must="approve it",
            may="approve",
        ),
    )
)

STEPS = steps.Steps(
    agg=REPORTS,
    once=ONCE,
    entity=ENTITY,
    awaiting=OpgReportStatus.PREPARED,
    actions={
        OpgReportEventKind.PREPARED: "prepare",
        OpgReportEventKind.APPROVED: "approve",
        OpgReportEventKind.RETURNED: "return",
        OpgReportEventKind.SUBMITTED: "mark_submitted",
        OpgReportEventKind.CORRECTED: "correct",
    },
    operations={
        OpgReportEventKind.PREPARED: "prepareOpgReport",
        OpgReportEventKind.APPROVED: "approveOpgReport",
        OpgReportEventKind.RETURNED: "returnOpgReport",
        OpgReportEventKind.SUBMITTED: "markOpgReportSubmitted",
        OpgReportEventKind.CORRECTED: "correctOpgReport",
    },
    read=outcome_of,
)


# --- the document (the one input of the exports, H4) ----------------------------------------


async def document(
    session: AsyncSession, report_id: uuid.UUID, version: int | None = None
) -> dict[str, Any]:
    """The version's content (the current one by default) with ``freeText`` and
    ``submission`` filled in."""
    return await document_of(session, await view(session, report_id), version)


async def document_of(session: AsyncSession, v: ReportView, number: int | None) -> dict[str, Any]:
    chosen = v.current if number is None else v.version(number)
    if chosen is None:
        raise InvalidState("no such version of the report is generated")
    later = v.version(chosen.version + 1)
    texts = v.free_text(before=later.generated_at if later else None)
    mine = [e for e in v.events if e.version == chosen.version]

    def last(kind: OpgReportEventKind) -> OpgReportEvent | None:
        found = None
        for e in mine:
            if e.event == kind.value:
                found = e
            elif e.event == OpgReportEventKind.RETURNED.value:
                found = None
        return found

    submitted, approved, prepared = (
        last(OpgReportEventKind.SUBMITTED),
        last(OpgReportEventKind.APPROVED),
        last(OpgReportEventKind.PREPARED),
    )
    corrected = last(OpgReportEventKind.CORRECTED)
    if later is not None:
        status = OpgReportStatus.SUBMITTED if submitted else OpgReportStatus.OPEN
    else:
        status = v.status
    content = dict(chosen.content)
    content["generatedAt"] = chosen.generated_at.isoformat()
    content["freeText"] = {k: t.text for k, t in texts.items()}
    content["submission"] = {
        "status": status.value,
        "submittedOn": submitted.submitted_on.isoformat()
        if submitted and submitted.submitted_on
        else None,
        "opgReference": submitted.opg_reference if submitted else None,
        "approvedBy": approved.recorded_by if approved else None,
        "approvedOn": approved.on_date.isoformat() if approved else None,
        "preparedBy": prepared.recorded_by if prepared else None,
        "correctionReason": corrected.reason if corrected else None,
    }
    return content
