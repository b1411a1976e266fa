"""The OPG annual report while it is OPEN (issue 15; R-OPG, R-OPG-1): each use case one
transaction with its audit row (R-AUD-1), once per idempotency key.

- **Opened** for a deputy client's next period (the first from the deputyship's order date, each
  next from the day after the last); one unsubmitted report per client at a time, decided under
  the client's lock (OPG_REPORT_ALREADY_OPEN).
- **Generated** from the ledger (a new version, only while OPEN): the money per account and
  category (``rules.aggregate_money``), the other sections (``sections.gather``), the type from
  the assets at the period's end against the threshold in force; the transfers it included are
  snapshotted, so entries posted into the period later are seen as late.
- Free **text** per section (only while OPEN), the latest per section winning.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common.rules import text_problem
from ca_api.errors import ErrorCode, InvalidState, MoneyProblem, RecordNotFound, ValidationFailed
from ca_api.ledger.opg_categories import opg_category
from ca_api.ledger.rules import Benefit, Category
from ca_api.opg_reports import repository, rules, sections
from ca_api.opg_reports.models import OpgReport, OpgReportVersion
from ca_api.opg_reports.report_views import (
    ENTITY,
    ONCE,
    REPORTS,
    ReportOutcome,
    ReportView,
    outcome_of,
    view,
    views_of,
)
from ca_api.opg_reports.rules import OpgFreeTextSection, OpgReportStatus
from ca_api.orders import rules as order_rules
from ca_api.orders import service as orders
from ca_api.orders.rules import DeputyshipDetails
from ca_api.orders.service import OrderRecord
from ca_api.policy import service as policy
from ca_api.policy.service import PolicyMissing

# --- opened ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextPeriod:
    deputyship: OrderRecord[DeputyshipDetails]
    start: date
    end: date
    due_on: date


def _next_period(
    deputyships: Sequence[OrderRecord[DeputyshipDetails]], last: OpgReport | None
) -> NextPeriod | None:
    """The client's next period: the first from the earliest order date, else the day after
    the last report's; under the deputyship in force on its start (else the latest)."""
    live = [d for d in deputyships if not _never_in_force(d.details)]
    if not live:
        return None
    live.sort(key=lambda d: d.details.order_date)
    start = rules.next_start(live[0].details.order_date, last.period_end if last else None)
    in_force = [
        d for d in live if order_rules.is_in_force(d.details.order_date, d.details.end_date, start)
    ]
    chosen = in_force[-1] if in_force else live[-1]
    end = rules.period_end(start)
    return NextPeriod(chosen, start, end, rules.due_on(end))


def _never_in_force(d: DeputyshipDetails) -> bool:
    return d.end_date is not None and d.end_date < d.order_date


async def open_report(
    session: AsyncSession, actor: Actor, client_id: uuid.UUID, *, idempotency_key: str
) -> ReportOutcome:
    """Open the client's next report (R-OPG): refused while one is unsubmitted."""

    async def work() -> ReportOutcome:
        if await clients.lock_client(session, client_id) is None:
            raise RecordNotFound.of("Client", client_id)
        deputyships = (await orders.DEPUTYSHIP.by_client(session, [client_id]))[client_id]
        existing = await views_of(session, await repository.reports_of_client(session, client_id))
        unsubmitted = [v for v in existing if v.status is not OpgReportStatus.SUBMITTED]
        if unsubmitted:
            r = unsubmitted[0].report
            raise MoneyProblem(
                ErrorCode.OPG_REPORT_ALREADY_OPEN,
                f"the client's report for {r.period_start.isoformat()} to "
                f"{r.period_end.isoformat()} is not submitted yet: one open report at a time",
                report_id=str(r.id),
            )
        nxt = _next_period(deputyships, existing[-1].report if existing else None)
        if nxt is None:
            raise MoneyProblem(
                ErrorCode.NOT_A_DEPUTY_CLIENT,
                "the council is not the client's deputy: no deputyship is recorded",
            )
        values = {
            "id": uuid.uuid4(),
            "client_id": client_id,
            "deputyship_id": nxt.deputyship.id,
            "period_start": nxt.start,
            "period_end": nxt.end,
            "due_on": nxt.due_on,
            "opened_by": actor.principal.subject,
        }
        report = await repository.insert_report(session, values)
        await audit.record(
            session,
            actor,
            ENTITY,
            report.id,
            "open",
            after={
                "period_start": nxt.start.isoformat(),
                "period_end": nxt.end.isoformat(),
                "due_on": nxt.due_on.isoformat(),
                "deputyship_id": str(nxt.deputyship.id),
            },
            client_id=client_id,
        )
        return await outcome_of(session, report.id)

    payload = {"client_id": str(client_id)}
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "openOpgReport", payload, work
    )


# --- generated ------------------------------------------------------------------------------

ASSET_KINDS = ("property", "investments", "valuables")  # placements are accounts already


def assets_at_end(content: dict[str, Any]) -> int:
    """The client's assets at the period's end: every account's closing balance, and the
    property's, investments' and valuables' values (``sections.gather``'s ``assets``)."""
    total = int(content["totals"]["closing"])
    assets = content.get("assets") or {}
    for kind in ASSET_KINDS:
        total += sum(int(a.get("value") or 0) for a in assets.get(kind, []))
    return total


async def build_version(
    session: AsyncSession, actor: Actor, r: OpgReport, number: int, reason: str | None
) -> OpgReportVersion:
    client = await clients.client_as_it_stands(session, r.client_id)
    assert client is not None
    deputyship = await orders.DEPUTYSHIP.read(session, r.deputyship_id)
    high_water = await repository.ledger_high_water(session)
    accounts = await repository.client_accounts(session, r.client_id)
    opening = await repository.opening_balances(session, accounts, r.period_start)
    entries = await repository.entries_for_report(
        session, [a.id for a in accounts], since=r.period_start, until=r.period_end
    )
    money = rules.aggregate_money(opening, entries, _classify)
    figure = await policy.figure_on(session, rules.THRESHOLD_FIGURE, r.period_end)
    if figure is None or figure.value is None:
        raise PolicyMissing(rules.THRESHOLD_FIGURE, r.period_end)
    threshold = int(figure.value)
    gathered = await sections.gather(
        session,
        client_id=r.client_id,
        period_start=r.period_start,
        period_end=r.period_end,
        money=money,
    )
    d = deputyship.details
    content: dict[str, Any] = {
        "schemaVersion": rules.SCHEMA_VERSION,
        "reportId": str(r.id),
        "version": number,
        "generatedAt": datetime.now(clock.LONDON).isoformat(),
        "generatedBy": actor.principal.subject,
        "ledgerSeq": high_water,
        "client": {
            "id": str(r.client_id),
            "reference": client.reference,
            "givenName": client.details.given_name,
            "familyName": client.details.family_name,
            "dateOfBirth": client.details.date_of_birth.isoformat(),
        },
        "deputyship": {
            "id": str(deputyship.id),
            "caseNumber": d.case_number,
            "orderDate": d.order_date.isoformat(),
            "supervisionType": d.supervision_type.value,
            "healthAndWelfareOrder": d.health_and_welfare_order,
        },
        "period": {
            "start": r.period_start.isoformat(),
            "end": r.period_end.isoformat(),
            "dueOn": r.due_on.isoformat(),
        },
        "threshold": {
            "name": rules.THRESHOLD_FIGURE,
            "effectiveFrom": figure.effective_from.isoformat(),
            "value": threshold,
        },
        **money,
        **gathered,
    }
    assets = assets_at_end(content)
    kind = rules.report_type(assets, threshold, health_and_welfare=d.health_and_welfare_order)
    content["reportType"] = kind.value
    content["assetsAtEnd"] = assets
    return await repository.insert_version(
        session,
        {
            "report_id": r.id,
            "version": number,
            "generated_by": actor.principal.subject,
            "reason": reason,
            "report_type": kind.value,
            "assets_at_end": assets,
            "content": content,
        },
    )


def _classify(category: str, benefit: str | None) -> rules.OpgCategoryLike | None:
    """The OPG's category of a ledger category (and a receipt's benefit): the ledger's one
    mapping (R-OPG-1, docs/opg_categories.md)."""
    return opg_category(Category(category), Benefit(benefit) if benefit else None)


def reason_given(reason: str | None, *, required: bool) -> str | None:
    text = (reason or "").strip()
    problems = text_problem("reason", text, required=required, maximum=rules.MAX_REASON)
    if problems:
        raise ValidationFailed(problems)
    return text or None


def _require_open(v: ReportView, what: str) -> None:
    if v.status is not OpgReportStatus.OPEN:
        raise InvalidState(
            f"the report is {v.status.value}: {what} only while it is OPEN"
            + (" (correct it to change it)" if v.status is OpgReportStatus.SUBMITTED else ""),
            status=v.status.value,
        )


async def generate_report(
    session: AsyncSession,
    actor: Actor,
    report_id: uuid.UUID,
    reason: str | None,
    *,
    idempotency_key: str,
) -> ReportOutcome:
    """A new version from the ledger as it stands (only while OPEN)."""
    why = reason_given(reason, required=False)

    async def work() -> ReportOutcome:
        held = await approvals.locked(session, REPORTS, report_id)
        v = await view(session, report_id)
        _require_open(v, "a version is generated")
        number = (v.current.version if v.current else 0) + 1
        made = await build_version(session, actor, held.row, number, why)
        await audit.record(
            session,
            actor,
            ENTITY,
            report_id,
            "generate",
            after={
                "version": number,
                "report_type": made.report_type,
                "assets_at_end": made.assets_at_end,
                "totals": made.content["totals"],
            },
            reason=why,
            client_id=held.row.client_id,
        )
        return await outcome_of(session, report_id)

    payload = {"opg_report_id": str(report_id), "reason": why}
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "generateOpgReport", payload, work
    )


async def record_text(
    session: AsyncSession,
    actor: Actor,
    report_id: uuid.UUID,
    section: OpgFreeTextSection,
    text: str,
    *,
    idempotency_key: str,
) -> ReportOutcome:
    """The officer's text for a section (only while OPEN); the latest per section wins."""
    body = text.strip()
    problems = text_problem("text", body, required=True, maximum=rules.MAX_TEXT)
    if problems:
        raise ValidationFailed(problems)

    async def work() -> ReportOutcome:
        held = await approvals.locked(session, REPORTS, report_id)
        _require_open(await view(session, report_id), "its text is written")
        await repository.insert_text(
            session,
            {
                "report_id": report_id,
                "section": section.value,
                "text": body,
                "recorded_by": actor.principal.subject,
            },
        )
        await audit.record(
            session,
            actor,
            ENTITY,
            report_id,
            "record_text",
            after={"section": section.value, "length": len(body)},
            client_id=held.row.client_id,
        )
        return await outcome_of(session, report_id)

    payload = {"opg_report_id": str(report_id), "section": section.value, "text": body}
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordOpgReportText", payload, work
    )
