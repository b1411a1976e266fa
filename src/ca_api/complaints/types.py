"""GraphQL types and enums of the register of complaints and appeals, without the queries
(``complaints/schema.py``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from ca_api.common.ids import node_id
from ca_api.common.node import Node
from ca_api.common.types import graphql_enum
from ca_api.complaints import rules
from ca_api.complaints.models import EntryDetails, EntryEvent
from ca_api.complaints.reads import EntryView
from ca_api.complaints.rules import EventKind

ComplaintMadeBy = rules.MadeBy
graphql_enum(
    ComplaintMadeBy,
    "Who made a complaint (seed 002 B 30.4: the client, 'or someone on their behalf').",
    {
        ComplaintMadeBy.CLIENT: "The client.",
        ComplaintMadeBy.SOMEONE_FOR_CLIENT: "Someone on the client's behalf: named, with how "
        "they stand to the client.",
    },
    name="ComplaintMadeBy",
)
ComplaintTo = rules.ComplaintTo
graphql_enum(
    ComplaintTo,
    "To whom a complaint was made (seed 002 B 30.4; issue 14 item 8).",
    {
        ComplaintTo.OPG: "The Office of the Public Guardian (with a copy to the council as "
        "deputy, B 30.4).",
        ComplaintTo.DWP: "The Department for Work and Pensions (the council as appointee).",
        ComplaintTo.COUNCIL: "The council, under its complaints procedure.",
    },
)
AppealAgainst = rules.AppealAgainst
graphql_enum(
    AppealAgainst,
    "Whose decision an appeal is against (seed 002 B 30.1, 30.3, 30.5).",
    {
        AppealAgainst.OPG: "The Office of the Public Guardian.",
        AppealAgainst.COURT_OF_PROTECTION: "The Court of Protection.",
        AppealAgainst.DWP: "The Department for Work and Pensions (B 30.5).",
    },
)
ComplaintOutcome = rules.ComplaintOutcome
graphql_enum(
    ComplaintOutcome,
    "How a complaint ended (R-AUD-4).",
    {
        ComplaintOutcome.UPHELD: "Upheld.",
        ComplaintOutcome.PARTLY_UPHELD: "Partly upheld.",
        ComplaintOutcome.NOT_UPHELD: "Not upheld.",
        ComplaintOutcome.WITHDRAWN: "Withdrawn by whoever made it.",
    },
)
AppealOutcome = rules.AppealOutcome
graphql_enum(
    AppealOutcome,
    "How a lodged appeal ended (R-AUD-4).",
    {
        AppealOutcome.ALLOWED: "Allowed: the decision appealed against was changed.",
        AppealOutcome.PARTLY_ALLOWED: "Partly allowed.",
        AppealOutcome.DISMISSED: "Dismissed: the decision stands.",
        AppealOutcome.WITHDRAWN: "Withdrawn by the council after lodging.",
    },
)
ComplaintStatus = rules.ComplaintStatus
graphql_enum(
    ComplaintStatus,
    "Where a complaint stands.",
    {
        ComplaintStatus.OPEN: "Recorded; no outcome yet.",
        ComplaintStatus.CLOSED: "Its outcome is recorded.",
    },
)
AppealStatus = rules.AppealStatus
graphql_enum(
    AppealStatus,
    "Where an appeal stands (seed 002 B 30.3).",
    {
        AppealStatus.AWAITING_APPROVAL: "Prepared by the senior officer; the deputy (another "
        "senior officer or the head of service, never whoever prepared or corrected it, "
        "R-ROLE-2) must approve it before it is lodged.",
        AppealStatus.APPROVED: "Approved by the deputy; not yet lodged.",
        AppealStatus.NOT_APPROVED: "The deputy did not approve it: closed, never lodged.",
        AppealStatus.LODGED: "Lodged with the body; no outcome yet.",
        AppealStatus.CLOSED: "Its outcome is recorded.",
    },
)
RegisterEntryKind = rules.RegisterEntryKind
graphql_enum(
    RegisterEntryKind,
    "What an entry of a complaint's or an appeal's history records.",
    {
        RegisterEntryKind.RECORDED: "The details as first recorded (a complaint received, an "
        "appeal prepared).",
        RegisterEntryKind.DETAILS_CORRECTED: "A new version of the details, correcting the one "
        "before (R-AUD-2).",
        RegisterEntryKind.APPROVED: "An appeal approved by the deputy.",
        RegisterEntryKind.REFUSED: "An appeal the deputy did not approve, with the reason.",
        RegisterEntryKind.LODGED: "An appeal lodged: the date and the body's reference.",
        RegisterEntryKind.OUTCOME: "The outcome and the date it was decided.",
    },
)


@strawberry.type(
    description="One entry of a complaint's or an appeal's history. Never changed: a "
    "correction is a later entry that names the one it corrects (R-AUD-2)."
)
class RegisterHistoryEntry:
    kind: RegisterEntryKind = strawberry.field(description="What it records.")
    on: date = strawberry.field(
        description="Its date: received or the decision's (details), approved or refused, "
        "lodged, decided."
    )
    detail: str | None = strawberry.field(
        description="What it says: the summary (details), the reference (lodged), the outcome "
        "and its summary, why the deputy did not approve."
    )
    corrects_earlier: bool = strawberry.field(
        description="Whether it corrects an earlier entry of its kind (R-AUD-2)."
    )
    reason: str | None = strawberry.field(description="Why it corrects the earlier entry.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")


def _history(view: EntryView) -> list[RegisterHistoryEntry]:
    out: list[RegisterHistoryEntry] = []
    for v in view.versions:
        out.append(_version_entry(v))
    for e in view.events:
        out.append(_event_entry(e))
    out.sort(key=lambda h: h.recorded_at)
    return out


def _version_entry(v: EntryDetails) -> RegisterHistoryEntry:
    return RegisterHistoryEntry(
        kind=RegisterEntryKind.DETAILS_CORRECTED if v.corrects_id else RegisterEntryKind.RECORDED,
        on=v.dated,
        detail=v.summary,
        corrects_earlier=v.corrects_id is not None,
        reason=v.reason,
        recorded_by=v.recorded_by,
        recorded_at=v.recorded_at,
    )


def _event_entry(e: EntryEvent) -> RegisterHistoryEntry:
    detail = e.reference if e.event == EventKind.LODGED.value else e.note
    if e.outcome is not None:
        detail = e.outcome + (f": {e.note}" if e.note else "")
    return RegisterHistoryEntry(
        kind=RegisterEntryKind(e.event),
        on=e.on_date,
        detail=detail,
        corrects_earlier=e.corrects_id is not None,
        reason=e.reason,
        recorded_by=e.recorded_by,
        recorded_at=e.recorded_at,
    )


@strawberry.type(
    description="A complaint about the way a client's financial affairs are handled (R-AUD-4, "
    "seed 002 B 30.4): who made it, to whom, when, what about, and its outcome. Corrected only "
    "by new entries (history, R-AUD-2)."
)
class Complaint(Node):
    client_id: strawberry.ID = strawberry.field(description="The client it concerns.")
    made_by: ComplaintMadeBy = strawberry.field(description="The client, or someone for them.")
    on_behalf_of_name: str | None = strawberry.field(
        description="Who complained for the client; null when the client did."
    )
    on_behalf_of_relationship: str | None = strawberry.field(
        description="How they stand to the client; null when the client complained."
    )
    made_to: ComplaintTo = strawberry.field(description="To whom it was made.")
    received_on: date = strawberry.field(description="When it was received.")
    summary: str = strawberry.field(description="What it is about.")
    status: ComplaintStatus = strawberry.field(description="Open, or closed by its outcome.")
    open: bool = strawberry.field(description="Whether no outcome is recorded yet.")
    outcome: ComplaintOutcome | None = strawberry.field(
        description="Its outcome (the latest, if corrected); null while open."
    )
    outcome_on: date | None = strawberry.field(description="When the outcome was decided.")
    outcome_summary: str | None = strawberry.field(description="What was decided, in words.")
    recorded_by: str = strawberry.field(description="Who first recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was first recorded.")
    history: list[RegisterHistoryEntry] = strawberry.field(
        description="Everything recorded of it, oldest first, corrections included (R-AUD-2)."
    )

    @classmethod
    def of(cls, view: EntryView) -> Complaint:
        d, outcome = view.details, view.latest(EventKind.OUTCOME)
        return cls(
            id=node_id("Complaint", view.entry.id),
            client_id=node_id("Client", view.entry.client_id),
            made_by=ComplaintMadeBy(d.made_by or ComplaintMadeBy.CLIENT),
            on_behalf_of_name=d.on_behalf_name,
            on_behalf_of_relationship=d.on_behalf_relationship,
            made_to=ComplaintTo(d.body),
            received_on=d.dated,
            summary=d.summary,
            status=ComplaintStatus(view.status),
            open=view.open,
            outcome=ComplaintOutcome(outcome.outcome) if outcome and outcome.outcome else None,
            outcome_on=outcome.on_date if outcome else None,
            outcome_summary=outcome.note if outcome else None,
            recorded_by=view.entry.recorded_by,
            recorded_at=view.entry.recorded_at,
            history=_history(view),
        )


@strawberry.type(
    description="An appeal against a decision of the OPG, the Court of Protection or the DWP "
    "(R-AUD-4, seed 002 B 30.1, 30.3, 30.5): prepared by the senior officer, approved by the "
    "deputy before lodging (four eyes, R-ROLE-2), lodged, and its outcome. Corrected only by new "
    "entries (history, R-AUD-2)."
)
class Appeal(Node):
    client_id: strawberry.ID = strawberry.field(description="The client it concerns.")
    against: AppealAgainst = strawberry.field(description="Whose decision it appeals.")
    decision_dated: date = strawberry.field(description="The date of the decision appealed.")
    decision_summary: str = strawberry.field(description="What the decision appealed said.")
    grounds: str = strawberry.field(
        description="Why the team disagrees, reviewed under the legislation (B 30.3)."
    )
    status: AppealStatus = strawberry.field(description="Where it stands.")
    open: bool = strawberry.field(
        description="Whether it is still going: not refused by the deputy, no outcome yet."
    )
    prepared_by: str = strawberry.field(description="The senior officer who prepared it.")
    prepared_at: datetime = strawberry.field(description="When it was prepared.")
    approved_by: str | None = strawberry.field(description="The deputy who approved it.")
    approved_on: date | None = strawberry.field(description="When the deputy approved it.")
    refused_by: str | None = strawberry.field(description="The deputy who did not approve it.")
    refusal_reason: str | None = strawberry.field(description="Why the deputy did not.")
    lodged_on: date | None = strawberry.field(description="When it was lodged (the latest).")
    lodged_reference: str | None = strawberry.field(description="The body's reference.")
    outcome: AppealOutcome | None = strawberry.field(
        description="Its outcome (the latest, if corrected); null until decided."
    )
    outcome_on: date | None = strawberry.field(description="When it was decided.")
    outcome_summary: str | None = strawberry.field(description="What was decided, in words.")
    history: list[RegisterHistoryEntry] = strawberry.field(
        description="Everything recorded of it, oldest first, corrections included (R-AUD-2)."
    )

    @classmethod
    def of(cls, view: EntryView) -> Appeal:
        d = view.details
        approved, refused = view.latest(EventKind.APPROVED), view.latest(EventKind.REFUSED)
        lodged, outcome = view.latest(EventKind.LODGED), view.latest(EventKind.OUTCOME)
        return cls(
            id=node_id("Appeal", view.entry.id),
            client_id=node_id("Client", view.entry.client_id),
            against=AppealAgainst(d.body),
            decision_dated=d.dated,
            decision_summary=d.summary,
            grounds=d.grounds or "",
            status=AppealStatus(view.status),
            open=view.open,
            prepared_by=view.entry.recorded_by,
            prepared_at=view.entry.recorded_at,
            approved_by=approved.recorded_by if approved else None,
            approved_on=approved.on_date if approved else None,
            refused_by=refused.recorded_by if refused else None,
            refusal_reason=refused.note if refused else None,
            lodged_on=lodged.on_date if lodged else None,
            lodged_reference=lodged.reference if lodged else None,
            outcome=AppealOutcome(outcome.outcome) if outcome and outcome.outcome else None,
            outcome_on=outcome.on_date if outcome else None,
            outcome_summary=outcome.note if outcome else None,
            history=_history(view),
        )
