"""GraphQL types of the service's cost and income (R-REP-3), workload (D 4) and the exceptions
register (D 1.3). Nothing here carries a client's personal data; officers' names and free text
are shown to officers only (``detail``), ``reporting`` sees roles (R-ROLE)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from ca_api.auth.schema import Role
from ca_api.common.ids import node_id, node_id_or_none
from ca_api.common.node import Node
from ca_api.common.scalars import Money, Percent
from ca_api.common.types import graphql_enum
from ca_api.service_costs import rules, service
from ca_api.service_costs.models import ServiceCostRole, ServiceCostVersion

PolicyExceptionOutcome = rules.PolicyExceptionOutcome
graphql_enum(
    PolicyExceptionOutcome,
    "The governance manager's decision on an exception to the policy (seed 002 D 1.3).",
    {
        "APPROVED": "The exception is allowed.",
        "REFUSED": "The exception is not allowed: the policy applies.",
    },
)
ExceptionBody = rules.ExceptionBody
graphql_enum(
    ExceptionBody,
    "A group the governance manager puts an exception to after reviewing it (seed 002 D 1.3).",
    {
        "BSD_DMT": "Business Services Department's management team.",
        "ASC_DMT": "Adult Social Care's departmental management team.",
        "CMT": "The council's corporate management team.",
        "SCRUTINY_COMMITTEE": "The Audit, Best Value and Community Services Scrutiny Committee, "
        "where the final decision on changes to the policy resides (D 1.4).",
    },
)


def fte_text(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


@strawberry.type(description="A staff role of the cost table as recorded.")
class ServiceCostRoleEntry:
    title: str = strawberry.field(description="The role, e.g. Senior Client Affairs Officer.")
    fte: str = strawberry.field(
        description="Full time equivalents in the service, a decimal string with two places."
    )
    payroll_and_on_costs: Money = strawberry.field(description="Payroll plus on-costs a year.")
    overheads: Money | None = strawberry.field(
        description="The overheads as the source states them, where the overhead rate does not "
        "give them to the penny; null: the rate applies."
    )

    @classmethod
    def of(cls, row: ServiceCostRole) -> ServiceCostRoleEntry:
        return cls(
            title=row.title,
            fte=fte_text(row.fte),
            payroll_and_on_costs=Money(row.payroll),
            overheads=Money(row.overheads) if row.overheads is not None else None,
        )


@strawberry.type(
    description="The service's cost table from an effective date (R-REP-3, R-DATA): the staff "
    "roles, the overhead rate and the bank charges. A later version, or one recorded later for "
    "the same date, supersedes it; none is edited."
)
class ServiceCostTable(Node):
    effective_from: date = strawberry.field(description="The first day it applies.")
    overhead_rate: Percent = strawberry.field(
        description="Overheads as a percentage of payroll plus on-costs (11.1400 in the seed)."
    )
    bank_charges: Money = strawberry.field(description="Bank charges a year.")
    note: str = strawberry.field(description="Where the figures come from.")
    roles: list[ServiceCostRoleEntry] = strawberry.field(description="The roles, in order.")
    recorded_by: str | None = strawberry.field(
        description="Who recorded it (the governance manager); null for the reporting role "
        "(roles, not names)."
    )
    recorded_at: datetime = strawberry.field(description="When.")

    @classmethod
    def of(
        cls, version: ServiceCostVersion, roles: list[ServiceCostRole], *, detail: bool
    ) -> ServiceCostTable:
        return cls(
            id=node_id("ServiceCostTable", version.id),
            effective_from=version.effective_from,
            overhead_rate=Percent(Decimal(version.overhead_rate)),
            bank_charges=Money(version.bank_charges),
            note=version.note,
            roles=[ServiceCostRoleEntry.of(r) for r in roles],
            recorded_by=version.recorded_by if detail else None,
            recorded_at=version.recorded_at,
        )


@strawberry.type(description="One line of the cost: a role and what it costs a year.")
class ServiceCostLine:
    role: str = strawberry.field(description="The role's title.")
    fte: str = strawberry.field(description="Full time equivalents, two places.")
    payroll_and_on_costs: Money = strawberry.field(description="Payroll plus on-costs.")
    overheads: Money = strawberry.field(
        description="The overhead rate of payroll plus on-costs, half-up to the penny, or the "
        "source's own figure (overheadsAsStated)."
    )
    overheads_as_stated: bool = strawberry.field(
        description="True: the overheads are the figure recorded for the role, not the rate's."
    )
    total: Money = strawberry.field(description="Payroll plus on-costs plus overheads.")


@strawberry.type(
    description="Income of the financial year from the ledger (R-REP-3), by value date, "
    "nothing reversed counted."
)
class ServiceIncome:
    court_fixed_costs: Money = strawberry.field(
        description="Deputy remuneration charged to deputy clients (the Court of Protection's "
        "fixed costs, R-FEE-1): fee charges of kind DEPUTY_REMUNERATION."
    )
    wind_up_fees: Money = strawberry.field(
        description="Wind-up fees taken from deceased clients' money (R-FEE-5)."
    )
    small_estates_kept: Money = strawberry.field(
        description="Estates of the small-estate limit and less with no executor or next of "
        "kin, kept by the council (B 29.5, R-DEATH-4): estate payments made to it."
    )
    total: Money = strawberry.field(description="The three together.")


@strawberry.type(
    description="What the service cost and earned in a financial year, and the shortfall "
    "(R-REP-3, seed 002's cost and income appendix). Aggregates only."
)
class ServiceCostAndIncome:
    financial_year: int = strawberry.field(
        description="The year it starts: 2014 is 1 April 2014 to 31 March 2015."
    )
    starts_on: date = strawberry.field(description="1 April.")
    ends_on: date = strawberry.field(description="31 March.")
    costs_effective_from: date = strawberry.field(
        description="The effective date of the cost table used: the one in force on 1 April."
    )
    lines: list[ServiceCostLine] = strawberry.field(description="The staff roles, in order.")
    fte: str = strawberry.field(description="Full time equivalents in all.")
    payroll_and_on_costs: Money = strawberry.field(description="Payroll plus on-costs in all.")
    overheads: Money = strawberry.field(description="Overheads in all.")
    staff_cost: Money = strawberry.field(description="The lines' totals together.")
    bank_charges: Money = strawberry.field(description="Bank charges a year.")
    total_cost: Money = strawberry.field(description="Staff cost plus bank charges.")
    income: ServiceIncome = strawberry.field(description="The year's income, from the ledger.")
    shortfall: Money = strawberry.field(
        description="Total cost less income (below zero: a surplus)."
    )

    @classmethod
    def of(cls, report: service.CostAndIncomeReport) -> ServiceCostAndIncome:
        f = report.figures
        return cls(
            financial_year=f.financial_year,
            starts_on=report.start,
            ends_on=report.end,
            costs_effective_from=report.version.effective_from,
            lines=[
                ServiceCostLine(
                    role=line.title,
                    fte=fte_text(line.fte),
                    payroll_and_on_costs=Money(line.payroll),
                    overheads=Money(line.overheads),
                    overheads_as_stated=line.overheads_as_stated,
                    total=Money(line.total),
                )
                for line in f.lines
            ],
            fte=fte_text(f.fte),
            payroll_and_on_costs=Money(f.payroll),
            overheads=Money(f.overheads),
            staff_cost=Money(f.staff_cost),
            bank_charges=Money(f.bank_charges),
            total_cost=Money(f.total_cost),
            income=ServiceIncome(
                court_fixed_costs=Money(f.income.court_fixed_costs),
                wind_up_fees=Money(f.income.wind_up_fees),
                small_estates_kept=Money(f.income.small_estates_kept),
                total=Money(f.income.total),
            ),
            shortfall=Money(f.shortfall),
        )


@strawberry.type(
    description="Open items of one officer, or (for the reporting role) of all officers of one "
    "role: what they raised that was still open at the end of the day."
)
class OfficerOpenItems:
    officer: str | None = strawberry.field(
        description="The officer's subject; null for the reporting role (roles, not names)."
    )
    role: Role | None = strawberry.field(
        description="The officer's role in the officer directory; null if not in it."
    )
    payments: int = strawberry.field(
        description="Payments they raised, neither made nor cancelled."
    )
    decisions: int = strawberry.field(
        description="Decisions they raised, neither approved, refused nor superseded."
    )
    policy_exceptions: int = strawberry.field(
        description="Exceptions to the policy they submitted, not yet decided."
    )
    open_items: int = strawberry.field(description="All three.")


@strawberry.type(
    description="The service's workload on a date (seed 002 D 4): clients per full time "
    "equivalent against the maximum in force, and each officer's open items."
)
class ServiceWorkload:
    as_at: date = strawberry.field(description="The day.")
    clients: int = strawberry.field(
        description="Clients the service acts for that day, as deputy or appointee (each once)."
    )
    fte: str | None = strawberry.field(
        description="Full time equivalents of the cost table in force that day; null: none."
    )
    clients_per_fte: str | None = strawberry.field(
        description="Clients per FTE, half-up to two places (a decimal string); null without staff."
    )
    maximum_clients_per_fte: int | None = strawberry.field(
        description="The policy figure clients_per_fte_maximum in force; null while not agreed "
        "(D 4.1: 'yet to be agreed')."
    )
    maximum_effective_from: date | None = strawberry.field(
        description="The effective date of the maximum's row in force."
    )
    excess_percent: Percent | None = strawberry.field(
        description="How far clients per FTE are over the maximum, in percent of it, half-up to "
        "two places (below zero: under it); null while the maximum is unknown."
    )
    review_excess_percent: Percent | None = strawberry.field(
        description="The policy figure clients_per_fte_review_excess: the excess at which the "
        "governance manager seeks a review of resources (D 4.2, 'x%, to be agreed')."
    )
    review_due: bool | None = strawberry.field(
        description="True: the excess is over that figure (D 4.2); null while either is unknown."
    )
    officers: list[OfficerOpenItems] = strawberry.field(
        description="Open items by officer (by role for the reporting role), by role."
    )

    @classmethod
    def of(cls, report: service.WorkloadReport) -> ServiceWorkload:
        return cls(
            as_at=report.as_at,
            clients=report.clients,
            fte=fte_text(report.fte) if report.fte is not None else None,
            clients_per_fte=str(report.clients_per_fte)
            if report.clients_per_fte is not None
            else None,
            maximum_clients_per_fte=int(report.maximum) if report.maximum is not None else None,
            maximum_effective_from=report.maximum_effective_from,
            excess_percent=Percent(report.excess_percent)
            if report.excess_percent is not None
            else None,
            review_excess_percent=Percent(report.review_excess)
            if report.review_excess is not None
            else None,
            review_due=report.review_due,
            officers=[
                OfficerOpenItems(
                    officer=o.officer,
                    role=_role(o.role),
                    payments=o.payments,
                    decisions=o.decisions,
                    policy_exceptions=o.policy_exceptions,
                    open_items=o.total,
                )
                for o in report.officers
            ],
        )


def _role(value: str | None) -> Role | None:
    if value is None:
        return None
    try:
        return Role(value)
    except ValueError:
        return None


@strawberry.type(
    description="An exception to the policy submitted to the governance manager, and the "
    "decision (seed 002 D 1.3). The free text, the client and the officers' names are shown to "
    "officers and audit only; the reporting role sees the rule, the dates, the roles and the "
    "outcome."
)
class PolicyException(Node):
    policy_reference: str = strawberry.field(
        description="The rule or section it departs from (e.g. B 22.1)."
    )
    summary: str | None = strawberry.field(
        description="What the exception is; null for the reporting role (free text)."
    )
    client_id: strawberry.ID | None = strawberry.field(
        description="The client it concerns, if any; null for the reporting role."
    )
    submitted_on: date = strawberry.field(description="The day it was submitted.")
    submitted_by: str | None = strawberry.field(
        description="Who submitted it; null for the reporting role."
    )
    submitted_by_role: Role | None = strawberry.field(description="Their role.")
    submitted_to: Role = strawberry.field(
        description="GOVERNANCE_MANAGER: every exception goes to the Transformation and "
        "Governance Manager (D 1.3)."
    )
    outcome: PolicyExceptionOutcome | None = strawberry.field(
        description="The decision; null while it waits for one."
    )
    reason: str | None = strawberry.field(
        description="Why; null while undecided, and for the reporting role (free text)."
    )
    referred_to: list[ExceptionBody] = strawberry.field(
        description="The groups the governance manager put it to (D 1.3)."
    )
    decided_on: date | None = strawberry.field(description="The day of the decision.")
    decided_by: str | None = strawberry.field(
        description="Who decided; null while undecided, and for the reporting role."
    )
    decided_by_role: Role | None = strawberry.field(description="Their role.")

    @classmethod
    def of(cls, view: service.ExceptionView, *, detail: bool) -> PolicyException:
        e, d = view.exception, view.decision
        return cls(
            id=node_id("PolicyException", e.id),
            policy_reference=e.policy_reference,
            summary=e.summary if detail else None,
            client_id=node_id_or_none("Client", e.client_id if detail else None),
            submitted_on=e.submitted_on,
            submitted_by=e.submitted_by if detail else None,
            submitted_by_role=_role(e.submitted_by_role),
            submitted_to=Role.GOVERNANCE_MANAGER,
            outcome=PolicyExceptionOutcome(d.outcome) if d is not None else None,
            reason=d.reason if d is not None and detail else None,
            referred_to=[ExceptionBody(b) for b in d.referred_to] if d is not None else [],
            decided_on=d.decided_on if d is not None else None,
            decided_by=d.decided_by if d is not None and detail else None,
            decided_by_role=_role(d.decided_by_role) if d is not None else None,
        )
