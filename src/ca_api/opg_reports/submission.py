"""The OPG annual report's way to the OPG (issue 15; R-OPG-2, R-ROLE-2): **prepared** (after the
period's end, a version generated), **approved** by another officer (four eyes over whoever
generated, wrote or prepared it, R-ROLE-2, through the one approval mechanism; no amount, so no
approval limit), **returned** with a reason, **marked submitted** (the date and the OPG's
reference; the PDF stored) and then immutable; **corrected** by a new version that says why.
Preparing, approving and submitting refuse a report that does not balance (OPG_REPORT_UNBALANCED,
naming the entries). Each one transaction with its audit row (R-AUD-1), once per idempotency key.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import steps
from ca_api.auth.actor import Actor
from ca_api.common.rules import text_problem
from ca_api.errors import InvalidState, ValidationFailed
from ca_api.files import rules as file_rules
from ca_api.files import service as files
from ca_api.files.rules import FileType
from ca_api.opg_reports import exports_pdf, rules
from ca_api.opg_reports.balance import require_balanced
from ca_api.opg_reports.drafting import build_version, reason_given
from ca_api.opg_reports.models import OpgReport
from ca_api.opg_reports.report_views import (
    REPORTS,
    STEPS,
    ReportOutcome,
    ReportView,
    document_of,
    view,
)
from ca_api.opg_reports.rules import OpgReportEventKind, OpgReportStatus
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import Recipient, Topic

# --- prepared, approved, returned, submitted, corrected ---------------------------------------


async def _emit(
    session: AsyncSession, actor: Actor, topic: Topic, r: OpgReport, payload: dict[str, Any]
) -> list[str]:
    sent = await outbox.emit(
        session,
        actor,
        topic=topic,
        recipient=Recipient.OPG,
        client_id=r.client_id,
        subject_type="OpgReport",
        subject_id=r.id,
        payload={"reportId": str(r.id), **payload},
    )
    return [str(sent)] if sent else []


async def prepare_report(
    session: AsyncSession, actor: Actor, report_id: uuid.UUID, *, idempotency_key: str
) -> ReportOutcome:
    """OPEN -> PREPARED: after the period's end, a version generated, balanced (R-OPG-2)."""

    async def prepare(
        held: approvals.Held[OpgReport, OpgReportStatus],
    ) -> tuple[dict[str, Any], OpgReportStatus]:
        r = held.row
        if clock.today() <= r.period_end:
            raise InvalidState(
                f"the period ends on {r.period_end.isoformat()}: prepare the report after it"
            )
        v = await view(session, report_id)
        await require_balanced(session, v)
        assert v.current is not None
        number = v.current.version
        await approvals.append_event(
            session,
            REPORTS,
            r.id,
            OpgReportEventKind.PREPARED,
            actor,
            version=number,
            on_date=clock.today(),
        )
        told = await _emit(session, actor, Topic.OPG_REPORT_PREPARED, r, {"version": number})
        return {"version": number, "outbox_messages": told}, OpgReportStatus.PREPARED

    return await steps.run(
        STEPS,
        session,
        actor,
        report_id,
        OpgReportEventKind.PREPARED,
        prepare,
        idempotency_key=idempotency_key,
    )


def authors(v: ReportView) -> frozenset[str]:
    """Whoever generated a version, wrote its text or prepared it (R-ROLE-2)."""
    return frozenset(
        {x.generated_by for x in v.versions}
        | {t.recorded_by for t in v.texts}
        | {e.recorded_by for e in v.events if e.event == OpgReportEventKind.PREPARED.value}
    )


async def approve_report(
    session: AsyncSession, actor: Actor, report_id: uuid.UUID, *, idempotency_key: str
) -> ReportOutcome:
    """PREPARED -> APPROVED by another officer (four eyes, R-ROLE-2), still balanced."""

    async def approve(
        held: approvals.Held[OpgReport, OpgReportStatus],
    ) -> tuple[dict[str, Any], OpgReportStatus]:
        v = await view(session, report_id)
        prepared = v.prepared
        assert prepared is not None and v.current is not None
        approvals.require_four_eyes(actor, REPORTS, prepared.recorded_by, authors(v))
        await require_balanced(session, v)
        number = v.current.version
        await approvals.append_event(
            session,
            REPORTS,
            held.row.id,
            OpgReportEventKind.APPROVED,
            actor,
            version=number,
            on_date=clock.today(),
        )
        told = await _emit(session, actor, Topic.OPG_REPORT_APPROVED, held.row, {"version": number})
        return {"version": number, "outbox_messages": told}, OpgReportStatus.APPROVED

    return await steps.run(
        STEPS,
        session,
        actor,
        report_id,
        OpgReportEventKind.APPROVED,
        approve,
        idempotency_key=idempotency_key,
    )


async def return_report(
    session: AsyncSession,
    actor: Actor,
    report_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> ReportOutcome:
    """PREPARED or APPROVED -> OPEN, with the reason."""
    why = reason_given(reason, required=True)

    async def give_back(
        held: approvals.Held[OpgReport, OpgReportStatus],
    ) -> tuple[dict[str, Any], OpgReportStatus]:
        v = await view(session, report_id)
        assert v.current is not None
        await approvals.append_event(
            session,
            REPORTS,
            held.row.id,
            OpgReportEventKind.RETURNED,
            actor,
            version=v.current.version,
            on_date=clock.today(),
            reason=why,
        )
        return {"version": v.current.version}, OpgReportStatus.OPEN

    return await steps.run(
        STEPS,
        session,
        actor,
        report_id,
        OpgReportEventKind.RETURNED,
        give_back,
        idempotency_key=idempotency_key,
        payload={"reason": why},
        reason=why,
    )


def _file_copy(document: dict[str, Any]) -> bytes:
    """The report's PDF for the client's file, as submitted (``opg_reports.exports_pdf``)."""
    return exports_pdf.report_pdf(document)


async def mark_submitted(
    session: AsyncSession,
    actor: Actor,
    report_id: uuid.UUID,
    submitted_on: date,
    opg_reference: str,
    *,
    idempotency_key: str,
) -> ReportOutcome:
    """APPROVED -> SUBMITTED with the date and the OPG's reference, still balanced (else
    OPG_REPORT_UNBALANCED naming the entries); the PDF stored in the client's file. Then
    immutable: a change is a correction."""
    ref = opg_reference.strip()
    problems = text_problem("opg_reference", ref, required=True, maximum=rules.MAX_OPG_REFERENCE)
    if submitted_on > clock.today():
        problems["submitted_on"] = "is in the future"
    if problems:
        raise ValidationFailed(problems)

    async def submit(
        held: approvals.Held[OpgReport, OpgReportStatus],
    ) -> tuple[dict[str, Any], OpgReportStatus]:
        r = held.row
        if submitted_on <= r.period_end:
            raise ValidationFailed({"submitted_on": "is not after the period's end"})
        v = await view(session, report_id)
        await require_balanced(session, v)
        assert v.current is not None
        number = v.current.version
        document = await document_of(session, v, number)
        document["submission"] |= {
            "status": OpgReportStatus.SUBMITTED.value,
            "submittedOn": submitted_on.isoformat(),
            "opgReference": ref,
        }
        pdf = _file_copy(document)
        checked = files.CheckedFile(pdf, FileType.PDF, file_rules.sha256(pdf))
        stored = await files.store(
            session, actor, checked, why="OPG report submitted", client_id=r.client_id
        )
        file_id = stored.id
        await approvals.append_event(
            session,
            REPORTS,
            r.id,
            OpgReportEventKind.SUBMITTED,
            actor,
            version=number,
            on_date=clock.today(),
            submitted_on=submitted_on,
            opg_reference=ref,
            submitted_file_id=file_id,
        )
        told = await _emit(
            session,
            actor,
            Topic.OPG_REPORT_SUBMITTED,
            r,
            {"version": number, "submittedOn": submitted_on.isoformat(), "opgReference": ref},
        )
        done = {
            "version": number,
            "submitted_on": submitted_on.isoformat(),
            "opg_reference": ref,
            "submitted_file_id": str(file_id) if file_id else None,
            "outbox_messages": told,
        }
        return done, OpgReportStatus.SUBMITTED

    return await steps.run(
        STEPS,
        session,
        actor,
        report_id,
        OpgReportEventKind.SUBMITTED,
        submit,
        idempotency_key=idempotency_key,
        payload={"submitted_on": submitted_on.isoformat(), "opg_reference": ref},
    )


async def correct_report(
    session: AsyncSession,
    actor: Actor,
    report_id: uuid.UUID,
    reason: str,
    *,
    idempotency_key: str,
) -> ReportOutcome:
    """SUBMITTED -> OPEN with a new version that says why (reviewed and submitted again)."""
    why = reason_given(reason, required=True)

    async def correct(
        held: approvals.Held[OpgReport, OpgReportStatus],
    ) -> tuple[dict[str, Any], OpgReportStatus]:
        v = await view(session, report_id)
        assert v.current is not None
        number = v.current.version + 1
        await build_version(session, actor, held.row, number, why)
        await approvals.append_event(
            session,
            REPORTS,
            held.row.id,
            OpgReportEventKind.CORRECTED,
            actor,
            version=number,
            on_date=clock.today(),
            reason=why,
        )
        told = await _emit(
            session, actor, Topic.OPG_REPORT_CORRECTED, held.row, {"version": number}
        )
        return {"version": number, "outbox_messages": told}, OpgReportStatus.OPEN

    return await steps.run(
        STEPS,
        session,
        actor,
        report_id,
        OpgReportEventKind.CORRECTED,
        correct,
        idempotency_key=idempotency_key,
        payload={"reason": why},
        reason=why,
    )
