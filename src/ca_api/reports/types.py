"""GraphQL types of the reports (issue 16): numbers only. No field here names a client or
returns a client type (tests/test_reports_caseload.py walks them)."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import strawberry

from ca_api.common.scalars import Money, Percent
from ca_api.reports.caseload import CaseloadReport
from ca_api.reports.money_held import HeldByRole, MoneyHeldReport
from ca_api.reports.rules import Cell

_SUPPRESSION = (
    "Your counts from 1 to one under this are suppressed (policy figure "
    "report_small_count_suppression): null with suppressed true; null when you see every count "
    "plainly (officers, audit)."
)


@strawberry.enum(description="The council's role for a client, as the caseload counts it.")
class ReportRole(enum.Enum):
    DEPUTY = strawberry.enum_value(
        "DEPUTY", description="Court of Protection deputy (a client holding both orders too)."
    )
    APPOINTEE = strawberry.enum_value("APPOINTEE", description="DWP appointee only.")


@strawberry.type(
    description="A count as you may see it: small counts are suppressed for the reporting role "
    "so that a cell cannot point at a person (issue 16 item 7, docs/reports.md)."
)
class ReportCount:
    count: int | None = strawberry.field(description="The count; null when suppressed.")
    suppressed: bool = strawberry.field(
        description="True when the count is hidden: under the suppression threshold, or hidden "
        "so that a hidden count cannot be worked back from a total."
    )

    @staticmethod
    def of(cell: Cell) -> ReportCount:
        return ReportCount(count=cell.value, suppressed=cell.suppressed)


@strawberry.type(description="A role's clients by situation (seed 002 Appendix 1).")
class CaseloadByRole:
    role: ReportRole = strawberry.field(description="Deputy or appointee.")
    community: ReportCount = strawberry.field(description="Living in the community.")
    residential_care: ReportCount = strawberry.field(description="Living in residential care.")
    deceased_winding_up: ReportCount = strawberry.field(
        description="Deceased, their affairs being wound up."
    )
    total: ReportCount = strawberry.field(description="Clients for whom we act in this role.")


@strawberry.type(
    description="Clients the council acts for on a date, by role and situation, from the "
    "records as dated (R-REP-1, seed 002 Appendix 1): a client holding both orders counts once, "
    "as a deputy client."
)
class Caseload:
    as_at: date = strawberry.field(description="The date counted.")
    deputy: CaseloadByRole = strawberry.field(description="Deputy clients.")
    appointee: CaseloadByRole = strawberry.field(description="Appointee clients.")
    total: ReportCount = strawberry.field(description="Every client counted.")
    deceased_winding_up: ReportCount = strawberry.field(
        description="Deceased clients whose affairs are being wound up, of both roles."
    )
    compared_with: date | None = strawberry.field(description="The date compared with, if any.")
    total_then: ReportCount | None = strawberry.field(
        description="Every client counted on the date compared with."
    )
    change: int | None = strawberry.field(
        description="The total less the total then; null with no date compared or a total "
        "suppressed."
    )
    change_percent: Percent | None = strawberry.field(
        description="The change in percent of the total then, rounded half-up to a whole "
        'percent as seed 002 Appendix 1 gives it (35 / 401 -> "9.0000").'
    )
    suppressed_below: int | None = strawberry.field(description=_SUPPRESSION)

    @staticmethod
    def of(r: CaseloadReport) -> Caseload:
        def role(name: str) -> CaseloadByRole:
            return CaseloadByRole(
                role=ReportRole[name],
                community=ReportCount.of(r.cells[f"{name}.COMMUNITY"]),
                residential_care=ReportCount.of(r.cells[f"{name}.RESIDENTIAL_CARE"]),
                deceased_winding_up=ReportCount.of(r.cells[f"{name}.DECEASED_WINDING_UP"]),
                total=ReportCount.of(r.cells[f"{name}.TOTAL"]),
            )

        return Caseload(
            as_at=r.as_at,
            deputy=role("DEPUTY"),
            appointee=role("APPOINTEE"),
            total=ReportCount.of(r.cells["TOTAL"]),
            deceased_winding_up=ReportCount.of(r.cells["DECEASED"]),
            compared_with=r.compared_with,
            total_then=ReportCount.of(r.total_then) if r.total_then is not None else None,
            change=r.change,
            change_percent=(
                Percent(Decimal(r.change_percent)) if r.change_percent is not None else None
            ),
            suppressed_below=r.suppression_threshold,
        )


def _money(p: int | None) -> Money | None:
    return Money(p) if p is not None else None


@strawberry.type(description="Money held for a role's clients on a date.")
class MoneyHeldByRole:
    role: ReportRole = strawberry.field(description="Deputy or appointee.")
    clients: ReportCount = strawberry.field(description="The role's clients (as the caseload).")
    held: Money | None = strawberry.field(
        description="Posted money in their accounts; null when their count is suppressed."
    )
    average: Money | None = strawberry.field(
        description="Held per client, half-up at the penny; null with no clients or suppressed."
    )

    @staticmethod
    def of(b: HeldByRole) -> MoneyHeldByRole:
        return MoneyHeldByRole(
            role=ReportRole[b.role],
            clients=ReportCount.of(b.clients),
            held=_money(b.held),
            average=_money(b.average),
        )


@strawberry.type(
    description="Money held for the caseload's clients on a date, from the ledger (R-REP-2, "
    "seed 002 section 1.4): posted money value-dated on or before the date."
)
class MoneyHeld:
    as_at: date = strawberry.field(description="The date.")
    total: Money | None = strawberry.field(
        description="Held for every client counted; null when their count is suppressed."
    )
    clients: ReportCount = strawberry.field(description="Every client counted.")
    deputy: MoneyHeldByRole = strawberry.field(description="Deputy clients.")
    appointee: MoneyHeldByRole = strawberry.field(description="Appointee clients.")
    lodgement_threshold: Money | None = strawberry.field(
        description="The lodgement threshold in force on the date (policy figure "
        "lodgement_surplus_threshold, R-INV-2); null when none was in force."
    )
    lodgement_threshold_from: date | None = strawberry.field(
        description="The day that threshold came into force."
    )
    deputy_clients_over_threshold: ReportCount | None = strawberry.field(
        description="Deputy clients whose accounts hold the threshold or more (seed 002 1.4: "
        "'25 of the 289 active Deputy accounts'); null when no threshold was in force."
    )
    suppressed_below: int | None = strawberry.field(description=_SUPPRESSION)

    @staticmethod
    def of(r: MoneyHeldReport) -> MoneyHeld:
        by = {b.role: MoneyHeldByRole.of(b) for b in r.by_role}
        return MoneyHeld(
            as_at=r.as_at,
            total=_money(r.total),
            clients=ReportCount.of(r.total_clients),
            deputy=by["DEPUTY"],
            appointee=by["APPOINTEE"],
            lodgement_threshold=_money(r.threshold),
            lodgement_threshold_from=r.threshold_from,
            deputy_clients_over_threshold=(
                ReportCount.of(r.over_threshold) if r.over_threshold is not None else None
            ),
            suppressed_below=r.suppression_threshold,
        )
