"""GraphQL types and enums of personal allowance and weekly cash, without the queries
(``allowances/schema.py``)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from ca_api.allowances import rules
from ca_api.allowances.models import AllowancePayment as PaymentRow
from ca_api.allowances.service import ScheduleView
from ca_api.allowances.weekly_run import RunOutcome, Unpaid
from ca_api.common.ids import node_id, node_id_or_none
from ca_api.common.node import Node
from ca_api.common.scalars import Money
from ca_api.common.types import graphql_enum

AllowanceKind = rules.AllowanceKind
graphql_enum(
    AllowanceKind,
    "What a client is paid each week for their own use (seed 002 B 22-23).",
    {
        AllowanceKind.PERSONAL_ALLOWANCE: "The weekly personal allowance every client is "
        "entitled to, to spend on whatever they wish (B 22.1); the year's figure is in the "
        "client's financial plan and budget (R-BUD-4).",
        AllowanceKind.WEEKLY_CASH: "Weekly cash for a client living in the community, agreed "
        "with their social worker and drawn on their own card (B 23.1-23.2, B 5.3).",
    },
)
AllowanceScheduleStatus = rules.ScheduleStatus
graphql_enum(
    AllowanceScheduleStatus,
    "Where a version of an allowance schedule stands.",
    {
        AllowanceScheduleStatus.AWAITING_APPROVAL: "Recorded; a senior officer who did not "
        "record it must approve it (R-ROLE-2) before the weekly run pays it.",
        AllowanceScheduleStatus.APPROVED: "Approved within the limits of a financial plan and "
        "budget on the year's amount (R-BUD-4, R-DEC-2): paid each week from its start, until "
        "a later approved version or a stop takes over.",
        AllowanceScheduleStatus.STOPPED: "A stop: nothing is paid from its start (no approval "
        "needed: it moves no money).",
    },
)
AllowanceNotPaidCode = rules.NotPaid
graphql_enum(
    AllowanceNotPaidCode,
    "Why the weekly run paid a schedule in force nothing this week.",
    {
        AllowanceNotPaidCode.CLIENT_DECEASED: "The client's death is confirmed (standing "
        "payments stop at death, seed 002 B 29), or they are recorded deceased and the death "
        "is not yet confirmed.",
        AllowanceNotPaidCode.CLIENT_CLOSED: "The client has left: their case is closed.",
        AllowanceNotPaidCode.NOT_IN_COMMUNITY: "Weekly cash, and the client no longer lives in "
        "the community (B 23.1).",
        AllowanceNotPaidCode.PAYEE_REFUSED: "The account it is paid to is not the client's own "
        "(never a care provider, R-PAY-6).",
        AllowanceNotPaidCode.INSUFFICIENT_FUNDS: "Too little available on the client's CMS "
        "account (R-PAY-3): a later run of the same week pays it once the money is in.",
    },
)


@strawberry.type(
    description="A version of a client's weekly personal allowance or weekly cash (seed 002 "
    "B 22-23): the amount, the client's own account it is paid to, the Monday it starts. A "
    "change or a stop is a later version that supersedes it (R-AUD-2)."
)
class AllowanceSchedule(Node):
    client_id: strawberry.ID = strawberry.field(description="The client.")
    kind: AllowanceKind = strawberry.field(description="Personal allowance or weekly cash.")
    weekly_amount: Money | None = strawberry.field(description="Paid each week; null for a stop.")
    payee_id: strawberry.ID | None = strawberry.field(
        description="The counterparty it is paid to: the client's own account (their card's, "
        "B 23.2), never a care provider (R-PAY-6); null for a stop."
    )
    starts_on: date = strawberry.field(description="The Monday of the first week it governs.")
    stops: bool = strawberry.field(description="Whether this version stops the payments.")
    status: AllowanceScheduleStatus = strawberry.field(description="Where it stands.")
    superseded: bool = strawberry.field(description="Whether a later version supersedes it.")
    supersedes_id: strawberry.ID | None = strawberry.field(
        description="The version it supersedes; null for the first."
    )
    reason: str | None = strawberry.field(description="Why it changed the version before.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    approved_by: str | None = strawberry.field(description="Who approved it; null if none.")
    approved_at: datetime | None = strawberry.field(description="When it was approved.")

    @classmethod
    def of(cls, v: ScheduleView) -> AllowanceSchedule:
        s = v.schedule
        approval = v.approval
        return cls(
            id=node_id("AllowanceSchedule", s.id),
            client_id=node_id("Client", s.client_id),
            kind=AllowanceKind(s.kind),
            weekly_amount=Money(s.weekly_amount) if s.weekly_amount is not None else None,
            payee_id=node_id_or_none("Counterparty", s.payee_id),
            starts_on=s.starts_on,
            stops=s.stops,
            status=v.status,
            superseded=v.superseded,
            supersedes_id=node_id_or_none("AllowanceSchedule", s.supersedes_id),
            reason=s.reason,
            recorded_by=s.recorded_by,
            recorded_at=s.recorded_at,
            approved_by=approval.recorded_by if approval else None,
            approved_at=approval.recorded_at if approval else None,
        )


@strawberry.type(
    description="A schedule paid for one week by the weekly run: once per client, kind and "
    "week. The money left the client's CMS account by the ledger transfer named."
)
class AllowancePayment(Node):
    client_id: strawberry.ID = strawberry.field(description="The client.")
    schedule_id: strawberry.ID = strawberry.field(description="The schedule version paid.")
    kind: AllowanceKind = strawberry.field(description="Personal allowance or weekly cash.")
    week_starting: date = strawberry.field(description="The Monday of the week paid.")
    amount: Money = strawberry.field(description="What was paid.")
    transfer_id: strawberry.ID = strawberry.field(description="The ledger transfer.")

    @classmethod
    def of(cls, p: PaymentRow) -> AllowancePayment:
        return cls(
            id=node_id("AllowancePayment", p.id),
            client_id=node_id("Client", p.client_id),
            schedule_id=node_id("AllowanceSchedule", p.schedule_id),
            kind=AllowanceKind(p.kind),
            week_starting=p.week_starting,
            amount=Money(p.amount),
            transfer_id=node_id("Transfer", p.transfer_id),
        )


@strawberry.type(description="A schedule in force the run did not pay this week, and why.")
class AllowanceNotPaid:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    schedule_id: strawberry.ID = strawberry.field(description="The schedule version in force.")
    kind: AllowanceKind = strawberry.field(description="Personal allowance or weekly cash.")
    amount: Money = strawberry.field(description="What it would have paid.")
    code: AllowanceNotPaidCode = strawberry.field(description="Why not, as a stable code.")
    reason: str = strawberry.field(description="Why not, in words.")

    @classmethod
    def of(cls, u: Unpaid) -> AllowanceNotPaid:
        return cls(
            client_id=node_id("Client", u.client_id),
            schedule_id=node_id("AllowanceSchedule", u.schedule_id),
            kind=u.kind,
            amount=Money(u.amount),
            code=u.code,
            reason=u.reason,
        )


@strawberry.type(
    description="What a weekly run did: how many schedules it paid and their total, how many "
    "were paid for the week before it (a second run for the same week pays nothing and writes "
    "nothing), and those in force it did not pay, with why."
)
class WeeklyAllowanceRunPayload:
    week_starting: date = strawberry.field(description="The Monday of the week run.")
    paid: int = strawberry.field(description="Schedules this run paid.")
    total: Money = strawberry.field(description="What this run paid in all.")
    paid_before: int = strawberry.field(
        description="Schedules paid for this week by earlier runs, not paid again."
    )
    not_paid: list[AllowanceNotPaid] = strawberry.field(
        description="Schedules in force not paid this week, by client."
    )
    replayed: bool = strawberry.field(
        description="Whether this is the stored answer to a repeat of the idempotency key."
    )

    @classmethod
    def of(cls, o: RunOutcome) -> WeeklyAllowanceRunPayload:
        return cls(
            week_starting=o.week_starting,
            paid=o.paid,
            total=Money(o.total),
            paid_before=o.paid_before,
            not_paid=[AllowanceNotPaid.of(u) for u in o.not_paid],
            replayed=o.replayed,
        )
