"""Each report of this module as a CSV table (header + rows), pure functions of the report, for
the reports' CSV endpoint (issue 16 item 7). What they carry is what the ``reporting`` role may
read: no officer's name, no client, no free text (R-ROLE). Money as the API writes it (pounds
and pence, two places), percentages with four places, empty cells for unknown figures."""

from __future__ import annotations

from decimal import Decimal

from ca_api.money import format_money, format_percent
from ca_api.service_costs import service
from ca_api.service_costs.types import fte_text

Table = list[list[str]]


def _percent(value: Decimal | None) -> str:
    return format_percent(value) if value is not None else ""


def cost_and_income_rows(report: service.CostAndIncomeReport) -> Table:
    """One row per cost line, then the totals, the income and the shortfall, each a row with
    its section and item (the appendix's layout, flattened for a spreadsheet)."""
    f = report.figures
    year = f"{f.financial_year}/{(f.financial_year + 1) % 100:02d}"
    header = [
        "financial_year",
        "section",
        "item",
        "fte",
        "payroll_and_on_costs",
        "overheads",
        "amount",
    ]
    rows: Table = [header]
    for line in f.lines:
        rows.append(
            [
                year,
                "cost",
                line.title,
                fte_text(line.fte),
                format_money(line.payroll),
                format_money(line.overheads),
                format_money(line.total),
            ]
        )
    rows.append(
        [
            year,
            "cost",
            "staff",
            fte_text(f.fte),
            format_money(f.payroll),
            format_money(f.overheads),
            format_money(f.staff_cost),
        ]
    )
    rows.append([year, "cost", "bank charges", "", "", "", format_money(f.bank_charges)])
    rows.append([year, "cost", "total cost", "", "", "", format_money(f.total_cost)])
    for item, amount in (
        ("court fixed costs", f.income.court_fixed_costs),
        ("wind-up fees", f.income.wind_up_fees),
        ("small estates kept", f.income.small_estates_kept),
        ("total income", f.income.total),
    ):
        rows.append([year, "income", item, "", "", "", format_money(amount)])
    rows.append([year, "result", "shortfall", "", "", "", format_money(f.shortfall)])
    return rows


def workload_rows(report: service.WorkloadReport) -> Table:
    """The day's figures in one row, then the open items by role (never by name)."""
    header = [
        "as_at",
        "role",
        "clients",
        "fte",
        "clients_per_fte",
        "maximum_clients_per_fte",
        "excess_percent",
        "review_due",
        "open_payments",
        "open_decisions",
        "open_policy_exceptions",
        "open_items",
    ]
    day = report.as_at.isoformat()
    rows: Table = [header]
    rows.append(
        [
            day,
            "",
            str(report.clients),
            fte_text(report.fte) if report.fte is not None else "",
            str(report.clients_per_fte) if report.clients_per_fte is not None else "",
            str(int(report.maximum)) if report.maximum is not None else "",
            _percent(report.excess_percent),
            "" if report.review_due is None else str(report.review_due).lower(),
            "",
            "",
            "",
            "",
        ]
    )
    by_role: dict[str, list[int]] = {}
    for o in report.officers:
        slot = by_role.setdefault(o.role or "unknown", [0, 0, 0])
        slot[0] += o.payments
        slot[1] += o.decisions
        slot[2] += o.policy_exceptions
    for role in sorted(by_role):
        p, d, x = by_role[role]
        rows.append([day, role, "", "", "", "", "", "", str(p), str(d), str(x), str(p + d + x)])
    return rows


def policy_exception_rows(views: list[service.ExceptionView]) -> Table:
    """The register without its free text, client or names: the rule, the dates, the roles,
    the outcome and the groups it was put to."""
    header = [
        "submitted_on",
        "policy_reference",
        "submitted_by_role",
        "outcome",
        "decided_on",
        "decided_by_role",
        "referred_to",
    ]
    rows: Table = [header]
    for v in views:
        e, d = v.exception, v.decision
        rows.append(
            [
                e.submitted_on.isoformat(),
                e.policy_reference,
                e.submitted_by_role,
                d.outcome if d is not None else "",
                d.decided_on.isoformat() if d is not None else "",
                d.decided_by_role if d is not None else "",
                " ".join(d.referred_to) if d is not None else "",
            ]
        )
    return rows
