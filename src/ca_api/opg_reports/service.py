"""Use cases of the OPG annual report (issue 15; R-OPG, R-OPG-1, R-OPG-2, R-ROLE-2): each one
transaction with its audit row (R-AUD-1), once per idempotency key.

- **Opened** for a deputy client's next period (the first from the deputyship's order date, each
  next from the day after the last); one unsubmitted report per client at a time, decided under
  the client's lock (OPG_REPORT_ALREADY_OPEN).
- **Generated** from the ledger (a new version, only while OPEN): the money per account and
  category (``rules.aggregate_money``), the other sections (``sections.gather``), the type from
  the assets at the period's end against the threshold in force; the transfers it included are
  snapshotted, so entries posted into the period later are seen as late.
- Free **text** per section (only while OPEN), the latest per section winning.
- **Prepared** (after the period's end, a version generated), **approved** by another officer
  (four eyes over whoever generated, wrote or prepared it, R-ROLE-2, through the one approval
  mechanism; no amount, so no approval limit), **returned** with a reason, **marked submitted**
  (the date and the OPG's reference; the PDF stored) and then immutable; **corrected** by a new
  version that says why. Preparing, approving and submitting refuse a report that does not
  balance (OPG_REPORT_UNBALANCED, naming the entries).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ca_api import clock
from ca_api.approvals import mechanism as approvals
from ca_api.approvals import steps
from ca_api.audit import service as audit
from ca_api.auth.actor import Actor
from ca_api.clients import service as clients
from ca_api.common.keyset import Seek
from ca_api.common.rules import text_problem
from ca_api.errors import ErrorCode, InvalidState, MoneyProblem, RecordNotFound, ValidationFailed
from ca_api.files import rules as file_rules
from ca_api.files import service as files
from ca_api.files.rules import FileType
from ca_api.ledger.opg_categories import opg_category
from ca_api.ledger.rules import Benefit, Category
from ca_api.money import format_money
from ca_api.opg_reports import exports_pdf, repository, rules, sections
from ca_api.opg_reports.models import OpgReport, OpgReportEvent, OpgReportText, OpgReportVersion
from ca_api.opg_reports.rules import (
    EntryFact,
    OpgFreeTextSection,
    OpgReportDueState,
    OpgReportEventKind,
    OpgReportStatus,
)
from ca_api.orders import rules as order_rules
from ca_api.orders import service as orders
from ca_api.orders.rules import DeputyshipDetails
from ca_api.orders.service import OrderRecord
from ca_api.outbox import service as outbox
from ca_api.outbox.rules import Recipient, Topic
from ca_api.policy import service as policy
from ca_api.policy.service import PolicyMissing

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
    return await _views_of(session, reports)


async def _views_of(session: AsyncSession, reports: Sequence[OpgReport]) -> list[ReportView]:
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


async def _outcome(
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
    return await _views_of(session, rows)


# --- the approval mechanism's view of a report ------------------------------------------------

ONCE = approvals.Once(
    remember_as="opg_report_id",
    ident=lambda o: o.view.report.id,
    replay=partial(_outcome, replayed=True),
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
    read=_outcome,
)


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
        existing = await _views_of(session, await repository.reports_of_client(session, client_id))
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
        return await _outcome(session, report.id)

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


async def _build(
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


def _reason(reason: str | None, *, required: bool) -> str | None:
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
    why = _reason(reason, required=False)

    async def work() -> ReportOutcome:
        held = await approvals.locked(session, REPORTS, report_id)
        v = await view(session, report_id)
        _require_open(v, "a version is generated")
        number = (v.current.version if v.current else 0) + 1
        made = await _build(session, actor, held.row, number, why)
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
        return await _outcome(session, report_id)

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
        return await _outcome(session, report_id)

    payload = {"opg_report_id": str(report_id), "section": section.value, "text": body}
    return await approvals.run_once(
        ONCE, session, actor, idempotency_key, "recordOpgReportText", payload, work
    )


# --- the balance check (R-OPG-2), live ------------------------------------------------------


@dataclass(frozen=True)
class LiveCheck:
    check: rules.BalanceCheck
    late_entries: list[EntryFact] = field(default_factory=list)


async def _late(
    session: AsyncSession, r: OpgReport, v: OpgReportVersion, account_ids: Sequence[uuid.UUID]
) -> tuple[list[EntryFact], list[EntryFact]]:
    """Entries dated in the period the version did not include; and those dated before it
    posted after the version was generated (they move its opening): after the ledger's last
    entry it was generated over, or (a version without that mark) after its time."""
    included = set(v.content.get("includedTransferIds", []))
    during = await repository.entries_for_report(
        session, account_ids, since=r.period_start, until=r.period_end
    )
    late = [e for e in during if str(e.transfer_id) not in included]
    earlier = await repository.entries_for_report(
        session,
        account_ids,
        until=r.period_start - timedelta(days=1),
        posted_after=v.generated_at,
        after_seq=v.content.get("ledgerSeq"),
    )
    return late, earlier


async def balance_check(session: AsyncSession, v: ReportView) -> LiveCheck | None:
    """The current version against the ledger now, and its opening against the last report's
    closing; None before any version."""
    version = v.current
    if version is None:
        return None
    r = v.report
    accounts = await repository.client_accounts(session, r.client_id)
    ids = [a.id for a in accounts]
    closing_now = await repository.balances_on(session, ids, r.period_end)
    late, earlier = await _late(session, r, version, ids)
    last_closing: int | None = None
    last_late: list[EntryFact] = []
    previous = [
        p
        for p in await repository.reports_of_client(session, r.client_id)
        if p.period_end == r.period_start - timedelta(days=1)
    ]
    if previous:
        (pv,) = await _views_of(session, previous)
        if pv.current is not None:
            last_closing = int(pv.current.content["totals"]["closing"])
            last_late, _ = await _late(session, pv.report, pv.current, ids)
    check = rules.balance_check(
        version.content,
        closing_now,
        late_entries=late + earlier,
        last_report_closing=last_closing,
        last_report_late_entries=last_late,
    )
    return LiveCheck(check, late)


async def late_entries(session: AsyncSession, v: ReportView) -> list[EntryFact]:
    """Entries dated in the period but not in the current version (none before a version)."""
    if v.current is None:
        return []
    accounts = await repository.client_accounts(session, v.report.client_id)
    late, _ = await _late(session, v.report, v.current, [a.id for a in accounts])
    return late


def _account_name(v: ReportView, account_id: uuid.UUID | None) -> str:
    """An account as an officer knows it: its kind and name (its id when the version lacks it)."""
    assert v.current is not None
    for a in v.current.content.get("accounts", []):
        if a.get("accountId") == str(account_id):
            return f"{a.get('kind')} '{a.get('name')}'"
    return str(account_id)


async def _require_balanced(session: AsyncSession, v: ReportView) -> None:
    live = await balance_check(session, v)
    if live is None:
        raise InvalidState("no version of the report is generated yet: generate it first")
    c = live.check
    if c.balanced:
        return
    parts = []
    differing = [a for a in c.accounts if not a.balanced]
    if differing:
        parts.append(
            "accounts differ from the ledger: "
            + ", ".join(
                f"{_account_name(v, a.account_id)} by £{format_money(a.difference)}"
                for a in differing
            )
        )
    if c.opening_matches_last_report is False:
        parts.append(
            f"the opening £{format_money(c.totals.opening)} is not the last report's closing "
            f"£{format_money(c.last_report_closing or 0)}"
        )
    named = rules.describe_entries(c.explaining_entries) or "none found"
    raise MoneyProblem(
        ErrorCode.OPG_REPORT_UNBALANCED,
        "the report does not balance to the penny (R-OPG-2): "
        + "; ".join(parts)
        + f". Entries that explain it: {named}",
        entries=[str(e.transfer_id) for e in c.explaining_entries],
    )


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
        await _require_balanced(session, v)
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
        await _require_balanced(session, v)
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
    why = _reason(reason, required=True)

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
        await _require_balanced(session, v)
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
    why = _reason(reason, required=True)

    async def correct(
        held: approvals.Held[OpgReport, OpgReportStatus],
    ) -> tuple[dict[str, Any], OpgReportStatus]:
        v = await view(session, report_id)
        assert v.current is not None
        number = v.current.version + 1
        await _build(session, actor, held.row, number, why)
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
