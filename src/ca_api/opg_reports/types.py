"""GraphQL types and enums of the OPG annual report (issue 15; R-OPG, R-OPG-2), without the
queries and mutations (``opg_reports/schema.py``). Every money figure of a version is read from
its snapshotted document (``content``); the balance check is computed live (its types in
``balance_types.py``, the other sections' in ``section_types.py``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from ca_api import clock
from ca_api.common.ids import node_id
from ca_api.common.node import Node
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum
from ca_api.context import Context
from ca_api.files import service as files
from ca_api.files.types import StoredFile
from ca_api.ledger.types import AccountKind, Benefit, Category
from ca_api.opg_reports import balance, report_views, reports_due, rules
from ca_api.opg_reports.balance_types import OpgBalanceCheck, OpgLedgerEntry
from ca_api.opg_reports.export_types import OpgReportExport, export_of
from ca_api.opg_reports.models import OpgReportEvent as EventRow
from ca_api.opg_reports.models import OpgReportText as TextRow
from ca_api.opg_reports.models import OpgReportVersion as VersionRow
from ca_api.opg_reports.section_types import OpgReportSections, sections_of

if TYPE_CHECKING:
    from ca_api.clients.schema import Client
    from ca_api.orders.schema import Deputyship

LazyClient = Annotated["Client", strawberry.lazy("ca_api.clients.schema")]
LazyDeputyship = Annotated["Deputyship", strawberry.lazy("ca_api.orders.schema")]

OpgReportType = rules.OpgReportType
graphql_enum(
    OpgReportType,
    "The OPG's annual report form (R-OPG), decided from the client's assets at the period's end "
    "against the threshold in force (policy figure opg_report_higher_assets_threshold).",
    {
        OpgReportType.TYPE_102_6: "102-6: assets at or above the threshold.",
        OpgReportType.TYPE_103_6: "103-6: assets below the threshold.",
        OpgReportType.TYPE_102_4_6: "102-4-6: higher assets, and a health and welfare order.",
        OpgReportType.TYPE_103_4_6: "103-4-6: lower assets, and a health and welfare order.",
    },
)
OpgReportStatus = rules.OpgReportStatus
graphql_enum(
    OpgReportStatus,
    "Where a report stands in its review (R-ROLE-2).",
    {
        OpgReportStatus.OPEN: "Opened: versions generated and free text written; also after it "
        "was returned or corrected.",
        OpgReportStatus.PREPARED: "Sent for review by the officer who prepared it.",
        OpgReportStatus.APPROVED: "Checked and approved by another officer (four eyes).",
        OpgReportStatus.SUBMITTED: "Marked submitted to the OPG (date and reference): "
        "immutable; a change is a correction.",
    },
)
OpgReportDueState = rules.OpgReportDueState
graphql_enum(
    OpgReportDueState,
    "Whether a report is due (56 days after its period ends), overdue or submitted.",
    {
        OpgReportDueState.NOT_DUE: "Its period has not ended.",
        OpgReportDueState.DUE: "Its period ended; today is on or before its due date.",
        OpgReportDueState.OVERDUE: "Past its due date and not submitted.",
        OpgReportDueState.SUBMITTED: "Submitted to the OPG.",
    },
)
OpgFreeTextSection = rules.OpgFreeTextSection
graphql_enum(
    OpgFreeTextSection,
    "The report's sections the officer writes before review.",
    {
        OpgFreeTextSection.CLIENT_WISHES_AND_INVOLVEMENT: "The client's wishes and how they were "
        "involved.",
        OpgFreeTextSection.CARE_AND_WELLBEING: "The client's care and wellbeing.",
        OpgFreeTextSection.DECISIONS_SUMMARY: "A summary of the decisions made.",
        OpgFreeTextSection.ACTIONS_NEXT_YEAR: "What the deputy plans for the next period.",
        OpgFreeTextSection.ANYTHING_ELSE: "Anything else the OPG should know.",
    },
)
OpgReportEventKind = rules.OpgReportEventKind
graphql_enum(
    OpgReportEventKind,
    "A change of a report's status.",
    {
        OpgReportEventKind.PREPARED: "Prepared for review.",
        OpgReportEventKind.APPROVED: "Approved by another officer.",
        OpgReportEventKind.RETURNED: "Returned to OPEN, with the reason.",
        OpgReportEventKind.SUBMITTED: "Marked submitted to the OPG.",
        OpgReportEventKind.CORRECTED: "Corrected after submission: a new version, with the reason.",
    },
)


def _id(type_name: str, raw: Any) -> strawberry.ID:
    return node_id(type_name, uuid.UUID(str(raw)))


def _opt_id(type_name: str, raw: Any) -> strawberry.ID | None:
    return None if raw is None else _id(type_name, raw)


@strawberry.type(
    description="One ledger entry as the report counts it: signed (a reversal is "
    "negative in its category)."
)
class OpgReportEntry:
    transfer_id: strawberry.ID = strawberry.field(description="The ledger transfer.")
    value_date: date = strawberry.field(description="Its value date.")
    amount: Money = strawberry.field(description="What it adds to its category (signed).")
    description: str = strawberry.field(description="Its description.")
    account_id: strawberry.ID = strawberry.field(description="The client's account it moved.")

    @classmethod
    def of(cls, e: dict[str, Any]) -> OpgReportEntry:
        return cls(
            transfer_id=_id("Transfer", e["transferId"]),
            value_date=date.fromisoformat(e["valueDate"]),
            amount=Money(e["amount"]),
            description=e.get("description", ""),
            account_id=_id("LedgerAccount", e["accountId"]),
        )


@strawberry.type(
    description="One of the client's accounts over the period (R-OPG-2): "
    "opening + moneyIn - moneyOut + transfersIn - transfersOut = closing."
)
class OpgReportAccount:
    account_id: strawberry.ID = strawberry.field(description="The ledger account.")
    kind: AccountKind = strawberry.field(description="CMS, Court Funds, placement or cash.")
    name: str = strawberry.field(description="The account's name.")
    opening: Money = strawberry.field(description="Its balance the day before the period.")
    money_in: Money = strawberry.field(description="Money in (reversals deducted).")
    money_out: Money = strawberry.field(description="Money out (refunds deducted).")
    transfers_in: Money = strawberry.field(description="From the client's own accounts.")
    transfers_out: Money = strawberry.field(description="To the client's own accounts.")
    closing: Money = strawberry.field(description="Its balance at the period's end.")

    @classmethod
    def of(cls, a: dict[str, Any]) -> OpgReportAccount:
        return cls(
            account_id=_id("LedgerAccount", a["accountId"]),
            kind=AccountKind(a["kind"]),
            name=a["name"],
            opening=Money(a["opening"]),
            money_in=Money(a["moneyIn"]),
            money_out=Money(a["moneyOut"]),
            transfers_in=Money(a["transfersIn"]),
            transfers_out=Money(a["transfersOut"]),
            closing=Money(a["closing"]),
        )


@strawberry.type(
    description="Money in or out of one category (for benefits: one benefit), "
    "with the entries it adds up."
)
class OpgMoneyCategoryTotal:
    category: Category = strawberry.field(description="The ledger's category (R-OPG-1).")
    benefit: Benefit | None = strawberry.field(description="The benefit, for IN_BENEFITS.")
    opg_category: str | None = strawberry.field(description="The OPG's category id.")
    opg_group: str | None = strawberry.field(description="The OPG's group of it.")
    opg_section: str | None = strawberry.field(
        description="Where the OPG's report puts money out (money, deputy_fees, "
        "deputy_expenses, gifts); null for money in."
    )
    amount: Money = strawberry.field(description="The total (signed entries).")
    entries: list[OpgReportEntry] = strawberry.field(description="The entries, by date.")

    @classmethod
    def of(cls, c: dict[str, Any]) -> OpgMoneyCategoryTotal:
        return cls(
            category=Category(c["category"]),
            benefit=Benefit(c["benefit"]) if c.get("benefit") else None,
            opg_category=c.get("opgCategory"),
            opg_group=c.get("opgGroup") or None,
            opg_section=c.get("opgSection"),
            amount=Money(c["amount"]),
            entries=[OpgReportEntry.of(e) for e in c["entries"]],
        )


@strawberry.type(
    description="Money moved between the client's own accounts: neither money in nor money out."
)
class OpgOwnAccountTransfer:
    transfer_id: strawberry.ID = strawberry.field(description="The ledger transfer.")
    value_date: date = strawberry.field(description="Its value date.")
    from_account_id: strawberry.ID = strawberry.field(description="The account it left.")
    to_account_id: strawberry.ID = strawberry.field(description="The account it went to.")
    amount: Money = strawberry.field(description="The money moved.")
    description: str = strawberry.field(description="Its description.")

    @classmethod
    def of(cls, t: dict[str, Any]) -> OpgOwnAccountTransfer:
        return cls(
            transfer_id=_id("Transfer", t["transferId"]),
            value_date=date.fromisoformat(t["valueDate"]),
            from_account_id=_id("LedgerAccount", t["fromAccountId"]),
            to_account_id=_id("LedgerAccount", t["toAccountId"]),
            amount=Money(t["amount"]),
            description=t.get("description", ""),
        )


@strawberry.type(description="The report's totals over all the client's accounts.")
class OpgReportTotals:
    opening: Money = strawberry.field(description="Sum of the openings.")
    money_in: Money = strawberry.field(description="All money in.")
    money_out: Money = strawberry.field(description="All money out (fees, expenses, gifts too).")
    closing: Money = strawberry.field(description="Sum of the closings: opening + in - out.")

    @classmethod
    def of(cls, t: dict[str, Any]) -> OpgReportTotals:
        return cls(
            opening=Money(t["opening"]),
            money_in=Money(t["moneyIn"]),
            money_out=Money(t["moneyOut"]),
            closing=Money(t["closing"]),
        )


@strawberry.type(description="One generation of the report from the ledger: never changed.")
class OpgReportVersion:
    row: strawberry.Private[VersionRow]
    version: int = strawberry.field(description="1, 2, ...")
    generated_at: datetime = strawberry.field(description="When it was generated.")
    generated_by: str = strawberry.field(description="Who generated it.")
    reason: str | None = strawberry.field(description="Why (a correction's reason).")
    report_type: OpgReportType = strawberry.field(description="The form, from the assets.")
    assets_at_end: Money = strawberry.field(
        description="Accounts' closings and property, investments and valuables at the end."
    )
    threshold: Money = strawberry.field(description="The threshold the type was decided on.")
    accounts: list[OpgReportAccount] = strawberry.field(description="Each account's figures.")
    money_in: list[OpgMoneyCategoryTotal] = strawberry.field(description="Money in by category.")
    money_out: list[OpgMoneyCategoryTotal] = strawberry.field(description="Money out by category.")
    transfers_between_own_accounts: list[OpgOwnAccountTransfer] = strawberry.field(
        description="Transfers between the client's own accounts (a lodgement, a placement)."
    )
    totals: OpgReportTotals = strawberry.field(description="Over all accounts.")

    @classmethod
    def of(cls, v: VersionRow) -> OpgReportVersion:
        c = v.content
        return cls(
            row=v,
            version=v.version,
            generated_at=v.generated_at,
            generated_by=v.generated_by,
            reason=v.reason,
            report_type=OpgReportType(v.report_type),
            assets_at_end=Money(v.assets_at_end),
            threshold=Money(c["threshold"]["value"]),
            accounts=[OpgReportAccount.of(a) for a in c["accounts"]],
            money_in=[OpgMoneyCategoryTotal.of(x) for x in c["moneyIn"]],
            money_out=[OpgMoneyCategoryTotal.of(x) for x in c["moneyOut"]],
            transfers_between_own_accounts=[
                OpgOwnAccountTransfer.of(t) for t in c["transfersBetweenOwnAccounts"]
            ],
            totals=OpgReportTotals.of(c["totals"]),
        )

    def _sections(self) -> OpgReportSections:
        return sections_of(self.row.content)

    sections: OpgReportSections = strawberry.field(
        resolver=_sections,
        description="The report's other sections, generated with the version: decisions, "
        "contacts and visits, care, benefits, gifts, deputy fees by the OPG's types and "
        "expenses, assets and debts at the period's end, actions (issue 15 item 3).",
    )

    async def _export(self, info: Info[Context, None]) -> OpgReportExport:
        document = await report_views.document(
            info.context.session, self.row.report_id, self.version
        )
        return export_of(document)

    export: OpgReportExport = strawberry.field(
        resolver=_export,
        description="The version exported (issue 15 item 5): the OPG digital service's JSON "
        "(valid against the JSON Schema the service ships), a CSV per section and the PDF for "
        "the client's file, each with the officer's free text and the submission as they stand.",
    )


@strawberry.type(description="The officer's text for one section (the latest written).")
class OpgReportText:
    section: OpgFreeTextSection = strawberry.field(description="The section.")
    text: str = strawberry.field(description="What was written.")
    recorded_by: str = strawberry.field(description="Who wrote it.")
    recorded_at: datetime = strawberry.field(description="When.")

    @classmethod
    def of(cls, t: TextRow) -> OpgReportText:
        return cls(
            section=OpgFreeTextSection(t.section),
            text=t.text,
            recorded_by=t.recorded_by,
            recorded_at=t.recorded_at,
        )


@strawberry.type(description="A change of the report's status, about one version.")
class OpgReportEvent:
    event: OpgReportEventKind = strawberry.field(description="What happened.")
    version: int = strawberry.field(description="The version it was about.")
    on_date: date = strawberry.field(description="The day.")
    reason: str | None = strawberry.field(description="Why (returned, corrected).")
    submitted_on: date | None = strawberry.field(description="When submitted to the OPG.")
    opg_reference: str | None = strawberry.field(description="The OPG's reference.")
    recorded_by: str = strawberry.field(description="Who.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def of(cls, e: EventRow) -> OpgReportEvent:
        return cls(
            event=OpgReportEventKind(e.event),
            version=e.version,
            on_date=e.on_date,
            reason=e.reason,
            submitted_on=e.submitted_on,
            opg_reference=e.opg_reference,
            recorded_by=e.recorded_by,
            recorded_at=e.recorded_at,
        )


@strawberry.type(
    description="A deputy client's annual report to the OPG for one period "
    "(issue 15, R-OPG): generated from the ledger, balanced to the penny "
    "(R-OPG-2), reviewed by two officers and marked submitted."
)
class OpgReport(Node):
    view: strawberry.Private[report_views.ReportView]
    client_id: strawberry.ID = strawberry.field(description="The client.")
    deputyship_id: strawberry.ID = strawberry.field(description="The deputyship it is under.")
    period_start: date = strawberry.field(description="The period's first day.")
    period_end: date = strawberry.field(description="Its last day (a year less a day on).")
    due_on: date = strawberry.field(description="The 56th day after the period's end.")
    status: OpgReportStatus = strawberry.field(description="Where it stands.")
    report_type: OpgReportType | None = strawberry.field(
        description="The form, from the current version; null before one is generated."
    )
    current_version: OpgReportVersion | None = strawberry.field(
        description="The latest version; null before one is generated."
    )
    versions: list[OpgReportVersion] = strawberry.field(description="Every version, oldest first.")
    free_text: list[OpgReportText] = strawberry.field(
        description="The latest text of each section written."
    )
    opened_by: str = strawberry.field(description="Who opened it.")
    opened_at: datetime = strawberry.field(description="When.")
    prepared_by: str | None = strawberry.field(description="Who prepared it (this round).")
    approved_by: str | None = strawberry.field(description="Who approved it (this round).")
    approved_on: date | None = strawberry.field(description="When it was approved.")
    submitted_on: date | None = strawberry.field(description="When it was submitted.")
    opg_reference: str | None = strawberry.field(description="The OPG's reference.")
    history: list[OpgReportEvent] = strawberry.field(description="Its events, oldest first.")

    def _due_state(self) -> OpgReportDueState:
        return self.view.due_state(clock.today())

    due_state: OpgReportDueState = strawberry.field(
        resolver=_due_state, description="NOT_DUE, DUE, OVERDUE or SUBMITTED, today."
    )

    async def _client(self, info: Info[Context, None]) -> LazyClient:
        from ca_api.clients.schema import client_of

        return await client_of(info.context, self.view.report.client_id)

    client: LazyClient = strawberry.field(
        resolver=_client, description="The client the report is for."
    )

    async def _deputyship(self, info: Info[Context, None]) -> LazyDeputyship:
        from ca_api.orders import service as orders
        from ca_api.orders.schema import Deputyship

        record = await orders.DEPUTYSHIP.read(info.context.session, self.view.report.deputyship_id)
        return Deputyship.from_record(record)

    deputyship: LazyDeputyship = strawberry.field(
        resolver=_deputyship, description="The deputyship the report is under."
    )

    async def _balance_check(self, info: Info[Context, None]) -> OpgBalanceCheck | None:
        live = await balance.balance_check(info.context.session, self.view)
        return None if live is None else OpgBalanceCheck.of(live.check)

    balance_check: OpgBalanceCheck | None = strawberry.field(
        resolver=_balance_check,
        description="The current version against the ledger now (R-OPG-2); null before a "
        "version is generated.",
    )

    async def _late_entries(self, info: Info[Context, None]) -> list[OpgLedgerEntry]:
        return [
            OpgLedgerEntry.of(e)
            for e in await balance.late_entries(info.context.session, self.view)
        ]

    late_entries: list[OpgLedgerEntry] = strawberry.field(
        resolver=_late_entries,
        description="Entries dated in the period but not in the current version: posted after "
        "it was generated.",
    )

    async def _submitted_pdf(self, info: Info[Context, None]) -> StoredFile | None:
        event = self.view.last_submitted
        if event is None or event.submitted_file_id is None:
            return None
        found = await files.files_by_id(info.context.session, [event.submitted_file_id])
        row = found.get(event.submitted_file_id)
        return StoredFile.of(row) if row else None

    submitted_pdf: StoredFile | None = strawberry.field(
        resolver=_submitted_pdf,
        description="The PDF stored when it was marked submitted; null before.",
    )

    @classmethod
    def of(cls, v: report_views.ReportView) -> OpgReport:
        r = v.report
        current = v.current
        prepared, approved, submitted = v.prepared, v.approved, v.submitted
        return cls(
            view=v,
            id=node_id("OpgReport", r.id),
            client_id=node_id("Client", r.client_id),
            deputyship_id=node_id("Deputyship", r.deputyship_id),
            period_start=r.period_start,
            period_end=r.period_end,
            due_on=r.due_on,
            status=v.status,
            report_type=OpgReportType(current.report_type) if current else None,
            current_version=OpgReportVersion.of(current) if current else None,
            versions=[OpgReportVersion.of(x) for x in v.versions],
            free_text=[OpgReportText.of(t) for t in v.free_text().values()],
            opened_by=r.opened_by,
            opened_at=r.opened_at,
            prepared_by=prepared.recorded_by if prepared else None,
            approved_by=approved.recorded_by if approved else None,
            approved_on=approved.on_date if approved else None,
            submitted_on=submitted.submitted_on if submitted else None,
            opg_reference=submitted.opg_reference if submitted else None,
            history=[OpgReportEvent.of(e) for e in v.events],
        )


@strawberry.type(description="A deputy client's next report (opened or not) and when it is due.")
class OpgReportDue:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    period_start: date = strawberry.field(description="The period's first day.")
    period_end: date = strawberry.field(description="Its last day.")
    due_on: date = strawberry.field(description="The 56th day after the period's end.")
    due_state: OpgReportDueState = strawberry.field(description="On the day asked about.")
    report: OpgReport | None = strawberry.field(description="The report, if opened.")
    raw_client_id: strawberry.Private[uuid.UUID]

    async def _client(self, info: Info[Context, None]) -> LazyClient:
        from ca_api.clients.schema import client_of

        return await client_of(info.context, self.raw_client_id)

    client: LazyClient = strawberry.field(resolver=_client, description="The client.")

    @classmethod
    def of(cls, d: reports_due.Due) -> OpgReportDue:
        return cls(
            client_id=node_id("Client", d.client_id),
            raw_client_id=d.client_id,
            period_start=d.period_start,
            period_end=d.period_end,
            due_on=d.due_on,
            due_state=d.due_state,
            report=OpgReport.of(d.report) if d.report else None,
        )
